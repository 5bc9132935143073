"""LOG017's line gate: a cheap scan that keeps every log line the payload engine can flag.

The engine (:mod:`faasguard.payloads`) flags a value when one of its pattern alternatives
matches the value or the value's normal form, or when libinjection flags a form; in a log
line it reads the leaves of the JSON documents it finds, or the whole message. Scanning
every application message with the engine's ~240 alternatives (each widened for log lines)
cost ~2.6 CPU s per GB; the gate costs a fraction and is built to keep a superset:

- **Necessary literals** (:mod:`faasguard.logs.payload_literals`): one alternation of the
  literals that every match of an alternative contains, for every alternative whose
  literals are rare in logs.
- **Weak alternatives** (their literals are words such as ``or``, ``http``, ``/``):
  matched whole, *relaxed* for raw lines (:func:`relaxed`): a JSON value starts after a
  quote, white space may be ``+`` or a JSON escape, a quote, backslash or slash may follow
  backslashes, repeats over escapable characters are unbounded. Those anchored at a value's
  start are also matched at the start of each message (:func:`starting_rows`), for a
  message that is the value itself.
- **Decodings**: a line with the mark of anything the engine decodes (``%`` and hex
  digits, an HTML entity, ``\\u``/``\\x`` escapes, ``${``, a byte outside ASCII, a raw
  control character, a base64 body or Kinesis/DynamoDB record) is kept whatever it holds.
- **libinjection**: a line with SQL or HTML punctuation other than ``"`` and ``=``
  (``'`` `` ` `` ``;`` ``#`` ``(`` ``)`` ``<`` ``>`` ``--`` ``/*`` ``&#``, ``script``,
  ``on…=``) is kept. A value whose only such punctuation is ``"`` or ``=`` and that no
  pattern matches is the case left to measurement: ``tests/logs/test_logs_payload_gate.py``
  checks on ``../shared/payloads`` values placed in log lines that no line the engine
  flags is dropped.

The lines it keeps are read by the engine, which decides (:mod:`faasguard.logs.payload_hits`).
"""

from __future__ import annotations

import contextlib
import re
import re._constants as sre  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from functools import cache
from typing import Any

import numpy as np

from faasguard.logs.payload_literals import (
    ESCAPED,
    LIBINJECTION,
    MARKS,
    WHITE,
    anchored,
    class_chars,
    covered,
    finite,
    necessary,
    nullable,
    weak_alternatives,
)
from faasguard.logs.payload_literals import (
    SPACE as SPACE_CHARS,
)
from faasguard.payloads.grammar import ALTERNATIVES


def _literal(text: str) -> str:
    return "".join(c if c.isalnum() else f"\\x{ord(c):02x}" for c in text)


@cache
def gate() -> tuple[tuple[str, str], ...]:
    """``(id, expression)`` of the literal gate (matched case-insensitively): one
    alternation of the decoding marks and libinjection's punctuation, one of the necessary
    literals of every alternative but the weak ones (:func:`weak_alternatives`)."""
    weak = set(weak_alternatives())
    literals: set[str] = set()
    for pid, alternatives in ALTERNATIVES.items():
        for index, alternative in enumerate(alternatives):
            if (pid, index) not in weak:
                literals |= {t for t in necessary(alternative) if not covered(t)}
    # (an HTML entity starts with ``&``, which libinjection's punctuation holds)
    marks = "|".join(f"(?:{e})" for e in (*MARKS, LIBINJECTION))
    words = [_literal(t) for t in sorted(literals) if t]
    # Hyperscan takes expressions up to a length: the literals in a few alternations
    chunks = [
        words[i : i + _LITERALS_PER_EXPRESSION]
        for i in range(0, len(words), _LITERALS_PER_EXPRESSION)
    ]
    whole = [
        (f"gate:{pid}:{index}", relaxed(ALTERNATIVES[pid][index])) for pid, index in sorted(weak)
    ]
    return (
        ("gate:marks", marks),
        *((f"gate:literals:{i}", "|".join(chunk)) for i, chunk in enumerate(chunks)),
        *((name, e) for name, e in whole if e is not None),
    )


