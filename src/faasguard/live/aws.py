"""The only module that talks to a live AWS account: read-only calls → a snapshot (JSON data).

Every call goes through boto3 with the standard credential chain and endpoint
configuration (``AWS_PROFILE``, ``AWS_ENDPOINT_URL``, ...), paginators where the API pages,
and adaptive retries. Every call made is counted under its IAM action in the snapshot's
``calls`` (the audit's documented policy, :data:`POLICY_ACTIONS`, is tested to equal them).
A call that fails (access denied, throttled beyond the retries, an API the region lacks)
becomes an entry of ``errors`` and the rest of the snapshot is still taken.

Environment values never leave this module: the snapshot keeps their SHA-256 only, and for
a value that is a plaintext secret, why it is one (CONF002's verdict).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from faasguard.manifest.config import value_digest
from faasguard.rules.conf.plaintext_secret_in_environment import classify

SCHEMA = "faasguard.dev/live-snapshot/v1"

#: The IAM actions of every call the audit makes: its minimal read-only policy.
POLICY_ACTIONS = (
    "apigateway:GET",
    "cloudwatch:DescribeAlarms",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionConcurrency",
    "lambda:GetFunctionUrlConfig",
    "lambda:GetPolicy",
    "lambda:ListAliases",
    "lambda:ListCodeSigningConfigs",
    "lambda:ListEventSourceMappings",
    "lambda:ListFunctions",
    "lambda:ListVersionsByFunction",
    "logs:DescribeLogGroups",
    "signer:GetSigningProfile",
    "sts:GetCallerIdentity",
    "wafv2:GetWebACLForResource",
)
#: Service names of botocore whose IAM prefix differs, and API Gateway's HTTP-verb actions.
_IAM_PREFIX = {"monitoring": "cloudwatch", "apigatewayv2": "apigateway"}
_VERB_ACTIONS = frozenset({"apigateway", "apigatewayv2"})
_NOT_FOUND = ("ResourceNotFoundException", "NoSuchEntity", "NotFoundException")
#: Functions read in parallel within one region.
FUNCTION_WORKERS = 8


def iam_action(service_id: str, operation: str) -> str:
    """The IAM action a botocore call needs (``lambda:GetPolicy``, ``apigateway:GET``)."""
    prefix = _IAM_PREFIX.get(service_id, service_id)
    if service_id in _VERB_ACTIONS:
        return f"{prefix}:GET"
    return f"{prefix}:{operation}"


@dataclass(slots=True)
class _Recorder:
    """Counts calls by IAM action and collects failures, from every thread."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def before_call(self, service: str, model: Any, **_: Any) -> None:
        """botocore's ``before-call`` event: count the call under its IAM action."""
        action = iam_action(service, model.name)
        with self.lock:
            self.calls[action] += 1

    def failed(self, call: str, resource: str, exc: Exception) -> None:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        with self.lock:
            first_line = (str(exc).splitlines() or [""])[0][:300]
            self.errors.append(
                {"call": call, "resource": resource, "error": f"{code}: {first_line}"}
            )


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


