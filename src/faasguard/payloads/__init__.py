"""Attack-payload detection for values found in Lambda events and logs.

Standalone on purpose: the runtime guard imports this package inside Lambda, so it imports
nothing else of faasguard and only the standard library at import time; Hyperscan and
libinjection are used when installed, and the pattern database is compiled on first use.

>>> [d.cls for d in detect("1' OR '1'='1")]
['sqli']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from faasguard.payloads import decode
from faasguard.payloads.grammar import (
    CLASSES,
    DATABASE,
    PATTERNS,
    STATEMENT_CLOSED,
    STATEMENT_START,
)

__all__ = [
    "CLASSES",
    "Detection",
    "EventHit",
    "detect",
    "detect_many",
    "detect_trigger",
    "scan_event",
]


@dataclass(frozen=True, slots=True)
class Detection:
    """One attack class found in a value."""

    #: ``sqli`` ``xss`` ``path-traversal`` ``cmdi`` ``ssrf`` ``ssti`` ``xxe`` ``nosqli``
    #: ``ldapi`` ``jndi`` ``crlf`` ``open-redirect``
    cls: str
    #: Span in the original value (characters).
    start: int
    end: int
    #: How sure the detection is, 0..1.
    confidence: float
    #: What found it: the pattern id, or ``libinjection``.
    source: str = ""


@dataclass(frozen=True, slots=True)
class EventHit:
    """A detection in one string leaf (or key) of a JSON event."""

    #: JSON path of the leaf, with the decodings applied to reach it (``<json>``,
    #: ``<base64>``, ``<url>``); a hit on a key ends in ``<key>``.
    path: str
    #: The decoded leaf value.
    value: str
    detection: Detection


_LIBINJECTION = {"sqli": 0.9, "xss": 0.85}
_STATEMENT_START = re.compile(STATEMENT_START, re.IGNORECASE)
_STATEMENT_CLOSED = re.compile(STATEMENT_CLOSED)
_engine: Any = None


def _load_engine() -> Any:
    global _engine  # noqa: PLW0603 - imported on first use: keeps ``import`` cheap
    from faasguard.payloads import engine  # noqa: PLC0415

    _engine = engine
    return engine


def detect(value: str, *, backend: str = "auto", libinjection: bool = True) -> list[Detection]:
    """The attack classes found in ``value``, at most one detection per class.

    ``backend`` is ``auto`` (Hyperscan when installed), ``hyperscan`` or ``re``;
    ``libinjection=False`` leaves libinjection out even where it is installed.
    """
    if not value:
        return []
    engine = _engine or _load_engine()
    matcher = engine.backend(backend)
    checks = engine.libinjection_checks() if libinjection else None
    normal = decode.normalize(value)
    forms = [value] if normal == value[: decode.MAX_DECODE] else [value, normal]
    encoded = [form.encode("utf-8", "surrogatepass") for form in forms]
    if len(encoded[0]) > engine.MAX_SCAN:
        encoded = [data[: engine.MAX_SCAN] for data in encoded]
    # class -> (confidence, form index, pattern index or -1 for libinjection)
    best: dict[str, tuple[float, int, int]] = {}
    hinted: list[tuple[int, str]] = []
    patterns = len(PATTERNS)
    for index, data in enumerate(encoded):
        for pattern in matcher.matched(data):
            if pattern >= patterns:
                hinted.append((index, DATABASE[pattern][1]))
                continue
            _, cls, confidence, _ = PATTERNS[pattern]
            if cls not in best or confidence > best[cls][0]:
                best[cls] = (confidence, index, pattern)
    if checks is not None and not _json_document(value):
        for index, cls in hinted:
            if checks[cls](forms[index]):
                _agree(best, cls, index, forms[index])
    return [_detection(value, forms, encoded, cls, best[cls]) for cls in CLASSES if cls in best]


def detect_many(values: Sequence[str]) -> list[list[Detection]]:
    """``[detect(v) for v in values]``: the form to use for many values at once (the leaves
    of an event, the values of a log batch), which the engine can scan together."""
    return [detect(value) for value in values]


def _json_document(value: str) -> bool:
    """A whole JSON object or array: no place for libinjection's SQL/HTML fragment
    tokenizers, which read prose inside its strings as code (``scan_event`` walks such a
    document's leaves instead)."""
    text = value.strip()
    return len(text) > 1 and text[0] + text[-1] in ("{}", "[]")


def _agree(best: dict[str, tuple[float, int, int]], cls: str, index: int, form: str) -> None:
    """Record libinjection's verdict for ``cls`` on form ``index`` (the text ``form``),
    unless it read a whole SQL statement that is not closed as a probe closes it
    (:data:`~faasguard.payloads.grammar.STATEMENT_START`)."""
    if cls == "sqli" and _STATEMENT_START.match(form) and not _STATEMENT_CLOSED.search(form):
        return
    confidence = _LIBINJECTION[cls]
    if cls not in best:
        best[cls] = (confidence, index, -1)
    elif best[cls][2] >= 0:  # a pattern and libinjection agree: keep the pattern's span
        previous = best[cls]
        best[cls] = (min(1.0, max(previous[0], confidence) + 0.05), previous[1], previous[2])


def _detection(
    value: str,
    forms: list[str],
    encoded: list[bytes],
    cls: str,
    found: tuple[float, int, int],
) -> Detection:
    engine = _engine or _load_engine()
    confidence, index, pattern = found
    if pattern < 0:
        return Detection(cls, 0, len(value), round(confidence, 2), "libinjection")
    data = encoded[index]
    match = engine.spans_re()[pattern].search(data)
    start_b, end_b = match.span() if match else (0, len(data))
    start = len(data[:start_b].decode("utf-8", "ignore"))
    end = start + len(data[start_b:end_b].decode("utf-8", "ignore"))
    if index == 1:
        start, end = decode.spans(value, start, end, forms[1])
    return Detection(cls, start, max(end, start), round(confidence, 2), PATTERNS[pattern][0])


from faasguard.payloads.events import detect_trigger, scan_event  # noqa: E402
