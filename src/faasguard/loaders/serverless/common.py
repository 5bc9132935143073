"""Shared helpers of the Serverless Framework loader: value coercion and the framework's naming."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.loaders.cloudformation.intrinsics import ExternalResource, Resolver
from faasguard.loaders.documents import pointer_join
from faasguard.loaders.serverless.variables import dump_expression
from faasguard.model import Diagnostic, DiagnosticLevel, Location, Resource, Unknown
from faasguard.model.iam import MaybeStr, scalar_str
from faasguard.model.resources import MaybeBool, MaybeInt

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def normalize_name(name: str) -> str:
    """Capitalise the first letter (Serverless ``naming.normalizeName``)."""
    return name[:1].upper() + name[1:]


def normalized_function_name(key: str) -> str:
    """Serverless ``naming.getNormalizedFunctionName``: ``hello-world`` → ``HelloDashworld``."""
    return normalize_name(key.replace("-", "Dash").replace("_", "Underscore"))


def function_logical_id(key: str) -> str:
    """The CloudFormation logical id the framework gives function ``key``."""
    return normalized_function_name(key) + "LambdaFunction"


def alnum_logical_name(name: str) -> str:
    """Serverless ``normalizeNameToAlphaNumericOnly`` (bucket, topic, pool logical ids)."""
    return normalize_name(_NON_ALNUM.sub("", name))


def as_str(value: Any) -> MaybeStr | None:
    """A string field: ``None`` stays ``None``, intrinsics and the rest become Unknown."""
    return scalar_str(value, dump_expression, "not a static string")


def as_ref(value: Any) -> MaybeStr | None:
    """A reference to a resource: ``!Ref X`` and ``!GetAtt X.Arn`` give ``X``; ARNs stay."""
    if isinstance(value, dict) and len(value) == 1:
        if "Ref" in value and isinstance(value["Ref"], str):
            return str(value["Ref"])
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute and isinstance(attribute[0], str):
            return str(attribute[0])
        if isinstance(attribute, str):
            return attribute.split(".", 1)[0]
    return as_str(value)


def as_int(value: Any) -> MaybeInt | None:
    """An integer field (strings of digits are accepted, as the framework does)."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(expression=str(value), reason="not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return Unknown(expression=dump_expression(value), reason="not a static number")


def as_float(value: Any) -> float | Unknown | None:
    """A number field that may be fractional (throttling rates)."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return Unknown(expression=dump_expression(value), reason="not a static number")


def as_bool(value: Any) -> MaybeBool | None:
    """A boolean field (``"true"`` strings accepted)."""
    if value is None:
        return None
    if isinstance(value, bool | Unknown):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return Unknown(expression=dump_expression(value), reason="not a static boolean")


def as_list(value: Any) -> list[Any]:
    """Scalars become one-element lists; ``None`` becomes empty."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def mapping(value: Any) -> dict[str, Any]:
    """The value when it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


@dataclass(slots=True)
class Context:
    """What every part of the loader needs: the resolved config and how to locate pointers."""

    config: dict[str, Any]
    file: str
    service: str
    stage: MaybeStr
    region: MaybeStr
    locate: Callable[[str], Location]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: CloudFormation resources from ``resources.Resources`` by logical id (after build_parts)
    cfn_resources: Mapping[str, Resource] = field(default_factory=dict)
    #: raw ``resources.Resources`` merged, by logical id
    raw_resources: Mapping[str, Any] = field(default_factory=dict)
    #: the resources the framework generates, as ``resources`` may reference them
    #: (:class:`faasguard.loaders.cloudformation.intrinsics.ExternalResource` by logical id)
    external: Mapping[str, ExternalResource] = field(default_factory=dict)

    def intrinsics(self, value: Any) -> Any:
        """Resolve CloudFormation intrinsics (``!Sub``, ``!GetAtt``, ...) in ``value``.

        Uses the CloudFormation loader's resolver over ``resources``: ``!GetAtt Queue.Arn``
        becomes its ARN-shaped placeholder, pseudo parameters their placeholders, and what
        cannot be resolved an :class:`Unknown`.
        """
        return self.resolver().resolve_value(value)

    def resolver(self) -> Resolver:
        """A CloudFormation resolver over ``resources`` and the framework's resources."""
        return Resolver({"Resources": dict(self.raw_resources)}, external=self.external)

    @property
    def provider(self) -> dict[str, Any]:
        """The ``provider`` section (empty when missing or malformed)."""
        return mapping(self.config.get("provider"))

    @property
    def custom(self) -> dict[str, Any]:
        """The ``custom`` section."""
        return mapping(self.config.get("custom"))

    def warn(
        self, message: str, pointer: str, level: DiagnosticLevel = DiagnosticLevel.WARNING
    ) -> None:
        """Record a diagnostic at ``pointer``."""
        self.diagnostics.append(
            Diagnostic(
                level=level, message=message, location=self.locate(pointer), code="serverless"
            )
        )


def function_entries(ctx: Context) -> list[tuple[str, Any, str]]:
    """``(key, definition, pointer)`` of every function, in both syntaxes."""
    raw_functions = ctx.config.get("functions")
    entries: list[tuple[str, Any, str]] = []
    if isinstance(raw_functions, dict):
        entries = [(str(k), v, pointer_join("/functions", k)) for k, v in raw_functions.items()]
    elif isinstance(raw_functions, list):
        # Old syntax: a list of mappings (often ${file()} includes), merged in order.
        for index, item in enumerate(raw_functions):
            for k, v in mapping(item).items():
                entries.append((str(k), v, pointer_join(f"/functions/{index}", k)))
    return entries


def joined(*parts: MaybeStr | None, sep: str = "-") -> MaybeStr:
    """``parts`` joined with ``sep``; Unknown (keeping the whole expression) if one is."""
    for part in parts:
        if isinstance(part, Unknown):
            return Unknown(
                expression=sep.join(str(p) for p in parts), reason=part.reason or "not static"
            )
    return sep.join(str(part) for part in parts)
