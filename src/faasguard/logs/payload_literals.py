"""Literals that every match of a pattern alternative of the payload engine contains.

Each alternative of :mod:`faasguard.payloads.grammar` is parsed with ``re``'s own parser
and reduced to a set of literal strings of which every match contains at least one
(case-insensitively): runs of fixed characters, the cheapest set kept per alternative.
A literal never spans a character that JSON escaping writes with a backslash in front
(``"``, ``\\``, ``/``: a literal may start with one, never hold one further on), white
space (folded by the engine, ``+`` in URLs) or a control character, so a value logged
inside a JSON document, or a document inside a JSON string, still shows the literal on the
raw line. :mod:`faasguard.logs.payload_gate` builds LOG017's line gate from them.
"""

from __future__ import annotations

import re
import re._constants as sre  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from faasguard.payloads.grammar import ALTERNATIVES

#: White space the engine folds (``\\s``).
WHITE = frozenset(" \t\n\r\x0b\x0c")
#: Characters JSON may write after a backslash: a literal may start with one, never hold one
#: further on (``\\"`` keeps the quote and breaks what came before it).
ESCAPED = frozenset('"\\/')


#: White space and control characters (folded, dropped or escaped): never in a literal.
SPACE = frozenset(chr(c) for c in range(0x21)) | {"\x7f"}


#: Largest finite set of strings carried while joining literals.
_MAX_SET = 1024


#: Rough share of log lines holding a character (the rest count as rare punctuation).
_COMMON = {'"': 1.0, ":": 0.6, ",": 0.6, "{": 0.5, "}": 0.5, "-": 0.6, ".": 0.6, "_": 0.5}


_COMMON |= {"/": 0.5, "\\": 0.3, "=": 0.1, "(": 0.02, ")": 0.02, "[": 0.05, "]": 0.05}


def _rarity(text: str) -> float:
    share = 1.0
    for char in text.lstrip(" \t\r\n\x0b\x0c+"):
        share *= _COMMON.get(char, 0.25 if char.isalnum() else 0.005)
    return share


def _cost(options: frozenset[str]) -> float:
    """How often the most common of ``options`` may be in a log line (a weak one: always),
    a little more for each further one."""
    return max(
        (0.0 if covered(t) else 1.0 if _weak_one(t) else _rarity(t) for t in options), default=0.0
    ) + 1e-6 * len(options)


def _minimal(options: set[str]) -> frozenset[str]:
    """``options`` without strings that hold a shorter member (that one suffices)."""
    by_length = sorted(options, key=len)
    kept: list[str] = []
    for text in by_length:
        if not any(o in text for o in kept if len(o) < len(text)):
            kept.append(text)
    return frozenset(kept)


def _chars(op: Any, av: Any) -> set[str] | None:
    """The characters a single-character node matches, lower-cased, when few; white space
    as a raw line may show it (``+``, a JSON escape: valid only where a literal starts)."""
    chars: set[str]
    if op is sre.LITERAL:
        chars = {chr(av).lower()}
    elif op is sre.IN:
        chars = {c.lower() for c in class_chars(av)}
    else:
        return None
    if len(chars) > 16:
        return None
    return (chars - WHITE) | {form for c in chars & WHITE for form in _WHITE_FORMS[c]}


#: How one white-space character of a value may look on a raw line.
_WHITE_FORMS = {
    " ": (" ", "+"),
    "\t": ("\t", "\\t"),
    "\n": ("\\n",),
    "\r": ("\r", "\\r"),
    "\x0b": ("\x0b",),
    "\x0c": ("\x0c", "\\f"),
}


def _unbroken(text: str) -> bool:
    """No white space and no JSON-escapable character after the first character."""
    return not any(i and (c in SPACE or c in ESCAPED) for i, c in enumerate(text))


#: The last character of white space as a raw line shows it: itself, ``+`` (URL form) or
#: the letter of a JSON escape after its backslash (``\\t``).
_WHITE_ENDS = frozenset(" \t\r\x0b\x0c+") | {"\\t", "\\n", "\\r", "\\f"}


def _white_only(items: Any) -> bool:
    """Whether ``items`` is one character class of white space only (``\\s``)."""
    if len(items) != 1:
        return False
    op, av = items[0]
    chars = class_chars(av) if op is sre.IN else _chars(op, av)
    return chars is not None and bool(chars) and chars <= WHITE


def _join(left: set[str], right: set[str]) -> set[str] | None:
    """Every ``a + b`` without a mark (see :data:`MARKS`), when few and none is broken by
    escaping or white space."""
    if len(left) * len(right) > _MAX_SET:
        return None
    out = unmarked({a + b for a in left for b in right})
    return out if all(_unbroken(t) for t in out) else None


