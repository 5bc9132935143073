"""What each function needs: IAM actions and resources derived from its own code.

For every SDK call the code front ends find (:mod:`faasguard.code.sdk_calls`):

1. the IAM actions it needs, from :func:`faasguard.iam.sdkmap.lookup` (conditional ones,
   such as ``kms:Decrypt`` for encrypted data, are not assumed);
2. the resource it acts on, as an ARN pattern: the action's ARN formats come from the IAM
   catalog, their variables from the call's request parameters (``TableName``, ``Bucket``,
   ``QueueUrl``, ... — ``data/lambda_usage.json`` says which parameter fills which
   variable). Parameter values are literals, environment variables resolved against what
   the template sets (``!Ref OrdersTable`` → the table; ``!GetAtt Queue.Arn``; a Terraform
   ``aws_sqs_queue.jobs.url``; a static name), and strings built around them. What cannot
   be resolved becomes ``*`` with the reason.

Then what the Lambda service does with the execution role (the "platform" needs):
CloudWatch Logs for the function's log group, polling of SQS / stream / Kafka / MQ
triggers, dead-letter and on-failure targets, VPC network interfaces, X-Ray.

:func:`usage_of` gives a :class:`FunctionUsage`, cached per function and app object.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faasguard.code.sdk_calls import CodeAnalysis, analyse_function
from faasguard.code.values import Env, Lit, SdkCall, SymStr
from faasguard.data import load_json
from faasguard.iam.catalog import catalog
from faasguard.model import App, Function, TriggerKind, Unknown

USAGE_FILE = "lambda_usage.json"

# ---------------------------------------------------------------------------- ARN parts


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text of an ARN."""

    text: str


@dataclass(frozen=True, slots=True)
class Pseudo:
    """``Partition``, ``Region`` or ``Account``: known at deploy time."""

    name: str


@dataclass(frozen=True, slots=True)
class RefName:
    """The name of resource ``ref`` of the app (a table name, a bucket name, ...)."""

    ref: str


@dataclass(frozen=True, slots=True)
class RefArn:
    """The whole ARN of resource ``ref`` of the app."""

    ref: str


@dataclass(frozen=True, slots=True)
class Wild:
    """A part that could not be resolved (``*``); ``reason`` says why ("" when the action
    supports no resource-level scoping, so ``*`` is simply right)."""

    reason: str = ""


ArnPart = Text | Pseudo | RefName | RefArn | Wild


