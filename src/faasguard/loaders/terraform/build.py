"""Terraform resources → the one model, shared by the HCL and the plan-JSON front ends.

Both front ends hand over :class:`TfResource` records whose ``values`` are already
evaluated (HCL expressions through :mod:`faasguard.loaders.terraform.hcl`, plan values as they
are); nested blocks are lists of dicts in both. References that are not static are
:class:`Unknown` values whose expression keeps the target address
(``aws_sqs_queue.orders.arn``), which is how functions are linked to roles, triggers to
their sources and alarms to functions. A :class:`~faasguard.loaders.terraform.hcl.LineIndex`
gives the line of any key, so field locations and policy statements point at the line
the user wrote.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.loaders.terraform.hcl import JsonText, LineIndex
from faasguard.model import (
    Alarm,
    Api,
    App,
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
from faasguard.model.resources import MaybeBool, MaybeInt


@dataclass(slots=True)
class TfResource:
    """One resource (or data source) with evaluated attributes, from either front end."""

    address: str
    type: str
    name: str
    mode: str
    values: dict[str, Any]
    location: Location
    module_dir: str
    notes: dict[str, Any] = field(default_factory=dict)


_ADDRESS = re.compile(
    r"(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+"
)
_INDEX_IN_ADDRESS = re.compile(r"\[[^\]]*\]")
#: Attributes whose values identify a resource in state/plan files and static HCL.
_IDENTITY_KEYS = (
    "arn",
    "id",
    "name",
    "function_name",
    "bucket",
    "invoke_arn",
    "qualified_arn",
    "qualified_invoke_arn",
    "execution_arn",
    "stream_arn",
    "url",
    "api_endpoint",
)

_LAMBDA = ("aws_lambda_function",)
_ROLE_TYPES = ("aws_iam_role",)
_REST_API = ("aws_api_gateway_rest_api",)
_HTTP_API = ("aws_apigatewayv2_api",)
_STAGES = ("aws_api_gateway_stage", "aws_apigatewayv2_stage")
_LB = ("aws_lb", "aws_alb")
_SERVICE_KINDS = {
    "s3": TriggerKind.S3,
    "sns": TriggerKind.SNS,
    "events": TriggerKind.EVENTBRIDGE,
    "scheduler": TriggerKind.SCHEDULE,
    "apigateway": TriggerKind.API_REST,
    "logs": TriggerKind.CLOUDWATCH_LOGS,
    "iot": TriggerKind.IOT,
    "cognito-idp": TriggerKind.COGNITO,
    "elasticloadbalancing": TriggerKind.ALB,
    "ses": TriggerKind.SES,
    "sqs": TriggerKind.SQS,
    "appsync": TriggerKind.APPSYNC,
}


# --------------------------------------------------------------------------------------
# Small value helpers
# --------------------------------------------------------------------------------------


def first_block(values: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The first nested block ``key`` (blocks are lists of dicts), or ``None``."""
    value = values.get(key)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    return value if isinstance(value, dict) else None