#: What the engine may decode into anything: a line holding one of these is kept by the
#: gate whatever else it holds, so the literals of an unmarked line never need to cover
#: a match that holds one (``%2e`` of ``(?:\\.|%2e)`` is left out of its literals).
BYTE_MARKS: tuple[str, ...] = (
    r"[\x80-\xff]",  # outside ASCII: NFKC and look-alikes map some to ASCII
    r"[\x00-\x08\x0e-\x1f\x7f]",  # control characters the engine drops
)
MARKS: tuple[str, ...] = (
    r"%[0-9a-f]{2}|%u[0-9a-f]{4}",  # URL encoding (single, double, %uXXXX)
    r"\\u[0-9a-f]{4}|\\x[0-9a-f]{2}|\\b",  # escapes (JSON's and the engine's); \b: dropped
    r"\$\{",  # Log4j lookups with defaults
    *BYTE_MARKS,
    r"isbase64encoded|aws:kinesis|aws:dynamodb",  # base64 the walker decodes
)
_MARKED = re.compile(
    "|".join(f"(?:{m})" for m in MARKS).replace("[\\x80-\\xff]", "[^\\x00-\\x7f]"), re.IGNORECASE
)


#: Where libinjection's checks may run: SQL or HTML punctuation other than ``"`` and ``=``
#: (which JSON and ``key=value`` logs hold on every line), HTML entities, and a quote right
#: before an operator (``"-"`` is a string-operator-string to libinjection). A line holding
#: one is kept by the gate (the engine's libinjection verdict needs the line read).
LIBINJECTION_CHARS = r"['`;#()<>&|*]"
LIBINJECTION_REST = r"--|script|\x22[-+^~!%]"
LIBINJECTION = f"{LIBINJECTION_CHARS}|{LIBINJECTION_REST}"
#: The marks that are one byte (:data:`BYTE_MARKS`, outside ASCII and control characters)
#: and libinjection's one-character punctuation (:data:`LIBINJECTION_CHARS`) are checked
#: per row outside the gate's pattern database: Hyperscan scans them fast alone but slowed
#: the whole database by about a quarter with them in it.
#: A literal holding one of these is on a line that the marks or libinjection's punctuation
#: keep anyway: an alternative that needs such a literal needs nothing more.
_COVERED = re.compile(
    "|".join(f"(?:{m})" for m in (*MARKS, LIBINJECTION)).replace("[\\x80-\\xff]", "[^\\x00-\\x7f]"),
    re.IGNORECASE,
)


def covered(text: str) -> bool:
    """Whether every line holding ``text`` is kept by the marks or by libinjection's
    punctuation."""
    return _COVERED.search(text) is not None


def marked(text: str) -> bool:
    """Whether ``text`` holds a mark (:data:`MARKS`)."""
    return _MARKED.search(text) is not None


def unmarked(options: set[str]) -> set[str]:
    """``options`` without the strings that hold a mark."""
    return {t for t in options if not marked(t)}


def finite(items: Any) -> set[str] | None:
    """Every string ``items`` matches, when that is a small set of unbroken literals."""
    out: set[str] | None = {""}
    for op, av in items:
        if op is sre.AT:
            continue
        chars = _chars(op, av)
        part: set[str] | None
        if chars is not None:
            part = chars
        elif op is sre.SUBPATTERN:
            part = finite(av[-1])
        elif op is sre.BRANCH:
            parts = [finite(b) for b in av[1]]
            part = None if any(p is None for p in parts) else set().union(*parts)  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] <= 4:
            inner = finite(av[2])
            part = None if inner is None else _powers(inner, av[0], av[1])
        else:
            part = None
        out = None if part is None or out is None else _join(out, part)
        if out is None:
            return None
    return out


def _powers(inner: set[str], low: int, high: int) -> set[str] | None:
    out: set[str] = set()
    current: set[str] | None = {""}
    for count in range(high + 1):
        if current is None:
            return None
        if count >= low:
            out |= current
        current = _join(current, inner)
    return out


