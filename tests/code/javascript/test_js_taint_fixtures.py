"""The Node.js taint engine on the annotated ``code-js-*`` fixture projects.

Every ``// expect: CODE0xx`` line of a handler file must be the sink of a flow of that
rule's family, and no flow may point at any other line (``// ok:`` lines are the
sanitised, constant and unreachable twins). This checks the analyzer directly, through
the same loaders a scan uses; ``tests/test_fixtures.py`` checks the same annotations
through the CODE rules.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/fixture_annotations.py
from fixture_annotations import FIXTURES, read_annotations

from faasguard.code.javascript.taint import ANALYZER
from faasguard.code.taint.base import SINK_FAMILIES
from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load

JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")
CODE_IDS = {f"CODE{i:03d}": family for i, family in enumerate(SINK_FAMILIES, start=1)}
LOADER = {
    "sam": ("cloudformation", "template.yaml"),
    "serverless": ("serverless", "serverless.yml"),
}
DIRS = sorted(
    d for fmt in LOADER if (FIXTURES / fmt).is_dir() for d in (FIXTURES / fmt).glob("code-js-*")
)


def _flows(fixture: Path) -> set[tuple[Path, int, str]]:
    fmt = fixture.parent.name
    loader, name = LOADER[fmt]
    app = load(Candidate(format=loader, path=str(fixture / name)), LoadOptions())
    found: set[tuple[Path, int, str]] = set()
    for fn in app.functions:
        for flow in ANALYZER.analyze(fn, app):
            rule = f"CODE{SINK_FAMILIES.index(flow.sink_family) + 1:03d}"
            found.add((Path(flow.sink.location.file).resolve(), flow.sink.location.line, rule))
    return found


@pytest.mark.parametrize("fixture", DIRS, ids=[f"{d.parent.name}/{d.name}" for d in DIRS])
def test_js_fixture_flows_match_annotations(fixture: Path) -> None:
    annotations = read_annotations(fixture)
    expected = {
        (path, line, rule)
        for (path, line), rules in annotations.expect.items()
        for rule in rules
        if rule in CODE_IDS and path.suffix in JS_SUFFIXES
    }
    assert expected, f"{fixture} has no // expect: CODE annotation"
    found = _flows(fixture)
    missing = sorted(expected - found)
    extra = sorted(found - expected)
    assert not missing and not extra, f"missing: {missing}\nunexpected: {extra}"


def test_js_fixtures_have_more_negatives_than_positives() -> None:
    positives = negatives = 0
    for fixture in DIRS:
        annotations = read_annotations(fixture)
        for (path, _), rules in annotations.expect.items():
            positives += sum(1 for r in rules if r in CODE_IDS and path.suffix in JS_SUFFIXES)
        for (path, _), rules in annotations.ok.items():
            negatives += sum(1 for r in rules if r in CODE_IDS and path.suffix in JS_SUFFIXES)
    assert positives >= 20
    assert negatives >= positives
