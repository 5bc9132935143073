"""LOG017's use of :mod:`faasguard.payloads`: what the engine finds in a log line, and the
evidence text.

The pipeline scans every application message with one multi-pattern database (Hyperscan in
place over the column, or ``re``); for LOG017 that database holds the line gate of
:mod:`faasguard.logs.payload_gate`, which keeps every line the engine can flag. The rare
lines it keeps are read here properly: a logged JSON event is parsed and walked leaf by leaf
(:func:`faasguard.payloads.scan_event`, with the JSON path of each hit); any other line is
checked whole.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Sequence

from faasguard.payloads import Detection, EventHit, detect, detect_many, event_values, scan_event

#: Evidence text is at most this long (the payload, cut and redacted around it).
EVIDENCE_CHARS = 200
#: Fields of a JSON log line that hold the application's message (which may itself carry a
#: logged event after some words, e.g. ``Received event: {...}``).
_MESSAGE_FIELDS = ("message", "msg")
#: One decoder for every line (``raw_decode`` keeps no state between calls).
_DECODER = json.JSONDecoder()


def message_hits(message: str, path: str = "$") -> list[EventHit]:
    """What the engine finds in one log message, at most one class per value (the most
    confident: one payload is one finding). A JSON document in the message (from its first
    ``{``, else its first ``[``) is walked leaf by leaf; any other message is read whole."""
    document = _document(message)
    if document is None:
        return _strongest(EventHit(path, message, found) for found in detect(message))
    inner = f"{path}<json>" if path != "$" else "$"
    hits: list[EventHit] = []
    for hit in _strongest(scan_event(document)):
        field = hit.path.removeprefix("$.")
        if field in _MESSAGE_FIELDS and isinstance(document, dict) and "{" in hit.value:
            continue  # read below, with its own JSON
        hits.append(EventHit(inner + hit.path[1:], hit.value, hit.detection))
    if isinstance(document, dict):
        for field in _MESSAGE_FIELDS:
            text = document.get(field)
            if isinstance(text, str) and "{" in text:
                hits.extend(message_hits(text, f"{inner}.{field}"))
    return hits


def lines_hits(messages: Sequence[str]) -> list[list[EventHit]]:
    """``[message_hits(m) for m in messages]``, with one engine call for all their values.

    The values :func:`message_hits` would read in each message (the message whole, or the
    leaves of its JSON document and of the documents in its message fields) are collected
    for every line first, and :func:`~faasguard.payloads.detect_many` reads each distinct
    one once (error types, stack frames and keys repeat from line to line). Only a line with
    a value the engine flags is read again by :func:`message_hits`, for its hits and their
    paths: the answers are the line-by-line ones, in the same order.
    """
    collecting = gc.isenabled()
    gc.disable()  # the walks make many small objects, freed by reference counting
    try:
        per_line: list[list[str]] = []
        for message in messages:
            values: list[str] = []
            _values(message, values)
            per_line.append(values)
        flagged = _flagged_values(per_line)
    finally:
        if collecting:
            gc.enable()
    return [
        message_hits(message) if flagged and not flagged.isdisjoint(values) else []
        for message, values in zip(messages, per_line, strict=True)
    ]


def _values(message: str, into: list[str]) -> None:
    """The values :func:`message_hits` reads in ``message`` (a superset where it skips a
    message field that it reads as its own document), appended to ``into``."""
    document = _document(message)
    if document is None:
        into.append(message)
        return
    into.extend(event_values(document))
    if isinstance(document, dict):
        for field in _MESSAGE_FIELDS:
            text = document.get(field)
            if isinstance(text, str) and "{" in text:
                _values(text, into)


def _flagged_values(per_line: list[list[str]]) -> set[str]:
    """The values of ``per_line`` in which the engine finds something."""
    distinct = list({value: None for values in per_line for value in values})
    return {value for value, found in zip(distinct, detect_many(distinct), strict=True) if found}


def _document(message: str) -> object | None:
    for opening in ("{", "["):
        start = message.find(opening)
        if start < 0:
            continue
        try:
            document, _ = _DECODER.raw_decode(message, start)
        except ValueError:
            continue
        if isinstance(document, dict | list):
            return document
    return None


def _strongest(hits: Iterable[EventHit]) -> list[EventHit]:
    """Per value (path), the detection with the highest confidence (ties: class order)."""
    best: dict[str, EventHit] = {}
    for hit in hits:
        known = best.get(hit.path)
        if known is None or hit.detection.confidence > known.detection.confidence:
            best[hit.path] = hit
    return list(best.values())


def evidence_text(hit: EventHit, redact: Callable[[str], str]) -> str:
    """``class in path: …payload…``, the payload whole when it fits, secrets redacted."""
    found: Detection = hit.detection
    label = f"{found.cls} in {hit.path}: "
    room = max(EVIDENCE_CHARS - len(label), 40)
    value = hit.value.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")
    # the original span, mapped through the escaping above (each escape adds one character)
    start = found.start + _escapes(hit.value[: found.start])
    end = found.end + _escapes(hit.value[: found.end])
    if len(value) <= room:
        window = value
    else:
        middle = min(end - start, room - 2)
        before = max(0, min(start, (room - 2 - middle) // 2))
        first = start - before
        window = value[first : first + room - 2]
        window = (
            ("…" if first > 0 else "") + window + ("…" if first + room - 2 < len(value) else "")
        )
    text = label + redact(window)
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


def _escapes(text: str) -> int:
    return text.count("\r") + text.count("\n")
