"""``faasguard scan`` as a user (and a CI job) sees it: output, files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from faasguard.cli import app

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
runner = CliRunner()

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  ReportFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 900
"""


def _project(tmp_path: Path, text: str = TEMPLATE) -> Path:
    (tmp_path / "src").mkdir(parents=True, exist_ok=True)
    (tmp_path / "template.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _scan(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["scan", *args])
    return result.exit_code, result.output


def _json(path: Path, *args: str) -> tuple[int, dict[str, object]]:
    code, output = _scan(str(path), "--format", "json", "--no-cache", *args)
    return code, json.loads(output)


#: What `faasguard --version` (and so every start) must not import: each costs tens to
#: hundreds of milliseconds and is needed only by the commands that use it.
HEAVY_MODULES = ("yaml", "pyarrow", "numpy", "boto3", "botocore", "hyperscan", "tree_sitter")


def test_version_starts_without_the_heavy_imports() -> None:
    # What it imports, not a wall-clock time: a deterministic check of start-up speed
    # (benchmarks measure time; tests do not).
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['faasguard', '--version']\n"
        "try:\n"
        "    runpy.run_module('faasguard.cli', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    version, imported = done.stdout.strip().splitlines()
    assert version == "faasguard 0.1.0"
    assert imported == "[]"


def test_example_shop_text_report_and_exit_code() -> None:
    code, output = _scan(str(SHOP), "--no-cache", "--no-color")
    assert code == 1
    assert "TIME001" in output  # 900 s behind API Gateway, in SAM and Serverless
    assert "template.yaml:" in output and "serverless.yml:" in output
    assert "P5" in output


def test_json_findings_point_at_the_user_line(tmp_path: Path) -> None:
    code, report = _json(_project(tmp_path), "--select", "TIME002")
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list) and len(findings) == 1
    finding = findings[0]
    assert finding["rule_id"] == "TIME002"
    assert finding["location"] == {"file": "template.yaml", "line": 10, "column": 7}
    assert finding["function"] == "ReportFunction"


