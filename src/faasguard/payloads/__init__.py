"""Attack-payload detection for values found in Lambda events and logs.

Standalone on purpose: the runtime guard imports this package inside Lambda, so it imports
nothing else of faasguard and only the standard library at import time; Hyperscan and
libinjection are used when installed, and the pattern database is compiled on first use.

>>> [d.cls for d in detect("1' OR '1'='1")]
['sqli']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from faasguard.payloads import decode
from faasguard.payloads.grammar import CLASSES, PATTERNS

__all__ = [
    "CLASSES",
    "Detection",
    "EventHit",
    "detect",
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


#: A value is handed to libinjection's SQLi check only when it has SQL punctuation (its
#: tokenizer costs ~6 µs a call, and on plain prose and paths it flags "x and y" lists).
_SQL_HINT = re.compile(r"['\"`;#=()]|--|/\*")
#: ... and to its XSS check only when it has markup, quotes or a script scheme.
_XSS_HINT = re.compile(r"[<>\"'`]|script|&#|\bon\w+\s*=", re.I)
_LIBINJECTION_SQLI = 0.9
_LIBINJECTION_XSS = 0.85


def detect(value: str, *, backend: str = "auto", libinjection: bool = True) -> list[Detection]:
    """The attack classes found in ``value``, at most one detection per class.

    ``backend`` is ``auto`` (Hyperscan when installed), ``hyperscan`` or ``re``;
    ``libinjection=False`` leaves libinjection out even where it is installed.
    """
    if not value:
        return []
    from faasguard.payloads import engine  # noqa: PLC0415 - keeps ``import`` cheap

    matcher = engine.backend(backend)
    normal = decode.normalize(value)
    forms = [value] if normal == value[: decode.MAX_DECODE] else [value, normal]
    encoded = [form.encode("utf-8", "surrogatepass")[: engine.MAX_SCAN] for form in forms]
    # class -> (confidence, form index, pattern index or -1 for libinjection)
    best: dict[str, tuple[float, int, int]] = {}
    for index, data in enumerate(encoded):
        for pattern in matcher.matched(data):
            _, cls, confidence, _ = PATTERNS[pattern]
            if cls not in best or confidence > best[cls][0]:
                best[cls] = (confidence, index, pattern)
    checks = engine.libinjection_checks() if libinjection else None
    if checks is not None:
        _libinjection(forms, checks, best)
    found = [_detection(value, forms, encoded, cls, best[cls]) for cls in CLASSES if cls in best]
    return found


def _libinjection(
    forms: list[str],
    checks: tuple[object, object],
    best: dict[str, tuple[float, int, int]],
) -> None:
    sqli, xss = checks
    for index, form in enumerate(forms):
        for cls, hint, check, confidence in (
            ("sqli", _SQL_HINT, sqli, _LIBINJECTION_SQLI),
            ("xss", _XSS_HINT, xss, _LIBINJECTION_XSS),
        ):
            if hint.search(form) is None or not check(form):  # type: ignore[operator]
                continue
            if cls not in best:
                best[cls] = (confidence, index, -1)
            else:  # a pattern and libinjection agree: keep the pattern's span
                previous = best[cls]
                best[cls] = (min(1.0, max(previous[0], confidence) + 0.05), *previous[1:])


def _detection(
    value: str,
    forms: list[str],
    encoded: list[bytes],
    cls: str,
    found: tuple[float, int, int],
) -> Detection:
    from faasguard.payloads import engine  # noqa: PLC0415

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
