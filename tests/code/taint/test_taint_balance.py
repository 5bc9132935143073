"""The Python taint fixture suite has at least as many negative cases (sanitised, constant,
unreachable) as positive ones, per sink family and per trigger kind (issue 4, proof)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/fixture_annotations.py
from fixture_annotations import FIXTURES, read_annotations

from faasguard.config import ScanConfig
from faasguard.engine import load_all
from faasguard.loaders.discovery import discover

TAINT_RULES = {f"CODE0{n:02d}" for n in range(1, 12)}


def _python_taint_fixtures() -> list[Path]:
    return sorted(
        d
        for d in (FIXTURES / "sam").iterdir()
        if d.name.startswith("code-") and "-js-" not in d.name
    )


def _kinds_by_directory(fixture: Path) -> dict[Path, str]:
    apps = load_all(discover([str(fixture)]), ScanConfig(), root=str(fixture))
    out: dict[Path, str] = {}
    for app in apps:
        for fn in app.functions:
            if fn.code.path:
                kinds = sorted(
                    {t.kind.value for t in fn.triggers} | ({"function-url"} if fn.url else set())
                )
                out[Path(fn.code.path).resolve()] = "+".join(kinds) or "none"
    return out


def test_negatives_at_least_positives_per_family_and_trigger() -> None:
    positives: Counter[str] = Counter()
    negatives: Counter[str] = Counter()
    for fixture in _python_taint_fixtures():
        kinds = _kinds_by_directory(fixture)
        annotations = read_annotations(fixture)
        for counter, marks in ((positives, annotations.expect), (negatives, annotations.ok)):
            for (path, _line), ids in marks.items():
                if path.suffix != ".py":
                    continue
                trigger = next(v for d, v in kinds.items() if d in path.parents)
                for rule_id in ids & TAINT_RULES:
                    counter[rule_id] += 1
                    counter[f"trigger {trigger}"] += 1
    assert set(positives) >= TAINT_RULES, "every taint rule has a positive Python fixture"
    short = {k: (positives[k], negatives[k]) for k in positives if negatives[k] < positives[k]}
    assert not short, f"fewer negatives than positives (positives, negatives): {short}"
    assert len([k for k in positives if k.startswith("trigger")]) >= 10