def _prefixes(items: Any) -> set[str] | None:
    """Strings one of which every match of ``items`` starts with (``None``: none known)."""
    out: set[str] | None = {""}
    for index, (op, av) in enumerate(items):
        if op is sre.AT:
            continue
        whole = finite([(op, av)])
        if whole is not None and out is not None:
            joined = _join(out, whole)
            if joined is not None:
                out = joined
                continue
        head: set[str] | None = None
        if op is sre.SUBPATTERN:
            head = _prefixes(av[-1])
        elif op is sre.BRANCH:
            heads = [_prefixes(b) for b in av[1]]
            head = None if any(h is None for h in heads) else set().union(*heads)  # type: ignore[arg-type]
        if head is not None and out is not None:
            joined = _join(out, head)
            if joined is not None:
                return joined
        return out if index else None
    return out


def _requirements(items: Any) -> list[frozenset[str]]:
    """Sets of literals of which every match of ``items`` contains one (each set is a
    separate requirement; any one of them may be used)."""
    found: list[frozenset[str]] = []
    run: set[str] = {""}

    def close(then: set[str] | None = None) -> None:
        nonlocal run
        if "" not in run:
            found.append(_minimal(run))
        run = then if then is not None and "" not in then else {""}

    for op, av in items:
        if op is sre.AT:
            continue  # zero width: the characters around it are adjacent
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and _white_only(av[2]):
            # what follows white space comes right after its last character (or, with
            # none, right after what came before)
            before = run
            close()
            run = (before if av[0] == 0 else set()) | _WHITE_ENDS
            continue
        part = finite([(op, av)])
        if part and "" not in part and all(_unbroken(t) for t in part):
            found.append(_minimal(part))  # on its own, without what comes before
        joined = None if part is None else _join(run, part)
        if joined is not None:
            run = joined  # (an optional part, e.g. ``\\(?``, joins both ways)
            continue
        if part is not None and "" not in part and all(_unbroken(t) for t in part):
            close(part)  # e.g. a quote: it starts a new literal
            continue
        head = _prefixes([(op, av)]) if op in (sre.SUBPATTERN, sre.BRANCH) else None
        extended = None if head is None or "" in head else _join(run, head)
        close(None)
        if extended is not None:
            found.append(_minimal(extended))
        inner, after = _inner_requirements(op, av)
        found += inner
        if after is not None:
            run = after
    close()
    return found


def _inner_requirements(op: Any, av: Any) -> tuple[list[frozenset[str]], set[str] | None]:
    """The requirements inside one node that no literal runs through, and the literals
    that end it (adjacent to what follows), if known."""
    if op is sre.SUBPATTERN:
        return _requirements(av[-1]), None
    if op is sre.BRANCH:
        best = [_best(_requirements(b)) for b in av[1]]
        if all(b is not None for b in best):
            return [_minimal(set().union(*best))], None  # type: ignore[arg-type]
        return [], None
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
        inner = finite(av[2])
        copies = None if inner is None else _powers(inner, av[0], av[0])
        if copies is not None and "" not in copies:
            return [_minimal(copies)], copies  # the last copies are adjacent to what follows
        return _requirements(av[2]), None
    return [], None


def _best(options: list[frozenset[str]]) -> frozenset[str] | None:
    return min(options, key=_cost) if options else None


@cache
def necessary(expression: str) -> frozenset[str]:
    """Literals (lower case) of which every match of ``expression`` contains one.

    Raises ``ValueError`` when the expression has no such literal: the gate could not
    keep its lines, and the grammar needs a look."""
    parsed = sre_parse.parse(expression, re.IGNORECASE)
    best = _best(_requirements(list(parsed)))
    if best is None:
        raise ValueError(f"no literal is necessary for {expression!r}")
    return best


#: Literals too common in logs to gate on (measured on generated Lambda logs): an
#: alternative that needs one of them is matched whole instead (:func:`relaxed`).
_COMMON_LITERALS = frozenset(
    [
        ".",
        "/",
        "\\",
        "?",
        "=",
        "[",
        "or",
        "and",
        "order",
        "group",
        "user",
        "request",
        "http",
        "host",
        "location",
        "proc",
        "id",
        "cat",
        "nc",
        "ls",
        "rm",
        "ps",
        "sh",
        "log",
        "local",
        "etc",
        "date",
        "data",
        "return",
        "metadata",
        "latest",
        "config",
        "import",
        # JSON's own literals: on every structured log line
        "null",
        "true",
        "false",
        # paths of Lambda runtimes and REST APIs
        "users",
        "var",
        "opt",
        "usr",
        "tmp",
        "task",
        "api",
    ]
)


#: Characters on most log lines (JSON, paths, times, key=value, white space).
_COMMON_CHARS = frozenset('"/\\.:,-_=?[]{}+') | WHITE