#: Literals per gate expression (Hyperscan limits an expression's length).
_LITERALS_PER_EXPRESSION = 300

#: White space of a value as a raw line may show it: itself, ``+`` (URL form), a JSON escape.
_GAP = r"(?:[\t\x0b\x0c\r +]|\\+[tnrf])"


def _char(code: int) -> str:
    char = chr(code)
    if char.isalnum() and code < 128:
        return char
    return f"\\x{code:02x}" if code < 256 else ""


def relaxed(expression: str, anchor: str | None = "\\x22") -> str | None:
    """An expression that matches a raw log line wherever ``expression`` matches a value
    logged in it, JSON-escaped (at any depth) or not: ``^`` becomes ``anchor`` (a value
    in a JSON line starts after a quote; :func:`row_starts` checks the start of a row),
    ``$`` and ``\\b`` are dropped, white space may also be ``+`` or a JSON escape, ``"``,
    ``\\`` and ``/`` may follow backslashes, and repeats of anything that may match an
    escaped character are unbounded above (an escape makes one character several).
    Branches whose every match holds a mark are left out (marked lines are kept anyway);
    ``None`` when every match does."""
    items = list(sre_parse.parse(expression, re.IGNORECASE))
    # what may match nothing at either end changes no line's verdict ("contains a match");
    # ``anchor=None`` is for matching at a row's start (``re.match``): only the end goes
    mark = anchor or ""
    while anchor is not None and items and _nullable([items[0]], mark):
        items.pop(0)
    while items and _nullable([items[-1]], mark):
        items.pop()
    if not items:
        raise ValueError(f"{expression!r} matches the empty string")
    # anchored at a value's start and seen after a quote: the whole match is inside a JSON
    # string, where a backslash of the value is at least two
    inside = items[0] == (sre.AT, sre.AT_BEGINNING) and bool(anchor)
    try:
        return _emit(items, mark, inside)
    except _Marked:
        return None


class _Marked(Exception):  # noqa: N818 - a signal, not an error
    """Every match of this part holds a mark: no unmarked line has one."""


def _nullable(items: Any, anchor: str) -> bool:
    """Whether ``items`` may match the empty string (``^`` does not when anchored)."""
    for op, av in items:
        if op is sre.AT and not (av is sre.AT_BEGINNING and anchor):
            continue
        if op is sre.SUBPATTERN and _nullable(av[-1], anchor):
            continue
        if op is sre.BRANCH and any(_nullable(b, anchor) for b in av[1]):
            continue
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and (av[0] == 0 or _nullable(av[2], anchor)):
            continue
        return False
    return True


def _emit(items: Any, anchor: str, inside: bool) -> str:
    return "".join(_node(op, av, anchor, inside) for op, av in items)


def _node(op: Any, av: Any, anchor: str, inside: bool) -> str:
    if op is sre.AT:
        return anchor if av is sre.AT_BEGINNING else ""
    if op is sre.LITERAL:
        return _class([(sre.LITERAL, av)], negate=False, inside=inside)
    if op is sre.NOT_LITERAL:
        return _class([(sre.LITERAL, av)], negate=True, inside=inside)
    if op is sre.ANY:
        return _class([], negate=True, inside=inside)
    if op is sre.IN:
        negate = bool(av) and av[0][0] is sre.NEGATE
        return _class(av[1:] if negate else av, negate=negate, inside=inside)
    if op is sre.SUBPATTERN:
        return f"(?:{_emit(av[-1], anchor, inside)})"
    if op is sre.BRANCH:
        kept = []
        for branch in av[1]:
            with contextlib.suppress(_Marked):
                if finite(branch) != set():
                    kept.append(_emit(branch, anchor, inside))
        if not kept:
            raise _Marked
        return "(?:" + "|".join(kept) + ")"
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, inner = av
        top = "" if _may_escape(inner) or high == sre.MAXREPEAT else str(high)
        try:
            return f"(?:{_emit(inner, anchor, inside)}){{{low},{top}}}"
        except _Marked:
            if low:
                raise
            return ""
    raise ValueError(f"unsupported regular expression node {op}")