@dataclass(frozen=True, slots=True)
class ResourcePattern:
    """A resource ARN pattern as parts; ``(Wild,)`` alone is ``Resource: "*"``."""

    parts: tuple[ArnPart, ...]

    @property
    def is_star(self) -> bool:
        """True for ``*`` (every resource)."""
        return len(self.parts) == 1 and isinstance(self.parts[0], Wild)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why parts are ``*`` (empty when everything was resolved or ``*`` is right)."""
        return tuple(p.reason for p in self.parts if isinstance(p, Wild) and p.reason)

    def plain(self) -> str:
        """A readable form: CloudFormation-style placeholders for deploy-time values."""
        out = []
        for part in self.parts:
            if isinstance(part, Text):
                out.append(part.text)
            elif isinstance(part, Pseudo):
                out.append(f"${{AWS::{'AccountId' if part.name == 'Account' else part.name}}}")
            elif isinstance(part, RefName):
                out.append(f"${{{part.ref}}}")
            elif isinstance(part, RefArn):
                out.append(f"${{{part.ref}.Arn}}")
            else:
                out.append("*")
        return "".join(out)


STAR = ResourcePattern((Wild(),))

# ---------------------------------------------------------------------------- needs


@dataclass(frozen=True, slots=True)
class Need:
    """One action the function needs on one resource pattern, and why.

    ``origin`` is ``code`` (an SDK call at ``call``) or ``platform`` (the Lambda service
    uses the execution role for it; ``reason`` says what: ``logs``, ``sqs trigger``, ...).
    """

    action: str
    resource: ResourcePattern
    origin: str
    reason: str
    call: SdkCall | None = None
    #: False for platform actions the function works without (logs, X-Ray, the extras
    #: AWS managed policies grant for streams); code needs are always required.
    required: bool = True


@dataclass(frozen=True, slots=True)
class FunctionUsage:
    """Everything a function needs, from its code and from how it is deployed."""

    function: Function
    analysis: CodeAnalysis
    needs: tuple[Need, ...]
    #: SDK calls the mapping does not know (an operation that does not exist, a service
    #: the installed botocore does not have).
    unknown_calls: tuple[SdkCall, ...]

    @property
    def complete(self) -> bool:
        """True when the code analysis is complete (see :class:`CodeAnalysis`)."""
        return self.analysis.complete

    def actions(self, origin: str | None = None) -> frozenset[str]:
        """Every needed action (canonical names), optionally of one ``origin``."""
        return frozenset(n.action for n in self.needs if origin is None or n.origin == origin)

    def incomplete_reasons(self) -> tuple[str, ...]:
        """Why the code analysis is incomplete (for messages)."""
        if self.analysis.problem:
            return (self.analysis.problem,)
        return tuple(str(g) for g in self.analysis.gaps)


def _data() -> dict[str, Any]:
    data: dict[str, Any] = load_json(USAGE_FILE)
    return data


# ---------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class _Value:
    """A template value bound to an app resource: what ``kind`` of value of ``ref``."""

    ref: str
    kind: str  # "name", "url" or "arn"


_Piece = Text | Wild | _Value
_TF_ADDRESS = re.compile(r"^((?:module\.[\w-]+\.)*[a-z][a-z0-9_]*\.[\w-]+)\.([a-z_]+)$")
_CFN_ARN = re.compile(r"^arn:aws:[a-z0-9-]+:[a-z0-9-]*:\d*:(?:[\w-]+[:/])?([A-Za-z0-9]+)$")


def _resource_value(app: App, ref: str, attribute: str) -> _Value | None:
    resource = app.resource(ref)
    if resource is None:
        return None
    spec = _data()["resource_types"].get(resource.type)
    if spec is None:
        return None
    kind = spec["values"].get(attribute)
    return _Value(ref, kind) if isinstance(kind, str) else None


def _template_value(value: object, app: App) -> list[_Piece]:  # noqa: C901 - over the limit before it came in; may only shrink
    """What an environment variable's value in the model denotes."""
    if isinstance(value, str):
        if app.resource(value) is not None:
            found = _resource_value(app, value, "Ref")
            return [found] if found else [Wild(f"{value} (a resource faasguard cannot scope)")]
        head, dot, attribute = value.partition(".")
        if dot and app.resource(head) is not None:
            found = _resource_value(app, head, attribute)
            if found is not None:
                return [found]
        match = _CFN_ARN.match(value)
        if match and app.resource(match.group(1)) is not None and ":123456789012:" in value:
            found = _resource_value(app, match.group(1), "Arn")
            if found is not None:
                return [found]
        by_name = [
            r for r in app.resources if r.name == value and r.type in _data()["resource_types"]
        ]
        if len(by_name) == 1 and app.format == "terraform":
            spec = _data()["resource_types"][by_name[0].type]
            if "name" in spec["values"].values():
                return [_Value(by_name[0].ref, "name")]
        return [Text(value)]
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            found = _resource_value(app, arg, "Ref")
            if found is not None:
                return [found]
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and len(parts) == 2:
                found = _resource_value(app, str(parts[0]), str(parts[1]))
                if found is not None:
                    return [found]
        return [Wild(f"{key} {arg} is not a resource faasguard can scope")]
    if isinstance(value, Unknown):
        match = _TF_ADDRESS.match(value.expression)
        if match:
            found = _resource_value(app, match.group(1), match.group(2))
            if found is not None:
                return [found]
        return [Wild(f"{value.expression} is not statically known")]
    return [Wild(f"{value!r} is not a string")]


