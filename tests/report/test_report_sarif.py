"""SARIF 2.1.0: schema validity, GitHub code-scanning fields, fingerprints, code flows."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from report_sample import RULES, empty_report, sample_report, shift_lines

import faasguard
from faasguard.findings import Report
from faasguard.model import Diagnostic, DiagnosticLevel, Location
from faasguard.report import sarif
from faasguard.rules import all_rules

# vendored with its licence (tests/data/LICENSE-sarif-spec.md): the test runs on a fresh clone
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


def load(report: Report, rules: Any = RULES) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sarif.render(report, rules=rules))
    return data


def results(report: Report) -> dict[str, dict[str, Any]]:
    return {r["ruleId"]: r for r in load(report)["runs"][0]["results"]}


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def assert_valid(validator: Any, log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_sample_validates_against_the_official_schema(validator: Any) -> None:
    assert_valid(validator, load(sample_report()))


def test_empty_report_validates(validator: Any) -> None:
    log = load(empty_report())
    assert_valid(validator, log)
    assert log["runs"][0]["results"] == []
    assert_valid(validator, load(Report(root="."), rules=None))


def test_schema_validation_catches_a_broken_log(validator: Any) -> None:
    # Guard against a validator that accepts anything (wrong draft, wrong file).
    log = load(sample_report())
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert list(validator.iter_errors(log))


def test_driver_carries_full_rule_metadata() -> None:
    driver = load(sample_report())["runs"][0]["tool"]["driver"]
    assert driver["name"] == "faasguard"
    assert driver["version"] == faasguard.__version__
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    # Every rule passed in, then a minimal descriptor for TIME001 which fired unregistered.
    assert ids == ["CODE003", "CONF004", "LOG001", "TRIG001", "TRIG003", "TIME001"]
    trig = driver["rules"][3]
    assert trig["name"] == "http-no-auth"
    assert trig["shortDescription"] == {"text": "HTTP endpoint without authorization"}
    assert trig["fullDescription"]["text"].startswith("HTTP endpoint without authorization in")
    assert trig["help"]["text"].startswith("HTTP endpoint without authorization.")
    assert "### How to fix" in trig["help"]["markdown"]
    assert trig["helpUri"].endswith("/docs/rules/TRIG001.md")
    assert trig["defaultConfiguration"] == {"level": "error"}
    assert trig["properties"]["tags"] == ["security", "P2", "external/cwe/cwe-306"]
    assert trig["properties"]["security-severity"] == "8.0"


def test_security_severity_and_level_per_severity() -> None:
    rules = {r["id"]: r for r in load(sample_report())["runs"][0]["tool"]["driver"]["rules"]}
    assert {i: r["properties"]["security-severity"] for i, r in rules.items()} == {
        "CODE003": "9.5",
        "CONF004": "5.5",
        "LOG001": "3.0",
        "TRIG001": "8.0",
        "TRIG003": "0.0",
        "TIME001": "8.0",
    }
    levels = {i: r["level"] for i, r in results(sample_report()).items()}
    assert levels == {
        "CODE003": "error",
        "TRIG001": "error",
        "TIME001": "error",
        "CONF004": "warning",
        "LOG001": "note",
        "TRIG003": "note",
    }


def test_results_point_at_relative_files_and_rule_index() -> None:
    log = load(sample_report())
    run = log["runs"][0]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    trig = results(sample_report())["TRIG001"]
    physical = trig["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "template.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 24, "startColumn": 9}
    assert trig["locations"][0]["logicalLocations"] == [
        {"name": "OrdersFunction", "fullyQualifiedName": "shop/OrdersFunction", "kind": "function"}
    ]
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    assert "/srv/shop" not in json.dumps(log)


def test_line_zero_has_no_region() -> None:
    physical = results(sample_report())["LOG001"]["locations"][0]["physicalLocation"]
    assert "region" not in physical
    assert physical["artifactLocation"]["uri"] == "template.yaml"


def test_partial_fingerprints_are_stable_when_lines_move() -> None:
    before = results(sample_report())
    after = results(shift_lines(sample_report(), 12))
    assert after["TRIG001"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 36
    for rule_id, result in before.items():
        assert result["partialFingerprints"] == after[rule_id]["partialFingerprints"]
        assert set(result["partialFingerprints"]) == {"faasguard/v1"}


def test_code_flows_follow_the_finding_flow() -> None:
    code = results(sample_report())["CODE003"]
    (flow,) = code["codeFlows"]
    (thread,) = flow["threadFlows"]
    steps = [
        (
            step["location"]["physicalLocation"]["region"]["startLine"],
            step["location"]["message"]["text"],
        )
        for step in thread["locations"]
    ]
    assert steps == [
        (12, "event['body'] enters the handler"),
        (30, "assigned to name"),
        (41, "passed to os.system()"),
    ]
    assert "codeFlows" not in results(sample_report())["TRIG001"]


def test_invocation_reports_error_and_warning_diagnostics() -> None:
    (invocation,) = load(sample_report())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "warning"]  # info diagnostics omitted
    assert notes[0]["message"]["text"].startswith("cannot resolve ${file(./missing.yml)")
    assert notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert notes[0]["descriptor"] == {"id": "SLS-FILE"}
    assert "locations" not in notes[1]


def test_invocation_successful_without_errors() -> None:
    report = empty_report()
    report.diagnostics.append(
        Diagnostic(
            level=DiagnosticLevel.WARNING,
            message="odd",
            location=Location(file="/srv/shop/template.yaml"),
        )
    )
    (invocation,) = load(report)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True


def test_uri_is_percent_encoded(validator: Any) -> None:
    report = sample_report()
    finding = report.findings[0]
    report.findings[0] = dataclasses.replace(
        finding, location=Location(file="/srv/shop/my app/serverless #1.yml", line=2)
    )
    log = load(report)
    assert_valid(validator, log)
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    ]
    assert "my%20app/serverless%20%231.yml" in uris


def test_no_timestamps_same_bytes_twice() -> None:
    assert sarif.render(sample_report(), rules=RULES) == sarif.render(sample_report(), rules=RULES)
    text = sarif.render(sample_report(), rules=RULES)
    assert "TimeUtc" not in text and "1.234" not in text


def test_sarif_with_every_registered_rule_validates(validator: Any) -> None:
    rules = all_rules()
    if not rules:
        pytest.skip("no rule registered yet")
    log = load(sample_report(), rules=rules)
    assert_valid(validator, log)
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    assert [d["id"] for d in descriptors[: len(rules)]] == [r.id for r in rules]
    for descriptor in descriptors[: len(rules)]:
        assert descriptor["help"]["markdown"].startswith("**")
        assert descriptor["fullDescription"]["text"]
