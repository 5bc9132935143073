"""The guard's policy: what it inspects, what it allows and in which mode.

A policy is a small TOML or JSON file, a mapping, keyword arguments, or any mix (keyword
arguments override the file). Every part is optional; :func:`load_policy` with nothing
gives the ``@guard()`` defaults: event inspection in ``block`` mode, behaviour limits in
``monitor`` mode, the timeout budget on, secret redaction on.

```toml
triggers = ["apigw-v1", "sqs"]        # the trigger kinds this function expects

[inspect]
mode = "block"                        # block | monitor | off
min_confidence = 0.5
ignore_paths = ["$.headers.User-Agent"]

[shape]
schema = "schemas/order.json"         # JSON Schema, relative to this file
target = "auto"                       # auto (HTTP body, each queue record's body) | event

[network]
mode = "block"
allow = ["api.example.com", "*.amazonaws.com", "10.0.0.0/8", "127.0.0.1:8125"]

[processes]
allow = ["git"]                       # basenames, or absolute paths

[environ]
allow_modules = ["boto3", "botocore"] # code that may read AWS_* credentials

[tmp]
max_mb = 256

[timeout]
margin_ms = 500
```

Only the standard library: this module runs inside Lambda.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

MODES = ("block", "monitor", "off")
#: The trigger kinds :func:`faasguard.payloads.detect_trigger` names.
TRIGGER_KINDS = (
    "apigw-v1",
    "apigw-v2",
    "alb",
    "function-url",
    "s3",
    "sqs",
    "sns",
    "kinesis",
    "dynamodb",
    "eventbridge",
    "cognito",
    "schedule",
    "unknown",
)
#: Modules that read the runtime's credentials for a living (the AWS SDK, the runtime).
DEFAULT_ENVIRON_ALLOW = ("boto3", "botocore", "awslambdaric", "aws_lambda_powertools")


class PolicyError(ValueError):
    """A policy that cannot be used; the message names the file (and line) and the key."""


class Inspect(NamedTuple):
    """Event inspection by the payload engine."""

    mode: str = "block"
    min_confidence: float = 0.5
    classes: tuple[str, ...] = ()  # empty: every class the engine knows
    ignore_paths: tuple[str, ...] = ()


class Shape(NamedTuple):
    """Event shape validation (off unless a schema or a pydantic model is given)."""

    mode: str = "block"
    schema: Mapping[str, Any] | None = None
    model: Any = None  # a pydantic BaseModel subclass (keyword argument only)
    target: str = "auto"

    @property
    def active(self) -> bool:
        """Whether there is anything to validate against."""
        return self.mode != "off" and (self.schema is not None or self.model is not None)


class Network(NamedTuple):
    """Outbound connections: allowed only to the listed hosts."""

    mode: str = "monitor"
    allow: tuple[str, ...] = ()


class Processes(NamedTuple):
    """Child processes: none unless listed."""

    mode: str = "monitor"
    allow: tuple[str, ...] = ()


class Environ(NamedTuple):
    """Reads of the AWS credential variables and of ``/proc/*/environ``."""

    mode: str = "monitor"
    allow_modules: tuple[str, ...] = DEFAULT_ENVIRON_ALLOW


class Tmp(NamedTuple):
    """A cap on what the function keeps in its temporary directory."""

    mode: str = "monitor"
    max_mb: float = 512.0
    path: str = "/tmp"


class Timeout(NamedTuple):
    """Abort cleanly ``margin_ms`` before the invocation's deadline."""

    mode: str = "block"  # block: abort; monitor: only report that the margin was reached
    margin_ms: int = 500


class Redaction(NamedTuple):
    """Secret redaction in what the handler logs and prints."""

    mode: str = "block"  # block: redact; monitor and off: leave logs as they are


class Policy(NamedTuple):
    """A whole guard policy."""

    triggers: tuple[str, ...] = ()  # empty: any trigger kind
    inspect: Inspect = Inspect()
    shape: Shape = Shape()
    network: Network = Network()
    processes: Processes = Processes()
    environ: Environ = Environ()
    tmp: Tmp = Tmp()
    timeout: Timeout = Timeout()
    redaction: Redaction = Redaction()
    source: str = "<defaults>"


_DEFAULTS = Policy()
_SECTIONS: dict[str, type[Any]] = {
    "inspect": Inspect,
    "shape": Shape,
    "network": Network,
    "processes": Processes,
    "environ": Environ,
    "tmp": Tmp,
    "timeout": Timeout,
    "redaction": Redaction,
}


def load_policy(
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy | None = None,
    **overrides: Any,
) -> Policy:
    """The policy from a file path, a mapping or a :class:`Policy`, with ``overrides``
    (``inspect="monitor"``, ``network={"allow": [...]}``, ``shape={"model": Order}``) on top.

    Raises :class:`PolicyError` naming the file, line and key of anything wrong.
    """
    if isinstance(policy, Policy):
        base: dict[str, Any] = {}
        result = policy
    else:
        source, base, text = _read(policy)
        result = _build(base, source, text)
    if overrides:
        result = _build(overrides, "keyword arguments", "", start=result)
    return result


def _read(
    policy: str | os.PathLike[str] | Mapping[str, Any] | None,
) -> tuple[str, dict[str, Any], str]:
    if policy is None:
        return "<defaults>", {}, ""
    if isinstance(policy, Mapping):
        return "<mapping>", dict(policy), ""
    from pathlib import Path  # noqa: PLC0415 - start-up speed: only for a policy file

    path = Path(policy)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot read the guard policy ({error})") from None
    import tomllib  # noqa: PLC0415 - start-up speed: only for a policy file

    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyError(f"{path}:{error.lineno}: invalid JSON ({error.msg})") from None
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: invalid TOML ({error})") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}:1: a guard policy is a table/object at the top level")
    return str(path), data, text


def _build(data: Mapping[str, Any], source: str, text: str, start: Policy = _DEFAULTS) -> Policy:
    def where(key: str) -> str:
        return f"{source}:{_line_of(text, key)}" if text else source

    changes: dict[str, Any] = {"source": source if start.source == "<defaults>" else start.source}
    for key, value in data.items():
        if key == "triggers":
            changes["triggers"] = _triggers(value, where(key))
        elif key in _SECTIONS:
            current = getattr(start, key)
            section = {"mode": value} if isinstance(value, str) else value
            if not isinstance(section, Mapping):
                raise PolicyError(f"{where(key)}: [{key}] must be a table or a mode")
            changes[key] = _section(current, section, key, where, source)
        else:
            known = ", ".join(["triggers", *_SECTIONS])
            raise PolicyError(f"{where(key)}: unknown guard policy key '{key}' (known: {known})")
    return start._replace(**changes)


def _triggers(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise PolicyError(f"{where}: 'triggers' must be a list of trigger kinds")
    unknown = [kind for kind in value if kind not in TRIGGER_KINDS]
    if unknown:
        raise PolicyError(
            f"{where}: unknown trigger kind(s) {', '.join(map(str, unknown))} "
            f"(known: {', '.join(TRIGGER_KINDS)})"
        )
    return tuple(value)


def _section(current: Any, section: Mapping[str, Any], name: str, where: Any, source: str) -> Any:
    fields = current._fields
    changes: dict[str, Any] = {}
    for key, value in section.items():
        if key not in fields:
            known = ", ".join(fields)
            raise PolicyError(f"{where(key)}: unknown key '{key}' in [{name}] (known: {known})")
        changes[key] = _value(name, key, value, getattr(current, key), where(key), source)
    return current._replace(**changes)


def _value(section: str, key: str, value: Any, default: Any, where: str, source: str) -> Any:
    if key == "mode":
        if value not in MODES:
            raise PolicyError(f"{where}: [{section}] mode must be one of {', '.join(MODES)}")
        return value
    if section == "shape" and key == "schema":
        return _schema(value, where, source)
    if section == "shape" and key == "model":
        return value
    if section == "shape" and key == "target":
        if value not in ("auto", "event"):
            raise PolicyError(f"{where}: [shape] target must be 'auto' or 'event'")
        return value
    if isinstance(default, tuple):
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise PolicyError(f"{where}: [{section}] {key} must be a list of strings")
        if not all(isinstance(item, str) for item in value):
            raise PolicyError(f"{where}: [{section}] {key} must be a list of strings")
        if section == "network" and key == "allow":
            for entry in value:
                parse_host_rule(entry, where)
        return tuple(value)
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise PolicyError(f"{where}: [{section}] {key} must be a number >= 0")
        return type(default)(value)
    if not isinstance(value, str):
        raise PolicyError(f"{where}: [{section}] {key} must be a string")
    return value


def _schema(value: Any, where: str, source: str) -> Mapping[str, Any]:
    """A schema given inline, or read from a path relative to the policy file (``source``)."""
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, (str, os.PathLike)):
        raise PolicyError(f"{where}: [shape] schema must be a JSON Schema or the path of one")
    from pathlib import Path  # noqa: PLC0415 - start-up speed: only for a schema file

    path = Path(value) if Path(value).is_absolute() else Path(source).parent / value
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{where}: cannot read the JSON Schema {path} ({error})") from None
    except json.JSONDecodeError as error:
        raise PolicyError(f"{path}:{error.lineno}: invalid JSON Schema ({error.msg})") from None
    if not isinstance(schema, dict):
        raise PolicyError(f"{path}:1: a JSON Schema is an object")
    return schema


def _line_of(text: str, key: str) -> int:
    """The first line that sets ``key`` (TOML ``key =``/``[key]``, JSON ``"key":``), or 1."""
    name = re.escape(key)
    pattern = re.compile(
        rf'^[ \t]*(\[[ \t]*{name}[ \t]*\]|{name}[ \t]*=)|"{name}"\s*:', re.MULTILINE
    )
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


class HostRule(NamedTuple):
    """One ``[network] allow`` entry: a name, a ``*.suffix``, an address or a network,
    with an optional port."""

    host: str  # lower-case name, "*.suffix", or an address/network in text form
    port: int | None
    wildcard: bool
    network: Any = None  # ipaddress network for addresses and networks


def parse_host_rule(entry: str, where: str = "") -> HostRule:
    """``api.example.com``, ``*.amazonaws.com:443``, ``10.0.0.0/8``, ``[::1]:8080``."""
    import ipaddress  # noqa: PLC0415 - start-up speed: only policies with an allow-list

    text = entry.strip().lower()
    if "://" in text or text.count("/") > 1:  # a URL (a network has one slash)
        raise PolicyError(f"{where}: [network] allow entry '{entry}' is not a host name (no URL)")
    port: int | None = None
    if text.startswith("["):  # [v6]:port
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], entry, where)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = _port(port_text, entry, where)
    else:
        host = text
    if not host:
        raise PolicyError(f"{where}: [network] allow entry '{entry}' has no host")
    try:
        network = ipaddress.ip_network(host, strict=False)
    except ValueError:
        network = None
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    if network is None and not re.fullmatch(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?", name):
        raise PolicyError(f"{where}: [network] allow entry '{entry}' is not a host name")
    return HostRule(host, port, wildcard, network)


def _port(text: str, entry: str, where: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise PolicyError(f"{where}: [network] allow entry '{entry}' has an invalid port")
    return int(text)