def all_blocks(values: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """Every nested block ``key`` that is a dict."""
    value = values.get(key)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _str(value: Any) -> MaybeStr | None:
    if value is None:
        return None
    if isinstance(value, Unknown | str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return Unknown(expression=_short(value), reason="not a string")


def _int(value: Any) -> MaybeInt | None:
    if value is None:
        return None
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(expression=str(value), reason="not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return Unknown(expression=value, reason="not a number")
    return Unknown(expression=_short(value), reason="not a number")


def _bool(value: Any) -> MaybeBool | None:
    if value is None:
        return None
    if isinstance(value, bool | Unknown):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    return Unknown(expression=_short(value), reason="not a bool")


def _strs(value: Any) -> tuple[MaybeStr, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(s for s in (_str(v) for v in value) if s is not None)
    single = _str(value)
    return (single,) if single is not None else ()


def _short(value: Any) -> str:
    try:
        return json.dumps(value, default=str)[:200]
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:200]


def _as_json(value: Any) -> Any:
    """A policy-like value as a structure: ``JsonText``/JSON string decoded, else as is."""
    if isinstance(value, JsonText):
        return value.value
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return Unknown(expression=value[:200], reason="not valid JSON")
    return value


# --------------------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------------------


def policy_document_json(values: Mapping[str, Any], lines: LineIndex) -> JsonText:
    """``data "aws_iam_policy_document"`` arguments → the JSON document it renders.

    ``source_policy_documents`` statements come first, then the document's own, then
    ``override_policy_documents`` ones replace statements with the same ``Sid`` (Terraform's
    merge rule, best effort). Each statement keeps the line of its ``statement`` block.
    """
    statements: list[Any] = []
    for source in _doc_list(values.get("source_policy_documents")):
        statements.extend(_doc_statements(source, lines, statements))
    own = values.get("statement")
    blocks = own if isinstance(own, list) else []
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        where = lines.get(blocks, index)
        statement = _statement_from_block(block)
        if where is not None:
            lines.record(statements, len(statements), *where)
        statements.append(statement)
    if "statement" in (values.get("__dynamic__") or []):
        statements.append(Unknown(expression="dynamic statement", reason="dynamic block"))
    for override in _doc_list(values.get("override_policy_documents")):
        for statement in _doc_statements(override, lines, []):
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            replaced = False
            if sid:
                for i, existing in enumerate(statements):
                    if isinstance(existing, dict) and existing.get("Sid") == sid:
                        statements[i] = statement
                        replaced = True
            if not replaced:
                statements.append(statement)
    version = values.get("version")
    document: dict[str, Any] = {
        "Version": version if isinstance(version, str) else "2012-10-17",
        "Statement": statements,
    }
    return JsonText(document)


def _doc_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def _doc_statements(doc: Any, lines: LineIndex, target: list[Any]) -> list[Any]:
    parsed = _as_json(doc)
    if isinstance(parsed, Unknown) or not isinstance(parsed, dict):
        return [Unknown(expression=_short(doc), reason="policy document not static")]
    found = parsed.get("Statement")
    items = found if isinstance(found, list) else [found] if found is not None else []
    result: list[Any] = []
    for i, item in enumerate(items):
        where = lines.get(items, i) if isinstance(found, list) else None
        if where is not None:
            lines.record(target, len(target) + len(result), *where)
        result.append(item)
    return result


def _statement_from_block(block: Mapping[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if block.get("sid") is not None:
        statement["Sid"] = block["sid"]
    statement["Effect"] = block.get("effect") or "Allow"
    for key, name in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if block.get(key) is not None:
            statement[name] = block[key]
    for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals: dict[str, Any] = {}
        for principal in all_blocks(block, key):
            kind = principal.get("type")
            ids = principal.get("identifiers")
            if kind == "*":
                principals["*"] = ["*"]
            elif isinstance(kind, str):
                principals.setdefault(kind, []).extend(ids if isinstance(ids, list) else [ids])
        if principals:
            statement[name] = "*" if list(principals) == ["*"] else principals
    conditions: dict[str, Any] = {}
    for condition in all_blocks(block, "condition"):
        test, variable, cond_values = (
            condition.get("test"),
            condition.get("variable"),
            condition.get("values"),
        )
        if isinstance(test, str) and isinstance(variable, str):
            conditions.setdefault(test, {})[variable] = cond_values
    if conditions:
        statement["Condition"] = conditions
    return statement


def build_policy(
    name: str, document: Any, location: Location, lines: LineIndex, *, arn: Any = None
) -> Policy:
    """A :class:`Policy` from a document value (``JsonText``, JSON string, dict, Unknown)."""
    parsed = _as_json(document)
    managed = arn is not None
    if isinstance(parsed, Unknown) or not isinstance(parsed, dict):
        unknown = (
            parsed
            if isinstance(parsed, Unknown)
            else Unknown(expression=_short(document), reason="not a policy document")
        )
        return Policy(
            name=name, arn=_str(arn), managed=managed, unresolved=unknown, location=location
        )
    raw = parsed.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    statements: list[Statement] = []
    unresolved: Unknown | None = None
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            unresolved = (
                item
                if isinstance(item, Unknown)
                else Unknown(expression=_short(item), reason="statement not static")
            )
            continue
        where = lines.get(items, index) if isinstance(raw, list) else lines.get(parsed, "Statement")
        statement_location = (
            Location(file=where[0], line=where[1], pointer=location.pointer)
            if where is not None
            else location
        )
        converted = Statement.from_document(item, statement_location)
        if isinstance(converted, Statement):
            statements.append(converted)
    return Policy(
        name=name,
        statements=tuple(statements),
        arn=_str(arn),
        managed=managed,
        unresolved=unresolved,
        location=location,
    )


# --------------------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------------------


def _normalise_address(address: str) -> str:
    return _INDEX_IN_ADDRESS.sub("", address)


class _Builder:
    def __init__(self, records: list[TfResource], lines: LineIndex) -> None:
        self.records = records
        self.lines = lines
        self.by_address: dict[str, TfResource] = {}
        for record in records:
            self.by_address.setdefault(_normalise_address(record.address), record)
        self.by_type: dict[str, list[TfResource]] = {}
        for record in records:
            if record.mode == "managed":
                self.by_type.setdefault(record.type, []).append(record)
        self.by_value: dict[str, list[str]] = {}
        for record in records:
            for key in _IDENTITY_KEYS:
                value = record.values.get(key)
                if isinstance(value, str) and value and not isinstance(value, JsonText):
                    self.by_value.setdefault(value, []).append(record.address)
        self.triggers: dict[str, list[Trigger]] = {}
        self.function_fields: dict[str, dict[str, Any]] = {}
        self.resources: list[Resource] = []
        self.diagnostics: list[Diagnostic] = []

    # Linking ------------------------------------------------------------------------------

    def addresses(self, value: Any) -> list[str]:
        """Addresses of records that ``value`` refers to (placeholder or identity value)."""
        found: list[str] = []
        if isinstance(value, Unknown):
            for match in _ADDRESS.finditer(value.expression):
                address = _normalise_address(match.group(0))
                if address in self.by_address and address not in found:
                    found.append(self.by_address[address].address)
        elif isinstance(value, str):
            found.extend(self.by_value.get(value, []))
            if not found and ":function:" in value:
                name = value.split(":function:", 1)[1].split(":", 1)[0]
                found.extend(self.by_value.get(name, []))
        elif isinstance(value, list):
            for item in value:
                found.extend(a for a in self.addresses(item) if a not in found)
        return found

    def link(self, value: Any, types: Iterable[str] | None = None) -> str | None:
        """The first address ``value`` refers to, restricted to ``types`` when given."""
        wanted = tuple(types) if types is not None else None
        for address in self.addresses(value):
            record = self.by_address.get(_normalise_address(address))
            if record is None:
                continue
            if wanted is None or record.type in wanted:
                return record.address
        return None

    def record(self, address: str | None) -> TfResource | None:
        if address is None:
            return None
        return self.by_address.get(_normalise_address(address))

    def loc(self, record: TfResource, *path: str) -> Location:
        """Location of ``record.values[path...]`` (the deepest known), else the resource."""
        container: Any = record.values
        best = record.location
        for key in path:
            if isinstance(container, list):
                container = next((c for c in container if isinstance(c, dict)), None)
            if not isinstance(container, dict):
                break
            where = self.lines.get(container, key)
            if where is not None:
                best = Location(file=where[0], line=where[1], pointer=record.address)
            if key not in container:
                break
            container = container[key]
        return best

    def where(self, container: Any, key: Any, fallback: Location) -> Location:
        """Location of ``container[key]`` when known."""
        found = self.lines.get(container, key)
        if found is None:
            return fallback
        return Location(file=found[0], line=found[1], pointer=fallback.pointer)

    def add_trigger(self, function: str | None, trigger: Trigger) -> None:
        if function is None:
            return
        self.triggers.setdefault(function, []).append(trigger)

    def function_for(self, value: Any) -> str | None:
        """The address of the function ``value`` names (placeholder, name, ARN)."""
        return self.link(value, _LAMBDA)

    def typed(self, *types: str) -> list[TfResource]:
        out: list[TfResource] = []
        for resource_type in types:
            out.extend(self.by_type.get(resource_type, []))
        return out


def build_app(
    *,
    name: str,
    root_file: str,
    resources: list[TfResource],
    lines: LineIndex,
    files: tuple[str, ...],
    diagnostics: list[Diagnostic],
    suppressions: tuple[Suppression, ...] = (),
    parameters: Mapping[str, Any] | None = None,
) -> App:
    """Map Terraform records to an :class:`App` (``format == "terraform"``)."""
    builder = _Builder(resources, lines)
    roles = _roles(builder)
    role_by_address = {role.ref: role for role in roles}
    mapped: set[str] = set()
    _map_resources(builder, mapped)
    _map_triggers(builder)
    layers = tuple(_layer(builder, r) for r in builder.typed("aws_lambda_layer_version"))
    functions: list[Function] = []
    extra_roles: dict[str, Role] = {}
    for record in builder.typed("aws_lambda_function"):
        try:
            functions.append(_function(builder, record, role_by_address, extra_roles))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # A mapping bug must not lose the whole app: report it and go on.
            builder.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=f"cannot map {record.address}: {exc}",
                    location=record.location,
                    code="terraform-map",
                )
            )
    return App(
        name=name,
        format="terraform",
        root_file=root_file,
        functions=tuple(functions),
        layers=layers,
        roles=(*roles, *extra_roles.values()),
        resources=tuple(builder.resources),
        diagnostics=(*diagnostics, *builder.diagnostics),
        suppressions=suppressions,
        files=files,
        parameters=dict(parameters or {}),
    )


# --------------------------------------------------------------------------------------
# IAM
# --------------------------------------------------------------------------------------


def _roles(b: _Builder) -> list[Role]:
    inline: dict[str, list[Policy]] = {}
    for record in b.typed("aws_iam_role_policy"):
        role = b.link(record.values.get("role"), _ROLE_TYPES)
        if role is None:
            continue
        name = record.values.get("name")
        inline.setdefault(role, []).append(
            build_policy(
                name if isinstance(name, str) else record.address,
                record.values.get("policy"),
                b.loc(record, "policy"),
                b.lines,
            )
        )
    attached: dict[str, list[tuple[Any, Location]]] = {}
    for record in b.typed("aws_iam_role_policy_attachment"):
        role = b.link(record.values.get("role"), _ROLE_TYPES)
        if role is not None:
            attached.setdefault(role, []).append(
                (record.values.get("policy_arn"), b.loc(record, "policy_arn"))
            )
    for record in b.typed("aws_iam_policy_attachment"):
        for role_value in record.values.get("roles") or []:
            role = b.link(role_value, _ROLE_TYPES)
            if role is not None:
                attached.setdefault(role, []).append(
                    (record.values.get("policy_arn"), b.loc(record, "policy_arn"))
                )
    roles: list[Role] = []
    for record in b.typed("aws_iam_role"):
        values = record.values
        policies: list[Policy] = []
        for index, block in enumerate(all_blocks(values, "inline_policy")):
            if block.get("policy") is None:
                continue
            name = block.get("name")
            policies.append(
                build_policy(
                    name if isinstance(name, str) else f"inline_policy[{index}]",
                    block.get("policy"),
                    b.where(values.get("inline_policy"), index, record.location),
                    b.lines,
                )
            )
        policies.extend(inline.get(record.address, []))
        managed: list[MaybeStr] = []
        arns: list[tuple[Any, Location]] = [
            (arn, b.loc(record, "managed_policy_arns"))
            for arn in (values.get("managed_policy_arns") or [])
        ]
        arns.extend(attached.get(record.address, []))
        managed_where: dict[str, Location] = {}
        for arn, _where in arns:
            customer = b.record(b.link(arn, ("aws_iam_policy",)))
            if customer is not None:
                policy_name = customer.values.get("name")
                policies.append(
                    build_policy(
                        policy_name if isinstance(policy_name, str) else customer.address,
                        customer.values.get("policy"),
                        b.loc(customer, "policy"),
                        b.lines,
                        arn=Unknown(expression=f"{customer.address}.arn", reason="computed"),
                    )
                )
            else:
                # AWS managed policies are often looked up with ``data "aws_iam_policy"``.
                looked_up = b.record(b.link(arn, ("aws_iam_policy",)))
                data_ref = next((a for a in b.addresses(arn) if ".aws_iam_policy." in a), None)
                looked_up = b.record(data_ref) if data_ref else looked_up
                value = looked_up.values.get("arn", arn) if looked_up is not None else arn
                managed_arn = _str(value) or Unknown(expression="null")
                managed.append(managed_arn)
                if isinstance(managed_arn, str):
                    managed_where[managed_arn] = _where
        name = values.get("name")
        roles.append(
            Role(
                ref=record.address,
                name=_str(name),
                arn=values.get("arn")
                if isinstance(values.get("arn"), str)
                else Unknown(expression=f"{record.address}.arn", reason="computed"),
                assume_role_policy=build_policy(
                    "assume_role_policy",
                    values.get("assume_role_policy"),
                    b.loc(record, "assume_role_policy"),
                    b.lines,
                )
                if values.get("assume_role_policy") is not None
                else None,
                policies=tuple(policies),
                managed_policy_arns=tuple(managed),
                managed_policy_locations=managed_where,
                permissions_boundary=_str(values.get("permissions_boundary")),
                location=record.location,
            )
        )
    return roles


# --------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------

_FIELD_ATTRIBUTES = {
    "runtime": ("runtime",),
    "handler": ("handler",),
    "memory": ("memory_size",),
    "timeout": ("timeout",),
    "architectures": ("architectures",),
    "environment": ("environment",),
    "kms_key": ("kms_key_arn",),
    "role": ("role",),
    "layers": ("layers",),
    "reserved_concurrency": ("reserved_concurrent_executions",),
    "tracing": ("tracing_config",),
    "dead_letter_target": ("dead_letter_config",),
    "vpc": ("vpc_config",),
    "code_signing_config": ("code_signing_config_arn",),
    "logging": ("logging_config",),
    "tags": ("tags",),
}


def _function(
    b: _Builder, record: TfResource, roles: Mapping[str, Role], extra_roles: dict[str, Role]
) -> Function:
    values = record.values
    extra = b.function_fields.get(record.address, {})
    field_locations: dict[str, Location] = {}
    for field_name, path in _FIELD_ATTRIBUTES.items():
        if path[0] in values:
            field_locations[field_name] = b.loc(record, *path)
    environment: dict[str, Any] = {}
    env_block = first_block(values, "environment")
    variables = env_block.get("variables") if env_block is not None else None
    if isinstance(variables, dict):
        environment = dict(variables)
        for key in variables:
            field_locations[f"environment.{key}"] = b.where(
                variables, key, field_locations.get("environment", record.location)
            )
    elif isinstance(variables, Unknown):
        environment = {"*": variables}
    for key in ("provisioned_concurrency", "on_failure_destination", "url"):
        if f"{key}_location" in extra:
            field_locations[key] = extra[f"{key}_location"]
    reserved = _int(values.get("reserved_concurrent_executions"))
    if reserved == -1:
        reserved = None  # -1 is the provider's "no reservation" default
    tracing = first_block(values, "tracing_config")
    dead_letter = first_block(values, "dead_letter_config")
    vpc = first_block(values, "vpc_config")
    logging = first_block(values, "logging_config")
    tags = values.get("tags")
    architectures = values.get("architectures")
    package_type = values.get("package_type")
    return Function(
        ref=record.address,
        name=_str(values.get("function_name")),
        runtime=_str(values.get("runtime")),
        handler=_str(values.get("handler")),
        code=_code(b, record),
        package_type=package_type if isinstance(package_type, str) else "Zip",
        memory=_int(values.get("memory_size")),
        timeout=_int(values.get("timeout")),
        architectures=_strs(architectures) if architectures is not None else (),
        environment=environment,
        kms_key=_str(values.get("kms_key_arn")),
        role=_function_role(b, values.get("role"), roles, extra_roles, record),
        layers=_strs(values.get("layers")),
        reserved_concurrency=reserved,
        provisioned_concurrency=extra.get("provisioned_concurrency"),
        tracing=_str(tracing.get("mode")) if tracing else None,
        dead_letter_target=_str(dead_letter.get("target_arn")) if dead_letter else None,
        on_failure_destination=extra.get("on_failure_destination"),
        vpc=VpcConfig(
            subnet_ids=_strs(vpc.get("subnet_ids")),
            security_group_ids=_strs(vpc.get("security_group_ids")),
        )
        if vpc
        else None,
        url=extra.get("url"),
        code_signing_config=_str(values.get("code_signing_config_arn")),
        logging=LoggingConfig(
            log_group=_str(logging.get("log_group")),
            log_format=_str(logging.get("log_format")),
            application_log_level=_str(logging.get("application_log_level")),
            system_log_level=_str(logging.get("system_log_level")),
        )
        if logging
        else None,
        tags=dict(tags) if isinstance(tags, dict) else {},
        triggers=tuple(b.triggers.get(record.address, [])),
        field_locations=field_locations,
        location=record.location,
    )


def _function_role(
    b: _Builder,
    value: Any,
    roles: Mapping[str, Role],
    extra_roles: dict[str, Role],
    record: TfResource,
) -> Role | None:
    if value is None:
        return None
    address = b.link(value, _ROLE_TYPES)
    if address is not None and address in roles:
        return roles[address]
    if isinstance(value, str):
        # ``arn:aws:iam::123:role/path/name`` of a role declared in this module by name.
        role_name = value.rsplit("/", 1)[-1]
        for role in roles.values():
            if role.name == role_name or role.arn == value:
                return role
    ref = value if isinstance(value, str) else getattr(value, "expression", "")
    if not ref:
        return None
    if ref not in extra_roles:
        extra_roles[ref] = Role(
            ref=ref,
            arn=value if isinstance(value, str | Unknown) else None,
            external=True,
            location=b.loc(record, "role"),
        )
    return extra_roles[ref]


def _join_path(module_dir: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    if os.path.isabs(value):
        return os.path.normpath(value)
    return os.path.normpath(os.path.join(module_dir, value))


def _code(b: _Builder, record: TfResource) -> CodeLocation:
    values = record.values
    image = values.get("image_uri")
    if image is not None:
        return CodeLocation(kind="image", uri=_str(image))
    filename = values.get("filename")
    if filename is not None:
        archive = b.record(b.link(filename, ("archive_file",)))
        if archive is None and isinstance(filename, str):
            # ``output_path`` is an argument, so the reference was resolved to its value.
            archive = next(
                (
                    r
                    for r in b.records
                    if r.type == "archive_file" and r.values.get("output_path") == filename
                ),
                None,
            )
        if archive is None:
            for address in b.addresses(filename):
                found = b.record(address)
                if found is not None and found.type == "archive_file":
                    archive = found
                    break
        if archive is not None:
            source_dir = archive.values.get("source_dir")
            if isinstance(source_dir, str):
                return CodeLocation(
                    kind="directory",
                    path=_join_path(archive.module_dir, source_dir),
                    uri=_str(filename),
                )
            source_file = archive.values.get("source_file")
            if isinstance(source_file, str):
                return CodeLocation(
                    kind="directory",
                    path=os.path.dirname(_join_path(archive.module_dir, source_file) or ""),
                    uri=source_file,
                )
        path = _join_path(record.module_dir, filename)
        if path is not None:
            return CodeLocation(kind="zip", path=path)
        return CodeLocation(kind="unknown", uri=_str(filename))
    bucket = values.get("s3_bucket")
    if bucket is not None:
        key = values.get("s3_key")
        if isinstance(bucket, str) and isinstance(key, str):
            return CodeLocation(kind="s3", uri=f"s3://{bucket}/{key}")
        return CodeLocation(
            kind="s3", uri=Unknown(expression=f"s3://{bucket}/{key}", reason="not static")
        )
    return CodeLocation(kind="unknown")


def _layer(b: _Builder, record: TfResource) -> Layer:
    values = record.values
    content = CodeLocation(kind="unknown")
    if values.get("filename") is not None:
        path = _join_path(record.module_dir, values.get("filename"))
        content = (
            CodeLocation(kind="zip", path=path)
            if path
            else CodeLocation(kind="unknown", uri=_str(values.get("filename")))
        )
    elif values.get("s3_bucket") is not None:
        content = CodeLocation(
            kind="s3",
            uri=_str(f"s3://{values.get('s3_bucket')}/{values.get('s3_key')}"),
        )
    return Layer(
        ref=record.address,
        name=_str(values.get("layer_name")),
        content=content,
        compatible_runtimes=_strs(values.get("compatible_runtimes")),
        location=record.location,
    )


# --------------------------------------------------------------------------------------
# Non-function resources
# --------------------------------------------------------------------------------------


def _throttling(rate: Any, burst: Any) -> Throttling | None:
    if rate is None and burst is None:
        return None
    rate_value: float | Unknown | None
    if rate is None or isinstance(rate, Unknown):
        rate_value = rate
    elif isinstance(rate, int | float) and not isinstance(rate, bool):
        rate_value = float(rate)
    else:
        rate_value = Unknown(expression=str(rate), reason="not a number")
    return Throttling(rate_limit=rate_value, burst_limit=_int(burst))


def _map_resources(b: _Builder, mapped: set[str]) -> None:
    skip = {"aws_lambda_function", "aws_iam_role", "aws_lambda_layer_version"}
    buckets = _bucket_extras(b)
    policies = _attached_resource_policies(b)
    waf_by_target = _waf_targets(b)
    for record in b.records:
        if record.mode != "managed" or record.type in skip:
            continue
        try:
            resource = _resource(b, record, buckets, policies, waf_by_target)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            b.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=f"cannot map {record.address}: {exc}",
                    location=record.location,
                    code="terraform-map",
                )
            )
            resource = Resource(
                ref=record.address,
                type=record.type,
                properties=record.values,
                location=record.location,
            )
        b.resources.append(resource)
        mapped.add(record.address)


def _bucket_extras(b: _Builder) -> dict[str, dict[str, Any]]:
    extras: dict[str, dict[str, Any]] = {}
    for record in b.typed(
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_acl",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
    ):
        bucket = b.link(record.values.get("bucket"), ("aws_s3_bucket",))
        if bucket is not None:
            extras.setdefault(bucket, {})[record.type] = record
    return extras


def _attached_resource_policies(b: _Builder) -> dict[str, TfResource]:
    found: dict[str, TfResource] = {}
    for record in b.typed("aws_sqs_queue_policy"):
        target = b.link(record.values.get("queue_url"), ("aws_sqs_queue",))
        if target:
            found[target] = record
    for record in b.typed("aws_sns_topic_policy"):
        target = b.link(record.values.get("arn"), ("aws_sns_topic",))
        if target:
            found[target] = record
    return found


def _waf_targets(b: _Builder) -> dict[str, str]:
    """Target address (stage, API, ALB, AppSync API) → web ACL address (or ARN text)."""
    found: dict[str, str] = {}
    for record in b.typed("aws_wafv2_web_acl_association", "aws_waf_regional_web_acl_association"):
        target = b.link(record.values.get("resource_arn"))
        acl_value = record.values.get("web_acl_arn", record.values.get("web_acl_id"))
        acl = b.link(acl_value) or (acl_value if isinstance(acl_value, str) else None)
        if target is not None:
            found[target] = acl or record.address
    for stage in b.typed("aws_api_gateway_stage"):
        acl_value = stage.values.get("web_acl_arn")
        if acl_value is not None:
            found[stage.address] = b.link(acl_value) or str(acl_value)
    return found


def _resource(
    b: _Builder,
    record: TfResource,
    buckets: Mapping[str, Mapping[str, TfResource]],
    policies: Mapping[str, TfResource],
    waf: Mapping[str, str],
) -> Resource:
    v = record.values
    common: dict[str, Any] = {
        "ref": record.address,
        "type": record.type,
        "properties": {**v, **({"_notes": record.notes} if record.notes else {})},
        "location": record.location,
    }
    t = record.type
    if t == "aws_s3_bucket":
        return _bucket(b, record, buckets.get(record.address, {}), common)
    if t == "aws_sqs_queue":
        attached = policies.get(record.address)
        redrive = _as_json(v.get("redrive_policy"))
        dlq = redrive.get("deadLetterTargetArn") if isinstance(redrive, dict) else None
        policy_value = attached.values.get("policy") if attached else v.get("policy")
        name = v.get("name")
        return Queue(
            **common,
            name=_str(name),
            visibility_timeout=_int(v.get("visibility_timeout_seconds", 30)),
            kms_key=_str(v.get("kms_master_key_id")),
            sqs_managed_encryption=_bool(v.get("sqs_managed_sse_enabled")),
            dead_letter_target=_str(b.link(dlq) or dlq),
            policy=build_policy(
                "queue policy",
                policy_value,
                b.loc(attached or record, "policy"),
                b.lines,
            )
            if policy_value is not None
            else None,
            fifo=v.get("fifo_queue") is True or (isinstance(name, str) and name.endswith(".fifo")),
        )
    if t == "aws_sns_topic":
        attached = policies.get(record.address)
        policy_value = attached.values.get("policy") if attached else v.get("policy")
        return Topic(
            **common,
            name=_str(v.get("name")),
            kms_key=_str(v.get("kms_master_key_id")),
            policy=build_policy(
                "topic policy", policy_value, b.loc(attached or record, "policy"), b.lines
            )
            if policy_value is not None
            else None,
        )
    if t == "aws_dynamodb_table":
        sse = first_block(v, "server_side_encryption")
        return Table(
            **common,
            name=_str(v.get("name")),
            stream_enabled=v.get("stream_enabled") is True,
            stream_view_type=_str(v.get("stream_view_type")),
            kms_key=_str(sse.get("kms_key_arn")) if sse else None,
        )
    if t == "aws_kinesis_stream":
        return Stream(**common, name=_str(v.get("name")), kms_key=_str(v.get("kms_key_id")))
    if t == "aws_cloudwatch_log_group":
        return LogGroup(
            **common,
            name=_str(v.get("name")),
            log_group_name=_str(v.get("name")),
            retention_days=_int(v.get("retention_in_days")) or None,
            kms_key=_str(v.get("kms_key_id")),
        )
    if t == "aws_cloudwatch_metric_alarm":
        dims = v.get("dimensions")
        return Alarm(
            **common,
            name=_str(v.get("alarm_name")),
            namespace=_str(v.get("namespace")),
            metric_name=_str(v.get("metric_name")),
            dimensions={
                str(k): _dimension(b, val)
                for k, val in (dims.items() if isinstance(dims, dict) else [])
                if _str(val) is not None
            },
        )
    if t == "aws_kms_key":
        return KmsKey(
            **common,
            rotation=_bool(v.get("enable_key_rotation")),
            policy=build_policy("key policy", v.get("policy"), b.loc(record, "policy"), b.lines)
            if v.get("policy") is not None
            else None,
        )
    if t == "aws_lambda_code_signing_config":
        policies_block = first_block(v, "policies")
        publishers = first_block(v, "allowed_publishers")
        return CodeSigningConfig(
            **common,
            policy=_str(policies_block.get("untrusted_artifact_on_deployment"))
            if policies_block
            else "Warn",
            signing_profiles=_strs(publishers.get("signing_profile_version_arns"))
            if publishers
            else (),
        )
    if t == "aws_lambda_permission":
        function = v.get("function_name")
        return LambdaPermission(
            **common,
            function=_str(b.function_for(function) or function) or Unknown(expression="null"),
            action=_str(v.get("action")) or "lambda:InvokeFunction",
            principal=_str(v.get("principal")) or Unknown(expression="null"),
            source_arn=_str(v.get("source_arn")),
            source_account=_str(v.get("source_account")),
            principal_org_id=_str(v.get("principal_org_id")),
            function_url_auth_type=_str(v.get("function_url_auth_type")),
        )
    if t in ("aws_sqs_queue_policy", "aws_sns_topic_policy", "aws_s3_bucket_policy"):
        target_key = {"aws_sqs_queue_policy": "queue_url", "aws_sns_topic_policy": "arn"}.get(
            t, "bucket"
        )
        target = v.get(target_key)
        return ResourcePolicy(
            **common,
            targets=(_str(b.link(target) or target) or Unknown(expression="null"),),
            policy=build_policy(record.address, v.get("policy"), b.loc(record, "policy"), b.lines),
        )
    if t == "aws_api_gateway_rest_api":
        stages = [
            s.address
            for s in b.typed("aws_api_gateway_stage")
            if b.link(s.values.get("rest_api_id"), _REST_API) == record.address
        ]
        return Api(**common, name=_str(v.get("name")), kind="rest", stages=tuple(stages))
    if t == "aws_apigatewayv2_api":
        protocol = v.get("protocol_type")
        stages = [
            s.address
            for s in b.typed("aws_apigatewayv2_stage")
            if b.link(s.values.get("api_id"), _HTTP_API) == record.address
        ]
        return Api(
            **common,
            name=_str(v.get("name")),
            kind="websocket" if protocol == "WEBSOCKET" else "http",
            stages=tuple(stages),
        )
    if t in ("aws_lb", "aws_alb") and v.get("load_balancer_type", "application") == "application":
        return Api(**common, name=_str(v.get("name")), kind="alb")
    if t == "aws_appsync_graphql_api":
        return Api(
            **common,
            name=_str(v.get("name")),
            kind="appsync",
            authorization=_str(v.get("authentication_type")),
        )
    if t in _STAGES:
        return _stage(b, record, common)
    if t in ("aws_wafv2_web_acl", "aws_waf_web_acl", "aws_wafregional_web_acl"):
        return WebAcl(**common, name=_str(v.get("name")), scope=_str(v.get("scope")))
    if t in ("aws_wafv2_web_acl_association", "aws_waf_regional_web_acl_association"):
        acl_value = v.get("web_acl_arn", v.get("web_acl_id"))
        target_value = v.get("resource_arn")
        return WebAclAssociation(
            **common,
            web_acl=_str(b.link(acl_value) or acl_value) or Unknown(expression="null"),
            target=_str(b.link(target_value) or target_value) or Unknown(expression="null"),
        )
    if t == "aws_cognito_user_pool":
        config = first_block(v, "lambda_config") or {}
        return UserPool(
            **common,
            name=_str(v.get("name")),
            lambda_triggers={
                str(k): s
                for k, val in config.items()
                if isinstance(val, str | Unknown) and (s := _str(b.function_for(val) or val))
            },
        )
    name = v.get("name")
    return Resource(**common, name=_str(name) if isinstance(name, str | Unknown) else None)


def _dimension(b: _Builder, value: Any) -> MaybeStr:
    # ``FunctionName = aws_lambda_function.x.function_name`` is already static when the
    # function's name is; otherwise keep a placeholder that names the function.
    result = _str(value)
    assert result is not None
    return result


def _bucket(
    b: _Builder, record: TfResource, extras: Mapping[str, TfResource], common: dict[str, Any]
) -> Bucket:
    v = record.values
    acl = v.get("acl")
    acl_record = extras.get("aws_s3_bucket_acl")
    if acl_record is not None and acl_record.values.get("acl") is not None:
        acl = acl_record.values.get("acl")
    pab_record = extras.get("aws_s3_bucket_public_access_block")
    pab = None
    if pab_record is not None:
        pv = pab_record.values
        pab = PublicAccessBlock(
            block_public_acls=_bool(pv.get("block_public_acls")),
            ignore_public_acls=_bool(pv.get("ignore_public_acls")),
            block_public_policy=_bool(pv.get("block_public_policy")),
            restrict_public_buckets=_bool(pv.get("restrict_public_buckets")),
            # The settings live in their own resource: findings point there, where they are
            # fixed (one finding covers every attribute turned off, so not one attribute).
            location=pab_record.location,
        )
    policy_record = extras.get("aws_s3_bucket_policy")
    policy_value = policy_record.values.get("policy") if policy_record else v.get("policy")
    encryption: MaybeStr | None = None
    sse_record = extras.get("aws_s3_bucket_server_side_encryption_configuration")
    sse_source = (
        sse_record.values if sse_record else first_block(v, "server_side_encryption_configuration")
    )
    if sse_source:
        rule = first_block(sse_source, "rule") or {}
        default = first_block(rule, "apply_server_side_encryption_by_default") or {}
        encryption = _str(default.get("sse_algorithm"))
    versioning: MaybeBool | None = None
    versioning_record = extras.get("aws_s3_bucket_versioning")
    if versioning_record is not None:
        config = first_block(versioning_record.values, "versioning_configuration") or {}
        status = config.get("status")
        versioning = status == "Enabled" if isinstance(status, str) else _bool(status)
    elif first_block(v, "versioning"):
        versioning = _bool((first_block(v, "versioning") or {}).get("enabled"))
    return Bucket(
        **common,
        name=_str(v.get("bucket")),
        acl=_str(acl),
        public_access_block=pab,
        policy=build_policy(
            "bucket policy", policy_value, b.loc(policy_record or record, "policy"), b.lines
        )
        if policy_value is not None
        else None,
        encryption=encryption,
        versioning=versioning,
    )


def _stage_throttling(b: _Builder, record: TfResource) -> Throttling | None:
    found = _stage_throttling_at(b, record)
    return found[0] if found is not None else None


def _stage_throttling_at(b: _Builder, record: TfResource) -> tuple[Throttling, Location] | None:
    """The stage's throttling and the block that sets it (stage or method settings)."""
    v = record.values
    if record.type == "aws_apigatewayv2_stage":
        settings = first_block(v, "default_route_settings")
        if settings:
            found = _throttling(
                settings.get("throttling_rate_limit"), settings.get("throttling_burst_limit")
            )
            if found is not None:
                return found, b.loc(record, "default_route_settings")
        return None
    api = b.link(v.get("rest_api_id"), _REST_API)
    stage_name = v.get("stage_name")
    for settings_record in b.typed("aws_api_gateway_method_settings"):
        sv = settings_record.values
        if b.link(sv.get("rest_api_id"), _REST_API) != api:
            continue
        linked_stage = b.link(sv.get("stage_name"), ("aws_api_gateway_stage",))
        if linked_stage != record.address and sv.get("stage_name") != stage_name:
            continue
        settings = first_block(sv, "settings")
        if settings:
            found = _throttling(
                settings.get("throttling_rate_limit"), settings.get("throttling_burst_limit")
            )
            if found is not None:
                return found, b.loc(settings_record, "settings")
    return None


def _first_throttling(b: _Builder, stages: list[TfResource]) -> tuple[Throttling, Location] | None:
    return next((t for t in (_stage_throttling_at(b, s) for s in stages) if t is not None), None)


def _set_at(b: _Builder, record: TfResource | None, *path: str) -> Location | None:
    """Location of ``record.values[path...]`` only when the user set that attribute."""
    if record is None or path[0] not in record.values:
        return None
    return b.loc(record, *path)


def _located(**locations: Location | None) -> dict[str, Location]:
    return {aspect: where for aspect, where in locations.items() if where is not None}


def _stage(b: _Builder, record: TfResource, common: dict[str, Any]) -> Stage:
    v = record.values
    api_key = "rest_api_id" if record.type == "aws_api_gateway_stage" else "api_id"
    api = b.link(v.get(api_key), (*_REST_API, *_HTTP_API))
    stage_name = v.get("stage_name", v.get("name"))
    return Stage(
        **common,
        name=_str(stage_name),
        api=api or str(v.get(api_key)),
        stage_name=_str(stage_name),
        throttling=_stage_throttling(b, record),
        access_logging=bool(all_blocks(v, "access_log_settings")),
        tracing=_bool(v.get("xray_tracing_enabled")),
    )


# --------------------------------------------------------------------------------------
# Triggers
# --------------------------------------------------------------------------------------


def _map_triggers(b: _Builder) -> None:
    waf = _waf_targets(b)
    for step in (
        _event_source_mappings,
        _s3_notifications,
        _sns_subscriptions,
        _event_rules,
        _schedules,
        _cognito,
        _iot,
        _log_subscriptions,
        _function_urls,
        _function_extras,
        _alb,
        _appsync,
    ):
        step(b)
    _rest_apis(b, waf)
    _http_apis(b, waf)
    _permissions(b)


def _esm_kind(b: _Builder, source: Any, record: TfResource) -> tuple[TriggerKind, Any]:
    target = b.record(b.link(source))
    if target is not None:
        by_type = {
            "aws_sqs_queue": TriggerKind.SQS,
            "aws_kinesis_stream": TriggerKind.KINESIS,
            "aws_dynamodb_table": TriggerKind.DYNAMODB_STREAM,
            "aws_msk_cluster": TriggerKind.KAFKA,
            "aws_msk_serverless_cluster": TriggerKind.KAFKA,
            "aws_mq_broker": TriggerKind.MQ,
        }
        return by_type.get(target.type, TriggerKind.OTHER), target.address
    text = source if isinstance(source, str) else getattr(source, "expression", "")
    for marker, kind in (
        (":sqs:", TriggerKind.SQS),
        (":kinesis:", TriggerKind.KINESIS),
        (":dynamodb:", TriggerKind.DYNAMODB_STREAM),
        (":kafka:", TriggerKind.KAFKA),
        (":mq:", TriggerKind.MQ),
    ):
        if marker in text:
            return kind, source
    if record.values.get("self_managed_event_source") is not None:
        return TriggerKind.KAFKA, source
    if record.values.get("queues") is not None:
        return TriggerKind.MQ, source
    return TriggerKind.OTHER, source


def _event_source_mappings(b: _Builder) -> None:
    for record in b.typed("aws_lambda_event_source_mapping"):
        v = record.values
        function = b.function_for(v.get("function_name"))
        kind, source = _esm_kind(b, v.get("event_source_arn"), record)
        props: dict[str, Any] = {
            key: v[key]
            for key in (
                "batch_size",
                "maximum_batching_window_in_seconds",
                "starting_position",
                "enabled",
                "function_response_types",
                "maximum_retry_attempts",
                "bisect_batch_on_function_error",
                "topics",
            )
            if key in v
        }
        if "filter_criteria" in v:
            props["filter_criteria"] = v["filter_criteria"]
        props["mapping"] = record.address
        b.add_trigger(
            function,
            Trigger(
                kind=kind,
                name=record.address,
                source=_str(source),
                properties=props,
                location=record.location,
            ),
        )
        destination = first_block(first_block(v, "destination_config") or {}, "on_failure")
        if function and destination and destination.get("destination_arn") is not None:
            fields = b.function_fields.setdefault(function, {})
            fields.setdefault("on_failure_destination", _str(destination.get("destination_arn")))
            fields.setdefault(
                "on_failure_destination_location", b.loc(record, "destination_config")
            )


def _s3_notifications(b: _Builder) -> None:
    for record in b.typed("aws_s3_bucket_notification"):
        bucket_value = record.values.get("bucket")
        bucket = b.link(bucket_value, ("aws_s3_bucket",))
        blocks = record.values.get("lambda_function")
        for index, block in enumerate(all_blocks(record.values, "lambda_function")):
            b.add_trigger(
                b.function_for(block.get("lambda_function_arn")),
                Trigger(
                    kind=TriggerKind.S3,
                    name=record.address,
                    source=_str(bucket or bucket_value),
                    properties={
                        k: block[k]
                        for k in ("events", "filter_prefix", "filter_suffix")
                        if k in block
                    },
                    location=b.where(blocks, index, record.location),
                ),
            )


def _sns_subscriptions(b: _Builder) -> None:
    for record in b.typed("aws_sns_topic_subscription"):
        v = record.values
        if v.get("protocol") != "lambda":
            continue
        topic = v.get("topic_arn")
        b.add_trigger(
            b.function_for(v.get("endpoint")),
            Trigger(
                kind=TriggerKind.SNS,
                name=record.address,
                source=_str(b.link(topic, ("aws_sns_topic",)) or topic),
                properties={k: v[k] for k in ("filter_policy",) if k in v},
                location=record.location,
            ),
        )


def _event_rules(b: _Builder) -> None:
    for record in b.typed("aws_cloudwatch_event_target"):
        v = record.values
        function = b.function_for(v.get("arn"))
        if function is None:
            continue
        rule_value = v.get("rule")
        rule = b.record(b.link(rule_value, ("aws_cloudwatch_event_rule",)))
        if rule is None and isinstance(rule_value, str):
            rule = next(
                (
                    r
                    for r in b.typed("aws_cloudwatch_event_rule")
                    if r.values.get("name") == rule_value
                ),
                None,
            )
        schedule = rule.values.get("schedule_expression") if rule else None
        props: dict[str, Any] = {"target": record.address}
        if rule is not None:
            for key in ("schedule_expression", "event_pattern", "event_bus_name", "state"):
                if key in rule.values:
                    props[key] = rule.values[key]
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.SCHEDULE if schedule is not None else TriggerKind.EVENTBRIDGE,
                name=record.address,
                source=rule.address if rule else _str(rule_value),
                properties=props,
                location=rule.location if rule else record.location,
            ),
        )


