"""Attack-payload detection for values found in Lambda events and logs.

Standalone on purpose: the runtime guard imports this package inside Lambda, so it imports
nothing else of faasguard and only the standard library at import time; Hyperscan and
libinjection are used when installed, and the pattern database is compiled on first use.

>>> [d.cls for d in detect("1' OR '1'='1")]
['sqli']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
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
    "event_values",
    "scan_event",
]


class _Span:
    """Where a detection lies in its value: given, or worked out from ``find`` when first
    asked (a regular-expression search that a decision to block or count never needs).
    ``find`` is ``(value, forms, form index, pattern index)`` or a callable."""

    __slots__ = ("at", "find")

    def __init__(self, at: tuple[int, int] | None, find: object = None) -> None:
        self.at = at
        self.find = find

    def get(self) -> tuple[int, int]:
        at = self.at
        if at is None:
            find = self.find
            at = self.at = find() if callable(find) else _locate(*find)  # type: ignore[misc]
            self.find = None
        return at

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Span) and self.get() == other.get()

    def __hash__(self) -> int:
        return hash(self.get())


class Detection(tuple[str, float, str, _Span]):
    """One attack class found in a value.

    Immutable; compares, hashes and prints as its five fields. The span is worked out when
    first read, so :func:`detect` costs only what the verdict needs.
    """

    __slots__ = ()

    def __new__(
        cls, name: str, start: int, end: int, confidence: float, source: str = ""
    ) -> Detection:
        return tuple.__new__(cls, (name, confidence, source, _Span((start, end))))

    @classmethod
    def located_later(
        cls, name: str, confidence: float, source: str, find: Callable[[], tuple[int, int]]
    ) -> Detection:
        """A detection whose span ``find()`` gives when first read."""
        return tuple.__new__(cls, (name, confidence, source, _Span(None, find)))

    @property
    def cls(self) -> str:
        """``sqli`` ``xss`` ``path-traversal`` ``cmdi`` ``ssrf`` ``ssti`` ``xxe``
        ``nosqli`` ``ldapi`` ``jndi`` ``crlf`` ``open-redirect``."""
        return self[0]

    @property
    def confidence(self) -> float:
        """How sure the detection is, 0..1."""
        return self[1]

    @property
    def source(self) -> str:
        """What found it: the pattern id, or ``libinjection``."""
        return self[2]

    @property
    def start(self) -> int:
        """Span in the original value (characters): the first character."""
        return self[3].get()[0]

    @property
    def end(self) -> int:
        """Span in the original value (characters): one past the last character."""
        return self[3].get()[1]

    def __reduce__(self) -> tuple[type[Detection], tuple[str, int, int, float, str]]:
        start, end = self[3].get()
        return (Detection, (self[0], start, end, self[1], self[2]))

    def __repr__(self) -> str:
        start, end = self[3].get()
        return (
            f"Detection(cls={self[0]!r}, start={start!r}, end={end!r}, "
            f"confidence={self[1]!r}, source={self[2]!r})"
        )


class EventHit(tuple[str, str, Detection]):
    """A detection in one string leaf (or key) of a JSON event: ``(path, value, detection)``.

    Immutable; compares, hashes and prints as its three fields (a tuple, not a dataclass:
    ``dataclasses`` costs the runtime guard's cold start a few milliseconds).
    """

    __slots__ = ()

    def __new__(cls, path: str, value: str, detection: Detection) -> EventHit:
        return tuple.__new__(cls, (path, value, detection))

    def __getnewargs__(self) -> tuple[str, str, Detection]:
        return (self[0], self[1], self[2])

    @property
    def path(self) -> str:
        """JSON path of the leaf, with the decodings applied to reach it (``<json>``,
        ``<base64>``, ``<url>``); a hit on a key ends in ``<key>``."""
        return self[0]

    @property
    def value(self) -> str:
        """The decoded leaf value."""
        return self[1]

    @property
    def detection(self) -> Detection:
        """What was found in it."""
        return self[2]

    def __repr__(self) -> str:
        return f"EventHit(path={self[0]!r}, value={self[1]!r}, detection={self[2]!r})"


#: libinjection's confidence per class (already rounded as reported).
_LIBINJECTION = {"sqli": 0.9, "xss": 0.85}
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
    checks = engine.libinjection_checks() if libinjection else None
    return _one(value, engine.backend(backend), checks)


def detect_many(
    values: Sequence[str], *, backend: str = "auto", libinjection: bool = True
) -> list[list[Detection]]:
    """``[detect(v) for v in values]``, computed together: the form to use for many values at
    once (the leaves of an event, the values of a log batch).

    Each distinct value is looked at once. With Hyperscan, the values and their normal
    forms are then scanned as joined buffers
    (:meth:`~faasguard.payloads.engine.HyperscanBackend.candidates`): a value in which no
    pattern and no libinjection hint matches there matches none alone either, so only the
    values the scan points at take the one-value path. The answers are :func:`detect`'s,
    value by value (``tests/payloads`` checks it on the payload set).
    """
    engine = _engine or _load_engine()
    matcher = engine.backend(backend)
    checks = engine.libinjection_checks() if libinjection else None
    unique = list(dict.fromkeys(values))
    if not hasattr(matcher, "candidates") or len(unique) < _BATCH:
        found = {v: _one(v, matcher, checks) for v in unique}
        return [list(found[v]) for v in values]
    normalize, limit = decode.normalize, decode.MAX_DECODE
    normals: dict[int, str] = {}
    for index, value in enumerate(unique):
        normal = normalize(value)
        if normal != value[:limit]:
            normals[index] = normal
    hints = checks is not None
    todo = matcher.candidates(unique, hints)
    if normals:
        order = list(normals)
        todo.update(order[i] for i in matcher.candidates([normals[k] for k in order], hints))
    found = {unique[i]: _verdicts(unique[i], normals.get(i), matcher, checks) for i in sorted(todo)}
    return [list(found.get(v, ())) for v in values]


#: Fewer distinct values than this are not worth a batch scan.
_BATCH = 4


def _one(value: str, matcher: Any, checks: Any) -> list[Detection]:
    """:func:`detect` with the backend and libinjection checks looked up already."""
    if not value:
        return []
    normal = decode.normalize(value)
    return _verdicts(
        value, None if normal == value[: decode.MAX_DECODE] else normal, matcher, checks
    )


def _verdicts(value: str, normal: str | None, matcher: Any, checks: Any) -> list[Detection]:
    """The detections in ``value``, one value at a time; ``normal`` is its normal form
    where that differs from the value."""
    if not value:
        return []
    forms = (value,) if normal is None else (value, normal)
    # class -> (confidence, form index, pattern index or -1 for libinjection)
    best: dict[str, tuple[float, int, int]] = {}
    hinted: list[tuple[int, str]] = []
    matched = matcher.matched
    kinds = _KIND
    index = 0
    for form in forms:
        data = form.encode("utf-8", "surrogatepass")
        if len(data) > decode.MAX_SCAN:
            data = data[: decode.MAX_SCAN]
        for pattern in matched(data):
            cls, confidence = kinds[pattern]
            if confidence < 0:  # a libinjection hint
                hinted.append((index, cls))
                continue
            known = best.get(cls)
            if known is None or confidence > known[0]:
                best[cls] = (confidence, index, pattern)
        index += 1
    if hinted and checks is not None:
        _libinjection(value, forms, hinted, checks, best)
    if not best:
        return []
    if len(best) == 1:
        ((cls, found),) = best.items()
        return [_detection(value, forms, cls, found)]
    return [_detection(value, forms, cls, best[cls]) for cls in CLASSES if cls in best]


#: Per database entry: ``(class, confidence)`` (rounded as reported), confidence -1 for a
#: libinjection hint.
_KIND: tuple[tuple[str, float], ...] = tuple(
    (entry[1], round(entry[2], 2) if index < len(PATTERNS) else -1.0)
    for index, entry in enumerate(DATABASE)
)


def _libinjection(
    value: str,
    forms: tuple[str, ...],
    hinted: list[tuple[int, str]],
    checks: Any,
    best: dict[str, tuple[float, int, int]],
) -> None:
    """libinjection's second opinion, asked only for a class no pattern found (where it can
    add a detection; where a pattern found the class, the pattern's confidence stands)."""
    if _json_document(value):
        return
    for index, cls in hinted:
        if cls not in best and checks[cls](forms[index]):
            _agree(best, cls, index, forms[index])


def _json_document(value: str) -> bool:
    """A whole JSON object or array: no place for libinjection's SQL/HTML fragment
    tokenizers, which read prose inside its strings as code (``scan_event`` walks such a
    document's leaves instead)."""
    text = value.strip()
    return len(text) > 1 and text[0] + text[-1] in ("{}", "[]")


def _agree(best: dict[str, tuple[float, int, int]], cls: str, index: int, form: str) -> None:
    """Record libinjection's verdict for ``cls`` (no pattern found) on form ``index`` (the
    text ``form``), unless it read a whole SQL statement that is not closed as a probe
    closes it (:data:`~faasguard.payloads.grammar.STATEMENT_START`)."""
    if cls == "sqli" and _open_statement(form):
        return
    best[cls] = (_LIBINJECTION[cls], index, -1)


def _open_statement(form: str) -> bool:
    """``form`` opens with a SQL statement that is not closed as a probe closes it."""
    start, closed = _statement_res()
    return start.match(form) is not None and closed.search(form) is None


@cache
def _statement_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(STATEMENT_START, re.IGNORECASE), re.compile(STATEMENT_CLOSED)


def _detection(
    value: str, forms: tuple[str, ...], cls: str, found: tuple[float, int, int]
) -> Detection:
    confidence, index, pattern = found
    if pattern < 0:
        return Detection(cls, 0, len(value), confidence, "libinjection")
    span = _Span(None, (value, forms, index, pattern))
    return tuple.__new__(Detection, (cls, confidence, _SOURCES[pattern], span))


_SOURCES = tuple(entry[0] for entry in PATTERNS)


def _locate(value: str, forms: tuple[str, ...], index: int, pattern: int) -> tuple[int, int]:
    """The span in ``value`` of the first match of ``pattern`` in form ``index``."""
    engine = _engine or _load_engine()
    data = forms[index].encode("utf-8", "surrogatepass")[: decode.MAX_SCAN]
    match = engine.span_re(pattern).search(data)
    start_b, end_b = match.span() if match else (0, len(data))
    start = len(data[:start_b].decode("utf-8", "ignore"))
    end = start + len(data[start_b:end_b].decode("utf-8", "ignore"))
    if index == 1:
        start, end = decode.spans(value, start, end, forms[1])
    return start, max(end, start)


from faasguard.payloads.events import detect_trigger, event_values, scan_event  # noqa: E402