def _pieces(value: SymStr, function: Function, app: App) -> list[_Piece]:
    """A code string with its environment variables replaced by what the template sets."""
    out: list[_Piece] = []
    for part in value.parts:
        if isinstance(part, Lit):
            out.append(Text(part.text))
        elif isinstance(part, Env):
            if part.name in function.environment:
                out.extend(_template_value(function.environment[part.name], app))
            elif part.default is not None:
                out.append(Text(part.default))
            else:
                out.append(Wild(f"environment variable {part.name} is not set by the template"))
        else:
            out.append(Wild(f"{part.text} is only known at run time"))
    return out


def _literal(pieces: list[_Piece]) -> str | None:
    if all(isinstance(p, Text) for p in pieces):
        return "".join(p.text for p in pieces if isinstance(p, Text))
    return None


def _take(pieces: list[_Piece], take: str) -> list[ArnPart] | None:  # noqa: C901 - over the limit before it came in; may only shrink
    """The ARN variable's parts from a parameter's pieces; ``None`` when unusable."""
    literal = _literal(pieces)
    if len(pieces) == 1 and isinstance(pieces[0], _Value):
        value = pieces[0]
        # A parameter that takes a name (TableName, Bucket) cannot use a URL or an ARN;
        # the others accept what their API accepts (a queue URL, a topic ARN, ...).
        if take in ("name", "prefix") and value.kind != "name":
            return None
        return [RefName(value.ref)]
    if literal is not None:
        if take == "url-last":
            return [Text(literal.rstrip("/").rsplit("/", 1)[-1])]
        if take == "arn-last":
            return [Text(literal.rsplit(":", 1)[-1])]
        if take == "arn-last-slash":
            return [Text(literal.rsplit("/", 1)[-1])]
        if take == "function":
            if literal.startswith("arn:"):
                fields = literal.split(":")
                return [Text(fields[6])] if len(fields) > 6 else None
            return [Text(literal.split(":", 1)[0])]
        if take == "secret":
            if literal.startswith("arn:"):
                return [Text(literal.split(":secret:", 1)[-1])]
            return [Text(literal + "-??????")]
        if take == "strip-slash":
            return [Text(literal.lstrip("/"))]
        return [Text(literal)]
    if take in ("name", "prefix"):
        parts: list[ArnPart] = []
        for piece in pieces:
            if isinstance(piece, _Value):
                if piece.kind != "name":
                    return None
                parts.append(RefName(piece.ref))
            else:
                parts.append(piece)
            if take == "prefix" and isinstance(piece, Wild):
                break  # an S3 key prefix: everything after the first unknown is *
        return parts
    return None


def _first_reason(pieces: list[_Piece], param: str) -> str:
    for piece in pieces:
        if isinstance(piece, Wild) and piece.reason:
            if piece.reason.startswith(param):
                return piece.reason
            return f"{param}: {piece.reason}"
    return f"{param}: its value is not statically known"


_VARIABLE = re.compile(r"\$\{([A-Za-z]+)\}")


def _arn_from_format(
    template: str, call: SdkCall, function: Function, app: App, service: str
) -> tuple[ResourcePattern | None, str, bool]:
    """Fill ARN ``template`` from ``call``; (None, reason, False) when its first variable
    after the partition/region/account cannot be resolved. The flag is False too when a
    later variable's argument is not passed at all: ``table/${TableName}/index/${IndexName}``
    for a ``query`` without ``IndexName`` is not the resource the call acts on (the table
    is), so a later format should be preferred."""
    variables = _data()["arn_variables"].get(service, {})
    parts: list[ArnPart] = []
    position = 0
    first = True
    applies = True
    for match in _VARIABLE.finditer(template):
        if match.start() > position:
            parts.append(Text(template[position : match.start()]))
        position = match.end()
        name = match.group(1)
        if name in ("Partition", "Region", "Account"):
            parts.append(Pseudo(name))
            continue
        spec = variables.get(name)
        values = call.param(spec["param"]) if spec else ()
        filled: list[ArnPart] | None = None
        reason = f"{name} is not an argument faasguard reads"
        if spec and not values:
            reason = f"the call does not pass {spec['param']}"
        if len(values) == 1:
            pieces = _pieces(values[0], function, app)
            filled = _take(pieces, spec["take"] if spec and "take" in spec else "name")
            reason = _first_reason(pieces, spec["param"] if spec else name)
        elif len(values) > 1:
            reason = f"{spec['param'] if spec else name} has several possible values"
        if filled is None or all(isinstance(p, Wild) for p in filled):
            if first:
                return None, reason, False
            filled = [Wild(reason)]
            applies = applies and not (spec and not values)
        first = False
        parts.extend(filled)
    if position < len(template):
        parts.append(Text(template[position:]))
    return ResourcePattern(_whole_arn(tuple(parts), app)), "", applies