def _schedules(b: _Builder) -> None:
    for record in b.typed("aws_scheduler_schedule"):
        target = first_block(record.values, "target")
        if not target:
            continue
        b.add_trigger(
            b.function_for(target.get("arn")),
            Trigger(
                kind=TriggerKind.SCHEDULE,
                name=record.address,
                source=record.address,
                properties={"schedule_expression": record.values.get("schedule_expression")},
                location=record.location,
            ),
        )


def _cognito(b: _Builder) -> None:
    for record in b.typed("aws_cognito_user_pool"):
        config = first_block(record.values, "lambda_config")
        if not config:
            continue
        for key, value in config.items():
            function = b.function_for(value)
            if function is None:
                continue
            b.add_trigger(
                function,
                Trigger(
                    kind=TriggerKind.COGNITO,
                    name=f"{record.address}.{key}",
                    source=record.address,
                    properties={"trigger": key},
                    location=b.loc(record, "lambda_config"),
                ),
            )


def _iot(b: _Builder) -> None:
    for record in b.typed("aws_iot_topic_rule"):
        for block in all_blocks(record.values, "lambda"):
            b.add_trigger(
                b.function_for(block.get("function_arn")),
                Trigger(
                    kind=TriggerKind.IOT,
                    name=record.address,
                    source=record.address,
                    properties={"sql": record.values.get("sql")},
                    location=record.location,
                ),
            )


