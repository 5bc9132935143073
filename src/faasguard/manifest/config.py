"""The configuration of a function that a deployment manifest pins, in one comparable form.

The same function computes it for a function of a template (when the manifest is built)
and for a function read from the live account (when it is audited), so drift is a plain
comparison of two mappings. Values that are not statically known become ``"unknown"`` and
are never compared. Environment values are kept as SHA-256 digests only: a manifest and a
snapshot are files people share, and must not carry the secrets a function is given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from faasguard.model import App, Function, LambdaPermission, Unknown

UNKNOWN = "unknown"

#: The configuration fields a manifest pins, in the order messages list them.
FIELDS = (
    "runtime",
    "handler",
    "role",
    "environment",
    "layers",
    "timeout",
    "memory",
    "reserved_concurrency",
    "resource_policy",
    "url_auth",
    "code_signing",
    "triggers",
)


def value_digest(value: object) -> str:
    """``sha256:<hex>`` of an environment value's text, or ``unknown``."""
    if isinstance(value, Unknown) or value is None:
        return UNKNOWN
    text = value if isinstance(value, str) else str(value)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def role_name(value: object) -> str:
    """The role's name: the last segment of its ARN, or the reference itself."""
    if not isinstance(value, str) or not value:
        return UNKNOWN
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _plain(value: object) -> Any:
    if value is None:
        return None
    if isinstance(value, Unknown):
        return UNKNOWN
    return value


def function_config(app: App, fn: Function) -> dict[str, Any]:
    """The pinned configuration of ``fn`` (see :data:`FIELDS`)."""
    role: object = None
    if fn.role is not None:
        role = fn.role.arn if isinstance(fn.role.arn, str) else (fn.role.name or fn.role.ref)
    principals = sorted(
        {
            str(_plain(permission.principal))
            for permission in app.of_type(LambdaPermission)
            if permission.function in (fn.ref, fn.name)
        }
    )
    return {
        "runtime": _plain(fn.runtime),
        "handler": _plain(fn.handler),
        "role": role_name(role) if role is not None else None,
        "environment": {
            str(name): _environment_digest(app, value)
            for name, value in sorted(fn.environment.items())
        },
        "layers": [str(_plain(layer)) for layer in fn.layers],
        "timeout": _plain(fn.timeout),
        "memory": _plain(fn.memory),
        "reserved_concurrency": _plain(fn.reserved_concurrency),
        "resource_policy": principals,
        "url_auth": _plain(fn.url.auth_type) if fn.url is not None else None,
        "code_signing": fn.code_signing_config is not None,
        "triggers": sorted({trigger.kind.value for trigger in fn.triggers}),
    }


def _environment_digest(app: App, value: object) -> str:
    """The pinned digest of an environment value: a snapshot's digest as it is; ``unknown``
    for a reference to a resource of the template (``!Ref Table`` is its physical name,
    known only once deployed)."""
    if isinstance(value, Unknown) and value.expression.startswith("sha256:"):
        return value.expression
    if isinstance(value, str) and (app.resource(value) or app.function(value)):
        return UNKNOWN
    return value_digest(value)


def live_value(value: object) -> object:
    """An environment value as a snapshot keeps it: its digest, as an :class:`Unknown` (the
    model's "not known here") whose expression is the digest."""
    return Unknown(value_digest(value), reason="a live value; faasguard keeps only its digest")


def differences(pinned: Mapping[str, Any], live: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, what differs) for every pinned field whose live value is different.

    ``triggers`` are recorded but not compared: a template's event sources and the
    account's event source mappings and permissions name the same thing differently.
    Unknown pinned values are not compared.
    """
    found: list[tuple[str, str]] = []
    for name in FIELDS:
        if name == "triggers" or name not in pinned:
            continue
        expected, actual = pinned.get(name), live.get(name)
        if expected == UNKNOWN:
            continue
        if name == "environment":
            found.extend(_environment(expected or {}, actual or {}))
            continue
        if name == "role" and _same_role(expected, actual):
            continue
        if name == "layers" and (UNKNOWN in (expected or []) or expected == actual):
            continue
        if name == "resource_policy" and expected != actual:
            added = sorted(set(actual or []) - set(expected or []))
            if not added:
                continue  # a permission removed narrows access: not drift to report
            found.append((name, f"invocation now also allowed to {', '.join(added)}"))
            continue
        if expected != actual:
            found.append((name, f"{_show(expected)} in the manifest, {_show(actual)} deployed"))
    return found


def _same_role(expected: object, actual: object) -> bool:
    """Equal names, or a CloudFormation-generated name (``stack-Ref-SUFFIX``) for ``Ref``."""
    if expected == actual or not isinstance(expected, str) or not isinstance(actual, str):
        return expected == actual
    return f"-{expected}-" in f"-{actual}"


def _environment(expected: Mapping[str, str], actual: Mapping[str, str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            found.append(("environment", f"variable {name} removed"))
        elif name not in expected:
            found.append(("environment", f"variable {name} added"))
        elif UNKNOWN not in (expected[name], actual[name]) and expected[name] != actual[name]:
            found.append(("environment", f"value of {name} changed"))
    return found


def _show(value: object) -> str:
    if value is None:
        return "not set"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
