"""faasguard.payloads.decode: the normal form of chosen values, in both implementations.

Every case runs through the Python decoder (``normalize_python``) and, where it was built,
the C extension (``faasguard.payloads._decode``); the expected forms are written out so a
change in either shows here. ``test_decode_native.py`` compares the two on many more values.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

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