def _log_subscriptions(b: _Builder) -> None:
    for record in b.typed("aws_cloudwatch_log_subscription_filter"):
        v = record.values
        group_value = v.get("log_group_name")
        group = b.link(group_value, ("aws_cloudwatch_log_group",))
        b.add_trigger(
            b.function_for(v.get("destination_arn")),
            Trigger(
                kind=TriggerKind.CLOUDWATCH_LOGS,
                name=record.address,
                source=_str(group or group_value),
                properties={"filter_pattern": v.get("filter_pattern")},
                location=record.location,
            ),
        )


def _cors(block: Mapping[str, Any] | None) -> Cors | None:
    if not block:
        return None
    credentials = block.get("allow_credentials")
    return Cors(
        allow_origins=_strs(block.get("allow_origins")),
        allow_credentials=_bool(credentials) if credentials is not None else None,
    )


def _function_urls(b: _Builder) -> None:
    for record in b.typed("aws_lambda_function_url"):
        v = record.values
        function = b.function_for(v.get("function_name"))
        auth = _str(v.get("authorization_type")) or Unknown(expression="authorization_type")
        cors = _cors(first_block(v, "cors"))
        # The URL (and its trigger) is the resource; each aspect keeps its own line, so a
        # CORS finding does not point at the authorization line.
        location = record.location
        if function is not None:
            fields = b.function_fields.setdefault(function, {})
            fields["url"] = FunctionUrl(auth_type=auth, cors=cors, location=location)
            fields["url_location"] = location
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.FUNCTION_URL,
                name=record.address,
                source=record.address,
                http=HttpSettings(
                    authorization=auth if auth != "NONE" else "NONE",
                    cors=cors,
                    field_locations=_located(
                        authorization=_set_at(b, record, "authorization_type"),
                        cors=_set_at(b, record, "cors"),
                    ),
                ),
                location=location,
            ),
        )


