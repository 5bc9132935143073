"""Every annotated fixture project, scanned by the engine, yields exactly its annotations.

``# expect: ID`` on a line: a finding of rule ID must point at that line.
``# ok: ID`` on a line: no finding of rule ID may point at it.
Any finding of a rule annotated somewhere in the fixture, on a line not annotated with it,
is a false positive and fails the test too.
"""

from __future__ import annotations

import datetime
import importlib.util
from pathlib import Path

import pytest
from fixture_annotations import FIXTURES, LOADER_OF_FORMAT, fixture_dirs, read_annotations

from faasguard.config import ScanConfig
from faasguard.engine import scan

DIRS = fixture_dirs()

#: Rules that compare with today's date (CONF001, deprecated runtimes) see this fixed date,
#: so the fixtures do not start failing as their runtimes near end of support.
TODAY = datetime.date(2026, 11, 28)


def _finding_file(root: str, file: str) -> Path:
    path = Path(file)
    return (path if path.is_absolute() else Path(root) / path).resolve()


def _show(items: object) -> str:
    if not items:
        return "  (none)"
    return "\n".join(f"  {item}" for item in sorted(items))  # type: ignore[attr-defined]


@pytest.mark.parametrize("fixture", DIRS, ids=[str(d.relative_to(FIXTURES)) for d in DIRS])
def test_fixture(fixture: Path) -> None:
    fmt = fixture.relative_to(FIXTURES).parts[0]
    if importlib.util.find_spec(LOADER_OF_FORMAT[fmt]) is None:
        pytest.skip(f"loader for {fmt} ({LOADER_OF_FORMAT[fmt]}) is not available yet")
    annotations = read_annotations(fixture)
    assert annotations.rules, f"{fixture} has no # expect: / # ok: annotation"

    report = scan([str(fixture)], ScanConfig(today=TODAY))
    found: set[tuple[Path, int, str]] = set()
    messages: dict[tuple[Path, int, str], str] = {}
    for finding in report.findings:
        if finding.rule_id not in annotations.rules:
            continue
        key = (
            _finding_file(report.root, finding.location.file),
            finding.location.line,
            finding.rule_id,
        )
        found.add(key)
        messages[key] = finding.message

    def show(key: tuple[Path, int, str]) -> str:
        path, line, rule_id = key
        text = f"{rule_id} at {path.relative_to(fixture.resolve())}:{line}"
        return f"{text}: {messages[key]}" if key in messages else text

    expected = {(p, n, r) for (p, n), ids in annotations.expect.items() for r in ids}
    forbidden = {(p, n, r) for (p, n), ids in annotations.ok.items() for r in ids}
    missing = expected - found
    false_positives = found - expected
    errors = [d for d in report.diagnostics if d.level == "error"]
    assert not missing and not false_positives, (
        f"fixture {fixture.relative_to(FIXTURES)}\n"
        f"expected but not found:\n{_show([show(k) for k in missing])}\n"
        f"found but not expected (false positives"
        f"{', on # ok lines' if false_positives & forbidden else ''}):\n"
        f"{_show([show(k) for k in false_positives])}\n"
        f"load errors:\n{_show([f'{d.location}: {d.message}' for d in errors])}"
    )
