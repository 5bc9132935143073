"""The one ReDoS check both taint engines use (faasguard.code.regex)."""

from __future__ import annotations

import pytest

from faasguard.code.regex import catastrophic


@pytest.mark.parametrize("dialect", ["python", "javascript"])
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"^(a+)+$", True),
        (r"(\w*\s?)*$", True),
        # A bounded but varying inner repeat backtracks like (a|aa)+: both languages flag
        # it now (the JavaScript check ignored bounds up to 16).
        (r"^(a{1,5})+$", True),
        (r"^(a+){2,10}$", True),
        # A fixed-count inner repeat has one way to match: not flagged (the Python check
        # counted any bound above 1 and flagged it).
        (r"^(\d{3}-)+$", False),
        (r"^(ab|cd)+$", False),
        (r"^[A-Z]{3}-\d{4}$", False),
        (r"a+b+", False),
    ],
)
def test_one_threshold_for_both_languages(pattern: str, expected: bool, dialect: str) -> None:
    assert catastrophic(pattern, dialect=dialect) is expected


def test_dialects_differ_only_in_syntax() -> None:
    assert catastrophic("(?<word>a*)*", dialect="javascript")
    assert not catastrophic("(unclosed+)*(", dialect="python")  # Python raises before running
    assert catastrophic("(unclosed+)*(", dialect="javascript")  # read by text
    assert not catastrophic(r"(?>a+)+", dialect="python")  # atomic: no backtracking into it
