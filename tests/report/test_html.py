"""The HTML report without a browser: one offline file, hostile text kept inert, the
command line (``report``, ``scan --format html``, ``--history``) and the history trend."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from report_sample import RULES, sample_report
from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.findings import Finding, Practice, Report, Severity
from faasguard.model import Location
from faasguard.report import history, html, render

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
runner = CliRunner()


def _data(page: str) -> dict:  # type: ignore[type-arg]
    match = re.search(
        r'<script type="application/json" id="faasguard-data">(.*?)</script>', page, re.S
    )
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_the_page_is_one_file_that_loads_nothing_from_the_network() -> None:
    page = render("html", sample_report(), rules=RULES)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    assert "plotly.js (basic - minified) v" in page  # the library itself is inlined
    assert page.count("</script>") == 3  # plotly, the data, the report's script
    data = _data(page)
    assert data["summary"]["findings"] == len(sample_report().findings)
    assert {f["fingerprint"] for f in data["findings"]} == {
        f.fingerprint for f in sample_report().findings
    }


def test_text_from_scanned_files_cannot_close_the_script_element() -> None:
    hostile = "</script><img src=x onerror=alert(1)> <!-- "
    report = Report(root="/r")
    report.findings.append(
        Finding(
            rule_id="CODE001",
            title="command injection",
            severity=Severity.HIGH,
            practice=Practice.P7,
            message=hostile,
            app=hostile,
            location=Location(file="/r/" + hostile, line=3),
            function=hostile,
            fingerprint="f" * 32,
        )
    )
    page = html.render(report, rules=RULES, title=hostile)
    assert "<img" not in page
    assert page.count("</script>") == 3
    assert _data(page)["findings"][0]["message"] == hostile


def test_history_counts_new_fixed_and_open_findings() -> None:
    report = sample_report()
    first = history.snapshot(report, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    fixed = report.findings.pop(0)
    second = history.snapshot(report, dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    trend = history.trend([first], second)
    assert trend["since"] == "2026-01-01T00:00:00Z"
    assert trend["new"] == []
    assert [f["fingerprint"] for f in trend["fixed"]] == [fixed.fingerprint]
    assert trend["open"] == len(report.findings)
    assert [sum(r[s.label] for s in Severity) for r in trend["runs"]] == [
        len(report.findings) + 1,
        len(report.findings),
    ]


def test_report_command_writes_the_page_and_records_history(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(
        app,
        ["report", str(SHOP / "template.yaml"), "-o", str(out), "--history", str(tmp_path / "h")],
    )
    assert result.exit_code == 1, result.output  # findings at or above --fail-on, as 'scan'
    assert f"created history directory {tmp_path / 'h'}" in result.output
    assert re.search(r"\d+ finding\(s\) written to", result.output)
    data = _data(out.read_text(encoding="utf-8"))
    names = {c["ref"] for c in data["cards"]}
    assert {"CreateOrderFunction", "ProcessUploadFunction"} <= names
    create = next(c for c in data["cards"] if c["ref"] == "CreateOrderFunction")
    assert create["triggers"][0]["kind"] == "api-rest"
    assert create["permissions"]["needed"]
    assert data["history"]["since"] is None  # the first scan recorded
    assert len(list((tmp_path / "h").glob("scan-*.json"))) == 1


def test_history_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", str(SHOP / "template.yaml"), "--history", str(tmp_path / "a" / "b")]
    )
    assert result.exit_code == 2
    assert f"directory {tmp_path / 'a'} does not exist" in result.output


def test_scan_format_html_writes_the_same_page(tmp_path: Path) -> None:
    out = tmp_path / "s.html"
    result = runner.invoke(app, ["scan", str(SHOP / "template.yaml"), "-f", "html", "-o", str(out)])
    assert result.exit_code == 1, result.output  # findings at or above --fail-on
    data = _data(out.read_text(encoding="utf-8"))
    assert data["cards"] and data["findings"]
    flows = [f for f in data["findings"] if f.get("flow")]
    assert flows
    first_step = flows[0]["flow"][0]["where"]
    assert first_step in data["excerpts"]  # the code lines of each step


def test_two_runs_in_the_same_second_keep_two_snapshots(tmp_path: Path) -> None:
    run = {"version": history.SNAPSHOT_VERSION, "time": "2026-12-08T02:16:16Z", "findings": {}}
    first = history.save(tmp_path, run)
    second = history.save(tmp_path, dict(run, findings={"fp": {"severity": "high"}}))
    assert (first.name, second.name) == (
        "scan-20261208T021616Z.json",
        "scan-20261208T021616Z-2.json",
    )
    runs, notes = history.load(tmp_path)
    assert len(runs) == 2 and notes == []
