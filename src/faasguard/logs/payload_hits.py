"""LOG017's use of :mod:`faasguard.payloads`: which log lines to hand to the engine, what
it finds in them, and the evidence text.

The pipeline scans every application message with one multi-pattern database (Hyperscan in
place over the column, or ``re``). For LOG017 that database holds a *prefilter* derived from
the engine's own patterns: each expression with ``^``/``$`` widened to also match where a
value starts or ends inside a log line (after a quote, ``=``, ``:`` or white space), plus
the marks of encoded text (``%XX`` of a special character, entities, ``\\uXXXX``, lookups).
It is a superset of what the engine can find in the raw line, so it only chooses the rare
lines the engine then reads properly: a logged JSON event is parsed and walked leaf by leaf
(:func:`faasguard.payloads.scan_event`, with the JSON path of each hit); any other line is
checked whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache

from faasguard.payloads import Detection, EventHit, detect, scan_event
from faasguard.payloads.grammar import ALTERNATIVES, PATTERNS

#: Evidence text is at most this long (the payload, cut and redacted around it).
EVIDENCE_CHARS = 200
_VALUE_START = r"(?:^|[\x22'=])"
_VALUE_END = r"(?:$|[\x22'&\\])"
#: Encoded text the engine decodes (anything of it may hide a payload).
_ENCODED = (
    r"%(?:25|2e|2f|5c|27|22|3c|3e|3b|7c|26|60|24|7b|0d|0a|00|c0|c1|e0|f0|u0|uf)",
    r"&#\w{1,8};?|&(?:lt|gt|quot|apos);",
    r"\\{1,2}u00[0-9a-f]{2}|\\{1,2}x[0-9a-f]{2}",
)


#: What the anchored alternatives look for, as a quoted JSON value starts: protocol-relative
#: and backslash URLs, single-slash schemes, bare climbs and probes at a value's start.
_VALUE_EDGES = (
    r"\x22(?:/[/\\]|\\\\[/\\]|/%2f|/%5c|%2f%2f|%5c%5c|/<>|<>//|https?:(?:/?[^/\x22]|\\))",
    r"\x22[\t ]*(?:['`]|\\\x22)?[\t ]*(?:[;&|]{1,2}|%26|%7c|%3b)",
    r"\x22[\t ]*\\?['\x22][\t ]*(?:or|and|;)",
    r"\x22[\t ]*(?:or|and)[\t ]+(?:true|false|not|\w{1,3}[\t ]*=)",
    r"\x22[\t ]*(?:order|group)[\t ]+by[\t ]+\d",
    r"\x22[\t ]*[/\\]?\.{2,}[/\\]",
    r"\x22/(?:etc|proc|root|usr/local|opt/(?:lampp|xampp)|volumes|var/(?:log|mail|www|lib|spool|adm|db|cpanel|root|lp|cron|lock|saf))/",
    r"\x22[a-z]:[/\\]+(?:xampp|apache|program|wamp|inetpub|windows|winnt|boot|mysql|php|logs?|opt|nginx|iis|sysprep|unattend|documents|minint|\$recycle)",
)


def _widen(expression: str) -> str:
    """``expression`` for whole log lines: ``^``/``$`` outside a class widened (see above),
    and nothing in it can match a newline, the row separator of the scan buffer (so both
    backends find exactly the matches inside each row): ``\\s`` loses ``\\n``, negated
    classes exclude it, and a literal newline becomes the ``\\n`` a JSON log line shows."""
    out: list[str] = []
    index, in_class = 0, False
    while index < len(expression):
        char = expression[index]
        if char == "\\":
            pair = expression[index : index + 2]
            out.append(_NO_NEWLINE.get(pair, (pair, pair))[1 if in_class else 0])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if expression[index + 1 : index + 2] == "^":  # a negated class, not an anchor
                out.append("[^\\n")
                index += 2
                continue
        elif char == "^":
            char = _VALUE_START
        elif char == "$":
            char = _VALUE_END
        out.append(char)
        index += 1
    return "".join(out)


#: Escapes rewritten so they cannot match a newline: (outside a class, inside a class).
_NO_NEWLINE = {
    "\\s": ("[\\t\\x0b\\x0c\\r ]", "\\t\\x0b\\x0c\\r "),
    "\\n": ("\\\\n", "\\x0b"),
}


@cache
def prefilter() -> tuple[tuple[str, str], ...]:
    """``(id, expression)`` of every prefilter expression (matched case-insensitively).

    The engine's pattern alternatives that are not anchored to the value's start (``$``
    widened), plus :data:`_ENCODED` and :data:`_VALUE_EDGES`. Start-anchored alternatives
    are left out: in a logged JSON event a value starts after a quote that JSON's own
    backslashes surround, which they read as path separators on every line (measured: 6 %
    of generated log lines selected for nothing, and a 4x slower analysis).
    """
    chosen: list[tuple[str, str]] = []
    for pid, *_ in PATTERNS:
        for index, alternative in enumerate(ALTERNATIVES[pid]):
            if not _anchored(alternative):
                chosen.append((f"payload:{pid}:{index}", _widen(alternative)))
    chosen += [(f"payload:encoded:{i}", e) for i, e in enumerate(_ENCODED)]
    chosen += [(f"payload:edge:{i}", e) for i, e in enumerate(_VALUE_EDGES)]
    return tuple(chosen)


def _anchored(expression: str) -> bool:
    """Whether ``expression`` is anchored to a value's start (``$`` is widened instead)."""
    return _VALUE_START in _widen(expression)


#: Fields of a JSON log line that hold the application's message (which may itself carry a
#: logged event after some words, e.g. ``Received event: {...}``).
_MESSAGE_FIELDS = ("message", "msg")


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


def _document(message: str) -> object | None:
    for opening in ("{", "["):
        start = message.find(opening)
        if start < 0:
            continue
        try:
            document, _ = json.JSONDecoder().raw_decode(message, start)
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
