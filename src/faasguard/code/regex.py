"""The one ReDoS check: does a regular expression backtrack catastrophically?

Both taint engines ask it about constant patterns that attacker-controlled input is matched
against (Python ``re``, JavaScript ``RegExp``). The pattern is read with the standard
library's regex parser (``re._parser``; there is no public API for the parse tree, and a
hand-written parser would be worse), never compiled or run.

The shape found is a *variable* repeat inside a repeat: ``(a+)+``, ``(\\w*\\s?)*``,
``([a-z0-9]+\\.?)+@``, ``(a{1,5})+``, ``(.*a){2,}``. A repeat *repeats* when it can match
more than :data:`REPEAT_THRESHOLD` times, and *varies* when it also can match a varying
number of times (``{3}`` does not: ``(\\d{3}-)+`` is linear). Possessive repeats and atomic
groups never backtrack into their content and are skipped.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

#: A repeat whose upper bound is above this repeats (one threshold for both languages).
REPEAT_THRESHOLD = 1

#: What the regex parser cannot read in a JavaScript pattern: a repeated group holding a
#: ``+``/``*`` by text (``(x+)*``, ``(a*b){2,}``).
_TEXTUAL = re.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\})")


def catastrophic(pattern: str, *, dialect: str = "python") -> bool:
    """True when ``pattern`` nests a varying repeat inside a repeat (see the module
    docstring). ``dialect`` is ``python`` (a pattern Python cannot parse raises before it
    runs: not catastrophic) or ``javascript`` (named groups are read in JavaScript syntax;
    what Python's parser rejects is checked by text)."""
    parser: Any = importlib.import_module("re._parser")
    source = pattern
    if dialect == "javascript":
        source = pattern.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace("(?P<!", "(?<!")
    try:
        parsed = parser.parse(source)
    except Exception:  # the parser raises re.error and, on odd input, others
        return dialect == "javascript" and bool(_TEXTUAL.search(pattern))
    return _nested(list(parsed), inside_repeat=False)


def _nested(items: list[Any], *, inside_repeat: bool) -> bool:
    constants: Any = importlib.import_module("re._constants")
    skipped = {
        getattr(constants, "POSSESSIVE_REPEAT", None),
        getattr(constants, "ATOMIC_GROUP", None),
    } - {None}
    for op, arg in items:
        if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
            low, high, sub = arg
            repeats = high == constants.MAXREPEAT or high > REPEAT_THRESHOLD
            if inside_repeat and repeats and high != low and list(sub):
                return True
            if _nested(list(sub), inside_repeat=inside_repeat or repeats):
                return True
        elif op in skipped:
            continue
        elif op == constants.SUBPATTERN:
            if _nested(list(arg[-1]), inside_repeat=inside_repeat):
                return True
        elif op == constants.BRANCH and any(
            _nested(list(b), inside_repeat=inside_repeat) for b in arg[1]
        ):
            return True
    return False
