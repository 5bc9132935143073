"""Coercion of resolved CloudFormation values into the model's typed fields.

CloudFormation accepts ``"30"`` where it means ``30`` and ``"true"`` where it means
``True``; anything else that is not what a field needs (a list where a string is expected,
an unresolved intrinsic) becomes an :class:`Unknown` carrying the value's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.cloudformation.intrinsics import expression_text
from faasguard.model import Cors, MaybeStr, Throttling, Unknown
from faasguard.model.iam import scalar_str


def as_str(value: Any) -> MaybeStr | None:
    """A string field: ``None`` when absent, :class:`Unknown` when not a scalar."""
    return scalar_str(value, expression_text)


def as_int(value: Any) -> int | Unknown | None:
    """An integer field (``"30"`` counts as 30)."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return Unknown(expression_text(value), reason="not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    return Unknown(expression_text(value), reason="not a number")


def as_float(value: Any) -> float | Unknown | None:
    """A number field that may be fractional (throttling rates)."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    return Unknown(expression_text(value), reason="not a number")


def as_bool(value: Any) -> bool | Unknown | None:
    """A boolean field (``"true"``/``"false"`` strings count, as CloudFormation reads them)."""
    if value is None:
        return None
    if isinstance(value, bool | Unknown):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return Unknown(expression_text(value), reason="not a boolean")


def as_str_tuple(value: Any) -> tuple[MaybeStr, ...]:
    """A list-of-strings field; a single string counts as a one-item list."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(item for item in (as_str(v) for v in value) if item is not None)
    single = as_str(value)
    return () if single is None else (single,)


def get(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]...``, or ``None`` when any step is missing or the wrong type."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or not -len(value) <= step < len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(step)
    return value


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    """``value`` when it is a list, else a one-item list (or empty for ``None``)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def tags(value: Any) -> dict[str, Any]:
    """CloudFormation ``Tags`` (a list of ``{Key, Value}``, or a SAM mapping) as a dict."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    result: dict[str, Any] = {}
    for item in items(value):
        if isinstance(item, Mapping) and isinstance(item.get("Key"), str):
            result[item["Key"]] = item.get("Value")
    return result


def cors_from(value: Any) -> Cors | None:
    """CORS settings as a function URL, an HTTP API or SAM writes them."""
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


def stage_throttling(
    props: Mapping[str, Any], method: str | None = None, path: str | None = None
) -> Throttling | None:
    """The throttling of an API stage that applies to ``method`` ``path`` (or all routes)."""
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
