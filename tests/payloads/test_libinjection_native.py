"""The engine's direct calls into libinjection give exactly the wrapper's verdicts.

``faasguard.payloads._decode.sqli``/``xss`` call ``libinjection_sqli``/``libinjection_xss``
in the shared object of the installed ``libinjection-python`` module (looked up with
``bind_libinjection``); ``engine.libinjection_checks`` uses them where they are available and
the wrapper's ``is_sql_injection``/``is_xss`` otherwise. Every value of
``../shared/payloads/values.tsv``, raw and in its normal form, and chosen edge cases (lone
surrogates, embedded NULs, non-ASCII text, values long enough to be checked without the GIL)
get the same SQLi and XSS verdicts both ways. Skipped where libinjection or the extension is
missing (in CI, where ``FAASGUARD_REQUIRE_NATIVE=1``, a missing fast path fails instead).
"""

from __future__ import annotations

import os
import runpy
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from faasguard import payloads
from faasguard.payloads import decode, detect, engine

libinjection = pytest.importorskip("libinjection", reason="libinjection-python not installed")
REQUIRED = os.environ.get("FAASGUARD_REQUIRE_NATIVE") == "1"
ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT.parent / "shared" / "payloads" / "values.tsv"


def _wrapper(text: str) -> tuple[bool, bool]:
    """The wrapper's verdicts, called as the engine called it before the fast path."""
    fixed = engine._encodable(text)
    return bool(libinjection.is_sql_injection(fixed)["is_sqli"]), bool(
        libinjection.is_xss(fixed)["is_xss"]
    )


@pytest.fixture(scope="module")
def native() -> types.ModuleType:
    try:
        from faasguard.payloads import _decode  # noqa: PLC0415
    except ImportError:
        if REQUIRED:
            pytest.fail("faasguard.payloads._decode was not built (is a C compiler installed?)")
        pytest.skip("the C extension is not built here")
    if not _decode.bind_libinjection(libinjection.__file__):
        if REQUIRED:
            pytest.fail(f"libinjection's C functions not found in {libinjection.__file__}")
        pytest.skip("the installed libinjection module does not export libinjection_sqli/_xss")
    return _decode


@pytest.fixture
def fresh_checks() -> Iterator[None]:
    """``libinjection_checks`` is cached: computed again in the test, and after it."""
    engine.libinjection_checks.cache_clear()
    yield
    engine.libinjection_checks.cache_clear()


@pytest.mark.skipif(not VALUES.exists(), reason="../shared/payloads/values.tsv not beside the repo")
def test_every_labelled_value_raw_and_normal(native: types.ModuleType) -> None:
    rows = runpy.run_path(str(ROOT / "benchmarks" / "payloads.py"), run_name="bench")["load"]()
    values = [value for _, _, value in rows]
    assert len(values) > 60_000
    forms = dict.fromkeys(values + [decode.normalize(v) for v in values])
    differing = [f for f in forms if (native.sqli(f), native.xss(f)) != _wrapper(f)]
    assert differing == []
    # the set exercises both verdicts both ways
    assert 1000 < sum(native.sqli(f) for f in forms) < len(forms) - 1000
    assert 1000 < sum(native.xss(f) for f in forms) < len(forms) - 1000


EDGE_CASES = [
    "",
    "1' or '1'='1",
    "1'\x00 or '1'='1",  # embedded NUL: the wrapper passes the whole length
    "\x00<script>alert(1)</script>",
    "<scr\x00ipt>alert(1)</script>",
    "caf\u00e9' union select password from users--",
    "\u00e9<svg onload=alert(1)>",
    "\ud800' or 1=1--",  # lone surrogate: replaced by U+FFFD, as engine._encodable does
    "<img src=x onerror=alert(1)>\udcff",
    "\U0001f600 1 and sleep(5)#",
    "O'Brien",
    "plain words",
    "a" * 5000 + "' or 1=1--",  # long enough to be checked without the GIL
    "\u00fc" * 3000 + "<script>x</script>",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases(native: types.ModuleType, text: str) -> None:
    assert (native.sqli(text), native.xss(text)) == _wrapper(text)
    raw = engine._encodable(text).encode("utf-8")
    assert (native.sqli(raw), native.xss(raw)) == _wrapper(text)  # bytes are taken as they are


def test_engine_uses_the_fast_path(native: types.ModuleType, fresh_checks: None) -> None:
    checks = engine.libinjection_checks()
    assert checks == {"sqli": native.sqli, "xss": native.xss}
    assert native.bind_libinjection(libinjection.__file__)  # binding again is harmless
    assert checks["sqli"]("1' or '1'='1") and not checks["sqli"]("O'Brien")


def test_wrong_arguments(native: types.ModuleType) -> None:
    with pytest.raises(TypeError, match="expected str or bytes"):
        native.sqli(1)
    with pytest.raises(TypeError):
        native.bind_libinjection(None)


@pytest.mark.parametrize(
    "library",
    [
        None,  # a module without __file__
        "/nonexistent/libinjection.so",  # not loaded: RTLD_NOLOAD loads nothing
        "loaded-without-the-symbols",  # the extension itself: loaded, no libinjection_*
    ],
)
def test_no_fast_path_without_the_symbols(native: types.ModuleType, library: str | None) -> None:
    if library == "loaded-without-the-symbols":
        library = native.__file__
    assert engine.native_checks(library) is None
    assert native.sqli("1' or '1'='1")  # a failed look-up keeps the library bound before


def _fallback(monkeypatch: pytest.MonkeyPatch, extension: object) -> dict[str, Callable[..., bool]]:
    """``libinjection_checks`` as computed where the extension is ``extension`` (None: not
    importable)."""
    monkeypatch.setitem(sys.modules, "faasguard.payloads._decode", extension)
    if extension is None:
        monkeypatch.delattr(payloads, "_decode", raising=False)
    else:
        monkeypatch.setattr(payloads, "_decode", extension, raising=False)
    checks = engine.libinjection_checks()
    assert checks is not None
    return checks


@pytest.mark.parametrize(
    "extension",
    [None, types.ModuleType("_decode")],  # not built; built before the fast path existed
    ids=["not-built", "older-build"],
)
def test_fallback_to_the_wrapper(
    monkeypatch: pytest.MonkeyPatch, fresh_checks: None, extension: object
) -> None:
    checks = _fallback(monkeypatch, extension)
    assert checks["sqli"].__module__ == "faasguard.payloads.engine"  # the wrapper's path
    for text in EDGE_CASES:
        assert (checks["sqli"](text), checks["xss"](text)) == _wrapper(text)
    # the detections a user sees do not depend on the path taken
    with_wrapper = [detect(text) for text in EDGE_CASES]
    monkeypatch.undo()
    engine.libinjection_checks.cache_clear()
    assert [detect(text) for text in EDGE_CASES] == with_wrapper
