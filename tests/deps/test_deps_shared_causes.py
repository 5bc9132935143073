"""One finding per cause: functions sharing an artifact or manifest get one finding that
names all of them, with SARIF relatedLocations (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from test_deps_artifacts import clean_members, write_zip

from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.report import render
from faasguard.rules import all_rules

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
{functions}
"""
FUNCTION = """\
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: build/fn.zip
      Handler: app.handler
      Runtime: python3.12
"""


def test_three_functions_sharing_a_zip_get_one_finding(tmp_path: Path) -> None:
    members = clean_members()
    members["requests/api.py"] += b"import socket\n"
    write_zip(tmp_path / "build" / "fn.zip", members)
    names = ["Alpha", "Beta", "Gamma"]
    functions = "".join(FUNCTION.format(name=n) for n in names)
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(functions=functions))
    report = scan([str(tmp_path)], ScanConfig(select=("DEP007",), db_path=str(tmp_path / "x")))
    [finding] = report.findings
    assert finding.function == "Alpha"
    assert finding.properties["functions"] == names
    assert finding.message.endswith("(one cause shared by functions Alpha, Beta, Gamma)")
    sarif = json.loads(render("sarif", report, rules=list(all_rules())))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    [result] = sarif["runs"][0]["results"]
    related = result["relatedLocations"]
    assert [r["message"]["text"] for r in related] == ["function Beta", "function Gamma"]
    lines = [r["physicalLocation"]["region"]["startLine"] for r in related]
    assert all(line > 3 for line in lines)  # each function's declaration in template.yaml
    assert {r["physicalLocation"]["artifactLocation"]["uri"] for r in related} == {"template.yaml"}


def test_functions_with_their_own_manifests_keep_their_own_findings(tmp_path: Path) -> None:
    for name in ("a", "b"):
        members = clean_members()
        members["requests/api.py"] += b"import socket\n"
        write_zip(tmp_path / "build" / name / "fn.zip", members)
    functions = "".join(
        FUNCTION.format(name=n).replace("build/fn.zip", f"build/{d}/fn.zip")
        for n, d in (("Alpha", "a"), ("Beta", "b"))
    )
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(functions=functions))
    report = scan([str(tmp_path)], ScanConfig(select=("DEP007",), db_path=str(tmp_path / "x")))
    assert sorted(f.function for f in report.findings) == ["Alpha", "Beta"]
    assert not any("functions" in f.properties for f in report.findings)
