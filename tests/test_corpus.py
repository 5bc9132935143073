"""Robustness on 2,772 real-world files: every serverless definition loads without a crash,
every rule runs on every app without raising, and malformed files yield a diagnostic."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from faasguard.config import ScanConfig
from faasguard.engine import LOAD_ERROR, RULE_ERROR, load_all, run_rules
from faasguard.loaders.discovery import discover
from faasguard.model import Diagnostic, DiagnosticLevel
from faasguard.rules import all_rules

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_whole_corpus_loads_and_every_rule_runs(capsys: pytest.CaptureFixture[str]) -> None:
    candidates = discover([CORPUS])
    assert len(candidates) > 800
    apps = load_all(candidates, ScanConfig(jobs=2), root=str(CORPUS))
    assert len(apps) == len(candidates)

    crashes = [
        d for app in apps for d in app.diagnostics if d.code == LOAD_ERROR
    ]  # the engine's wrapper for a loader that raised
    assert not crashes, "\n".join(f"{d.location}: {d.message}" for d in crashes[:20])

    rule_failures: list[Diagnostic] = []
    for app in apps:
        run_rules(app, all_rules(), ScanConfig(), str(CORPUS), rule_failures)
    assert not [d for d in rule_failures if d.code == RULE_ERROR], "\n".join(
        d.message for d in rule_failures[:20]
    )

    by_format: Counter[str] = Counter()
    clean: Counter[str] = Counter()
    for app in apps:
        by_format[app.format] += 1
        errors = [d for d in app.diagnostics if d.level is DiagnosticLevel.ERROR]
        if not errors:
            clean[app.format] += 1
        for error in errors:
            # A diagnostic must say where: the file always, the line when it is about content.
            assert error.location is not None and error.location.file, error.message
    with capsys.disabled():
        total, ok = sum(by_format.values()), sum(clean.values())
        print(f"\ncorpus: {ok}/{total} apps loaded without an error diagnostic ({ok / total:.1%})")
        for fmt in sorted(by_format):
            print(f"  {fmt:<15} {clean[fmt]:>4}/{by_format[fmt]:<4}")