def _function_extras(b: _Builder) -> None:
    for record in b.typed("aws_lambda_provisioned_concurrency_config"):
        function = b.function_for(record.values.get("function_name"))
        if function is not None:
            fields = b.function_fields.setdefault(function, {})
            fields["provisioned_concurrency"] = _int(
                record.values.get("provisioned_concurrent_executions")
            )
            fields["provisioned_concurrency_location"] = b.loc(
                record, "provisioned_concurrent_executions"
            )
    for record in b.typed("aws_lambda_function_event_invoke_config"):
        function = b.function_for(record.values.get("function_name"))
        destination = first_block(
            first_block(record.values, "destination_config") or {}, "on_failure"
        )
        if function is not None and destination:
            fields = b.function_fields.setdefault(function, {})
            fields["on_failure_destination"] = _str(destination.get("destination"))
            fields["on_failure_destination_location"] = b.loc(record, "destination_config")


def _alb(b: _Builder) -> None:
    lambda_groups = {
        r.address
        for r in b.typed("aws_lb_target_group", "aws_alb_target_group")
        if r.values.get("target_type") == "lambda"
    }
    listeners: dict[str, str] = {}
    for listener in b.typed("aws_lb_listener", "aws_alb_listener"):
        lb = b.link(listener.values.get("load_balancer_arn"), _LB)
        for action in all_blocks(listener.values, "default_action"):
            group = b.link(action.get("target_group_arn"))
            if group and lb:
                listeners.setdefault(group, lb)
    for rule in b.typed("aws_lb_listener_rule", "aws_alb_listener_rule"):
        parent = b.record(b.link(rule.values.get("listener_arn")))
        lb = b.link(parent.values.get("load_balancer_arn"), _LB) if parent else None
        for action in all_blocks(rule.values, "action"):
            group = b.link(action.get("target_group_arn"))
            if group and lb:
                listeners.setdefault(group, lb)
    for record in b.typed("aws_lb_target_group_attachment", "aws_alb_target_group_attachment"):
        group = b.link(record.values.get("target_group_arn"))
        function = b.function_for(record.values.get("target_id"))
        if function is None or (group is not None and group not in lambda_groups):
            continue
        source = listeners.get(group or "", group)
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.ALB,
                name=record.address,
                source=source,
                http=HttpSettings(api=source, authorization="NONE"),
                properties={"target_group": group},
                location=record.location,
            ),
        )


