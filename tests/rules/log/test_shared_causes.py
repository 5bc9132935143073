"""One finding per cause for the app-wide hygiene settings (LOG001, LOG002, LOG003,
DEPLOY001): functions that all lack a setting get one finding at the missing default
(SAM ``Globals.Function``, Serverless ``provider``, else the first function) that names
them, with SARIF relatedLocations; a function with its own wrong value keeps its own
finding; a single function keeps today's finding (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.findings import Report
from faasguard.report import render
from faasguard.rules import all_rules

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "sarif-schema-2.1.0.json"
RULES = ("LOG001", "LOG002", "LOG003", "DEPLOY001")
HEADER = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
Resources:
"""
FUNCTION = """\
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
"""


def _scan(tmp_path: Path, text: str, name: str = "template.yaml") -> Report:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / name).write_text(text)
    return scan([str(tmp_path)], ScanConfig(select=RULES, db_path=str(tmp_path / "db")))


def test_functions_without_the_settings_get_one_finding_per_rule(tmp_path: Path) -> None:
    names = ["Alpha", "Beta", "Gamma"]
    report = _scan(tmp_path, HEADER + "".join(FUNCTION.format(name=n) for n in names))
    assert sorted(f.rule_id for f in report.findings) == sorted(RULES)
    for finding in report.findings:
        assert finding.location.line == 4, finding  # Globals.Function
        assert finding.message.startswith("3 functions "), finding.message
        assert "Alpha, Beta, Gamma" in finding.message
        assert finding.properties["functions"] == names
        assert [s.message for s in finding.related] == [f"function {n}" for n in names]
    tracing = next(f for f in report.findings if f.rule_id == "LOG002")
    assert tracing.message.endswith("set Globals.Function.Tracing: Active")
    sarif = json.loads(render("sarif", report, rules=list(all_rules())))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert len(results) == len(RULES)
    for result in results:
        related = result["relatedLocations"]
        lines = [r["physicalLocation"]["region"]["startLine"] for r in related]
        assert lines == [7, 13, 19]  # each function's declaration


def test_a_function_with_its_own_bad_value_keeps_its_own_finding(tmp_path: Path) -> None:
    own = FUNCTION.format(name="Delta") + "      Tracing: PassThrough\n"
    text = HEADER + FUNCTION.format(name="Alpha") + FUNCTION.format(name="Beta") + own
    report = _scan(tmp_path, text)
    tracing = sorted((f for f in report.findings if f.rule_id == "LOG002"), key=str)
    assert len(tracing) == 2
    shared = next(f for f in tracing if "functions" in f.properties)
    assert shared.properties["functions"] == ["Alpha", "Beta"]
    assert shared.message.startswith("2 functions have no active X-Ray tracing")
    [alone] = [f for f in tracing if "functions" not in f.properties]
    assert alone.function == "Delta"
    assert alone.message == (
        "function Delta has no active X-Ray tracing (tracing: PassThrough): set Tracing to Active"
    )
    assert alone.location.line == 25 and not alone.related


def test_a_single_function_keeps_its_finding(tmp_path: Path) -> None:
    report = _scan(tmp_path, HEADER + FUNCTION.format(name="Alpha"))
    assert sorted(f.rule_id for f in report.findings) == sorted(RULES)
    for finding in report.findings:
        assert finding.function == "Alpha"
        assert "functions" not in finding.properties and not finding.related
        assert "function Alpha" in finding.message
    signing = next(f for f in report.findings if f.rule_id == "DEPLOY001")
    assert signing.location.line == 7
    assert signing.message == (
        "function Alpha has no code-signing configuration: anyone able to update its code can "
        "deploy unsigned code; attach a CodeSigningConfig with Enforce"
    )


@pytest.mark.parametrize(
    ("name", "text", "line", "fix"),
    [
        (
            "serverless.yml",
            "service: shop\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"
            "  a:\n    handler: src/app.handler\n  b:\n    handler: src/app.handler\n",
            2,
            "set provider.tracing.lambda: true",
        ),
        (
            "template.yaml",
            HEADER.replace("Transform: AWS::Serverless-2016-10-31\nGlobals:\n", "").replace(
                "  Function:\n    Timeout: 10\n", ""
            )
            + "".join(
                FUNCTION.format(name=n)
                .replace("AWS::Serverless::Function", "AWS::Lambda::Function")
                .replace("CodeUri: src/", "Code: {ZipFile: x}")
                .replace("Handler: app.handler\n", "Handler: app.handler\n      Role: arn\n")
                for n in ("A", "B")
            ),
            3,
            "set Tracing to Active on each",
        ),
    ],
)
def test_the_cause_is_the_provider_or_the_first_function(
    tmp_path: Path, name: str, text: str, line: int, fix: str
) -> None:
    report = _scan(tmp_path, text, name)
    [tracing] = [f for f in report.findings if f.rule_id == "LOG002"]
    assert tracing.location.line == line
    assert tracing.message.endswith(fix)
    assert len(tracing.properties["functions"]) == 2


def test_the_shared_finding_is_hidden_only_when_every_function_is_suppressed(
    tmp_path: Path,
) -> None:
    def template(suppressed: tuple[str, ...]) -> str:
        functions = "".join(
            FUNCTION.format(name=n).replace(
                f"  {n}:\n", f"  {n}:  # faasguard: ignore[LOG002] traced by the caller\n"
            )
            if n in suppressed
            else FUNCTION.format(name=n)
            for n in ("Alpha", "Beta", "Gamma")
        )
        return HEADER + functions

    report = _scan(tmp_path, template(("Alpha",)))
    [tracing] = [f for f in report.findings if f.rule_id == "LOG002"]
    assert tracing.properties["functions"] == ["Alpha", "Beta", "Gamma"]
    assert report.suppressed == 0
    report = _scan(tmp_path, template(("Alpha", "Beta", "Gamma")))
    assert not [f for f in report.findings if f.rule_id == "LOG002"]
    assert report.suppressed == 1