def test_fail_on_threshold(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, _ = _scan(str(project), "--no-cache", "--select", "TIME002", "--fail-on", "critical")
    assert code == 0
    code, output = _scan(str(project), "--fail-on", "severe")
    assert code == 2 and "unknown severity 'severe'" in output


def test_output_file_and_sarif(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    out = tmp_path / "out.sarif"
    code, _ = _scan(str(project), "--no-cache", "--format", "sarif", "-o", str(out))
    assert code == 1
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "TIME002" for r in results)


def test_baseline_only_new_findings_fail(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    baseline = tmp_path / "baseline.json"
    code, _ = _scan(str(project), "--no-cache", "--write-baseline", str(baseline))
    assert code == 0 and baseline.exists()
    code, report = _json(project, "--baseline", str(baseline))
    assert code == 0 and report["findings"] == [] and report["baselined"]
    # Moving the function down does not resurrect its findings (fingerprints ignore lines)...
    moved = TEMPLATE.replace("Resources:\n", "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n")
    _project(project, moved)
    code, report = _json(project, "--baseline", str(baseline))
    assert code == 0, report["findings"]
    # ...but a new function does fail.
    _project(project, moved + TEMPLATE.split("Resources:\n")[1].replace("ReportFunction", "New"))
    code, report = _json(project, "--baseline", str(baseline))
    assert code == 1
    assert {f["function"] for f in report["findings"]} == {"New"}  # type: ignore[index,union-attr]


def test_inline_suppression_needs_a_reason(tmp_path: Path) -> None:
    with_reason = TEMPLATE.replace(
        "      Timeout: 900", "      Timeout: 900 # faasguard: ignore[TIME002] nightly export"
    )
    code, report = _json(_project(tmp_path / "a", with_reason), "--select", "TIME002")
    assert code == 0 and report["suppressed"] == 1
    without = TEMPLATE.replace(
        "      Timeout: 900", "      Timeout: 900 # faasguard: ignore[TIME002]"
    )
    code, report = _json(_project(tmp_path / "b", without), "--select", "TIME002")
    assert code == 1
    assert any("without a reason" in d["message"] for d in report["diagnostics"])  # type: ignore[index,union-attr]


def test_suppression_above_a_function_covers_its_findings(tmp_path: Path) -> None:
    text = TEMPLATE.replace(
        "  ReportFunction:",
        "  # faasguard: ignore[TIME002] reviewed: export job\n  ReportFunction:",
    )
    code, report = _json(_project(tmp_path, text), "--select", "TIME002")
    assert code == 0 and report["suppressed"] == 1


def test_config_file_ignores_and_overrides(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "faasguard.toml").write_text(
        '[severity]\nTIME002 = "info"\n\n[[ignore]]\nrule = "LOG"\nreason = "central logging"\n',
        encoding="utf-8",
    )
    code, report = _json(project, "--select", "TIME002,LOG")
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [f["severity"] for f in findings] == ["info"]
    assert code == 0  # info is below the default fail-on (low)
    (project / "faasguard.toml").write_text('[[ignore]]\nrule = "LOG001"\n', encoding="utf-8")
    code, output = _scan(str(project), "--no-cache")
    assert code == 2
    assert "faasguard.toml" in output and "'reason' is required" in output


def test_malformed_input_is_reported_and_the_rest_goes_on(tmp_path: Path) -> None:
    project = _project(tmp_path / "good")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  F:\n    Type: [oops\n",
        encoding="utf-8",
    )
    code, report = _json(tmp_path, "--select", "TIME002")
    assert code == 2
    errors = [d for d in report["diagnostics"] if d["level"] == "error"]  # type: ignore[index,union-attr]
    assert errors and errors[0]["location"]["file"] == "bad/template.yaml"
    assert errors[0]["location"]["line"] >= 4
    assert any(f["rule_id"] == "TIME002" for f in report["findings"])  # type: ignore[index,union-attr]
    assert project.exists()


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _scan(str(tmp_path / "nope"))
    assert code == 2 and "path not found" in output


def test_cache_is_used_and_invalidated(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, first = _scan(str(project), "--format", "json", "--select", "TIME002")
    assert code == 1
    entries = list((project / ".faasguard" / "cache").glob("*.bin"))
    assert len(entries) == 1
    code, second = _scan(str(project), "--format", "json", "--select", "TIME002")
    assert second == first
    _project(project, TEMPLATE.replace("Timeout: 900", "Timeout: 30"))
    code, third = _scan(str(project), "--format", "json", "--select", "TIME002")
    assert code == 0 and json.loads(third)["findings"] == []


def test_tampered_cache_entry_is_ignored(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _scan(str(project), "--format", "json", "--select", "TIME002")
    entry = next((project / ".faasguard" / "cache").glob("*.bin"))
    entry.write_bytes(b"\x00" * 32 + b"not a pickle signed by this user")
    code, output = _scan(str(project), "--format", "json", "--select", "TIME002")
    assert code == 1 and json.loads(output)["findings"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_other_formats_render(tmp_path: Path, fmt: str) -> None:
    code, output = _scan(str(_project(tmp_path)), "--no-cache", "--format", fmt, "--no-color")
    assert code == 1 and "TIME002" in output and "\x1b[" not in output


def test_example_shop_sarif_validates_with_code_flows(tmp_path: Path) -> None:
    schema_path = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"  # vendored
    out = tmp_path / "shop.sarif"
    code, _ = _scan(str(SHOP), "--no-cache", "--format", "sarif", "-o", str(out))
    assert code == 1
    document = json.loads(out.read_text())
    jsonschema.Draft7Validator(json.loads(schema_path.read_text())).validate(document)
    results = document["runs"][0]["results"]
    flows = [r for r in results if "codeFlows" in r]
    # Taint findings (e.g. command injection from the S3 object key) carry their path.
    assert any(r["ruleId"] == "CODE001" for r in flows)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in results
        for loc in r["locations"]
    }
    assert "template.yaml" in uris and "serverless.yml" in uris and "terraform/main.tf" in uris