def _weak_one(text: str) -> bool:
    core = text  # without the white space it may start with
    for form in _WHITE_ENDS:
        if text.startswith(form):
            core = text[len(form) :]
    return (
        text in _COMMON_LITERALS
        or (text.lstrip("/\\").isalpha() and text.lstrip("/\\") in _COMMON_LITERALS)
        or (len(core) < 2 and (not core or core in _COMMON_CHARS))
        or (len(text) < 3 and all(c.isalnum() or c in "._-:,=" for c in text))
        or re.fullmatch(r"[?&;]?\w*=", text) is not None  # a query parameter, key=value
    )


def trimmed(text: str) -> str | None:
    """The literal a gate needs in place of ``text``: ``text`` without the white space it
    starts with (`` ``, ``+``, ``\\t``, ``\\n``...) when what follows is itself a
    literal worth gating on, ``None`` when every line holding the rest is kept anyway
    (:func:`covered`), else ``text``.

    Every line that holds ``text`` holds the rest, so the gate keeps a superset. An
    alternative such as ``\\s\\$where`` gives six literals, one per way a raw line may show
    the white space, which all start with a byte as common as a space, a ``+`` or a
    backslash: Hyperscan's literal matcher confirmed candidates at most of those bytes
    (the literal alternations alone scanned JSON log lines at 1.25 ns per byte, 0.80
    once trimmed)."""
    for form in sorted(_WHITE_ENDS, key=len, reverse=True):
        if not text.startswith(form):
            continue
        rest = text[len(form) :]
        if covered(rest):
            return None
        return rest if len(rest) >= 3 and not _weak_one(rest) else text
    return text


def _weak(literals: frozenset[str]) -> bool:
    return any(_weak_one(t) and not covered(t) for t in literals)


def weak_alternatives() -> tuple[tuple[str, int], ...]:
    """``(pattern id, alternative index)`` of the alternatives whose necessary literals are
    too common in logs to gate on (``or``, ``and``, ``.``, ``/``, ``id``, ``http``...)."""
    return tuple(
        (pid, index)
        for pid, alternatives in ALTERNATIVES.items()
        for index, alternative in enumerate(alternatives)
        if _weak(necessary(alternative))
    )


def anchored(expression: str) -> bool:
    """Whether ``expression`` has a ``^`` anywhere."""
    return any(
        op is sre.AT and av is sre.AT_BEGINNING
        for op, av in walk(list(sre_parse.parse(expression, re.IGNORECASE)))
    )


def walk(items: Any) -> Iterator[tuple[Any, Any]]:
    """Every node of a parsed expression, depth first."""
    for op, av in items:
        yield op, av
        if op is sre.SUBPATTERN or op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            yield from walk(av[-1])
        elif op is sre.BRANCH:
            for branch in av[1]:
                yield from walk(branch)


def class_chars(av: Any) -> set[str]:
    """The ASCII characters a class matches (``\\s`` and friends expanded)."""
    key = repr(av)
    known = _CLASSES.get(key)
    if known is None:
        negate = bool(av) and av[0][0] is sre.NEGATE
        body = av[1:] if negate else av
        chars = frozenset(chr(c) for c in range(128) if _in_class(body, c))
        known = _CLASSES[key] = _ASCII - chars if negate else chars
    return set(known)


_CLASSES: dict[str, frozenset[str]] = {}
_ASCII = frozenset(chr(c) for c in range(128))


def _in_class(body: Any, code: int) -> bool:
    char = chr(code)
    for kind, value in body:
        if kind is sre.LITERAL and (value == code or chr(value).lower() == char.lower()):
            return True
        if kind is sre.RANGE and (value[0] <= code <= value[1]):
            return True
        if kind is sre.RANGE and char.isalpha():
            other = ord(char.swapcase())
            if value[0] <= other <= value[1]:
                return True
        if kind is sre.CATEGORY and _CATEGORY[value](char):
            return True
    return False


_CATEGORY: dict[Any, Callable[[str], bool]] = {
    sre.CATEGORY_DIGIT: lambda c: c.isdigit(),
    sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdigit(),
    sre.CATEGORY_SPACE: lambda c: c in " \t\n\r\x0b\x0c",
    sre.CATEGORY_NOT_SPACE: lambda c: c not in " \t\n\r\x0b\x0c",
    sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}


def nullable(items: Any) -> bool:
    """Whether ``items`` may match the empty string."""
    for op, av in items:
        if op is sre.AT:
            continue
        if op is sre.SUBPATTERN and nullable(av[-1]):
            continue
        if op is sre.BRANCH and any(nullable(b) for b in av[1]):
            continue
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and (av[0] == 0 or nullable(av[2])):
            continue
        return False
    return True