_APPSYNC_AUTH = {
    "API_KEY": "NONE",
    "AWS_IAM": "AWS_IAM",
    "AMAZON_COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
    "OPENID_CONNECT": "JWT",
    "AWS_LAMBDA": "CUSTOM",
}


def _appsync(b: _Builder) -> None:
    for record in b.typed("aws_appsync_datasource"):
        config = first_block(record.values, "lambda_config")
        if not config:
            continue
        api = b.record(b.link(record.values.get("api_id"), ("aws_appsync_graphql_api",)))
        auth_type = api.values.get("authentication_type") if api else None
        authorization: MaybeStr = (
            _APPSYNC_AUTH.get(auth_type, auth_type)
            if isinstance(auth_type, str)
            else Unknown(expression="authentication_type", reason="API not in the module")
        )
        b.add_trigger(
            b.function_for(config.get("function_arn")),
            Trigger(
                kind=TriggerKind.APPSYNC,
                name=record.address,
                source=api.address if api else _str(record.values.get("api_id")),
                http=HttpSettings(
                    api=api.address if api else None,
                    authorization=authorization,
                    api_key_required=auth_type == "API_KEY",
                ),
                location=record.location,
            ),
        )


def _rest_path(b: _Builder, resource: TfResource | None, depth: int = 0) -> str:
    if resource is None or resource.type != "aws_api_gateway_resource" or depth > 32:
        return ""
    parent = b.record(b.link(resource.values.get("parent_id"), ("aws_api_gateway_resource",)))
    part = resource.values.get("path_part")
    text = part if isinstance(part, str) else "{?}"
    return f"{_rest_path(b, parent, depth + 1)}/{text}"


