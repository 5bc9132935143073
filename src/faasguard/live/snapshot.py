"""A snapshot of a live account → the one model, so every rule of ``scan`` runs on it too.

One :class:`~faasguard.model.App` per account and region (named ``ACCOUNT/REGION``,
format ``live``). Every element's location names its ARN (``Location.file`` is the ARN,
``pointer`` the field, as ``GetFunctionConfiguration`` names it), and reports show it as is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faasguard.errors import UsageError
from faasguard.live.aws import SCHEMA
from faasguard.manifest.config import UNKNOWN
from faasguard.model import (
    Alarm,
    Api,
    App,
    CodeLocation,
    CodeSigningConfig,
    Diagnostic,
    DiagnosticLevel,
    Function,
    FunctionUrl,
    LambdaPermission,
    LiveFunction,
    LiveState,
    Location,
    LogGroup,
    Policy,
    Resource,
    Role,
    Stage,
    Statement,
    Trigger,
    TriggerKind,
    Unknown,
    WebAclAssociation,
)

LIVE_FORMAT = "live"
#: Diagnostic code of a call the audit could not make (denied, failed): a partial result.
PARTIAL = "live-partial"
_ESM_KINDS = {
    "sqs": TriggerKind.SQS,
    "kinesis": TriggerKind.KINESIS,
    "dynamodb": TriggerKind.DYNAMODB_STREAM,
    "kafka": TriggerKind.KAFKA,
    "mq": TriggerKind.MQ,
}


def read_snapshot(path: Path) -> dict[str, Any]:
    """A snapshot file; :class:`UsageError` naming the file (and line) when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the snapshot: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid snapshot JSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise UsageError(f"{path}: not a faasguard snapshot (schema must be '{SCHEMA}')")
    if not isinstance(data.get("accounts"), list) or not all(
        isinstance(a, dict) for a in data["accounts"]
    ):
        raise UsageError(f"{path}: 'accounts' must be a list of objects")
    return data


def _statements(document: object, location: Location) -> tuple[Statement, ...]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return ()
    raw = document.get("Statement", []) if isinstance(document, Mapping) else []
    entries = raw if isinstance(raw, list) else [raw]
    found = (Statement.from_document(entry, location) for entry in entries)
    return tuple(s for s in found if isinstance(s, Statement))


def _role(arn: str, data: Mapping[str, Any] | None) -> Role:
    location = Location(file=arn)
    if data is None:  # not readable: the engine treats an unresolved policy as "may allow anything"
        return Role(
            ref=arn,
            name=arn.rsplit("/", 1)[-1],
            arn=arn,
            policies=(
                Policy(
                    name="(not readable)",
                    unresolved=Unknown(arn, reason="the role could not be read"),
                    location=location,
                ),
            ),
            external=True,
            location=location,
        )
    policies = [
        Policy(
            name=name,
            statements=_statements(document, Location(file=arn, pointer=f"/RolePolicies/{name}")),
            location=Location(file=arn, pointer=f"/RolePolicies/{name}"),
        )
        for name, document in sorted((data.get("InlinePolicies") or {}).items())
    ]
    managed: list[str] = []
    for attached in data.get("AttachedPolicies") or []:
        policy_arn = str(attached.get("PolicyArn"))
        if attached.get("Document") is None:
            managed.append(policy_arn)
            continue
        policies.append(
            Policy(
                name=policy_arn.rsplit("/", 1)[-1],
                arn=policy_arn,
                managed=True,
                statements=_statements(attached["Document"], Location(file=policy_arn)),
                location=Location(file=policy_arn),
            )
        )
    trust = data.get("AssumeRolePolicyDocument")
    return Role(
        ref=arn,
        name=data.get("RoleName"),
        arn=arn,
        assume_role_policy=Policy(
            name="trust", statements=_statements(trust, location), location=location
        )
        if trust
        else None,
        policies=tuple(policies),
        managed_policy_arns=tuple(managed),
        permissions_boundary=data.get("PermissionsBoundary"),
        location=location,
    )


def _permissions(fn: Mapping[str, Any], arn: str) -> list[LambdaPermission]:
    """The function's resource policy, one :class:`LambdaPermission` per statement."""
    permissions: list[LambdaPermission] = []
    for index, statement in enumerate(_statements(fn.get("Policy"), Location(file=arn))):
        if not statement.allows:
            continue
        principal: object = "*"
        for values in statement.principals.values():
            principal = values[0] if values else "*"
        conditions = {k: v for entries in statement.conditions.values() for k, v in entries.items()}

        def first(key: str, found: Mapping[str, tuple[Any, ...]] = conditions) -> Any:
            values = found.get(key)
            return values[0] if values else None

        permissions.append(
            LambdaPermission(
                ref=f"{fn['FunctionName']}/policy/{statement.sid or index}",
                type="AWS::Lambda::Permission",
                function=str(fn["FunctionName"]),
                action=str(statement.actions[0]) if statement.actions else "lambda:InvokeFunction",
                principal=principal if isinstance(principal, str | Unknown) else str(principal),
                source_arn=first("AWS:SourceArn"),
                source_account=first("AWS:SourceAccount"),
                principal_org_id=first("aws:PrincipalOrgID"),
                function_url_auth_type=first("lambda:FunctionUrlAuthType"),
                location=Location(file=arn, pointer=f"/Policy/Statement/{index}"),
            )
        )
    return permissions