def _may_escape(items: Any) -> bool:
    """Whether ``items`` may match a character that a JSON log line shows as several."""
    for op, av in items:
        if op in (sre.NOT_LITERAL, sre.ANY):
            return True
        if op is sre.LITERAL and chr(av) in ESCAPED | SPACE_CHARS:
            return True
        if op is sre.IN and class_chars(av) & (ESCAPED | SPACE_CHARS):
            return True
        if op is sre.SUBPATTERN and _may_escape(av[-1]):
            return True
        if op is sre.BRANCH and any(_may_escape(b) for b in av[1]):
            return True
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and _may_escape(av[2]):
            return True
    return False


def _class(body: Any, negate: bool, inside: bool = False) -> str:
    """One character of a class, as a raw line may show it (``inside`` a JSON string: a
    backslash is two or more)."""
    if negate:
        excluded = class_chars(body)
        allowed = {chr(c) for c in range(128)} - excluded
    else:
        allowed = class_chars(body)
    # control characters are marked; a raw line feed is the ``re`` scan's row separator, so
    # no gate expression matches one (JSON shows a value's line feed as ``\\n``)
    allowed -= _CONTROL | {"\n"}
    ways: list[str] = []
    plain = sorted(allowed - WHITE - set("\\"))
    if "\\" in allowed and inside:
        ways.append("\\x5c\\x5c")
    elif "\\" in allowed:
        plain.append("\\")
    if allowed & WHITE:
        ways.append(_GAP)
    if plain:
        escaped = "".join(_char(ord(c)) for c in plain)
        ways.append(f"[{escaped}]" if len(plain) > 1 else escaped)
    if allowed & (ESCAPED - {"\\"}):
        # "\\" or "/" after JSON's backslashes (the backslash itself is in ``plain``)
        escapable = "".join(_char(ord(c)) for c in sorted(allowed & {'"', "/"}))
        ways.append(f"\\\\+[{escapable}]")
    if "\n" in class_chars(body) and not negate:
        ways.append("\\\\+n")
    if not ways:
        raise _Marked
    return ways[0] if len(ways) == 1 else "(?:" + "|".join(ways) + ")"


#: Control characters: marked (:data:`MARKS`), so no unmarked line holds one.
_CONTROL = frozenset(chr(c) for c in (*range(0x09), *range(0x0E, 0x20), 0x7F))


#: Bytes of a row's start compared with the heads of the anchored weak alternatives.
_HEAD = 4
#: Most heads one alternative may have.
_MAX_HEADS = 4096
#: What white space at a message's start may be in the value's normal form (``+``: URLs).
_HEAD_SPACE = frozenset(" \t\r\x0b\x0c+")


def _heads(items: Any, room: int) -> set[tuple[str, bool]] | None:
    """Each match of ``items`` cut to ``room`` characters, lower case, with whether it is
    whole (``None``: too many)."""
    out: set[tuple[str, bool]] = {("", True)}
    for op, av in items:
        if op is sre.AT:
            continue
        grown: set[tuple[str, bool]] = set()
        for text, whole in out:
            if not whole or len(text) == room:
                grown.add((text, False))
                continue
            part = _node_heads(op, av, room - len(text))
            if part is None:
                return None
            grown |= {(text + more, done) for more, done in part}
            if len(grown) > _MAX_HEADS:
                return None
        out = grown
    return out


def _node_heads(op: Any, av: Any, room: int) -> set[tuple[str, bool]] | None:
    if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
        chars = _node_chars(op, av)
        if chars & WHITE:
            chars |= _HEAD_SPACE
        lowered = {c.lower() for c in chars}
        # a wide class ends the head here (rows that start so far are all kept)
        return {(c, len(lowered) <= 40) for c in lowered}
    if op is sre.SUBPATTERN:
        return _heads(av[-1], room)
    if op is sre.BRANCH:
        out: set[tuple[str, bool]] = set()
        for branch in av[1]:
            part = _heads(branch, room)
            if part is None:
                return None
            out |= part
        return out
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and not nullable(av[2]):
        low, high, inner = av
        if low == 0 and len(inner) == 1 and _node_chars(*inner[0]) <= WHITE:
            # leading or inner white space: none, or a head that ends at its first byte
            return {("", True)} | {(c, False) for c in WHITE | _HEAD_SPACE}
        options: set[tuple[str, bool]] = set()
        for count in range(low, min(high, room) + 1):
            part = _heads(list(inner) * count, room)
            if part is None:
                return None
            options |= part
        return options
    return None


