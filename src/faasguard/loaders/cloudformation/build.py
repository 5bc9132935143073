"""Build the model from a (plain CloudFormation) template: functions, roles, triggers, resources.

:func:`build_parts` is shared: the CloudFormation/SAM/CDK loader calls it on the template
(after the SAM transform when there is one) and the Serverless Framework loader calls it on
its ``resources`` section. It resolves intrinsics itself (:mod:`.intrinsics`).

Linking works on logical ids: ``Ref`` to a resource resolves to its logical id and
``Fn::GetAtt X.Arn`` to an ARN placeholder that :meth:`Resolver.ref_of` maps back to ``X``.
Resources the template references but does not declare (the Serverless Framework's
generated functions, log groups, role, APIs) can be passed as ``external``: references to
them resolve like CloudFormation would and link to the model ref of what they become.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from faasguard.loaders.cloudformation.intrinsics import ExternalResource, Resolver, expression_text
from faasguard.loaders.cloudformation.values import (
    as_bool,
    as_float,
    as_int,
    as_str,
    as_str_tuple,
    get,
    items,
    mapping,
    tags,
)
from faasguard.loaders.documents import escape_pointer_token
from faasguard.model import (
    Alarm,
    Api,
    Bucket,
    CodeLocation,
    CodeSigningConfig,
    Cors,
    Diagnostic,
    DiagnosticLevel,
    Function,
    FunctionUrl,
    HttpSettings,
    KmsKey,
    LambdaPermission,
    Layer,
    Location,
    LoggingConfig,
    LogGroup,
    MaybeStr,
    Policy,
    PublicAccessBlock,
    Queue,
    Resource,
    ResourcePolicy,
    Role,
    Stage,
    Statement,
    Stream,
    Suppression,
    Table,
    Throttling,
    Topic,
    Trigger,
    TriggerKind,
    Unknown,
    UserPool,
    VpcConfig,
    WebAcl,
    WebAclAssociation,
)

Locate = Callable[[str], Location]


@dataclass
class TemplateParts:
    """What :func:`build_parts` found in one template."""

    functions: list[Function]
    layers: list[Layer]
    roles: list[Role]
    resources: list[Resource]
    diagnostics: list[Diagnostic]
    suppressions: list[Suppression]
    #: triggers whose target function is not in ``functions`` (key = function logical id or
    #: name as referenced, e.g. ``HelloLambdaFunction`` for a Serverless function)
    extra_triggers: dict[str, list[Trigger]] = field(default_factory=dict)
    #: the template's parameters as resolved (override, else default, else Unknown)
    parameters: dict[str, Any] = field(default_factory=dict)


#: function model field → CloudFormation property path (for ``field_locations``)
FUNCTION_FIELDS: Mapping[str, str] = {
    "runtime": "Runtime",
    "handler": "Handler",
    "memory": "MemorySize",
    "timeout": "Timeout",
    "architectures": "Architectures",
    "environment": "Environment",
    "kms_key": "KmsKeyArn",
    "role": "Role",
    "layers": "Layers",
    "reserved_concurrency": "ReservedConcurrentExecutions",
    "tracing": "TracingConfig",
    "dead_letter_target": "DeadLetterConfig",
    "vpc": "VpcConfig",
    "code_signing_config": "CodeSigningConfigArn",
    "logging": "LoggingConfig",
    "tags": "Tags",
    "name": "FunctionName",
    "code": "Code",
}

_FUNCTION_ARN = re.compile(r":function:([A-Za-z0-9_.-]+)")
_INVOCATION_URI = re.compile(r"/functions/(.+?)/invocations")
_REFERENCED = re.compile(r'^\{"(?:Ref|Fn::GetAtt)":\[?"([A-Za-z0-9]+)')
_SUB_REFERENCED = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.Arn)?\}")
_STAGE_ARN = re.compile(r"/restapis/([^/]+)/stages/([^/]+)")
_APIS_ARN = re.compile(r"/apis/([^/]+)/stages/([^/]+)")

_ESM_KINDS: Mapping[str, TriggerKind] = {
    "AWS::SQS::Queue": TriggerKind.SQS,
    "AWS::Kinesis::Stream": TriggerKind.KINESIS,
    "AWS::Kinesis::StreamConsumer": TriggerKind.KINESIS,
    "AWS::DynamoDB::Table": TriggerKind.DYNAMODB_STREAM,
    "AWS::DynamoDB::GlobalTable": TriggerKind.DYNAMODB_STREAM,
    "AWS::MSK::Cluster": TriggerKind.KAFKA,
    "AWS::MSK::ServerlessCluster": TriggerKind.KAFKA,
    "AWS::AmazonMQ::Broker": TriggerKind.MQ,
}
_ARN_SERVICE_KINDS: Mapping[str, TriggerKind] = {
    "sqs": TriggerKind.SQS,
    "kinesis": TriggerKind.KINESIS,
    "dynamodb": TriggerKind.DYNAMODB_STREAM,
    "kafka": TriggerKind.KAFKA,
    "mq": TriggerKind.MQ,
}
_AUTH_TYPES: Mapping[str, str] = {
    "NONE": "NONE",
    "AWS_IAM": "AWS_IAM",
    "CUSTOM": "CUSTOM",
    "COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
    "JWT": "JWT",
    "REQUEST": "CUSTOM",
    "TOKEN": "CUSTOM",
}
_SKIP_AS_RESOURCE = frozenset(
    {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::LayerVersion"}
)


def build_parts(
    template: Mapping[str, Any],
    *,
    file: str,
    locate: Callable[[str], Location],
    parameters: Mapping[str, Any] | None = None,
    code_locations: Mapping[str, CodeLocation] | None = None,
    metadata: Mapping[str, Any] | None = None,
    external: Mapping[str, ExternalResource] | None = None,
) -> TemplateParts:
    """Build functions, layers, roles, resources and triggers from a CloudFormation template.

    ``template`` is unresolved (intrinsics are resolved here with ``parameters`` as
    overrides); ``locate`` maps a JSON pointer into it to the user's line.
    ``code_locations`` maps placeholder S3 URIs (``s3://bucket/key``) substituted for local
    paths back to the real code location; ``metadata`` overrides each resource's
    ``Metadata`` by logical id (for SAM, whose transform drops it). ``external`` declares
    resources created outside the template that it may reference (see
    :class:`ExternalResource`); a reference to an external function links to its
    ``model_ref`` (triggers, permissions, alarms). Never raises for bad input: problems
    become diagnostics.
    """
    builder = _Builder(
        template, file, locate, parameters, code_locations or {}, metadata, external or {}
    )
    return builder.build()


class _Builder:
    def __init__(
        self,
        template: Mapping[str, Any],
        file: str,
        locate: Locate,
        parameters: Mapping[str, Any] | None,
        code_locations: Mapping[str, CodeLocation],
        metadata: Mapping[str, Any] | None,
        external: Mapping[str, ExternalResource],
    ) -> None:
        self.file = file
        self.locate = locate
        self.code_locations = code_locations
        self.metadata_override = metadata
        self.diagnostics: list[Diagnostic] = []
        self.suppressions: list[Suppression] = []
        self.resolver = Resolver(template, parameters, external)
        #: external logical id → the model ref it becomes (when that is not the logical id)
        self.external_refs: dict[str, str] = {
            lid: resource.model_ref
            for lid, resource in self.resolver.external.items()
            if resource.model_ref is not None
        }
        self.external_functions = {
            ref
            for lid, ref in self.external_refs.items()
            if self.resolver.external[lid].type == "AWS::Lambda::Function"
        }
        raw_resources = template.get("Resources")
        if not isinstance(raw_resources, Mapping):
            if raw_resources is not None:
                self.error("'Resources' must be a mapping", "/Resources")
            raw_resources = {}
        self.types: dict[str, str] = {}
        self.raw: dict[str, Mapping[str, Any]] = {}
        for logical_id, resource in raw_resources.items():
            if not isinstance(logical_id, str):
                continue
            if not isinstance(resource, Mapping):
                self.error(f"resource {logical_id} must be a mapping", self.ptr(logical_id))
                continue
            kind = resource.get("Type")
            if not isinstance(kind, str):
                self.error(f"resource {logical_id} has no 'Type'", self.ptr(logical_id))
                continue
            if not self.resolver.resource_enabled(resource):
                continue  # its condition is known to be false: never deployed
            self.types[logical_id] = kind
            self.raw[logical_id] = resource
        # Resolve every resource's properties first: GetAtt placeholders are registered as
        # they are produced, and linking needs all of them.
        self.props: dict[str, Mapping[str, Any]] = {}
        for logical_id, resource in self.raw.items():
            properties = resource.get("Properties", {})
            resolved = self.resolver.resolve_value(properties)
            if not isinstance(resolved, Mapping):
                if properties is not None:
                    self.warning(
                        f"properties of {logical_id} could not be resolved",
                        self.ptr(logical_id, "Properties"),
                    )
                resolved = {}
            self.props[logical_id] = resolved
        self.function_ids = [lid for lid, t in self.types.items() if t == "AWS::Lambda::Function"]
        self.function_names: dict[str, str] = {}
        for lid, external_resource in self.resolver.external.items():
            name = external_resource.ref
            if lid in self.external_refs and isinstance(name, str):
                self.function_names[name] = self.external_refs[lid]
        for lid in self.function_ids:
            name = self.props[lid].get("FunctionName")
            if isinstance(name, str):
                self.function_names[name] = lid
        # versions and aliases point at their function
        self.function_aliases: dict[str, str] = {}
        for lid, kind in self.types.items():
            if kind in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
                target = self.function_ref(self.props[lid].get("FunctionName"))
                if target is not None:
                    self.function_aliases[lid] = target
        self.triggers: dict[str, list[Trigger]] = {}
        self.waf_targets: dict[str, MaybeStr] = {}

    # ----------------------------------------------------------------- helpers

    def ptr(self, logical_id: str, *path: str | int) -> str:
        tokens = ["Resources", logical_id, *path]
        return "".join("/" + escape_pointer_token(str(token)) for token in tokens)

    def loc(self, logical_id: str, *path: str | int) -> Location:
        return self.locate(self.ptr(logical_id, *path))

    def error(self, message: str, pointer: str) -> None:
        self.diagnostics.append(
            Diagnostic(level=DiagnosticLevel.ERROR, message=message, location=self.locate(pointer))
        )

    def warning(self, message: str, pointer: str) -> None:
        self.diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.WARNING, message=message, location=self.locate(pointer)
            )
        )

    def of_type(self, *kinds: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for lid, kind in self.types.items():
            if kind in kinds:
                yield lid, self.props[lid]

    def ref_of(self, value: object) -> str | None:
        """The logical id a resolved value points at (the model ref for an external one)."""
        found = self.resolver.ref_of(value)
        if found is not None:
            return self.external_refs.get(found, found)
        if isinstance(value, str) and value.startswith("arn:"):
            # An ARN built with Fn::Sub from a Ref (``arn:aws:sqs:...:${Queue}``) ends in the id.
            tail = re.split(r"[:/]", value)[-1]
            if tail in self.types:
                return tail
        return None

    def ref_or_value(self, value: Any) -> MaybeStr | None:
        """The logical id when the value points into the template, else the value itself."""
        found = self.ref_of(value)
        return found if found is not None else as_str(value)

    def function_ref(self, value: object) -> str | None:
        """The logical id of the function a resolved value (name, ARN, Ref) designates."""
        if isinstance(value, str):
            invocation = _INVOCATION_URI.search(value)
            if invocation:  # an API Gateway integration URI wraps the function ARN
                value = invocation.group(1)
            if value in self.function_aliases:
                return self.function_aliases[value]
            found = self.ref_of(value)
            if found is not None:
                if self.types.get(found) == "AWS::Lambda::Function":
                    return found
                if found in self.external_functions:
                    return found
                if found in self.function_aliases:
                    return self.function_aliases[found]
            if value in self.function_names:
                return self.function_names[value]
            match = _FUNCTION_ARN.search(value)
            if match:
                name = match.group(1)
                if self.types.get(name) == "AWS::Lambda::Function":
                    return name
                return self.function_aliases.get(name) or self.function_names.get(name)
        return None

    def target_key(self, value: object) -> str | None:
        """Key for a trigger's function: its logical id, else the name as referenced."""
        found = self.function_ref(value)
        if found is not None:
            return found
        if isinstance(value, Unknown):
            match = _REFERENCED.match(value.expression) or _SUB_REFERENCED.search(value.expression)
            return match.group(1) if match else None
        if isinstance(value, str):
            invocation = _INVOCATION_URI.search(value)
            if invocation:
                value = invocation.group(1)
            match = _FUNCTION_ARN.search(value)
            if match:
                return match.group(1)
            if value in self.types:
                return None  # a resource of the template that is not a function
            return value if "${" not in value and ":" not in value else None
        return None

    def add_trigger(self, function_value: object, trigger: Trigger) -> None:
        key = self.target_key(function_value)
        if key is not None:
            self.triggers.setdefault(key, []).append(trigger)

    def field_location(self, lid: str, prop: str) -> Location | None:
        if prop in mapping(self.raw[lid].get("Properties")):
            return self.loc(lid, "Properties", prop)
        return None

    def written(self, lid: str, *path: str | int) -> Location | None:
        """The location of ``path`` in resource ``lid`` when the template sets it."""
        if get(self.raw[lid], *path) is None:
            return None
        return self.loc(lid, *path)

    def aspects(self, trigger_location: Location, **found: Location | None) -> dict[str, Location]:
        """``HttpSettings.field_locations``: the aspects set on a line of their own.

        A location that is the trigger's own line adds nothing (and for SAM it often means
        the transform generated the property), so it is left out.
        """
        return {
            aspect: where
            for aspect, where in found.items()
            if where is not None
            and (where.file, where.line) != (trigger_location.file, trigger_location.line)
        }

    def resource_metadata(self, lid: str) -> Mapping[str, Any]:
        if self.metadata_override is not None:
            return mapping(self.metadata_override.get(lid))
        return mapping(self.raw[lid].get("Metadata"))

    def marked_public(self, *lids: str | None) -> bool:
        for lid in lids:
            if lid is not None and lid in self.raw:
                flag = get(self.resource_metadata(lid), "faasguard", "public")
                if flag is True or (isinstance(flag, str) and flag.lower() == "true"):
                    return True
        return False

    # ----------------------------------------------------------------- IAM

    def policy(
        self,
        document: Any,
        name: str,
        pointer: tuple[str | int, ...],
        *,
        arn: MaybeStr | None = None,
        managed: bool = False,
    ) -> Policy:
        lid, *rest = pointer
        location = self.loc(str(lid), *rest)
        if isinstance(document, str) and document.strip().startswith("{"):
            document = _json_or_none(document)
        if not isinstance(document, Mapping):
            return Policy(
                name=name,
                arn=arn,
                managed=managed,
                unresolved=document
                if isinstance(document, Unknown)
                else Unknown(expression_text(document), reason="policy document not readable"),
                location=location,
            )
        statements = []
        raw_statements = document.get("Statement")
        for index, raw in enumerate(items(raw_statements)):
            path = (
                (*rest, "Statement", index)
                if isinstance(raw_statements, list)
                else (
                    *rest,
                    "Statement",
                )
            )
            converted = Statement.from_document(raw, self.loc(str(lid), *path))
            if isinstance(converted, Diagnostic):
                self.diagnostics.append(converted)
            else:
                statements.append(converted)
        return Policy(
            name=name, statements=tuple(statements), arn=arn, managed=managed, location=location
        )

    def build_roles(self) -> dict[str, Role]:
        attached: dict[str, list[Policy]] = {}
        managed_docs: dict[str, Policy] = {}
        for lid, props in self.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            is_managed = self.types[lid] == "AWS::IAM::ManagedPolicy"
            name = as_str(props.get("PolicyName") or props.get("ManagedPolicyName")) or lid
            policy = self.policy(
                props.get("PolicyDocument"),
                name if isinstance(name, str) else lid,
                (lid, "Properties", "PolicyDocument"),
                arn=self.resolver.get_att(lid, "Arn") if is_managed else None,
                managed=is_managed,
            )
            if is_managed:
                managed_docs[lid] = policy
                self.resolver.placeholders[lid] = lid
            for role in items(props.get("Roles")):
                role_id = self.ref_of(role) or (role if isinstance(role, str) else None)
                if role_id is not None:
                    attached.setdefault(role_id, []).append(policy)
        roles: dict[str, Role] = {}
        for lid, props in self.of_type("AWS::IAM::Role"):
            policies: list[Policy] = []
            for index, raw in enumerate(items(props.get("Policies"))):
                inline_name = as_str(get(raw, "PolicyName"))
                policies.append(
                    self.policy(
                        get(raw, "PolicyDocument"),
                        inline_name if isinstance(inline_name, str) else f"{lid}-inline-{index}",
                        (lid, "Properties", "Policies", index, "PolicyDocument"),
                    )
                )
            managed_arns = as_str_tuple(props.get("ManagedPolicyArns"))
            managed_where = {
                arn: self.loc(lid, "Properties", "ManagedPolicyArns", index)
                for index, arn in enumerate(managed_arns)
                if isinstance(arn, str)
            }
            for arn in managed_arns:
                managed = managed_docs.get(self.ref_of(arn) or "")
                if managed is not None:
                    policies.append(managed)
            # ``Ref`` to a managed policy of the template is its ARN in CloudFormation.
            managed_arns = tuple(
                managed_docs[arn].arn or arn
                if isinstance(arn, str) and arn in managed_docs
                else arn
                for arn in managed_arns
            )
            role_name = as_str(props.get("RoleName"))
            for policy in attached.get(lid, []):
                if policy not in policies:
                    policies.append(policy)
            if isinstance(role_name, str):
                for policy in attached.get(role_name, []):
                    if policy not in policies:
                        policies.append(policy)
            trust = props.get("AssumeRolePolicyDocument")
            roles[lid] = Role(
                ref=lid,
                name=role_name,
                arn=self.resolver.get_att(lid, "Arn"),
                assume_role_policy=self.policy(
                    trust,
                    "AssumeRolePolicyDocument",
                    (lid, "Properties", "AssumeRolePolicyDocument"),
                )
                if trust is not None
                else None,
                policies=tuple(policies),
                managed_policy_arns=managed_arns,
                managed_policy_locations=managed_where,
                permissions_boundary=as_str(props.get("PermissionsBoundary")),
                location=self.loc(lid),
            )
        return roles

    def function_role(
        self, value: Any, roles: Mapping[str, Role], location: Location
    ) -> Role | None:
        if value is None:
            return None
        found = self.ref_of(value)
        if found is not None and found in roles:
            return roles[found]
        if isinstance(value, str):
            for role in roles.values():
                if value == role.name:
                    return role
            return Role(ref=value, arn=value, external=True, location=location)
        unknown = value if isinstance(value, Unknown) else Unknown(expression_text(value))
        return Role(ref=unknown.expression, arn=unknown, external=True, location=location)

    # ----------------------------------------------------------------- build

    def build(self) -> TemplateParts:
        roles = self.build_roles()
        resources = self.build_resources()
        self.build_triggers(resources)
        functions = [self.build_function(lid, roles) for lid in self.function_ids]
        layers = [
            self.build_layer(lid, props) for lid, props in self.of_type("AWS::Lambda::LayerVersion")
        ]
        for lid in self.raw:
            self.read_suppressions(lid)
        by_target: dict[str, dict[str, str]] = {}
        for suppression in self.suppressions:
            if suppression.target is not None:
                by_target.setdefault(suppression.target, {})[suppression.rule_id] = (
                    suppression.reason
                )
        functions = [
            replace(function, suppressions=by_target[function.ref])
            if function.ref in by_target
            else function
            for function in functions
        ]
        extra = {key: value for key, value in self.triggers.items() if key not in self.types}
        return TemplateParts(
            functions=functions,
            layers=layers,
            roles=list(roles.values()),
            resources=resources,
            diagnostics=self.diagnostics,
            suppressions=self.suppressions,
            extra_triggers=extra,
            parameters=dict(self.resolver.parameter_values),
        )

    def read_suppressions(self, lid: str) -> None:
        ignore = get(self.resource_metadata(lid), "faasguard", "ignore")
        for index, entry in enumerate(items(ignore)):
            location = self.loc(lid, "Metadata", "faasguard", "ignore", index)
            rule_id: Any = None
            reason: Any = None
            if isinstance(entry, Mapping):
                rule_id, reason = entry.get("id"), entry.get("reason")
            elif isinstance(entry, str):
                rule_id, _, reason = entry.strip().partition(" ")
            if not isinstance(rule_id, str) or not rule_id.strip():
                self.diagnostics.append(
                    Diagnostic(
                        level=DiagnosticLevel.WARNING,
                        message=f"suppression on {lid} without a rule id; ignored",
                        location=location,
                        code="suppression",
                    )
                )
                continue
            if not isinstance(reason, str) or not reason.strip():
                self.diagnostics.append(
                    Diagnostic(
                        level=DiagnosticLevel.WARNING,
                        message=f"suppression of {rule_id} on {lid} has no reason; not accepted",
                        location=location,
                        code="suppression",
                    )
                )
                continue
            self.suppressions.append(
                Suppression(
                    rule_id=rule_id.strip(), reason=reason.strip(), target=lid, location=location
                )
            )

    def code_location(self, lid: str, code: Any) -> CodeLocation:
        if isinstance(code, str):
            # `aws cloudformation package` style: a local path in place of the S3 location
            kind = "zip" if code.lower().endswith((".zip", ".jar")) else "directory"
            return CodeLocation(kind=kind, path=code)
        data = mapping(code)
        if "ZipFile" in data:
            return CodeLocation(kind="inline")
        if "ImageUri" in data:
            local = self.code_locations.get(f"image:{lid}")
            return local or CodeLocation(kind="image", uri=as_str(data["ImageUri"]))
        bucket, key = data.get("S3Bucket"), data.get("S3Key")
        if isinstance(bucket, str) and isinstance(key, str):
            uri = f"s3://{bucket}/{key}"
            if uri in self.code_locations:
                return self.code_locations[uri]
            return CodeLocation(kind="s3", uri=uri)
        if bucket is not None or key is not None:
            return CodeLocation(kind="s3", uri=Unknown(expression_text(data)))
        return CodeLocation(kind="unknown")

    def build_function(self, lid: str, roles: Mapping[str, Role]) -> Function:
        props = self.props[lid]
        field_locations: dict[str, Location] = {}
        own = self.loc(lid)
        for field_name, prop in FUNCTION_FIELDS.items():
            where = self.field_location(lid, prop)
            # A property the user did not write (added by the SAM transform) maps back to
            # the resource itself: that is the fallback anyway, so it is not recorded.
            if where is not None and where.pointer != own.pointer:
                field_locations[field_name] = where
        environment = mapping(get(props, "Environment", "Variables"))
        raw_variables = mapping(get(self.raw[lid], "Properties", "Environment", "Variables"))
        for name in environment:
            if name in raw_variables:
                field_locations[f"environment.{name}"] = self.loc(
                    lid, "Properties", "Environment", "Variables", name
                )
        vpc = props.get("VpcConfig")
        logging = props.get("LoggingConfig")
        url: FunctionUrl | None = None
        provisioned: int | Unknown | None = None
        on_failure: MaybeStr | None = None
        for other, other_props in self.of_type(
            "AWS::Lambda::Url",
            "AWS::Lambda::Alias",
            "AWS::Lambda::Version",
            "AWS::Lambda::EventInvokeConfig",
        ):
            kind = self.types[other]
            if kind == "AWS::Lambda::Url":
                if self.function_ref(other_props.get("TargetFunctionArn")) == lid:
                    url = FunctionUrl(
                        auth_type=as_str(other_props.get("AuthType")) or "AWS_IAM",
                        cors=_cors_from(other_props.get("Cors")),
                        location=self.loc(other),
                    )
                    field_locations.setdefault("url", self.loc(other))
            elif kind == "AWS::Lambda::EventInvokeConfig":
                if self.function_ref(other_props.get("FunctionName")) == lid:
                    destination = get(other_props, "DestinationConfig", "OnFailure", "Destination")
                    if destination is not None:
                        on_failure = self.ref_or_value(destination)
                        field_locations.setdefault(
                            "on_failure_destination",
                            self.loc(other, "Properties", "DestinationConfig", "OnFailure"),
                        )
            elif self.function_aliases.get(other) == lid:
                value = get(
                    other_props, "ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions"
                )
                if value is not None:
                    provisioned = as_int(value)
                    field_locations.setdefault(
                        "provisioned_concurrency",
                        self.loc(other, "Properties", "ProvisionedConcurrencyConfig"),
                    )
        dead_letter = get(props, "DeadLetterConfig", "TargetArn")
        signing = props.get("CodeSigningConfigArn")
        return Function(
            ref=lid,
            name=as_str(props.get("FunctionName")),
            runtime=as_str(props.get("Runtime")),
            handler=as_str(props.get("Handler")),
            code=self.code_location(lid, props.get("Code")),
            package_type=str(props.get("PackageType") or "Zip"),
            memory=as_int(props.get("MemorySize")),
            timeout=as_int(props.get("Timeout")),
            architectures=as_str_tuple(props.get("Architectures")),
            environment=dict(environment),
            kms_key=self.ref_or_value(props.get("KmsKeyArn")),
            role=self.function_role(props.get("Role"), roles, self.loc(lid, "Properties", "Role")),
            layers=as_str_tuple(props.get("Layers")),
            reserved_concurrency=as_int(props.get("ReservedConcurrentExecutions")),
            provisioned_concurrency=provisioned,
            tracing=as_str(get(props, "TracingConfig", "Mode")),
            dead_letter_target=self.ref_or_value(dead_letter) if dead_letter is not None else None,
            on_failure_destination=on_failure,
            vpc=VpcConfig(
                subnet_ids=as_str_tuple(get(vpc, "SubnetIds")),
                security_group_ids=as_str_tuple(get(vpc, "SecurityGroupIds")),
            )
            if isinstance(vpc, Mapping)
            else None,
            url=url,
            code_signing_config=self.ref_or_value(signing) if signing is not None else None,
            logging=LoggingConfig(
                log_group=self.ref_or_value(logging.get("LogGroup"))
                if logging.get("LogGroup") is not None
                else None,
                log_format=as_str(logging.get("LogFormat")),
                application_log_level=as_str(logging.get("ApplicationLogLevel")),
                system_log_level=as_str(logging.get("SystemLogLevel")),
            )
            if isinstance(logging, Mapping)
            else None,
            tags=tags(props.get("Tags")),
            triggers=tuple(self.triggers.get(lid, ())),
            field_locations=field_locations,
            location=self.loc(lid),
        )

    def build_layer(self, lid: str, props: Mapping[str, Any]) -> Layer:
        return Layer(
            ref=lid,
            name=as_str(props.get("LayerName")),
            content=self.code_location(lid, props.get("Content")),
            compatible_runtimes=as_str_tuple(props.get("CompatibleRuntimes")),
            location=self.loc(lid),
        )

    # ----------------------------------------------------------------- resources

    def build_resources(self) -> list[Resource]:
        policies: dict[str, Policy] = {}
        result: list[Resource] = []
        for lid, props in self.of_type(
            "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy"
        ):
            kind = self.types[lid]
            key = {"AWS::SQS::QueuePolicy": "Queues", "AWS::SNS::TopicPolicy": "Topics"}.get(
                kind, "Bucket"
            )
            targets = tuple(
                t
                for t in (self.ref_or_value(value) for value in items(props.get(key)))
                if t is not None
            )
            policy = self.policy(
                props.get("PolicyDocument"), lid, (lid, "Properties", "PolicyDocument")
            )
            for target in targets:
                if isinstance(target, str):
                    policies[target] = policy
            result.append(
                ResourcePolicy(
                    ref=lid,
                    type=kind,
                    properties=props,
                    targets=targets,
                    policy=policy,
                    location=self.loc(lid),
                )
            )
        stages_by_api: dict[str, list[str]] = {}
        for lid, props in self.of_type("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
            api = self.ref_of(props.get("RestApiId") or props.get("ApiId"))
            if api is not None:
                stages_by_api.setdefault(api, []).append(lid)
        for lid, kind in self.types.items():
            if kind in _SKIP_AS_RESOURCE or kind in (
                "AWS::SQS::QueuePolicy",
                "AWS::SNS::TopicPolicy",
                "AWS::S3::BucketPolicy",
            ):
                continue
            result.append(self.build_resource(lid, kind, self.props[lid], policies, stages_by_api))
        return result

    def build_resource(
        self,
        lid: str,
        kind: str,
        props: Mapping[str, Any],
        policies: Mapping[str, Policy],
        stages_by_api: Mapping[str, list[str]],
    ) -> Resource:
        common: dict[str, Any] = {
            "ref": lid,
            "type": kind,
            "properties": props,
            "location": self.loc(lid),
        }
        if kind == "AWS::S3::Bucket":
            block = props.get("PublicAccessBlockConfiguration")
            encryption = get(
                props,
                "BucketEncryption",
                "ServerSideEncryptionConfiguration",
                0,
                "ServerSideEncryptionByDefault",
                "SSEAlgorithm",
            )
            return Bucket(
                name=as_str(props.get("BucketName")),
                acl=as_str(props.get("AccessControl")),
                public_access_block=PublicAccessBlock(
                    block_public_acls=as_bool(block.get("BlockPublicAcls")),
                    ignore_public_acls=as_bool(block.get("IgnorePublicAcls")),
                    block_public_policy=as_bool(block.get("BlockPublicPolicy")),
                    restrict_public_buckets=as_bool(block.get("RestrictPublicBuckets")),
                    location=self.field_location(lid, "PublicAccessBlockConfiguration"),
                )
                if isinstance(block, Mapping)
                else None,
                policy=policies.get(lid),
                encryption=as_str(encryption),
                versioning=(
                    get(props, "VersioningConfiguration", "Status") == "Enabled"
                    if "VersioningConfiguration" in props
                    else None
                ),
                **common,
            )
        if kind == "AWS::SQS::Queue":
            visibility = props.get("VisibilityTimeout")
            dead_letter = get(props, "RedrivePolicy", "deadLetterTargetArn")
            fifo = as_bool(props.get("FifoQueue"))
            return Queue(
                name=as_str(props.get("QueueName")),
                # AWS applies 30 s when unset; recorded explicitly so rules compare numbers.
                visibility_timeout=as_int(visibility) if visibility is not None else 30,
                kms_key=self.ref_or_value(props.get("KmsMasterKeyId"))
                if props.get("KmsMasterKeyId") is not None
                else None,
                sqs_managed_encryption=as_bool(props.get("SqsManagedSseEnabled")),
                dead_letter_target=self.ref_or_value(dead_letter)
                if dead_letter is not None
                else None,
                policy=policies.get(lid),
                fifo=fifo is True,
                **common,
            )
        if kind == "AWS::SNS::Topic":
            return Topic(
                name=as_str(props.get("TopicName")),
                kms_key=as_str(props.get("KmsMasterKeyId")),
                policy=policies.get(lid),
                **common,
            )
        if kind == "AWS::DynamoDB::Table":
            view = get(props, "StreamSpecification", "StreamViewType")
            return Table(
                name=as_str(props.get("TableName")),
                stream_enabled=view is not None,
                stream_view_type=as_str(view),
                kms_key=as_str(get(props, "SSESpecification", "KMSMasterKeyId")),
                **common,
            )
        if kind == "AWS::Kinesis::Stream":
            return Stream(
                name=as_str(props.get("Name")),
                kms_key=as_str(get(props, "StreamEncryption", "KeyId")),
                **common,
            )
        if kind in (
            "AWS::ApiGateway::RestApi",
            "AWS::ApiGatewayV2::Api",
            "AWS::AppSync::GraphQLApi",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
        ):
            api_kind = {
                "AWS::ApiGateway::RestApi": "rest",
                "AWS::AppSync::GraphQLApi": "appsync",
                "AWS::ElasticLoadBalancingV2::LoadBalancer": "alb",
            }.get(kind)
            if api_kind is None:
                protocol = props.get("ProtocolType")
                api_kind = "websocket" if protocol == "WEBSOCKET" else "http"
            authorization = (
                as_str(props.get("AuthenticationType")) if api_kind == "appsync" else None
            )
            return Api(
                name=as_str(props.get("Name")),
                kind=api_kind,
                stages=tuple(stages_by_api.get(lid, ())),
                authorization=authorization,
                **common,
            )
        if kind in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
            api = self.ref_or_value(props.get("RestApiId") or props.get("ApiId"))
            return Stage(
                name=as_str(props.get("StageName")),
                api=api if isinstance(api, str) else (api.expression if api else ""),
                stage_name=as_str(props.get("StageName")),
                throttling=_stage_throttling(props),
                access_logging=bool(
                    props.get("AccessLogSetting") or props.get("AccessLogSettings")
                ),
                tracing=as_bool(props.get("TracingEnabled")),
                **common,
            )
        if kind in ("AWS::WAFv2::WebACL", "AWS::WAF::WebACL", "AWS::WAFRegional::WebACL"):
            return WebAcl(
                name=as_str(props.get("Name")), scope=as_str(props.get("Scope")), **common
            )
        if kind in ("AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation"):
            acl = props.get("WebACLArn", props.get("WebACLId"))
            target = self.waf_target(props.get("ResourceArn"), stages_by_api)
            if isinstance(target, str):
                self.waf_targets[target] = self.ref_or_value(acl) or lid
            return WebAclAssociation(
                web_acl=self.ref_or_value(acl) or Unknown("WebACLArn"),
                target=target,
                **common,
            )
        if kind == "AWS::Cognito::UserPool":
            config = mapping(props.get("LambdaConfig"))
            lambda_triggers: dict[str, MaybeStr] = {}
            for name, value in config.items():
                arn = value.get("LambdaArn") if isinstance(value, Mapping) else value
                if name in ("KMSKeyID",) or arn is None:
                    continue
                found = self.function_ref(arn)
                lambda_triggers[str(name)] = found if found else (as_str(arn) or "")
            return UserPool(
                name=as_str(props.get("UserPoolName")), lambda_triggers=lambda_triggers, **common
            )
        if kind == "AWS::Logs::LogGroup":
            return LogGroup(
                name=as_str(props.get("LogGroupName")),
                log_group_name=as_str(props.get("LogGroupName")),
                retention_days=as_int(props.get("RetentionInDays")),
                kms_key=as_str(props.get("KmsKeyId")),
                **common,
            )
        if kind == "AWS::CloudWatch::Alarm":
            return self.build_alarm(props, common)
        if kind == "AWS::KMS::Key":
            return KmsKey(
                rotation=as_bool(props.get("EnableKeyRotation")),
                policy=self.policy(props.get("KeyPolicy"), lid, (lid, "Properties", "KeyPolicy"))
                if props.get("KeyPolicy") is not None
                else None,
                **common,
            )
        if kind == "AWS::Lambda::CodeSigningConfig":
            return CodeSigningConfig(
                policy=as_str(get(props, "CodeSigningPolicies", "UntrustedArtifactOnDeployment")),
                signing_profiles=as_str_tuple(
                    get(props, "AllowedPublishers", "SigningProfileVersionArns")
                ),
                **common,
            )
        if kind == "AWS::Lambda::Permission":
            function = props.get("FunctionName")
            return LambdaPermission(
                function=self.function_ref(function)
                or self.target_key(function)
                or as_str(function)
                or Unknown("FunctionName"),
                action=as_str(props.get("Action")) or "lambda:InvokeFunction",
                principal=as_str(props.get("Principal")) or Unknown("Principal"),
                source_arn=as_str(props.get("SourceArn")),
                source_account=as_str(props.get("SourceAccount")),
                principal_org_id=as_str(props.get("PrincipalOrgID")),
                function_url_auth_type=as_str(props.get("FunctionUrlAuthType")),
                **common,
            )
        return Resource(**common)

    def build_alarm(self, props: Mapping[str, Any], common: dict[str, Any]) -> Alarm:
        namespace, metric, dimensions = (
            props.get("Namespace"),
            props.get("MetricName"),
            props.get("Dimensions"),
        )
        if metric is None:
            for query in items(props.get("Metrics")):
                stat_metric = get(query, "MetricStat", "Metric")
                if isinstance(stat_metric, Mapping):
                    namespace = stat_metric.get("Namespace")
                    metric = stat_metric.get("MetricName")
                    dimensions = stat_metric.get("Dimensions")
                    break
        resolved: dict[str, MaybeStr] = {}
        for dimension in items(dimensions):
            name = get(dimension, "Name")
            if not isinstance(name, str):
                continue
            value = get(dimension, "Value")
            if name in ("FunctionName", "Resource"):
                found = self.function_ref(value)
                if found is not None:
                    resolved[name] = found
                    continue
            resolved[name] = as_str(value) or ""
        return Alarm(
            namespace=as_str(namespace),
            metric_name=as_str(metric),
            dimensions=resolved,
            name=as_str(props.get("AlarmName")),
            **common,
        )

    def waf_target(self, arn: Any, stages_by_api: Mapping[str, list[str]]) -> MaybeStr:
        if isinstance(arn, str):
            match = _STAGE_ARN.search(arn) or _APIS_ARN.search(arn)
            if match:
                api, stage_name = match.group(1), match.group(2)
                for stage in stages_by_api.get(api, ()):
                    if self.props[stage].get("StageName") == stage_name:
                        return stage
                if api in self.types:
                    return api
            found = self.ref_of(arn)
            if found is not None:
                return found
            return arn
        return as_str(arn) or Unknown("ResourceArn")

    # ----------------------------------------------------------------- triggers

    def api_waf(self, api: str | None) -> MaybeStr | None:
        if api is None:
            return None
        if api in self.waf_targets:
            return self.waf_targets[api]
        for lid, props in self.of_type("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
            api_ref = self.ref_of(props.get("RestApiId") or props.get("ApiId"))
            if api_ref == api and lid in self.waf_targets:
                return self.waf_targets[lid]
        return None

    def api_throttling_location(
        self, api: str | None, method: str | None, path: str | None
    ) -> Location | None:
        """Where the throttling :meth:`api_throttling` finds is set (the stage's settings)."""
        if api is None:
            return None
        for lid, props in self.of_type("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
            if self.ref_of(props.get("RestApiId") or props.get("ApiId")) != api:
                continue
            if _stage_throttling(props, method, path) is not None:
                return self.written(lid, "Properties", "DefaultRouteSettings") or self.written(
                    lid, "Properties", "MethodSettings"
                )
        return None

    def api_throttling(
        self, api: str | None, method: str | None, path: str | None
    ) -> Throttling | None:
        if api is None:
            return None
        for _lid, props in self.of_type("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
            if self.ref_of(props.get("RestApiId") or props.get("ApiId")) != api:
                continue
            throttling = _stage_throttling(props, method, path)
            if throttling is not None:
                return throttling
        return None

    def build_triggers(self, resources: list[Resource]) -> None:
        self.triggers_esm()
        self.triggers_s3()
        self.triggers_sns()
        self.triggers_events()
        self.triggers_misc()
        self.triggers_rest()
        self.triggers_bodies()
        self.triggers_v2()
        self.triggers_alb()
        self.triggers_appsync()
        for lid, props in self.of_type("AWS::Lambda::Url"):
            auth = as_str(props.get("AuthType")) or "AWS_IAM"
            target = props.get("TargetFunctionArn")
            location = self.loc(lid)
            self.add_trigger(
                target,
                Trigger(
                    kind=TriggerKind.FUNCTION_URL,
                    name=lid,
                    source=lid,
                    http=HttpSettings(
                        authorization=auth,
                        cors=_cors_from(props.get("Cors")),
                        marked_public=self.marked_public(self.function_ref(target)),
                        field_locations=self.aspects(
                            location,
                            authorization=self.written(lid, "Properties", "AuthType"),
                            cors=self.written(lid, "Properties", "Cors"),
                        ),
                    ),
                    location=location,
                ),
            )

    def triggers_esm(self) -> None:
        for lid, props in self.of_type("AWS::Lambda::EventSourceMapping"):
            arn = props.get("EventSourceArn")
            source = self.ref_of(arn)
            kind = _ESM_KINDS.get(self.types.get(source or "", ""))
            if kind is None and isinstance(arn, str) and arn.startswith("arn:"):
                parts = arn.split(":")
                kind = _ARN_SERVICE_KINDS.get(parts[2] if len(parts) > 2 else "")
            if kind is None and (
                props.get("SelfManagedEventSource") is not None or "Topics" in props
            ):
                kind = TriggerKind.KAFKA
            if kind is None and "Queues" in props:
                kind = TriggerKind.MQ  # Amazon MQ brokers are the only sources with queues
            properties = {
                key: props[key]
                for key in (
                    "BatchSize",
                    "MaximumBatchingWindowInSeconds",
                    "FilterCriteria",
                    "FunctionResponseTypes",
                    "StartingPosition",
                    "Enabled",
                    "Topics",
                    "Queues",
                    "MaximumRetryAttempts",
                    "BisectBatchOnFunctionError",
                )
                if key in props
            }
            failure = get(props, "DestinationConfig", "OnFailure", "Destination")
            if failure is not None:
                properties["on_failure_destination"] = self.ref_or_value(failure)
            self.add_trigger(
                props.get("FunctionName"),
                Trigger(
                    kind=kind or TriggerKind.OTHER,
                    name=lid,
                    source=source if source is not None else as_str(arn),
                    properties=properties,
                    location=self.loc(lid),
                ),
            )

    def triggers_s3(self) -> None:
        for lid, props in self.of_type("AWS::S3::Bucket"):
            configs = get(props, "NotificationConfiguration", "LambdaConfigurations")
            for index, config in enumerate(items(configs)):
                self.add_trigger(
                    get(config, "Function"),
                    Trigger(
                        kind=TriggerKind.S3,
                        name=f"{lid}:{get(config, 'Event')}",
                        source=lid,
                        properties={
                            "events": items(get(config, "Event")),
                            "filter": get(config, "Filter"),
                        },
                        location=self.loc(
                            lid,
                            "Properties",
                            "NotificationConfiguration",
                            "LambdaConfigurations",
                            index,
                        ),
                    ),
                )

    def triggers_sns(self) -> None:
        for lid, props in self.of_type("AWS::SNS::Subscription"):
            if str(props.get("Protocol", "")).lower() != "lambda":
                continue
            self.add_trigger(
                props.get("Endpoint"),
                Trigger(
                    kind=TriggerKind.SNS,
                    name=lid,
                    source=self.ref_or_value(props.get("TopicArn")),
                    properties={"filter_policy": props.get("FilterPolicy")}
                    if "FilterPolicy" in props
                    else {},
                    location=self.loc(lid),
                ),
            )
        for lid, props in self.of_type("AWS::SNS::Topic"):
            for index, sub in enumerate(items(props.get("Subscription"))):
                if str(get(sub, "Protocol") or "").lower() == "lambda":
                    self.add_trigger(
                        get(sub, "Endpoint"),
                        Trigger(
                            kind=TriggerKind.SNS,
                            name=lid,
                            source=lid,
                            location=self.loc(lid, "Properties", "Subscription", index),
                        ),
                    )

    def triggers_events(self) -> None:
        for lid, props in self.of_type("AWS::Events::Rule"):
            schedule = props.get("ScheduleExpression")
            kind = TriggerKind.SCHEDULE if schedule is not None else TriggerKind.EVENTBRIDGE
            for index, target in enumerate(items(props.get("Targets"))):
                properties: dict[str, Any] = {}
                if schedule is not None:
                    properties["schedule"] = schedule
                if "EventPattern" in props:
                    properties["event_pattern"] = props["EventPattern"]
                if "EventBusName" in props:
                    properties["event_bus"] = props["EventBusName"]
                if get(target, "DeadLetterConfig", "Arn") is not None:
                    properties["dead_letter_target"] = self.ref_or_value(
                        get(target, "DeadLetterConfig", "Arn")
                    )
                properties["state"] = props.get("State", "ENABLED")
                self.add_trigger(
                    get(target, "Arn"),
                    Trigger(
                        kind=kind,
                        name=lid,
                        source=lid,
                        properties=properties,
                        location=self.loc(lid, "Properties", "Targets", index),
                    ),
                )
        for lid, props in self.of_type("AWS::Scheduler::Schedule"):
            self.add_trigger(
                get(props, "Target", "Arn"),
                Trigger(
                    kind=TriggerKind.SCHEDULE,
                    name=lid,
                    source=lid,
                    properties={"schedule": props.get("ScheduleExpression")},
                    location=self.loc(lid),
                ),
            )

    def triggers_misc(self) -> None:
        for lid, props in self.of_type("AWS::Cognito::UserPool"):
            for name, value in mapping(props.get("LambdaConfig")).items():
                arn = value.get("LambdaArn") if isinstance(value, Mapping) else value
                if name == "KMSKeyID" or arn is None:
                    continue
                self.add_trigger(
                    arn,
                    Trigger(
                        kind=TriggerKind.COGNITO,
                        name=f"{lid}:{name}",
                        source=lid,
                        properties={"trigger": name},
                        location=self.loc(lid, "Properties", "LambdaConfig", name),
                    ),
                )
        for lid, props in self.of_type("AWS::IoT::TopicRule"):
            payload = mapping(props.get("TopicRulePayload"))
            for index, action in enumerate(items(payload.get("Actions"))):
                arn = get(action, "Lambda", "FunctionArn")
                if arn is not None:
                    self.add_trigger(
                        arn,
                        Trigger(
                            kind=TriggerKind.IOT,
                            name=lid,
                            source=lid,
                            properties={"sql": payload.get("Sql")},
                            location=self.loc(
                                lid, "Properties", "TopicRulePayload", "Actions", index
                            ),
                        ),
                    )
        for lid, props in self.of_type("AWS::Logs::SubscriptionFilter"):
            self.add_trigger(
                props.get("DestinationArn"),
                Trigger(
                    kind=TriggerKind.CLOUDWATCH_LOGS,
                    name=lid,
                    source=self.ref_or_value(props.get("LogGroupName")),
                    properties={"filter_pattern": props.get("FilterPattern")},
                    location=self.loc(lid),
                ),
            )
        for lid, props in self.of_type("AWS::SES::ReceiptRule"):
            for index, action in enumerate(items(get(props, "Rule", "Actions"))):
                arn = get(action, "LambdaAction", "FunctionArn")
                if arn is not None:
                    self.add_trigger(
                        arn,
                        Trigger(
                            kind=TriggerKind.SES,
                            name=lid,
                            source=self.ref_or_value(props.get("RuleSetName")) or lid,
                            location=self.loc(lid, "Properties", "Rule", "Actions", index),
                        ),
                    )

    def rest_path(self, resource_id: Any, api: str | None) -> str:
        parts: list[str] = []
        current = self.ref_of(resource_id)
        seen: set[str] = set()
        while current is not None and current not in seen:
            seen.add(current)
            if self.types.get(current) != "AWS::ApiGateway::Resource":
                break
            part = self.props[current].get("PathPart")
            parts.append(part if isinstance(part, str) else "{?}")
            current = self.ref_of(self.props[current].get("ParentId"))
        return "/" + "/".join(reversed(parts))

    def triggers_rest(self) -> None:
        for lid, props in self.of_type("AWS::ApiGateway::Method"):
            uri = get(props, "Integration", "Uri")
            if self.target_key(uri) is None or "lambda" not in str(
                uri if isinstance(uri, str) else getattr(uri, "expression", "")
            ):
                continue
            api = self.ref_of(props.get("RestApiId"))
            method = as_str(props.get("HttpMethod"))
            path = self.rest_path(props.get("ResourceId"), api)
            auth = as_str(props.get("AuthorizationType")) or "NONE"
            if isinstance(auth, str):
                auth = _AUTH_TYPES.get(auth.upper(), auth)
            validator = self.ref_of(props.get("RequestValidatorId"))
            validation: bool | Unknown | None = False
            if validator is not None:
                vprops = self.props.get(validator, {})
                validation = bool(
                    as_bool(vprops.get("ValidateRequestBody")) is True
                    or as_bool(vprops.get("ValidateRequestParameters")) is True
                )
            elif props.get("RequestValidatorId") is not None:
                validation = Unknown(expression_text(props.get("RequestValidatorId")))
            function = self.function_ref_in(uri)
            location = self.loc(lid)
            self.add_trigger(
                uri,
                Trigger(
                    kind=TriggerKind.API_REST,
                    name=f"{method} {path}",
                    source=api,
                    http=HttpSettings(
                        method=method,
                        path=path,
                        api=api,
                        authorization=auth,
                        authorizer=self.ref_or_value(props.get("AuthorizerId"))
                        if props.get("AuthorizerId") is not None
                        else None,
                        api_key_required=as_bool(props.get("ApiKeyRequired")) or False,
                        request_validation=validation,
                        throttling=self.api_throttling(
                            api, method if isinstance(method, str) else None, path
                        ),
                        waf=self.api_waf(api),
                        marked_public=self.marked_public(api, function),
                        field_locations=self.aspects(
                            location,
                            authorization=self.written(lid, "Properties", "AuthorizationType")
                            or self.written(lid, "Properties", "AuthorizerId"),
                            request_validation=self.written(
                                lid, "Properties", "RequestValidatorId"
                            ),
                            throttling=self.api_throttling_location(
                                api, method if isinstance(method, str) else None, path
                            ),
                        ),
                    ),
                    location=location,
                ),
            )

    def function_ref_in(self, value: Any) -> str | None:
        found = self.function_ref(value)
        if found is None and isinstance(value, str):
            match = _FUNCTION_ARN.search(value)
            if match:
                found = self.function_ref(match.group(1))
        return found

    def triggers_bodies(self) -> None:
        """Methods declared in an OpenAPI body (SAM-generated or user-written)."""
        for lid, props in self.of_type("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
            body = props.get("Body")
            if not isinstance(body, Mapping):
                continue
            rest = self.types[lid] == "AWS::ApiGateway::RestApi"
            schemes = mapping(body.get("securityDefinitions")) or mapping(
                get(body, "components", "securitySchemes")
            )
            validators = mapping(body.get("x-amazon-apigateway-request-validators"))
            default_validator = body.get("x-amazon-apigateway-request-validator")
            cors_config = body.get("x-amazon-apigateway-cors")
            for path, operations in mapping(body.get("paths")).items():
                for method, operation in mapping(operations).items():
                    if not isinstance(operation, Mapping):
                        continue
                    integration = mapping(operation.get("x-amazon-apigateway-integration"))
                    uri = integration.get("uri")
                    if self.target_key(uri) is None:
                        continue
                    http_method = (
                        "ANY"
                        if method == "x-amazon-apigateway-any-method"
                        else (str(method).upper())
                    )
                    auth, authorizer = _security(operation.get("security"), schemes, body)
                    api_key = any(
                        mapping(get(schemes, name)).get("in") == "header"
                        and mapping(get(schemes, name)).get("name") == "x-api-key"
                        for requirement in items(operation.get("security"))
                        for name in mapping(requirement)
                    )
                    validator_name = operation.get(
                        "x-amazon-apigateway-request-validator", default_validator
                    )
                    validation: bool | None = None
                    if rest:
                        validator = mapping(validators.get(validator_name))
                        validation = bool(
                            validator.get("validateRequestBody")
                            or validator.get("validateRequestParameters")
                        )
                    operation_path = ("Properties", "Body", "paths", path, method)
                    location = self.loc(lid, *operation_path)
                    cors_at = self.written(lid, "Properties", "CorsConfiguration") or self.written(
                        lid, "Properties", "Body", "x-amazon-apigateway-cors"
                    )
                    self.add_trigger(
                        uri,
                        Trigger(
                            kind=TriggerKind.API_REST if rest else _v2_kind(props),
                            name=f"{http_method} {path}",
                            source=lid,
                            http=HttpSettings(
                                method=http_method,
                                path=str(path),
                                api=lid,
                                authorization=auth,
                                authorizer=authorizer,
                                api_key_required=api_key,
                                request_validation=validation,
                                throttling=self.api_throttling(lid, http_method, str(path)),
                                waf=self.api_waf(lid),
                                cors=_cors_from(props.get("CorsConfiguration") or cors_config),
                                marked_public=self.marked_public(lid, self.function_ref_in(uri)),
                                field_locations=self.aspects(
                                    location,
                                    authorization=self.written(lid, *operation_path, "security"),
                                    request_validation=self.written(
                                        lid,
                                        *operation_path,
                                        "x-amazon-apigateway-request-validator",
                                    ),
                                    cors=cors_at,
                                    throttling=self.api_throttling_location(
                                        lid, http_method, str(path)
                                    ),
                                ),
                            ),
                            location=location,
                        ),
                    )

    def triggers_v2(self) -> None:
        integrations: dict[str, Any] = {
            lid: props.get("IntegrationUri")
            for lid, props in self.of_type("AWS::ApiGatewayV2::Integration")
        }
        for lid, props in self.of_type("AWS::ApiGatewayV2::Api"):
            if props.get("Target") is not None:  # quick create: one $default route
                self.add_trigger(
                    props["Target"],
                    Trigger(
                        kind=_v2_kind(props),
                        name="$default",
                        source=lid,
                        http=HttpSettings(
                            method="ANY",
                            path="$default",
                            api=lid,
                            throttling=self.api_throttling(lid, None, None),
                            waf=self.api_waf(lid),
                            cors=_cors_from(props.get("CorsConfiguration")),
                            marked_public=self.marked_public(lid),
                            field_locations=self.aspects(
                                self.loc(lid, "Properties", "Target"),
                                cors=self.written(lid, "Properties", "CorsConfiguration"),
                                throttling=self.api_throttling_location(lid, None, None),
                            ),
                        ),
                        location=self.loc(lid, "Properties", "Target"),
                    ),
                )
        for lid, props in self.of_type("AWS::ApiGatewayV2::Route"):
            target = props.get("Target")
            integration = None
            if isinstance(target, str) and target.startswith("integrations/"):
                integration = target.split("/", 1)[1]
            uri = integrations.get(integration or "")
            if uri is None or self.target_key(uri) is None:
                continue
            api = self.ref_of(props.get("ApiId"))
            api_props = self.props.get(api or "", {})
            route_key = as_str(props.get("RouteKey")) or ""
            method, _, path = (
                route_key.partition(" ") if isinstance(route_key, str) else ("", "", "")
            )
            if not path:
                method, path = "ANY", method
            auth = as_str(props.get("AuthorizationType")) or "NONE"
            if isinstance(auth, str):
                auth = _AUTH_TYPES.get(auth.upper(), auth)
            self.add_trigger(
                uri,
                Trigger(
                    kind=_v2_kind(api_props),
                    name=str(route_key),
                    source=api,
                    http=HttpSettings(
                        method=method,
                        path=path,
                        api=api,
                        authorization=auth,
                        authorizer=self.ref_or_value(props.get("AuthorizerId"))
                        if props.get("AuthorizerId") is not None
                        else None,
                        api_key_required=as_bool(props.get("ApiKeyRequired")) or False,
                        throttling=self.api_throttling(api, method, path),
                        waf=self.api_waf(api),
                        cors=_cors_from(api_props.get("CorsConfiguration")),
                        marked_public=self.marked_public(api, self.function_ref_in(uri)),
                        field_locations=self.aspects(
                            self.loc(lid),
                            authorization=self.written(lid, "Properties", "AuthorizationType")
                            or self.written(lid, "Properties", "AuthorizerId"),
                            cors=self.written(api, "Properties", "CorsConfiguration")
                            if api in self.raw
                            else None,
                            throttling=self.api_throttling_location(api, method, path),
                        ),
                    ),
                    location=self.loc(lid),
                ),
            )

    def triggers_alb(self) -> None:
        group_lb: dict[str, str] = {}
        listener_lb: dict[str, str] = {}
        listener_auth: dict[str, str] = {}
        for lid, props in self.of_type("AWS::ElasticLoadBalancingV2::Listener"):
            lb = self.ref_of(props.get("LoadBalancerArn"))
            if lb is None:
                continue
            listener_lb[lid] = lb
            for action in items(props.get("DefaultActions")):
                self.alb_action(action, lb, group_lb, listener_auth, lid)
        for _lid, props in self.of_type("AWS::ElasticLoadBalancingV2::ListenerRule"):
            listener = self.ref_of(props.get("ListenerArn"))
            lb = listener_lb.get(listener or "")
            if lb is None:
                continue
            for action in items(props.get("Actions")):
                self.alb_action(action, lb, group_lb, listener_auth, listener or "")
        for lid, props in self.of_type("AWS::ElasticLoadBalancingV2::TargetGroup"):
            if str(props.get("TargetType", "")).lower() != "lambda":
                continue
            lb = group_lb.get(lid)
            for index, target in enumerate(items(props.get("Targets"))):
                self.add_trigger(
                    get(target, "Id"),
                    Trigger(
                        kind=TriggerKind.ALB,
                        name=lid,
                        source=lb or lid,
                        http=HttpSettings(
                            api=lb,
                            authorization=listener_auth.get(lb or "", "NONE"),
                            waf=self.api_waf(lb),
                            marked_public=self.marked_public(
                                lb, self.function_ref(get(target, "Id"))
                            ),
                        ),
                        location=self.loc(lid, "Properties", "Targets", index),
                    ),
                )

    def alb_action(
        self,
        action: Any,
        lb: str,
        group_lb: dict[str, str],
        listener_auth: dict[str, str],
        listener: str,
    ) -> None:
        kind = str(get(action, "Type") or "").lower()
        if kind == "authenticate-cognito":
            listener_auth[lb] = "COGNITO_USER_POOLS"
        elif kind == "authenticate-oidc":
            listener_auth[lb] = "JWT"
        groups = [get(action, "TargetGroupArn")]
        groups += [
            get(t, "TargetGroupArn") for t in items(get(action, "ForwardConfig", "TargetGroups"))
        ]
        for group in groups:
            found = self.ref_of(group)
            if found is not None:
                group_lb[found] = lb

    def triggers_appsync(self) -> None:
        for lid, props in self.of_type("AWS::AppSync::DataSource"):
            arn = get(props, "LambdaConfig", "LambdaFunctionArn")
            if arn is None:
                continue
            api = self.ref_of(props.get("ApiId"))
            if api is None and isinstance(props.get("ApiId"), str):
                api = self.ref_of(str(props["ApiId"]).split(".")[0])
            api_props = self.props.get(api or "", {})
            auth_type = as_str(api_props.get("AuthenticationType"))
            authorization: MaybeStr = {
                "API_KEY": "NONE",
                "AWS_IAM": "AWS_IAM",
                "AMAZON_COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
                "OPENID_CONNECT": "JWT",
                "AWS_LAMBDA": "CUSTOM",
            }.get(auth_type if isinstance(auth_type, str) else "", auth_type or "NONE")
            self.add_trigger(
                arn,
                Trigger(
                    kind=TriggerKind.APPSYNC,
                    name=lid,
                    source=api,
                    http=HttpSettings(
                        api=api,
                        authorization=authorization,
                        api_key_required=auth_type == "API_KEY",
                        waf=self.api_waf(api),
                        marked_public=self.marked_public(api, self.function_ref(arn)),
                    ),
                    location=self.loc(lid),
                ),
            )


def _v2_kind(api_props: Mapping[str, Any]) -> TriggerKind:
    if api_props.get("ProtocolType") == "WEBSOCKET":
        return TriggerKind.WEBSOCKET
    return TriggerKind.API_HTTP


def _json_or_none(text: str) -> Any:
    import json  # noqa: PLC0415 - only for the rare policy document written as a JSON string

    try:
        return json.loads(text)
    except ValueError:
        return None


def _cors_from(value: Any) -> Cors | None:
    if value is None:
        return None
    if isinstance(value, str):  # SAM ``Cors: "'*'"`` shorthand
        return Cors(allow_origins=(value.strip("'"),))
    if not isinstance(value, Mapping):
        return Cors(allow_origins=(as_str(value) or "",))
    origins = value.get("AllowOrigins", value.get("allowOrigins", value.get("AllowOrigin")))
    credentials = value.get(
        "AllowCredentials", value.get("allowCredentials", value.get("AllowCredentials"))
    )
    return Cors(
        allow_origins=tuple(
            origin.strip("'") if isinstance(origin, str) else origin
            for origin in as_str_tuple(origins)
        ),
        allow_credentials=as_bool(credentials),
    )


def _stage_throttling(
    props: Mapping[str, Any], method: str | None = None, path: str | None = None
) -> Throttling | None:
    default = props.get("DefaultRouteSettings")
    if isinstance(default, Mapping):
        rate, burst = default.get("ThrottlingRateLimit"), default.get("ThrottlingBurstLimit")
        if rate is not None or burst is not None:
            return Throttling(rate_limit=as_float(rate), burst_limit=as_int(burst))
    best: Throttling | None = None
    for setting in items(props.get("MethodSettings")):
        if not isinstance(setting, Mapping):
            continue
        rate = setting.get("ThrottlingRateLimit")
        burst = setting.get("ThrottlingBurstLimit")
        if rate is None and burst is None:
            continue
        setting_method = str(setting.get("HttpMethod", "*"))
        setting_path = str(setting.get("ResourcePath", "/*"))
        matches_all = setting_method == "*" and setting_path in ("/*", "*")
        matches_this = (
            method is not None
            and setting_method in ("*", method)
            and path is not None
            and setting_path.replace("~1", "/") in (path, "/*")
        )
        if matches_this or (matches_all and best is None):
            best = Throttling(rate_limit=as_float(rate), burst_limit=as_int(burst))
            if matches_this and not matches_all:
                return best
    return best


def _security(
    requirements: Any, schemes: Mapping[str, Any], body: Mapping[str, Any]
) -> tuple[MaybeStr, MaybeStr | None]:
    """Authorization type and authorizer of an OpenAPI operation (API Gateway extensions)."""
    if requirements is None:
        requirements = body.get("security")
    for requirement in items(requirements):
        for name in mapping(requirement):
            scheme = mapping(schemes.get(name))
            authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
            authorizer = mapping(scheme.get("x-amazon-apigateway-authorizer"))
            kind = str(authorizer.get("type", "")).lower()
            if authtype == "awssigv4" or name == "sigv4":
                return "AWS_IAM", None
            if authtype == "cognito_user_pools" or kind == "cognito_user_pools":
                return "COGNITO_USER_POOLS", str(name)
            if kind == "jwt" or scheme.get("type") in ("oauth2", "openIdConnect"):
                return "JWT", str(name)
            if kind in ("token", "request") or authtype == "custom":
                return "CUSTOM", str(name)
    return "NONE", None