def _environment(fn: Mapping[str, Any]) -> dict[str, Unknown]:
    """Environment values as the snapshot keeps them: digests; a plaintext secret is marked
    as one, with the reason recorded when it was read (CONF002 reports it, value unseen)."""
    secrets = fn.get("PlaintextSecrets") or {}
    values: dict[str, Unknown] = {}
    for name, digest in (fn.get("Environment") or {}).items():
        if name in secrets:
            values[name] = Unknown(str(digest), reason=str(secrets[name]), literal_secret=True)
        elif digest != UNKNOWN:
            values[name] = Unknown(str(digest), reason="a live value; faasguard keeps its digest")
        else:
            values[name] = Unknown(UNKNOWN)
    return values


def _function(fn: Mapping[str, Any], roles: Mapping[str, Any], esms: list[Any]) -> Function:
    arn = str(fn["FunctionArn"])

    def at(field: str) -> Location:
        return Location(file=arn, pointer=f"/{field}")

    role_arn = fn.get("Role")
    url = fn.get("Url")
    triggers = []
    for mapping in esms:
        if mapping.get("FunctionArn") != arn:
            continue
        source = str(mapping.get("EventSourceArn") or "")
        service = source.split(":")[2] if source.count(":") >= 2 else ""
        triggers.append(
            Trigger(
                kind=_ESM_KINDS.get(service, TriggerKind.OTHER),
                name=str(mapping.get("UUID", "")),
                source=source,
                location=Location(file=source or arn),
            )
        )
    return Function(
        ref=str(fn["FunctionName"]),
        name=str(fn["FunctionName"]),
        runtime=fn.get("Runtime"),
        handler=fn.get("Handler"),
        code=CodeLocation(kind="image" if fn.get("PackageType") == "Image" else "live"),
        package_type=str(fn.get("PackageType") or "Zip"),
        memory=fn.get("MemorySize"),
        timeout=fn.get("Timeout"),
        environment=_environment(fn),
        kms_key=fn.get("KMSKeyArn"),
        role=_role(str(role_arn), roles.get(str(role_arn))) if role_arn else None,
        layers=tuple(str(layer) for layer in fn.get("Layers") or []),
        reserved_concurrency=fn.get("ReservedConcurrency"),
        tracing=fn.get("TracingMode"),
        dead_letter_target=fn.get("DeadLetterTarget"),
        url=FunctionUrl(auth_type=str(url.get("AuthType")), location=at("Url/AuthType"))
        if url
        else None,
        code_signing_config=fn.get("CodeSigningConfigArn"),
        triggers=tuple(triggers),
        field_locations={
            name: at(pointer)
            for name, pointer in (
                ("runtime", "Runtime"),
                ("timeout", "Timeout"),
                ("memory", "MemorySize"),
                ("layers", "Layers"),
                ("role", "Role"),
                ("reserved_concurrency", "ReservedConcurrency"),
                ("handler", "Handler"),
            )
        },
        location=Location(file=arn),
    )


def _signing_profile(region: Mapping[str, Any], version_arn: object) -> dict[str, str | None]:
    """The status (and revocation) of the Signer profile that signed a function's code."""
    profiles = region.get("signingProfiles")
    if not isinstance(version_arn, str) or not isinstance(profiles, Mapping):
        return {}
    for key, profile in profiles.items():
        if isinstance(profile, Mapping) and version_arn.startswith(f"{key}/"):
            return {
                "signing_profile_status": _text(profile.get("status")),
                "signing_revoked_from": _text(
                    profile.get("revocationEffectiveFrom") or profile.get("revokedAt")
                ),
                "signing_revoked_by": _text(profile.get("revokedBy")),
            }
    return {}


def _text(value: object) -> str | None:
    return str(value) if value else None


