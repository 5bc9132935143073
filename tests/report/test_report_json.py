"""The JSON output contract: documented keys, order, relative paths, stable bytes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from report_sample import ROOT, RULES, empty_report, sample_report, shift_lines

import faasguard
from faasguard.findings import Finding, Practice, Report, Severity
from faasguard.model import Location
from faasguard.report import json as json_report

TOP_KEYS = {
    "tool",
    "version",
    "schema_version",
    "root",
    "summary",
    "apps",
    "findings",
    "diagnostics",
    "suppressed",
    "baselined",
}
FINDING_KEYS = {
    "rule_id",
    "severity",
    "practice",
    "title",
    "message",
    "app",
    "function",
    "resource",
    "location",
    "fingerprint",
}


def load(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json_report.render(report, rules=RULES))
    return data


def test_top_level_keys_and_header_values() -> None:
    data = load(sample_report())
    assert set(data) == TOP_KEYS
    assert data["tool"] == "faasguard"
    assert data["version"] == faasguard.__version__
    assert data["schema_version"] == 1
    assert data["root"] == "."
    assert data["suppressed"] == 1
    assert data["baselined"] == 2


def test_summary_counts_every_severity_and_practice() -> None:
    summary = load(sample_report())["summary"]
    assert summary["findings"] == 6
    assert summary["by_severity"] == {
        "critical": 1,
        "high": 2,
        "medium": 1,
        "low": 1,
        "info": 1,
    }
    assert summary["by_practice"] == {
        "P1": 0,
        "P2": 2,
        "P3": 0,
        "P4": 0,
        "P5": 1,
        "P6": 1,
        "P7": 2,
    }
    assert summary["apps"] == 2
    assert summary["functions"] == 4
    assert summary["diagnostics"] == 3


def test_findings_have_the_documented_keys_and_sorted_order() -> None:
    findings = load(sample_report())["findings"]
    order = [(f["location"]["file"], f["location"]["line"], f["rule_id"]) for f in findings]
    assert order == [
        ("legacy/serverless.yml", 9, "TIME001"),
        ("legacy/serverless.yml", 14, "TRIG003"),
        ("src/orders/app.py", 41, "CODE003"),
        ("template.yaml", 0, "LOG001"),
        ("template.yaml", 24, "TRIG001"),
        ("template.yaml", 88, "CONF004"),
    ]
    for finding in findings:
        optional = {"flow", "trace", "properties"} & set(finding)
        assert set(finding) - optional == FINDING_KEYS
        assert set(finding["location"]) == {"file", "line", "column"}


def test_finding_values_a_user_sees() -> None:
    by_rule = {f["rule_id"]: f for f in load(sample_report())["findings"]}
    trig = by_rule["TRIG001"]
    assert trig["severity"] == "high"
    assert trig["practice"] == "P2"
    assert trig["app"] == "shop"
    assert trig["function"] == "OrdersFunction"
    assert trig["resource"] is None
    assert trig["location"] == {"file": "template.yaml", "line": 24, "column": 9}
    assert trig["message"].startswith("GET /orders | POST /orders")
    assert len(trig["fingerprint"]) == 32
    assert "flow" not in trig
    assert by_rule["CONF004"]["function"] is None
    assert by_rule["CONF004"]["resource"] == "UploadBucket"
    assert by_rule["LOG001"]["location"] == {"file": "template.yaml", "line": 0, "column": 0}


def test_flow_and_properties_only_when_present() -> None:
    code = next(f for f in load(sample_report())["findings"] if f["rule_id"] == "CODE003")
    assert code["flow"] == [
        {
            "location": {"file": "src/orders/app.py", "line": 12, "column": 15},
            "message": "event['body'] enters the handler",
        },
        {
            "location": {"file": "src/orders/app.py", "line": 30, "column": 5},
            "message": "assigned to name",
        },
        {
            "location": {"file": "src/orders/app.py", "line": 41, "column": 5},
            "message": "passed to os.system()",
        },
    ]
    assert code["properties"] == {"sink": "os.system", "sources": ["event.body"]}


def test_diagnostics_errors_first_with_nullable_location() -> None:
    diagnostics = load(sample_report())["diagnostics"]
    assert [d["level"] for d in diagnostics] == ["error", "warning", "info"]
    assert diagnostics[0]["location"] == {
        "file": "legacy/serverless.yml",
        "line": 3,
        "column": 11,
    }
    assert diagnostics[0]["code"] == "SLS-FILE"
    assert diagnostics[1]["location"] is None
    assert "code" not in diagnostics[1]


def test_apps_listed_with_relative_root_file() -> None:
    assert load(sample_report())["apps"] == [
        {"name": "legacy", "format": "serverless", "file": "legacy/serverless.yml", "functions": 1},
        {"name": "shop", "format": "sam", "file": "template.yaml", "functions": 3},
    ]


def test_bytes_are_canonical_sorted_keys_two_space_indent_no_duration() -> None:
    text = json_report.render(sample_report())
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "1.234" not in text and "duration" not in text


def test_empty_report_is_valid_and_zeroed() -> None:
    data = load(empty_report())
    assert data["findings"] == [] and data["diagnostics"] == []
    assert data["summary"]["findings"] == 0
    assert set(data["summary"]["by_severity"].values()) == {0}


def test_fingerprints_survive_line_moves() -> None:
    before = {f["rule_id"]: f for f in load(sample_report())["findings"]}
    after = {f["rule_id"]: f for f in load(shift_lines(sample_report(), 7))["findings"]}
    assert after["TRIG001"]["location"]["line"] == 31
    for rule_id, finding in before.items():
        assert after[rule_id]["fingerprint"] == finding["fingerprint"]


def test_relative_paths_resolve_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Discovery may hand over paths relative to the working directory, and a relative root.
    monkeypatch.chdir(tmp_path)
    relative_file = str(Path("repo") / "svc" / "serverless.yml")
    absolute_file = str(tmp_path / "repo" / "template.yaml")
    report = Report(
        root="repo",
        findings=[
            Finding(
                rule_id="TRIG001",
                title="t",
                severity=Severity.HIGH,
                practice=Practice.P2,
                message="m",
                app="a",
                location=Location(file=file, line=4),
            )
            for file in (relative_file, absolute_file)
        ],
    )
    files = [f["location"]["file"] for f in load(report)["findings"]]
    assert files == ["svc/serverless.yml", "template.yaml"]
    assert ROOT not in json_report.render(report)


def test_docs_describe_every_emitted_key() -> None:
    # docs/output.md is the contract other tools read: a key we emit must be documented.
    docs = (Path(__file__).resolve().parents[2] / "docs" / "output.md").read_text()
    data = load(sample_report())
    for key in data:
        assert f"`{key}`" in docs or f"`{key}`," in docs, key
    for key in data["summary"]:
        assert f"summary.{key}" in docs, key
    for finding in data["findings"]:
        for key in finding:
            assert f"`findings[].{key}`" in docs, key
    for diagnostic in data["diagnostics"]:
        for key in diagnostic:
            assert f"`{key}`" in docs, key


def test_non_finite_property_values_stay_valid_json() -> None:
    report = sample_report()
    report.findings[0] = dataclasses.replace(
        report.findings[0], properties={"ratio": float("nan"), "tags": {"b", "a"}}
    )
    finding = next(f for f in load(report)["findings"] if f["rule_id"] == "TIME001")
    assert finding["properties"] == {"ratio": "nan", "tags": ["a", "b"]}