def _whole_arn(parts: tuple[ArnPart, ...], app: App) -> tuple[ArnPart, ...]:
    """``arn:...:table/`` + name of table X → the ARN of X (``!GetAtt X.Arn``)."""
    for index, part in enumerate(parts):
        if not isinstance(part, RefName):
            continue
        resource = app.resource(part.ref)
        spec = _data()["resource_types"].get(resource.type) if resource else None
        if spec is None:
            return parts
        prefix = "".join(
            p.text if isinstance(p, Text) else f"${{{p.name}}}" if isinstance(p, Pseudo) else "\0"
            for p in parts[:index]
        )
        if prefix == spec["arn_prefix"]:
            return (RefArn(part.ref), *parts[index + 1 :])
        return parts
    return parts


def call_resources(
    action: str, call: SdkCall, function: Function, app: App
) -> tuple[ResourcePattern, ...]:
    """The resource patterns ``call`` needs ``action`` on (``STAR``-like when unknown)."""
    formats = catalog().resource_arn_formats(action)
    if not formats:
        return (STAR,)
    service = action.split(":", 1)[0]
    reasons = []
    partial: ResourcePattern | None = None
    for template in formats:
        pattern, reason, applies = _arn_from_format(template, call, function, app, service)
        if pattern is not None and applies:
            return (pattern,)
        if pattern is not None and partial is None:
            partial = pattern
        reasons.append(reason)
    if partial is not None:
        return (partial,)
    return (ResourcePattern((Wild(reasons[-1] if reasons else "not resolved"),)),)


# ---------------------------------------------------------------------------- platform


def _trigger_resource(source: object, app: App, service: str) -> ResourcePattern:
    resource = app.resource(source)
    if isinstance(source, str):
        if resource is not None:
            spec = _data()["resource_types"].get(resource.type)
            if spec is not None and spec["service"] == service:
                return ResourcePattern((RefArn(source),))
            if spec is not None and service == "dynamodb" and spec["service"] == "dynamodb":
                return ResourcePattern((RefArn(source), Text("/stream/*")))
        if source.startswith("arn:"):
            return ResourcePattern((Text(source),))
    return ResourcePattern((Wild("the event source is not statically known"),))


def _log_group(function: Function, app: App) -> ResourcePattern:
    logging = function.logging
    if logging is not None and isinstance(logging.log_group, str):
        name = logging.log_group
    elif isinstance(function.name, str):
        name = f"/aws/lambda/{function.name}"
    else:
        return ResourcePattern(
            (
                Text("arn:"),
                Pseudo("Partition"),
                Text(":logs:"),
                Pseudo("Region"),
                Text(":"),
                Pseudo("Account"),
                Text(":log-group:/aws/lambda/*"),
            )
        )
    return ResourcePattern(
        (
            Text("arn:"),
            Pseudo("Partition"),
            Text(":logs:"),
            Pseudo("Region"),
            Text(":"),
            Pseudo("Account"),
            Text(f":log-group:{name}:*"),
        )
    )


_DESTINATION_SERVICES = {"sqs": "sqs", "sns": "sns", "lambda": "lambda", "events": "events"}


def _target_service(target: object, app: App) -> str | None:
    if isinstance(target, str):
        resource = app.resource(target)
        if resource is not None:
            spec = _data()["resource_types"].get(resource.type)
            return str(spec["service"]) if spec else None
        if target.startswith("arn:"):
            service = target.split(":")[2]
            return _DESTINATION_SERVICES.get(service)
    return None