def _node_chars(op: Any, av: Any) -> set[str]:
    everything = {chr(c) for c in range(128)}
    if op is sre.LITERAL:
        return {chr(av)}
    if op is sre.NOT_LITERAL:
        return everything - {chr(av).lower(), chr(av).upper()}
    if op is sre.ANY:
        return everything - {"\n"}
    if op is sre.IN:
        return class_chars(av)
    return everything


@cache
def row_starts() -> tuple[tuple[tuple[int, np.ndarray], ...], np.ndarray, re.Pattern[bytes]]:
    """What a message must start with for a weak alternative anchored at a value's start
    to match it when the whole message is the value: its heads (``(length, packed lower
    case bytes)``, a byte outside ASCII counting as any), the table of their first bytes,
    and one expression matched at the start of the rare rows that have one (``re.match``,
    case-insensitive)."""
    heads: set[str] = set()
    expressions: list[str] = []
    for pid, index in weak_alternatives():
        alternative = ALTERNATIVES[pid][index]
        if not anchored(alternative):
            continue
        found = _heads(list(sre_parse.parse(alternative, re.IGNORECASE)), _HEAD)
        if found is None:  # too many ways to start: every row is matched
            found = {("", False)}
        at_start = relaxed(alternative, anchor=None)
        if at_start is not None:
            heads |= {text for text, _ in found}
            expressions.append(at_start)
    packed = []
    for length in range(1, _HEAD + 1):
        codes = [int.from_bytes(h.encode(), "big") for h in heads if len(h) == length]
        packed.append((length, np.unique(np.asarray(codes, dtype=np.uint64))))
    first_bytes = np.zeros(256, dtype=bool)
    first_bytes[[ord(h[0]) for h in heads if h] or slice(0) if "" not in heads else slice(None)] = (
        True
    )
    pattern = "|".join(f"(?:{e})" for e in expressions) or "(?!)"
    return tuple(packed), first_bytes, re.compile(pattern.encode(), re.IGNORECASE)


def starting_rows(data: Any, offsets: np.ndarray) -> np.ndarray:
    """Indexes of the rows (``data[offsets[i]:offsets[i + 1]]``) whose start matches a weak
    anchored alternative (:func:`row_starts`): each row's first bytes are compared with the
    heads (numpy), and the rare rows that have one are matched whole. A row that starts
    with a byte outside ASCII is marked by the gate anyway."""
    packed, first_bytes, pattern = row_starts()
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    view = np.frombuffer(data, dtype=np.uint8)
    rows = np.flatnonzero(lengths > 0)
    first = view[starts[rows]]
    rows = rows[first_bytes[np.where((first >= 65) & (first <= 90), first | 0x20, first)]]
    code = np.zeros(len(rows), dtype=np.uint64)
    chosen = np.zeros(len(rows), dtype=bool)
    for length, heads in packed:
        long_enough = lengths[rows] >= length
        byte = np.zeros(len(rows), dtype=np.uint8)
        byte[long_enough] = view[starts[rows[long_enough]] + (length - 1)]
        lower = np.where((byte >= 65) & (byte <= 90), byte | 0x20, byte)
        code = (code << np.uint64(8)) | lower.astype(np.uint64)
        if len(heads):
            at = np.minimum(np.searchsorted(heads, code), len(heads) - 1)
            chosen |= long_enough & (heads[at] == code)
    if first_bytes.all():  # a head of nothing (see :func:`row_starts`): every row
        chosen[:] = True
    if not chosen.any():
        return np.empty(0, dtype=np.int64)
    raw = memoryview(data)
    found = [
        row for row in rows[chosen].tolist() if pattern.match(raw[offsets[row] : offsets[row + 1]])
    ]
    return np.asarray(found, dtype=np.int64)