class _Reader:
    """Reads one account and region with clients made from one boto3 session."""

    def __init__(self, session: Any, region: str, recorder: _Recorder) -> None:
        from botocore.config import Config  # noqa: PLC0415 - boto3 only when auditing

        config = Config(retries={"mode": "adaptive", "max_attempts": 8}, max_pool_connections=16)
        self.recorder = recorder
        self.region = region
        self.clients: dict[str, Any] = {}
        for service in (
            "lambda",
            "iam",
            "logs",
            "cloudwatch",
            "apigateway",
            "apigatewayv2",
            "wafv2",
            "signer",
            "sts",
        ):
            client = session.client(service, region_name=region, config=config)
            client.meta.events.register(
                "before-call", functools.partial(self.recorder.before_call, service)
            )
            self.clients[service] = client

    def call(self, service: str, operation: str, resource: str = "", **kwargs: Any) -> Any:
        """One call; ``None`` when the resource does not exist or the call failed (recorded)."""
        try:
            return getattr(self.clients[service], operation)(**kwargs)
        except Exception as exc:  # botocore raises many classes; every failure is recorded
            if _code(exc) in _NOT_FOUND:
                return None
            self.recorder.failed(f"{service}:{operation}", resource, exc)
            return None

    def pages(self, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item under ``key`` of every page; what was read before a failure is kept."""
        items: list[Any] = []
        try:
            for page in self.clients[service].get_paginator(operation).paginate(**kwargs):
                items.extend(page.get(key, []))
        except Exception as exc:  # recorded as above
            self.recorder.failed(f"{service}:{operation}", "", exc)
        return items


def _plaintext_secrets(variables: dict[str, Any]) -> dict[str, str]:
    """Why each variable holding a plaintext secret is one (CONF002's own verdict): the
    snapshot keeps the verdict and the digest, never the value."""
    found: dict[str, str] = {}
    for name, value in sorted(variables.items()):
        verdict = classify(str(name), value)
        if verdict is not None:
            found[str(name)] = verdict[0]
    return found


def _function(reader: _Reader, listed: dict[str, Any]) -> dict[str, Any]:
    """One function's snapshot entry from its ``ListFunctions`` entry and per-function calls."""
    name, arn = listed["FunctionName"], listed["FunctionArn"]
    policy = reader.call("lambda", "get_policy", arn, FunctionName=name)
    url = reader.call("lambda", "get_function_url_config", arn, FunctionName=name)
    signing = reader.call("lambda", "get_function_code_signing_config", arn, FunctionName=name)
    concurrency = reader.call("lambda", "get_function_concurrency", arn, FunctionName=name)
    aliases = reader.pages("lambda", "list_aliases", "Aliases", FunctionName=name)
    versions = reader.pages("lambda", "list_versions_by_function", "Versions", FunctionName=name)
    variables = (listed.get("Environment") or {}).get("Variables") or {}
    return {
        "FunctionName": name,
        "FunctionArn": arn,
        "Runtime": listed.get("Runtime"),
        "Handler": listed.get("Handler"),
        "Role": listed.get("Role"),
        "CodeSha256": listed.get("CodeSha256"),
        "PackageType": listed.get("PackageType", "Zip"),
        "Timeout": listed.get("Timeout"),
        "MemorySize": listed.get("MemorySize"),
        "Environment": {k: value_digest(v) for k, v in sorted(variables.items())},
        "PlaintextSecrets": _plaintext_secrets(variables),
        "KMSKeyArn": listed.get("KMSKeyArn"),
        "Layers": [layer.get("Arn") for layer in listed.get("Layers") or []],
        "TracingMode": (listed.get("TracingConfig") or {}).get("Mode"),
        "DeadLetterTarget": (listed.get("DeadLetterConfig") or {}).get("TargetArn"),
        "SigningProfileVersionArn": listed.get("SigningProfileVersionArn"),
        "SigningJobArn": listed.get("SigningJobArn"),
        "Policy": policy.get("Policy") if policy else None,
        "Url": {"AuthType": url.get("AuthType"), "Cors": url.get("Cors")} if url else None,
        "CodeSigningConfigArn": (signing or {}).get("CodeSigningConfigArn") or None,
        "ReservedConcurrency": (concurrency or {}).get("ReservedConcurrentExecutions"),
        "Aliases": [
            {"Name": a.get("Name"), "FunctionVersion": a.get("FunctionVersion")} for a in aliases
        ],
        "Versions": {
            str(v.get("Version")): v.get("CodeSha256")
            for v in versions
            if v.get("Version") != "$LATEST"
        },
    }


def _role(reader: _Reader, arn: str, account: str) -> dict[str, Any] | None:
    """The role's documents; ``None`` (and an error entry) for a role of another account,
    which this account's credentials cannot read (``GetRole`` takes a name, not an ARN)."""
    parts = arn.split(":")
    if account.isdigit() and len(parts) > 4 and parts[4] and parts[4] != account:
        reader.recorder.failed(
            "iam:get_role", arn, RuntimeError("the role belongs to another account")
        )
        return None
    name = arn.rsplit("/", 1)[-1]
    got = reader.call("iam", "get_role", arn, RoleName=name)
    if got is None:
        return None
    role = got["Role"]
    inline: dict[str, Any] = {}
    for policy_name in reader.pages("iam", "list_role_policies", "PolicyNames", RoleName=name):
        document = reader.call("iam", "get_role_policy", arn, RoleName=name, PolicyName=policy_name)
        inline[policy_name] = document.get("PolicyDocument") if document else None
    attached = []
    for policy in reader.pages(
        "iam", "list_attached_role_policies", "AttachedPolicies", RoleName=name
    ):
        policy_arn = policy["PolicyArn"]
        document = None
        if ":aws:policy/" not in policy_arn:  # AWS managed documents ship with faasguard
            meta = reader.call("iam", "get_policy", policy_arn, PolicyArn=policy_arn)
            version = (meta or {}).get("Policy", {}).get("DefaultVersionId")
            if version:
                got_version = reader.call(
                    "iam", "get_policy_version", policy_arn, PolicyArn=policy_arn, VersionId=version
                )
                document = (got_version or {}).get("PolicyVersion", {}).get("Document")
        attached.append({"PolicyArn": policy_arn, "Document": document})
    return {
        "RoleName": role.get("RoleName"),
        "Arn": role.get("Arn"),
        "AssumeRolePolicyDocument": role.get("AssumeRolePolicyDocument"),
        "PermissionsBoundary": (role.get("PermissionsBoundary") or {}).get(
            "PermissionsBoundaryArn"
        ),
        "InlinePolicies": inline,
        "AttachedPolicies": attached,
    }


def _apis(reader: _Reader, account: str) -> list[dict[str, Any]]:
    apis: list[dict[str, Any]] = []
    for api in reader.pages("apigateway", "get_rest_apis", "items"):
        stages = (
            reader.call("apigateway", "get_stages", api["id"], restApiId=api["id"]) or {}
        ).get("item", [])
        entries = []
        for stage in stages:
            stage_arn = (
                f"arn:aws:apigateway:{reader.region}::/restapis/{api['id']}"
                f"/stages/{stage['stageName']}"
            )
            waf = reader.call("wafv2", "get_web_acl_for_resource", stage_arn, ResourceArn=stage_arn)
            entries.append(
                {
                    "stageName": stage["stageName"],
                    "webAclArn": ((waf or {}).get("WebACL") or {}).get("ARN")
                    or stage.get("webAclArn"),
                    "methodSettings": stage.get("methodSettings") or {},
                    "tracingEnabled": stage.get("tracingEnabled", False),
                    "accessLogging": bool(stage.get("accessLogSettings")),
                }
            )
        apis.append({"id": api["id"], "name": api.get("name"), "kind": "rest", "stages": entries})
    for api in reader.pages("apigatewayv2", "get_apis", "Items"):
        stages = reader.pages("apigatewayv2", "get_stages", "Items", ApiId=api["ApiId"])
        apis.append(
            {
                "id": api["ApiId"],
                "name": api.get("Name"),
                "kind": str(api.get("ProtocolType", "HTTP")).lower(),
                "stages": [{"stageName": s.get("StageName"), "webAclArn": None} for s in stages],
            }
        )
    return apis


#: ``arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME/VERSION``
_PROFILE_ARN = re.compile(
    r"^arn:aws[\w-]*:signer:[^:]*:(?P<account>\d*):/signing-profiles/(?P<name>[^/]+)"
)


def _signing_profiles(
    reader: _Reader, account: str, version_arns: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The AWS Signer profiles that signed deployed code or that a code-signing config
    trusts (``GetSigningProfile`` once per profile): status and revocation, by profile ARN
    without its version."""
    profiles: dict[str, dict[str, Any]] = {}
    for version_arn in sorted(set(version_arns)):
        match = _PROFILE_ARN.match(version_arn)
        if match is None:
            continue
        key = version_arn[: match.end()]
        if key in profiles:
            continue
        owner = match.group("account")
        extra = {"profileOwner": owner} if owner and owner != account else {}
        found = reader.call(
            "signer", "get_signing_profile", key, profileName=match.group("name"), **extra
        )
        if found is None:
            continue
        revocation = found.get("revocationRecord") or {}
        profiles[key] = {
            "profileVersionArn": found.get("profileVersionArn"),
            "status": found.get("status"),
            "revokedAt": _iso(revocation.get("revokedAt")),
            "revocationEffectiveFrom": _iso(revocation.get("revocationEffectiveFrom")),
            "revokedBy": revocation.get("revokedBy"),
        }
    return profiles


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return str(value) if value else None


def read_region(session: Any, region: str, account_label: str = "") -> dict[str, Any]:
    """The snapshot of one account and region (see :data:`SCHEMA`)."""
    recorder = _Recorder()
    reader = _Reader(session, region, recorder)
    identity = reader.call("sts", "get_caller_identity") or {}
    account = str(identity.get("Account") or account_label or "unknown")
    listed = reader.pages("lambda", "list_functions", "Functions")
    with ThreadPoolExecutor(max_workers=FUNCTION_WORKERS) as pool:
        functions = list(pool.map(lambda entry: _function(reader, entry), listed))
    role_arns = sorted({str(fn["Role"]) for fn in functions if fn.get("Role")})
    with ThreadPoolExecutor(max_workers=FUNCTION_WORKERS) as pool:
        roles = dict(
            zip(
                role_arns, pool.map(lambda arn: _role(reader, arn, account), role_arns), strict=True
            )
        )
    signing_configs = [
        {
            "CodeSigningConfigArn": c.get("CodeSigningConfigArn"),
            "UntrustedArtifactOnDeployment": (c.get("CodeSigningPolicies") or {}).get(
                "UntrustedArtifactOnDeployment"
            ),
            "SigningProfileVersionArns": (c.get("AllowedPublishers") or {}).get(
                "SigningProfileVersionArns", []
            ),
        }
        for c in reader.pages("lambda", "list_code_signing_configs", "CodeSigningConfigs")
    ]
    snapshot = {
        "account": account,
        "region": region,
        "takenAt": dt.datetime.now(dt.UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "functions": sorted(functions, key=lambda fn: str(fn["FunctionName"])),
        "eventSourceMappings": [
            {k: m.get(k) for k in ("UUID", "EventSourceArn", "FunctionArn", "State")}
            for m in reader.pages("lambda", "list_event_source_mappings", "EventSourceMappings")
        ],
        "codeSigningConfigs": signing_configs,
        "signingProfiles": _signing_profiles(
            reader,
            account,
            [
                str(fn["SigningProfileVersionArn"])
                for fn in functions
                if fn.get("SigningProfileVersionArn")
            ]
            + [str(a) for c in signing_configs for a in c["SigningProfileVersionArns"] or ()],
        ),
        "roles": {arn: role for arn, role in roles.items() if role is not None},
        "logGroups": [
            {"logGroupName": g.get("logGroupName"), "retentionInDays": g.get("retentionInDays")}
            for g in reader.pages(
                "logs", "describe_log_groups", "logGroups", logGroupNamePrefix="/aws/lambda/"
            )
        ],
        "alarms": [
            {
                "AlarmName": a.get("AlarmName"),
                "Namespace": a.get("Namespace"),
                "MetricName": a.get("MetricName"),
                "Dimensions": {d["Name"]: d["Value"] for d in a.get("Dimensions") or []},
            }
            for a in reader.pages("cloudwatch", "describe_alarms", "MetricAlarms")
        ],
        "apis": _apis(reader, account),
    }
    snapshot["calls"] = dict(sorted(recorder.calls.items()))
    snapshot["errors"] = recorder.errors
    return snapshot


def read_accounts(
    sessions: list[tuple[str, Any]],
    regions: list[str],
    *,
    workers: int = 4,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The snapshot of every (profile session, region), read ``workers`` at a time."""
    jobs = [(label, session, region) for label, session in sessions for region in regions]
    done: list[dict[str, Any]] = []
    if progress:
        progress(0, len(jobs))

    def one(job: tuple[str, Any, str]) -> dict[str, Any]:
        return read_region(job[1], job[2], job[0])

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for snapshot in pool.map(one, jobs):
            done.append(snapshot)
            if progress:
                progress(len(done), len(jobs))
    return {"schema": SCHEMA, "accounts": done}


def regions_of(snapshot: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The per-account-and-region parts of a snapshot."""
    yield from snapshot.get("accounts", [])