def platform_needs(function: Function, app: App) -> list[Need]:
    """What the Lambda service uses the execution role for, for this function."""
    platform = _data()["platform"]
    required = platform["required"]
    needs = [
        Need(action, _log_group(function, app), "platform", "logs", required=False)
        for action in platform["logs"]
    ]
    for trigger in function.triggers:
        actions = platform["triggers"].get(trigger.kind.value, ())
        service = {
            TriggerKind.SQS: "sqs",
            TriggerKind.DYNAMODB_STREAM: "dynamodb",
            TriggerKind.KINESIS: "kinesis",
        }.get(trigger.kind)
        for action in actions:
            resource = STAR
            if service is not None and action.startswith(f"{service}:"):
                resource = _trigger_resource(trigger.source, app, service)
                if not catalog().resource_arn_formats(action):
                    resource = STAR
            needs.append(
                Need(
                    action,
                    resource,
                    "platform",
                    f"{trigger.kind.value} trigger",
                    required=action in required.get(trigger.kind.value, ()),
                )
            )
    for label, target in (
        ("dead-letter queue", function.dead_letter_target),
        ("on-failure destination", function.on_failure_destination),
    ):
        if target is None:
            continue
        service = _target_service(target, app)
        for action in platform["destinations"].get(service or "", ()):
            resource = (
                _trigger_resource(target, app, service)
                if service and catalog().resource_arn_formats(action)
                else STAR
            )
            needs.append(
                Need(
                    action, resource, "platform", label, required=action in required["destinations"]
                )
            )
    if function.vpc is not None and (function.vpc.subnet_ids or function.vpc.security_group_ids):
        needs.extend(
            Need(a, STAR, "platform", "VPC access", required=a in required["vpc"])
            for a in platform["vpc"]
        )
    if isinstance(function.tracing, str) and function.tracing.lower() == "active":
        needs.extend(
            Need(a, STAR, "platform", "X-Ray tracing", required=False) for a in platform["tracing"]
        )
    return needs


# ---------------------------------------------------------------------------- usage


def code_needs(
    analysis: CodeAnalysis, function: Function, app: App
) -> tuple[list[Need], list[SdkCall]]:
    """The needs of every SDK call, and the calls the mapping does not know."""
    from faasguard.iam.sdkmap import lookup  # noqa: PLC0415 - botocore is heavy

    needs: list[Need] = []
    unknown: list[SdkCall] = []
    base = Path(app.root_file).parent
    for call in analysis.calls:
        try:
            mapping = lookup(call.service, call.operation)
        except Exception:  # a broken botocore install must not break a scan
            mapping = None
        if mapping is None:
            unknown.append(call)
            continue
        where = f"{_relative(call.file, base)}:{call.line}"
        for action in mapping.actions:
            for resource in call_resources(action, call, function, app):
                needs.append(Need(action, resource, "code", where, call))
    return needs, unknown


def _relative(path: str, base: Path) -> str:
    """``path`` relative to the app's directory (``../src/app.py`` for Terraform roots)."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return path


_CACHE: dict[tuple[int, int], tuple[Function, App, FunctionUsage]] = {}
_CACHE_LIMIT = 4096


def usage_of(function: Function, app: App) -> FunctionUsage:
    """What ``function`` needs (cached per function and app object)."""
    key = (id(function), id(app))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is function and hit[1] is app:
        return hit[2]
    analysis = analyse_function(function, app)
    needs, unknown = code_needs(analysis, function, app)
    needs.extend(platform_needs(function, app))
    result = FunctionUsage(
        function=function,
        analysis=analysis,
        needs=tuple(dict.fromkeys(needs)),
        unknown_calls=tuple(unknown),
    )
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[key] = (function, app, result)
    return result


__all__ = [
    "STAR",
    "ArnPart",
    "FunctionUsage",
    "Need",
    "Pseudo",
    "RefArn",
    "RefName",
    "ResourcePattern",
    "Text",
    "Wild",
    "call_resources",
    "code_needs",
    "platform_needs",
    "usage_of",
]
