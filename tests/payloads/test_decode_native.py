"""The C decoder (``faasguard.payloads._decode``) gives exactly the Python decoder's forms.

Where the extension is built (CI builds it: ``.ci/run`` sets ``FAASGUARD_REQUIRE_NATIVE=1``
so a failed build fails these tests instead of skipping them), every value of
``../shared/payloads/values.tsv`` and generated adversarial strings go through both
``decode.normalize_python`` and the extension, and the results must be equal.
"""

from __future__ import annotations

import html.entities
import importlib.util
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faasguard.payloads import decode

if decode._native is None:
    if os.environ.get("FAASGUARD_REQUIRE_NATIVE") == "1":
        pytest.fail("faasguard.payloads._decode was not built (is a C compiler installed?)")
    pytest.skip("the C decoder is not built here", allow_module_level=True)

native = decode._native
ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT.parent / "shared" / "payloads" / "values.tsv"


def _labelled_values() -> list[str]:
    """The values as ``benchmarks/payloads.py`` reads them (its escaping undone)."""
    spec = importlib.util.spec_from_file_location(
        "bench_payloads", ROOT / "benchmarks" / "payloads.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return [value for _, _, value in bench.load()]


@pytest.mark.skipif(not VALUES.exists(), reason="../shared/payloads/values.tsv not beside the repo")
def test_every_labelled_value() -> None:
    values = _labelled_values()
    assert len(values) > 60_000
    differing = [v for v in values if native(v) != decode.normalize_python(v)]
    assert differing == []


#: Pieces of what the decoder looks at, and of what sits next to it.
PIECES = [
    *"%0123456789abcdefABCDEFuUxX&#;\\${}:-/*<>!+=.?ljnd",
    *" \t\n\r\x0b\x0c\x1c\x85\xa0\u2000\u200b\u3000",  # white space
    *"\x00\x01\x08\x0e\x1f\x7f\u200c\u200f\ufeff",  # controls
    *["%c0", "%c1", "%e0", "%f0", "%80", "%8f", "%9f", "%af", "%ae", "%bf", "%2e", "%25"],
    *["%fc", "%ff", "%u", "%uff0e", "%ud800", "&#x", "&#", "\\u", "\\x", "${", "/*", "*/"],
    *["<!--", "-->", "lower", "upper", "::-", "lt", "amp", "AMP", "not", "notin", "nbsp"],
    *["fjlig", "NewLine", "Tab", "quot", "lt;", "gt;", "#x41", "#60", "#0", "#128", "#13"],
    *"\u00e9\u2215\u2044\u2216\uff0e\u2024\u3002\u560a\u563c\ufb01\u0130\ufffd\ud800\U0001f600",
]


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_adversarial_pieces(value: str) -> None:
    assert native(value) == decode.normalize_python(value)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_any_text(value: str) -> None:
    assert native(value) == decode.normalize_python(value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_percent_encoded(raw: bytes) -> None:
    value = "".join(f"%{byte:02x}" for byte in raw)
    assert native(value) == decode.normalize_python(value)


def test_every_entity_name() -> None:
    """Every HTML5 name, with and without ';' and followed by letters (the legacy forms
    match a prefix)."""
    values = [
        value
        for name in ["", *html.entities.html5]
        for value in (f"&{name}", f"&{name};", f"&{name}x;", f"x&{name}&#65")
    ]
    assert [v for v in values if native(v) != decode.normalize_python(v)] == []
