"""faasguard.payloads.decode: the normal form of chosen values, in both implementations.

Every case runs through the Python decoder (``normalize_python``) and, where it was built,
the C extension (``faasguard.payloads._decode``); the expected forms are written out so a
change in either shows here. ``test_decode_native.py`` compares the two on many more values.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.payloads import decode, detect

IMPLEMENTATIONS: list[tuple[str, Callable[[str], str] | None]] = [
    ("python", decode.normalize_python),
    ("native", decode._native),
]

CASES = [
    # URL decoding: rounds, %uXXXX (its output is %-decoded in the same round), '+', bad '%'
    ("%252e%252e%252f", "../"),
    ("%u002541", "A"),
    ("%%41", "%A"),
    ("100%", "100%"),
    ("%zz%4", "%zz%4"),
    ("a+b%2Bc", "a b c"),
    ("=%3D%41", "==A"),
    ("%uD800", "\ufffd\ufffd\ufffd"),
    # UTF-8 overlongs; an invalid sequence is U+FFFD
    ("%c0%ae%c0%ae/", "../"),
    ("%e0%80%ae", "."),
    ("%f0%80%80%ae", "."),
    ("%f0%8f%bf%bf", "?"),
    ("%c0%2e", "\ufffd."),
    # html.unescape: named with and without ';', numeric, invalid references
    ("&lt;script&gt;", "<script>"),
    ("&ltscript&gt", "<script>"),
    ("&#60;&#x3C;&#X3c", "<<<"),
    ("&amp;lt;", "<"),
    ("&notit;", "\u00acit;"),
    ("&bogus; &#x; &#;", "&bogus; &#x; &#;"),
    ("&#0;", "\ufffd"),
    ("a&#13;b", "a b"),
    ("a&#1;b", "ab"),
    ("&#128;", "\u20ac"),
    ("&#x110000;&#xd800;", "\ufffd\ufffd"),
    ("&#" + "9" * 5000, "\ufffd"),
    ("&#" + "0" * 5000 + "65;", "A"),
    # escapes
    ("\\u003c\\x3E", "<>"),
    ("\\X3c\\u12", "\\X3c\\u12"),
    ("\\ud800", "\ud800"),
    # Log4j lookups
    ("${jndi:ldap://x}", "${jndi:ldap://x}"),
    ("${${lower:j}ndi:x}", "${jndi:x}"),
    ("${${::-j}${env:NaN:-n}di:x}", "${jndi:x}"),
    ("${lowerx}", "x"),
    ("${upper:a:b}", "${upper:a:b}"),
    # look-alikes and NFKC for non-ASCII text
    ("\u2215etc\u2215passwd", "/etc/passwd"),
    ("\ufb01%41", "fiA"),
    # controls, comments, white space
    ("a\x00b\u200dc", "abc"),
    ("/\x00*x*/y", " y"),
    ("a/**/b<!-- x -->c", "a b c"),
    ("/*/ <!-->", "/*/ <!-->"),
    ("a \t\n b\u200bc", "a b c"),
    # nothing to decode: returned as it is (a single tab, an astral character)
    ("a\tb", "a\tb"),
    ("\U0001f600 x", "\U0001f600 x"),
    ("\U0001f600  x", "\U0001f600 x"),
]


def _implementation(name: str) -> Callable[[str], str]:
    function = dict(IMPLEMENTATIONS)[name]
    if function is None:
        pytest.skip("faasguard.payloads._decode is not built here")
    return function


@pytest.mark.parametrize("name", [name for name, _ in IMPLEMENTATIONS])
@pytest.mark.parametrize(("value", "normal"), CASES)
def test_normal_form(name: str, value: str, normal: str) -> None:
    assert _implementation(name)(value) == normal


@pytest.mark.parametrize("name", [name for name, _ in IMPLEMENTATIONS])
def test_decoding_stops_at_max_decode(name: str) -> None:
    normalize = _implementation(name)
    assert normalize("%41" * decode.MAX_DECODE) == "A" * (decode.MAX_DECODE // 3) + "%"
    plain = "a" * (decode.MAX_DECODE + 10)
    assert normalize(plain) == plain[: decode.MAX_DECODE]


@pytest.mark.parametrize("name", [name for name, _ in IMPLEMENTATIONS])
def test_rounds_are_bounded(name: str) -> None:
    # three rounds undo three encodings; the fourth stays
    assert _implementation(name)("%2525252e") == "%2e"


def test_without_the_extension_results_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The package as Lambda runs it without the native file: same normal forms, same
    detections and spans (``spans`` replays ``normalize`` on prefixes)."""
    values = [value for value, _ in CASES] + [
        "..%c0%af..%c0%afetc%c0%afpasswd" + "x" * 200,
        "%3Cscript%3Ealert(1)%3C/script%3E" + " padding" * 40,
    ]
    before = [(decode.normalize(v), detect(v)) for v in values]
    monkeypatch.setattr(decode, "_native", None)
    assert [(decode.normalize(v), detect(v)) for v in values] == before
    assert [normal for normal, _ in before[: len(CASES)]] == [normal for _, normal in CASES]


def test_normalize_uses_the_extension_where_built() -> None:
    if decode._native is None:
        pytest.skip("faasguard.payloads._decode is not built here")
    from faasguard.payloads import _decode  # noqa: PLC0415

    assert decode._native is _decode.normalize
    assert (_decode.MAX_DECODE, _decode.MAX_ROUNDS) == (decode.MAX_DECODE, decode.MAX_ROUNDS)
    with pytest.raises(TypeError, match="needs a str"):
        _decode.normalize(b"%41")  # type: ignore[arg-type]


#: 64 KiB values on which a regular-expression search rescans the rest of the value for
#: every unclosed opening marker (seconds each before, as the lines say).
QUADRATIC = [
    "${" + ":-" * 32_000,  # 8.9 s: _LOOKUP retried at every ':-'
    "/*a" * 21_845,  # 5.6 s: /\*.*?\*/
    "<!--" * 16_384,  # 4.5 s: <!--.*?-->
]


@pytest.mark.parametrize("name", [name for name, _ in IMPLEMENTATIONS])
@pytest.mark.parametrize("value", QUADRATIC, ids=["lookup", "sql-comment", "html-comment"])
def test_unclosed_markers_cost_linear_time(name: str, value: str) -> None:
    normalize = _implementation(name)
    started = time.process_time()
    assert normalize(value) == value
    assert time.process_time() - started < 0.5


MARKERS = st.lists(st.sampled_from(["/*", "*/", "<!--", "-->", "/", "*", "<", "!", "-", ">", "a"]))
LOOKUPS = st.lists(
    st.sampled_from(["${", "}", "$", "{", ":", "-", ":-", "::-", "lower", "upper", "a"])
)


def _old_lookup(match: re.Match[str]) -> str:
    default, plain = match.groups()
    return default if default is not None else (plain or "")


@settings(max_examples=400, deadline=None)
@given(MARKERS.map("".join))
def test_comment_folding_is_the_expression(text: str) -> None:
    assert decode._fold_comments(text) == re.sub(r"/\*.*?\*/|<!--.*?-->", " ", text, flags=re.S)


@settings(max_examples=400, deadline=None)
@given(LOOKUPS.map("".join))
def test_lookup_folding_is_the_expression(text: str) -> None:
    assert decode._LOOKUP_SPAN.sub(decode._lookup, text) == decode._LOOKUP.sub(_old_lookup, text)
