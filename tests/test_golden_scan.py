"""Behaviour is unchanged where nothing was wrong: the findings of ``examples/`` and of the
shared corpus are compared with golden files recorded before the redesign (issue 10).

What is compared is what a user sees in the JSON report: rule id, app, function, resource,
file, line, column, severity, message and fingerprint of every finding, and every
diagnostic. A difference fails the test with the lines that changed; a change that is meant
(a fixed false positive, a better message) is recorded with ``FAASGUARD_UPDATE_GOLDEN=1
pytest tests/test_golden_scan.py`` and explained in the commit that causes it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from faasguard.config import ScanConfig
from faasguard.engine import scan

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
CORPUS = ROOT.parent / "shared" / "corpus"
#: One date for every run: end-of-life findings depend on it.
TODAY = dt.date(2026, 12, 7)


def _project(report: Any, tmp: Path) -> list[str]:
    """The report as sorted JSON lines of what a user sees; the run's temporary directory,
    the corpus and this checkout are written as ``<tmp>``, ``<corpus>`` and ``<repo>`` so
    that the golden files hold wherever the repository is cloned."""
    rows: list[str] = []
    for f in report.findings:
        rows.append(
            json.dumps(
                {
                    "rule": f.rule_id,
                    "app": f.app,
                    "function": f.function,
                    "resource": f.resource,
                    "file": f.location.file,
                    "line": f.location.line,
                    "column": f.location.column,
                    "severity": str(f.severity),
                    "message": f.message,
                    "fingerprint": f.fingerprint,
                },
                sort_keys=True,
            )
        )
    for d in report.diagnostics:
        loc = d.location
        rows.append(
            json.dumps(
                {
                    "diagnostic": str(d.level),
                    "code": d.code,
                    "file": loc.file if loc else None,
                    "line": loc.line if loc else None,
                    "message": d.message,
                },
                sort_keys=True,
            )
        )
    # Both spellings of each place: ../shared may be a symbolic link to the corpus.
    places = [
        (str(path), name)
        for place, name in ((tmp, "<tmp>"), (CORPUS, "<corpus>"), (ROOT, "<repo>"))
        for path in dict.fromkeys((place, place.resolve()))
    ]
    for old, new in places:
        rows = [r.replace(old, new) for r in rows]
    return sorted(rows)


def _check(name: str, paths: list[str], tmp_path: Path) -> None:
    config = ScanConfig(today=TODAY, db_path=str(tmp_path / "no-db.sqlite"), jobs=1)
    rows = _project(scan(paths, config), tmp_path)
    golden = GOLDEN / f"{name}.jsonl.gz"
    if os.environ.get("FAASGUARD_UPDATE_GOLDEN"):
        with gzip.open(golden, "wt", encoding="utf-8", compresslevel=9) as out:
            out.write("".join(r + "\n" for r in rows))
        pytest.skip(f"golden file {golden.name} rewritten")
    with gzip.open(golden, "rt", encoding="utf-8") as stream:
        expected = stream.read().splitlines()
    missing = sorted(set(expected) - set(rows))
    added = sorted(set(rows) - set(expected))
    assert not missing and not added, (
        f"{name}: {len(missing)} golden row(s) gone, {len(added)} new\n"
        + "\n".join(["- " + r for r in missing[:20]] + ["+ " + r for r in added[:20]])
    )
    assert len(rows) == len(expected)


def test_examples_findings_unchanged(tmp_path: Path) -> None:
    """The bundled example shop gives the recorded findings, lines and fingerprints."""
    _check("examples", [str(ROOT / "examples")], tmp_path)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")
def test_corpus_findings_unchanged(tmp_path: Path) -> None:
    """The 933 corpus apps give the recorded findings and diagnostics."""
    _check("corpus", [str(CORPUS)], tmp_path)
