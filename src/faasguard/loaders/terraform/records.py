"""Terraform records (:class:`TfResource`) and the :class:`Builder` state every mapper reads:
addresses, links between records, locations, and shared value parsers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.loaders.terraform.hcl import JsonText, LineIndex
from faasguard.model import (
    Diagnostic,
    Location,
    MaybeStr,
    Resource,
    Throttling,
    Trigger,
    TriggerKind,
    Unknown,
)
from faasguard.model.iam import scalar_str
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
    r"(?:\[[^\]]*\])?"
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


ROLE_TYPES = ("aws_iam_role",)


REST_API = ("aws_api_gateway_rest_api",)


HTTP_API = ("aws_apigatewayv2_api",)


STAGES = ("aws_api_gateway_stage", "aws_apigatewayv2_stage")


LB = ("aws_lb", "aws_alb")


SERVICE_KINDS = {
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


def as_str(value: Any) -> MaybeStr | None:
    """A string field (see :func:`~faasguard.model.iam.scalar_str`)."""
    return scalar_str(value, short_text)


def as_int(value: Any) -> MaybeInt | None:
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
    return Unknown(expression=short_text(value), reason="not a number")


def as_bool(value: Any) -> MaybeBool | None:
    if value is None:
        return None
    if isinstance(value, bool | Unknown):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    return Unknown(expression=short_text(value), reason="not a bool")


def as_strs(value: Any) -> tuple[MaybeStr, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(s for s in (as_str(v) for v in value) if s is not None)
    single = as_str(value)
    return (single,) if single is not None else ()


def short_text(value: Any) -> str:
    try:
        return json.dumps(value, default=str)[:200]
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:200]


def as_json(value: Any) -> Any:
    """A policy-like value as a structure: ``JsonText``/JSON string decoded, else as is."""
    if isinstance(value, JsonText):
        return value.value
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return Unknown(expression=value[:200], reason="not valid JSON")
    return value


def _normalise_address(address: str) -> str:
    return _INDEX_IN_ADDRESS.sub("", address)


class Builder:
    def __init__(self, records: list[TfResource], lines: LineIndex) -> None:
        self.records = records
        self.lines = lines
        #: The root module's directory: Terraform resolves relative file paths against it.
        self.root_dir = ""
        self.by_address: dict[str, TfResource] = {}
        for record in records:
            # An instance (``aws_iam_role.fn["a"]``) by its own address; without the key,
            # the first instance (how a reference to an unexpanded resource reads).
            self.by_address.setdefault(record.address, record)
            self.by_address.setdefault(_normalise_address(record.address), record)
        self.by_type: dict[str, list[TfResource]] = {}
        for record in records:
            if record.mode == "managed":
                self.by_type.setdefault(record.type, []).append(record)
        self.by_value: dict[str, list[str]] = {}
        #: A partly known identity (``name = "${var.prefix}-role"``) is copied as the same
        #: Unknown wherever ``aws_iam_role.x.name`` is used: its expression identifies the
        #: record when exactly one record has it.
        self.by_unknown: dict[str, list[str]] = {}
        for record in records:
            for key in _IDENTITY_KEYS:
                value = record.values.get(key)
                if isinstance(value, str) and value and not isinstance(value, JsonText):
                    self.by_value.setdefault(value, []).append(record.address)
                elif isinstance(value, Unknown) and "${" in value.expression:
                    owners = self.by_unknown.setdefault(value.expression, [])
                    if record.address not in owners:
                        owners.append(record.address)
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
                exact = match.group(0)
                address = exact if exact in self.by_address else _normalise_address(exact)
                if address in self.by_address and self.by_address[address].address not in found:
                    found.append(self.by_address[address].address)
            owners = self.by_unknown.get(value.expression, [])
            if len(owners) == 1 and owners[0] not in found:
                found.append(owners[0])
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
            record = self.record(address)
            if record is None:
                continue
            if wanted is None or record.type in wanted:
                return record.address
        return None

    def record(self, address: str | None) -> TfResource | None:
        if address is None:
            return None
        return self.by_address.get(address) or self.by_address.get(_normalise_address(address))

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


def _throttling(settings: Mapping[str, Any] | None) -> Throttling | None:
    """The throttling of a ``default_route_settings`` / method ``settings`` block."""
    if not settings:
        return None
    rate, burst = settings.get("throttling_rate_limit"), settings.get("throttling_burst_limit")
    if rate is None and burst is None:
        return None
    rate_value: float | Unknown | None
    if rate is None or isinstance(rate, Unknown):
        rate_value = rate
    elif isinstance(rate, int | float) and not isinstance(rate, bool):
        rate_value = float(rate)
    else:
        rate_value = Unknown(expression=str(rate), reason="not a number")
    return Throttling(rate_limit=rate_value, burst_limit=as_int(burst))


def stage_throttling(b: Builder, record: TfResource) -> Throttling | None:
    found = _stage_throttling_at(b, record)
    return found[0] if found is not None else None


def _stage_throttling_at(b: Builder, record: TfResource) -> tuple[Throttling, Location] | None:
    """The stage's throttling and the block that sets it (stage or method settings)."""
    v = record.values
    if record.type == "aws_apigatewayv2_stage":
        found = _throttling(first_block(v, "default_route_settings"))
        return (found, b.loc(record, "default_route_settings")) if found is not None else None
    api = b.link(v.get("rest_api_id"), REST_API)
    stage_name = v.get("stage_name")
    for settings_record in b.typed("aws_api_gateway_method_settings"):
        sv = settings_record.values
        if b.link(sv.get("rest_api_id"), REST_API) != api:
            continue
        linked_stage = b.link(sv.get("stage_name"), ("aws_api_gateway_stage",))
        if linked_stage != record.address and sv.get("stage_name") != stage_name:
            continue
        found = _throttling(first_block(sv, "settings"))
        if found is not None:
            return found, b.loc(settings_record, "settings")
    return None


def first_throttling(b: Builder, stages: list[TfResource]) -> tuple[Throttling, Location] | None:
    return next((t for t in (_stage_throttling_at(b, s) for s in stages) if t is not None), None)


def set_at(b: Builder, record: TfResource | None, *path: str) -> Location | None:
    """Location of ``record.values[path...]`` only when the user set that attribute."""
    if record is None or path[0] not in record.values:
        return None
    return b.loc(record, *path)


def located(**locations: Location | None) -> dict[str, Location]:
    return {aspect: where for aspect, where in locations.items() if where is not None}
