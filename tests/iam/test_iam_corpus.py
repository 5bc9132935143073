"""Effective permissions of every function of the shared corpus: no crash, and fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from faasguard.config import ScanConfig
from faasguard.engine import load_all
from faasguard.iam import effective
from faasguard.loaders.discovery import discover

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_effective_permissions_of_the_whole_corpus() -> None:
    apps = load_all(discover([str(CORPUS)]), ScanConfig(jobs=2), root=str(CORPUS))
    functions = [(app, fn) for app in apps for fn in app.functions]
    assert len(functions) > 500
    effective._CACHE.clear()
    started = time.perf_counter()
    results = [effective.effective_permissions(fn.role, app=app) for app, fn in functions]
    elapsed = time.perf_counter() - started
    grants = sum(len(r.grants) for r in results)
    with_unknowns = sum(bool(r.unknowns) for r in results)
    print(
        f"\neffective_permissions: {len(functions)} functions, {grants} grants, "
        f"{with_unknowns} with unknowns, {elapsed:.3f} s"
    )
    assert grants > 0
    # Speed is measured by benchmarks/iam_corpus.py (BENCHMARKS.md), not asserted here:
    # a timed assertion on a shared 2-core CI machine would only be flaky.
    assert all(r.role is fn.role for r, (_, fn) in zip(results, functions, strict=True))
