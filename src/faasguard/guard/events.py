"""Security events: one JSON line each, in the shape of Lambda's JSON log format.

```json
{"timestamp": "2026-12-07T21:40:00.123Z", "level": "WARN", "logger": "faasguard.guard",
 "requestId": "8f5e...",
 "message": "faasguard-guard injection blocked: sqli at $.body<json>.q (apigw-v1)",
 "faasguard": {"event": "injection", "action": "blocked", "function": "orders",
               "trigger": "apigw-v1", "classes": ["sqli"], "path": "$.body<json>.q",
               "confidence": 0.95, "value_sha256": "3f1c...", "length": 27}}
```

``faasguard logs analyze`` reads these lines (the ``message`` starts with ``faasguard-guard``)
and reports them as their own detection. The attack value itself is never written: a
payload in the logs would be reported a second time as a logged payload, and a value may
hold a secret. Its SHA-256 and length identify it.

Events go to the process's standard output, below the redaction wrapper (they hold nothing
to redact). In ``monitor`` mode a behaviour-limit event is written once per kind and target
and container, with a running count, so a chatty function does not flood its logs.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import sys
import threading
import time
from typing import Any, TextIO

#: The prefix of every event's message (what ``faasguard logs analyze`` matches).
PREFIX = "faasguard-guard"
#: Event kinds, in the order the README lists them.
KINDS = (
    "injection",
    "shape",
    "trigger",
    "network",
    "process",
    "environ",
    "tmp",
    "timeout",
)

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("faasguard_request", default="")
trigger_kind: contextvars.ContextVar[str] = contextvars.ContextVar("faasguard_trigger", default="")

_lock = threading.Lock()
_seen: dict[tuple[str, str], int] = {}
#: Where events go; ``None``: the process's standard output (looked up at each event).
stream: TextIO | None = None


_MARKER = re.compile(r"<(?:json|base64|url|key|gzip)>")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.$\[\]-]")
_MAX_PATH = 200


def safe_path(path: str) -> str:
    """``path`` fit for a log line: event keys are attacker-controlled, so every character
    outside ``[A-Za-z0-9_.$[]-]`` (except the decoding markers) becomes ``?`` (a key
    ``../../etc/passwd`` must not read as a payload to the log rules), cut at 200."""
    parts = _MARKER.split(path)
    markers = _MARKER.findall(path)
    out = _UNSAFE.sub("?", parts[0])
    for marker, part in zip(markers, parts[1:], strict=True):
        out += marker + _UNSAFE.sub("?", part)
    return out if len(out) <= _MAX_PATH else out[: _MAX_PATH - 1] + "…"


_UNSAFE_TEXT = re.compile(r"[^A-Za-z0-9 _.,:'\[\]{}=-]")


def safe_text(text: str) -> str:
    """A message that may quote event keys (a schema error), fit for a log line the same
    way as :func:`safe_path`."""
    out = _UNSAFE_TEXT.sub("?", text)
    return out if len(out) <= _MAX_PATH else out[: _MAX_PATH - 1] + "…"


def value_digest(value: str) -> str:
    """The first 16 hex digits of the value's SHA-256: identifies it without showing it."""
    import hashlib  # noqa: PLC0415 - start-up speed: only once something was found

    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def emit(kind: str, action: str, summary: str, **details: Any) -> dict[str, Any]:
    """Write one security event; returns it (the tests and the caller may use it)."""
    now = time.time()  # not datetime: its import is a cold-start cost
    event: dict[str, Any] = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(now))
        + f"{int(now * 1000) % 1000:03d}Z",
        # WARN, never ERROR: a blocked attack is not a failure of the function (its error
        # rate and error types stay the function's own)
        "level": "WARN",
        "logger": "faasguard.guard",
        "requestId": request_id.get(),
        "message": f"{PREFIX} {kind} {action}: {summary}",
        "faasguard": {
            "event": kind,
            "action": action,
            "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
            "trigger": trigger_kind.get(),
            **details,
        },
    }
    line = json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
    target = stream if stream is not None else sys.stdout
    target = getattr(target, "faasguard_inner", target)  # below the redaction wrapper
    with _lock:
        target.write(line)
        target.flush()
    return event


def emit_once(kind: str, action: str, target: str, summary: str, **details: Any) -> None:
    """:func:`emit` for behaviour limits: always when blocking, once per kind and target
    and container when monitoring (later occurrences only count)."""
    if action == "blocked":
        emit(kind, action, summary, target=target, **details)
        return
    with _lock:
        count = _seen.get((kind, target), 0) + 1
        _seen[(kind, target)] = count
    if count == 1:
        emit(kind, action, summary, target=target, **details)


def reset_seen() -> None:
    """Forget which monitored targets were reported (a new container, or a test)."""
    with _lock:
        _seen.clear()