def _authorization(value: Any) -> MaybeStr:
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, Unknown):
        return value
    return "NONE"


def _rest_apis(b: _Builder, waf: Mapping[str, str]) -> None:
    methods: dict[tuple[str, str, str], TfResource] = {}
    for method_record in b.typed("aws_api_gateway_method"):
        mv = method_record.values
        key = (
            b.link(mv.get("rest_api_id"), _REST_API) or "",
            b.link(mv.get("resource_id"), ("aws_api_gateway_resource",)) or "<root>",
            str(mv.get("http_method")),
        )
        methods[key] = method_record
    stages: dict[str, list[TfResource]] = {}
    for stage in b.typed("aws_api_gateway_stage"):
        api = b.link(stage.values.get("rest_api_id"), _REST_API)
        if api:
            stages.setdefault(api, []).append(stage)
    for integration in b.typed("aws_api_gateway_integration"):
        iv = integration.values
        function = b.function_for(iv.get("uri"))
        if function is None:
            continue
        api = b.link(iv.get("rest_api_id"), _REST_API)
        resource = b.record(b.link(iv.get("resource_id"), ("aws_api_gateway_resource",)))
        key = (api or "", resource.address if resource else "<root>", str(iv.get("http_method")))
        method: TfResource | None = methods.get(key) or b.record(
            b.link(iv.get("http_method"), ("aws_api_gateway_method",))
        )
        mv = method.values if method else {}
        validator = mv.get("request_validator_id")
        api_stages = stages.get(api or "", [])
        throttled = _first_throttling(b, api_stages)
        throttling = throttled[0] if throttled is not None else None
        acl = waf.get(api or "") or next(
            (waf[s.address] for s in api_stages if s.address in waf), None
        )
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.API_REST,
                name=integration.address,
                source=api,
                http=HttpSettings(
                    method=_str(mv.get("http_method", iv.get("http_method"))),
                    path=_rest_path(b, resource) or "/",
                    api=api,
                    authorization=_authorization(mv.get("authorization"))
                    if method
                    else Unknown(expression=f"{integration.address}.method", reason="no method"),
                    authorizer=_str(b.link(mv.get("authorizer_id")) or mv.get("authorizer_id")),
                    api_key_required=_bool(mv.get("api_key_required")) or False,
                    request_validation=validator is not None,
                    throttling=throttling,
                    waf=acl,
                    field_locations=_located(
                        authorization=_set_at(b, method, "authorization"),
                        request_validation=_set_at(b, method, "request_validator_id"),
                        throttling=throttled[1] if throttled is not None else None,
                    ),
                ),
                properties={"method": method.address} if method else {},
                # The method is what the user declares for a route (and where a validator,
                # an authorizer or a model is added).
                location=method.location if method else integration.location,
            ),
        )


