"""The example app's injection bugs are found with their paths in every output format;
its safe twins are not."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.findings import Finding, Report
from faasguard.report import render
from faasguard.rules import all_rules

SHOP = Path(__file__).resolve().parents[3] / "examples" / "shop"
TAINT_RULES = tuple(f"CODE0{n:02d}" for n in range(1, 12))


@cache
def _report() -> Report:
    return scan([str(SHOP)], ScanConfig(select=TAINT_RULES))


def _rel(finding: Finding) -> str:
    return Path(finding.location.file).resolve().relative_to(SHOP).as_posix()


def _sam(rule_id: str, file: str) -> list[Finding]:
    """Findings of ``rule_id`` in ``file`` for functions of the SAM template."""
    return [
        f
        for f in _report().findings
        if f.rule_id == rule_id and _rel(f) == file and f.app == "shop/template"
    ]


def _lines(rule_id: str, file: str) -> set[int]:
    return {f.location.line for f in _report().findings if f.rule_id == rule_id and _rel(f) == file}


def test_orders_sqli_and_yaml_from_the_http_body_and_not_their_safe_twins() -> None:
    assert _lines("CODE003", "src/orders/app.py") == {16}  # yaml.load, not yaml.safe_load (17)
    assert _lines("CODE004", "src/orders/app.py") == {21}  # f-string SQL, not the bound one (23)
    sqli = _sam("CODE004", "src/orders/app.py")[0]
    assert "event['pathParameters']['id'] (HTTP path parameter)" in sqli.message
    assert "(REST API trigger)" in sqli.message and "no WAF" not in sqli.message
    assert [(s.location.line, s.message) for s in sqli.flow] == [
        (20, "event['pathParameters']['id'] (HTTP path parameter)"),
        (20, "assigned to order_id"),
        (21, "reaches DB.execute()"),
    ]


def test_worker_injections_only_reachable_from_an_sqs_message_are_marked_waf_blind() -> None:
    assert _lines("CODE003", "src/worker/app.py") == {16}
    assert _lines("CODE004", "src/worker/app.py") == {17}  # not the parameterised twin (19)
    pickle = _sam("CODE003", "src/worker/app.py")[0]
    assert pickle.severity.label == "critical"
    assert "input no WAF inspects (SQS trigger)" in pickle.message
    assert [s.message for s in pickle.flow] == [
        "event['Records'][i]['body'] (SQS message body)",
        "parsed by json.loads()",
        "assigned to message",
        "decoded by base64.b64decode()",
        "reaches pickle.loads()",
    ]
    sqli = _sam("CODE004", "src/worker/app.py")[0]
    # HIGH by default, raised one level: no WAF can see an SQS message.
    assert sqli.severity.label == "critical"


def test_report_command_injection_from_the_function_url_query_string() -> None:
    findings = [
        f for f in _report().findings if f.rule_id == "CODE001" and _rel(f) == "src/report/app.py"
    ]
    assert {f.location.line for f in findings} == {21}  # not the shlex.quote twin (23)
    (finding,) = findings  # only the Serverless app routes a function URL to export_all
    assert "function URL query string parameter" in finding.message
    assert finding.flow[0].location.line == 20 and finding.flow[-1].location.line == 21


def test_paths_in_text_json_and_sarif() -> None:
    report = _report()
    text = render("text", report, rules=all_rules())
    assert "path:" in text and "source src/worker/app.py:15" in text
    assert "sink   src/worker/app.py:16  reaches pickle.loads()" in text
    data = json.loads(render("json", report, rules=all_rules()))
    worker = [
        f
        for f in data["findings"]
        if f["rule_id"] == "CODE003" and f["location"]["file"] == "src/worker/app.py"
    ]
    assert worker[0]["trace"][0] == {
        "file": "src/worker/app.py",
        "line": 15,
        "column": 30,
        "message": "event['Records'][i]['body'] (SQS message body)",
    }
    assert worker[0]["trace"][-1]["line"] == 16
    sarif = json.loads(render("sarif", report, rules=all_rules()))
    results = [
        r
        for r in sarif["runs"][0]["results"]
        if r["ruleId"] == "CODE003"
        and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/worker/app.py"
    ]
    steps = results[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [
        15,
        15,
        15,
        16,
        16,
    ]
    assert steps[-1]["location"]["message"]["text"] == "reaches pickle.loads()"
