"""Usage analysis on a synthetic 30-function app (thousands of lines of handler code) and on
the shared real-world corpus (templates without code): right answers, no crash, fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from iamusage_synthetic import generate, line_count

from faasguard.config import LoadOptions
from faasguard.iam.suggest import suggest
from faasguard.iam.usage import usage_of
from faasguard.loaders import load
from faasguard.loaders.discovery import discover

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def test_synthetic_app_exact_actions_and_speed(tmp_path: Path) -> None:
    expected = generate(tmp_path, functions=30)
    assert line_count(tmp_path) > 3000
    candidate = next(iter(discover([str(tmp_path)])))
    app = load(candidate, LoadOptions(root=str(tmp_path)))
    started = time.perf_counter()
    found = {}
    for function in app.functions:
        usage = usage_of(function, app)
        assert usage.complete, (function.ref, usage.incomplete_reasons())
        found[function.ref] = set(usage.actions("code"))
        suggest(function, app)
    elapsed = time.perf_counter() - started
    assert found == expected
    assert elapsed < 10, f"usage analysis of 30 functions took {elapsed:.1f} s"


def test_corpus_usage_analysis_never_crashes() -> None:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not available")
    checked = 0
    for candidate in list(discover([str(CORPUS)]))[:400]:
        try:
            app = load(candidate, LoadOptions(root=str(CORPUS)))
        except Exception:  # loader robustness is tested elsewhere
            continue
        for function in app.functions:
            usage = usage_of(function, app)
            assert usage.needs  # at least the CloudWatch Logs basics
            suggest(function, app)
            checked += 1
    assert checked > 0