def _http_apis(b: _Builder, waf: Mapping[str, str]) -> None:
    integrations: dict[str, str] = {}
    for integration in b.typed("aws_apigatewayv2_integration"):
        function = b.function_for(integration.values.get("integration_uri"))
        if function is not None:
            integrations[integration.address] = function
    authorizers = {a.address: a for a in b.typed("aws_apigatewayv2_authorizer")}
    stages: dict[str, list[TfResource]] = {}
    for stage in b.typed("aws_apigatewayv2_stage"):
        api = b.link(stage.values.get("api_id"), _HTTP_API)
        if api:
            stages.setdefault(api, []).append(stage)
    apis = {a.address: a for a in b.typed("aws_apigatewayv2_api")}

    def settings_for(
        api: str | None,
    ) -> tuple[Throttling | None, str | None, Cors | None, str, dict[str, Location]]:
        api_record = apis.get(api or "")
        protocol = api_record.values.get("protocol_type") if api_record else None
        api_stages = stages.get(api or "", [])
        throttled = _first_throttling(b, api_stages)
        acl = waf.get(api or "") or next(
            (waf[s.address] for s in api_stages if s.address in waf), None
        )
        cors = _cors(first_block(api_record.values, "cors_configuration")) if api_record else None
        locations = _located(
            cors=_set_at(b, api_record, "cors_configuration"),
            throttling=throttled[1] if throttled is not None else None,
        )
        throttling = throttled[0] if throttled is not None else None
        return throttling, acl, cors, str(protocol), locations

    for route in b.typed("aws_apigatewayv2_route"):
        rv = route.values
        target_integration = b.link(rv.get("target"), ("aws_apigatewayv2_integration",))
        function = integrations.get(target_integration or "")
        if function is None:
            continue
        api = b.link(rv.get("api_id"), _HTTP_API)
        throttling, acl, cors, protocol, locations = settings_for(api)
        route_key = rv.get("route_key")
        method: MaybeStr | None = None
        path: MaybeStr | None = None
        if isinstance(route_key, str):
            method, _, path = route_key.partition(" ")
            if not path:
                method, path = "ANY", route_key
        elif isinstance(route_key, Unknown):
            method = path = route_key
        authorizer_address = b.link(rv.get("authorizer_id"), ("aws_apigatewayv2_authorizer",))
        authorizer = authorizers.get(authorizer_address or "")
        authorization = _authorization(rv.get("authorization_type"))
        if authorization == "NONE" and authorizer is not None:
            authorizer_type = authorizer.values.get("authorizer_type")
            authorization = "JWT" if authorizer_type == "JWT" else "CUSTOM"
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.WEBSOCKET if protocol == "WEBSOCKET" else TriggerKind.API_HTTP,
                name=route.address,
                source=api,
                http=HttpSettings(
                    method=method,
                    path=path,
                    api=api,
                    authorization=authorization,
                    authorizer=_str(authorizer_address or rv.get("authorizer_id")),
                    api_key_required=_bool(rv.get("api_key_required")) or False,
                    throttling=throttling,
                    waf=acl,
                    cors=cors,
                    field_locations={
                        **locations,
                        **_located(
                            authorization=_set_at(b, route, "authorization_type")
                            or _set_at(b, route, "authorizer_id")
                        ),
                    },
                ),
                properties={"route": route.address},
                location=route.location,
            ),
        )
    for api_record in apis.values():
        target = api_record.values.get("target")
        function = b.function_for(target) if target is not None else None
        if function is None:
            continue
        throttling, acl, cors, protocol, locations = settings_for(api_record.address)
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.API_HTTP,
                name=api_record.address,
                source=api_record.address,
                http=HttpSettings(
                    method="ANY",
                    path="$default",
                    api=api_record.address,
                    authorization="NONE",
                    throttling=throttling,
                    waf=acl,
                    cors=cors,
                    field_locations=locations,
                ),
                properties={"quick_create": True},
                location=b.loc(api_record, "target"),
            ),
        )


def _permissions(b: _Builder) -> None:
    for record in b.typed("aws_lambda_permission"):
        v = record.values
        function = b.function_for(v.get("function_name"))
        principal = v.get("principal")
        if function is None or not isinstance(principal, str):
            continue
        service = principal.split(".", 1)[0] if principal.endswith(".amazonaws.com") else ""
        kind = _SERVICE_KINDS.get(service)
        if kind is None:
            continue
        source = b.link(v.get("source_arn"))
        existing = b.triggers.get(function, [])
        if any(
            t.source == source or (t.http is not None and t.http.api == source)
            for t in existing
            if source is not None
        ) or (source is None and any(_service_matches(t.kind, kind) for t in existing)):
            continue
        source_record = b.record(source)
        if (
            kind is TriggerKind.EVENTBRIDGE
            and source_record is not None
            and source_record.values.get("schedule_expression") is not None
        ):
            kind = TriggerKind.SCHEDULE
        if (
            kind is TriggerKind.API_REST
            and source_record is not None
            and source_record.type == "aws_apigatewayv2_api"
        ):
            protocol = source_record.values.get("protocol_type")
            kind = TriggerKind.WEBSOCKET if protocol == "WEBSOCKET" else TriggerKind.API_HTTP
        http = (
            HttpSettings(
                api=source,
                authorization=Unknown(
                    expression=f"{record.address}.source_arn",
                    reason="routes not declared in Terraform",
                ),
            )
            if kind.is_http
            else None
        )
        b.add_trigger(
            function,
            Trigger(
                kind=kind,
                name=record.address,
                source=source or _str(v.get("source_arn")),
                http=http,
                properties={"inferred_from": record.address},
                location=record.location,
            ),
        )


def _service_matches(existing: TriggerKind, inferred: TriggerKind) -> bool:
    if existing is inferred:
        return True
    if inferred is TriggerKind.API_REST:
        return existing.is_http
    return inferred is TriggerKind.EVENTBRIDGE and existing is TriggerKind.SCHEDULE