def _resources(region: Mapping[str, Any]) -> list[Resource]:
    resources: list[Resource] = []
    for config in region.get("codeSigningConfigs") or []:
        arn = str(config.get("CodeSigningConfigArn"))
        resources.append(
            CodeSigningConfig(
                ref=arn,
                type="AWS::Lambda::CodeSigningConfig",
                policy=config.get("UntrustedArtifactOnDeployment"),
                signing_profiles=tuple(config.get("SigningProfileVersionArns") or ()),
                location=Location(file=arn),
            )
        )
    account, name = region.get("account", ""), region.get("region", "")
    for group in region.get("logGroups") or []:
        group_name = str(group.get("logGroupName"))
        arn = f"arn:aws:logs:{name}:{account}:log-group:{group_name}"
        resources.append(
            LogGroup(
                ref=group_name,
                type="AWS::Logs::LogGroup",
                log_group_name=group_name,
                retention_days=group.get("retentionInDays"),
                location=Location(file=arn),
            )
        )
    for alarm in region.get("alarms") or []:
        alarm_name = str(alarm.get("AlarmName"))
        resources.append(
            Alarm(
                ref=alarm_name,
                type="AWS::CloudWatch::Alarm",
                namespace=alarm.get("Namespace"),
                metric_name=alarm.get("MetricName"),
                dimensions=dict(alarm.get("Dimensions") or {}),
                location=Location(file=f"arn:aws:cloudwatch:{name}:{account}:alarm:{alarm_name}"),
            )
        )
    for api in region.get("apis") or []:
        collection = "restapis" if api.get("kind") == "rest" else "apis"
        api_arn = f"arn:aws:apigateway:{name}::/{collection}/{api.get('id')}"
        stages = [str(s.get("stageName")) for s in api.get("stages") or []]
        resources.append(
            Api(
                ref=str(api.get("id")),
                type="AWS::ApiGateway::RestApi",
                name=api.get("name"),
                kind=str(api.get("kind")),
                stages=tuple(stages),
                location=Location(file=api_arn),
            )
        )
        for stage in api.get("stages") or []:
            stage_arn = f"{api_arn}/stages/{stage.get('stageName')}"
            resources.append(
                Stage(
                    ref=stage_arn,
                    type="AWS::ApiGateway::Stage",
                    api=str(api.get("id")),
                    stage_name=stage.get("stageName"),
                    access_logging=bool(stage.get("accessLogging")),
                    tracing=bool(stage.get("tracingEnabled")),
                    location=Location(file=stage_arn),
                )
            )
            if stage.get("webAclArn"):
                resources.append(
                    WebAclAssociation(
                        ref=f"{stage_arn}/waf",
                        type="AWS::WAFv2::WebACLAssociation",
                        web_acl=str(stage["webAclArn"]),
                        target=stage_arn,
                        location=Location(file=stage_arn),
                    )
                )
    return resources


#: Calls without which nothing of a region is audited: their failure is an error (exit 2),
#: so that an audit without credentials or permissions never passes as clean.
_ESSENTIAL = frozenset({"lambda:list_functions"})


def _diagnostics(region: Mapping[str, Any], label: str) -> list[Diagnostic]:
    return [
        Diagnostic(
            level=DiagnosticLevel.ERROR
            if error.get("call") in _ESSENTIAL
            else DiagnosticLevel.WARNING,
            message=(
                f"{label}: {error.get('call')} failed"
                f"{' for ' + str(error['resource']) if error.get('resource') else ''}: "
                f"{error.get('error')}; that part of the account was not audited"
            ),
            location=Location(file=str(error.get("resource") or f"aws://{label}")),
            code=PARTIAL,
        )
        for error in region.get("errors") or []
    ]


def _alias_hashes(fn: Mapping[str, Any]) -> dict[str, str]:
    """Alias name → the code hash of the version it invokes (``$LATEST``'s for that one)."""
    versions = dict(fn.get("Versions") or {})
    versions["$LATEST"] = fn.get("CodeSha256")
    return {
        str(alias.get("Name")): str(versions[str(alias.get("FunctionVersion"))])
        for alias in fn.get("Aliases") or []
        if versions.get(str(alias.get("FunctionVersion")))
    }


def snapshot_app(region: Mapping[str, Any], source: str) -> App:
    """The :class:`App` of one account and region of a snapshot read from ``source``."""
    label = f"{region.get('account', 'unknown')}/{region.get('region', 'unknown')}"
    roles = region.get("roles") or {}
    esms = list(region.get("eventSourceMappings") or [])
    functions, resources, live = [], _resources(region), []
    for fn in region.get("functions") or []:
        if not isinstance(fn, Mapping) or "FunctionName" not in fn or "FunctionArn" not in fn:
            continue
        functions.append(_function(fn, roles, esms))
        resources.extend(_permissions(fn, str(fn["FunctionArn"])))
        live.append(
            LiveFunction(
                name=str(fn["FunctionName"]),
                arn=str(fn["FunctionArn"]),
                code_sha256=str(fn.get("CodeSha256") or ""),
                package_type=str(fn.get("PackageType") or "Zip"),
                signing_profile_version_arn=fn.get("SigningProfileVersionArn"),
                **_signing_profile(region, fn.get("SigningProfileVersionArn")),
                aliases=_alias_hashes(fn),
                location=Location(file=str(fn["FunctionArn"]), pointer="/CodeSha256"),
            )
        )
    role_models = {f.role.ref: f.role for f in functions if f.role is not None}
    return App(
        name=label,
        format=LIVE_FORMAT,
        # not the snapshot's file: fingerprints must not depend on where it was saved
        root_file=f"aws://{label}",
        files=(source,),
        functions=tuple(functions),
        roles=tuple(role_models.values()),
        resources=tuple(resources),
        diagnostics=tuple(_diagnostics(region, label)),
        live=LiveState(
            account=str(region.get("account", "")),
            region=str(region.get("region", "")),
            functions=tuple(live),
        ),
    )
