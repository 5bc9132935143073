"""Scan history for ``faasguard report --history DIR``: one small JSON file per scan, and the
trend across them (new, fixed and still open findings).

A snapshot holds what tracking needs and nothing more: the time, and per finding its SARIF
fingerprint, rule, severity, function and location (relative to the scan root). The files
are named after the time (``scan-20260107T101500Z.json``) so they sort by it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from faasguard.findings import Report, Severity
from faasguard.report.common import place

#: Version of the snapshot file; files of another version are skipped with a note.
SNAPSHOT_VERSION = 1
#: Most recent snapshots shown in the trend.
TREND_RUNS = 50


def snapshot(report: Report, when: dt.datetime) -> dict[str, Any]:
    """The snapshot of ``report`` taken at ``when`` (UTC)."""
    findings = {}
    for finding in report.findings:
        where = place(finding.location, report.root)
        findings[finding.fingerprint] = {
            "rule": finding.rule_id,
            "severity": finding.severity.label,
            "function": finding.function,
            "app": finding.app,
            "where": str(where),
            "title": finding.title,
        }
    return {
        "version": SNAPSHOT_VERSION,
        "time": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "findings": findings,
    }


def load(directory: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every readable snapshot in ``directory``, oldest first, and a note per file skipped."""
    runs: list[dict[str, Any]] = []
    notes: list[str] = []
    for path in sorted(directory.glob("scan-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            notes.append(f"{path}: skipped, not a readable snapshot ({exc})")
            continue
        if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
            notes.append(f"{path}: skipped, not a faasguard snapshot of version {SNAPSHOT_VERSION}")
            continue
        runs.append(data)
    runs.sort(key=lambda r: str(r.get("time", "")))
    return runs, notes


def save(directory: Path, current: dict[str, Any]) -> Path:
    """Write ``current`` into ``directory`` (which must exist) and return its path.

    Snapshot times have one-second resolution: a second run within the same second (a CI
    job scanning twice, a fast cached rescan) gets ``scan-<time>-2.json`` and so on, created
    exclusively, so no run overwrites another."""
    stamp = current["time"].replace("-", "").replace(":", "")
    text = json.dumps(current, sort_keys=True) + "\n"
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        path = directory / f"scan-{stamp}{suffix}.json"
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
        except FileExistsError:
            number += 1
            continue
        return path


def trend(previous: list[dict[str, Any]], current: dict[str, Any]) -> dict[str, Any]:
    """Open findings by severity per run, and what changed since the last run: the new
    findings (fingerprints), the fixed ones (with what they were) and how many stay open."""
    runs = [*previous, current][-TREND_RUNS:]
    labels = [s.label for s in Severity]
    series = []
    for run in runs:
        counts = Counter(str(f.get("severity")) for f in run["findings"].values())
        series.append({"time": run["time"], **{label: counts.get(label, 0) for label in labels}})
    last = previous[-1]["findings"] if previous else {}
    now = current["findings"]
    return {
        "runs": series,
        "since": previous[-1]["time"] if previous else None,
        "new": sorted(fp for fp in now if fp not in last) if previous else [],
        "fixed": [dict(last[fp], fingerprint=fp) for fp in sorted(last) if fp not in now],
        "open": sum(1 for fp in now if fp in last),
    }
