"""The conventions CI users expect of a scanner (issue 17): ``-h``, ``NO_COLOR``,
``--quiet``, ``--severity``, ``--exit-zero``, ``--skip-path``, ``--width``/``COLUMNS``,
locations never cut, JUnit XML and CSV."""

from __future__ import annotations

import csv
import io
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faasguard.cli import app

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
TEMPLATE = SHOP / "template.yaml"
runner = CliRunner()

LONG = "a-very-long-directory-name-for-a-width-test/another-quite-long-directory-name/and-one-more"


def _scan(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["scan", *args], env=env)
    return result.exit_code, result.output


def _findings(output: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(output[output.index("{") :])["findings"]  # type: ignore[no-any-return]


def test_dash_h_is_help_everywhere() -> None:
    for args in (["-h"], ["scan", "-h"], ["iam", "suggest", "-h"], ["report", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert result.output.startswith("Usage: "), args


def test_severity_filters_what_is_shown_not_the_exit_code() -> None:
    code, output = _scan(str(TEMPLATE), "-f", "json", "--severity", "high,critical", "-q")
    assert code == 1
    shown = _findings(output)
    assert shown and {f["severity"] for f in shown} <= {"high", "critical"}
    code, output = _scan(str(TEMPLATE), "-f", "json", "--severity", "info", "--fail-on", "high")
    assert code == 1  # high findings exist, though only info ones are shown
    assert {f["severity"] for f in _findings(output)} == {"info"}
    code, output = _scan(str(TEMPLATE), "--severity", "urgent")
    assert code == 2 and "unknown severity 'urgent'" in output


def test_exit_zero_keeps_errors(tmp_path: Path) -> None:
    code, _ = _scan(str(TEMPLATE), "--exit-zero", "-q")
    assert code == 0
    code, output = _scan(str(TEMPLATE), "--exit-zero", "--select", "NOPE")
    assert code == 2 and "unknown rule id" in output


def test_quiet_says_nothing_on_standard_error(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["scan", str(TEMPLATE), "-f", "json", "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert result.output == ""
    assert _findings(out.read_text())


def test_skip_path_from_the_option_and_the_config_file(tmp_path: Path) -> None:
    _, output = _scan(str(SHOP), "-f", "json", "-q", "--skip-path", "terraform")
    apps = json.loads(output[output.index("{") :])["apps"]
    assert sorted(a["file"] for a in apps) == ["serverless.yml", "template.yaml"]
    config = tmp_path / "faasguard.toml"
    config.write_text('skip-paths = ["serverless.*", "terraform"]\n', encoding="utf-8")
    _, output = _scan(str(SHOP), "-f", "json", "-q", "--config", str(config))
    apps = json.loads(output[output.index("{") :])["apps"]
    assert [a["file"] for a in apps] == ["template.yaml"]


def _long_app(tmp_path: Path) -> Path:
    folder = tmp_path / LONG
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: src/\n"
        "      Timeout: 900\n",
        encoding="utf-8",
    )
    return tmp_path


def test_locations_are_never_cut_and_columns_is_honoured(tmp_path: Path) -> None:
    root = _long_app(tmp_path)
    _, output = _scan(str(root), "--no-cache", "-q", env={"COLUMNS": "80"})
    assert "…" not in output
    assert max(len(line) for line in output.splitlines()) <= 80
    joined = output.replace("\n", "").replace(" ", "")
    assert f"{LONG}/template.yaml:4" in joined  # folded onto the next line, whole
    _, output = _scan(str(root), "--no-cache", "-q", "--width", "220")
    assert f"{LONG}/template.yaml:4" in output  # one line when it fits
    assert max(len(line) for line in output.splitlines()) > 120


def test_no_color_turns_colours_off_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from faasguard.cli.scan import _render  # noqa: PLC0415 - the function under test
    from faasguard.config import ScanConfig  # noqa: PLC0415
    from faasguard.engine import scan  # noqa: PLC0415

    report = scan([str(TEMPLATE)], ScanConfig(select=("TIME001",)))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in _render(report, ScanConfig(), "text", None, None)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in _render(report, ScanConfig(), "text", None, None)


def test_junit_xml_has_a_failure_per_finding() -> None:
    code, output = _scan(str(TEMPLATE), "-f", "junit", "-q", "--select", "TIME,TRIG")
    assert code == 1
    root = ET.fromstring(output)
    failures = root.findall(".//testcase/failure")
    assert int(root.get("failures", "0")) == len(failures) > 0
    assert {f.get("type") for f in failures} <= {"info", "low", "medium", "high", "critical"}
    suites = {s.get("name", "").split()[0] for s in root.findall("testsuite")}
    assert "TIME001" in suites


def test_csv_has_a_row_per_finding() -> None:
    _, as_json = _scan(str(TEMPLATE), "-f", "json", "-q", "--select", "TIME")
    _, output = _scan(str(TEMPLATE), "-f", "csv", "-q", "--select", "TIME")
    rows = list(csv.DictReader(io.StringIO(output)))
    assert len(rows) == len(_findings(as_json))
    assert {r["rule_id"][:4] for r in rows} == {"TIME"}
    assert all(r["file"] == "template.yaml" and r["line"].isdigit() for r in rows)


def test_csv_cells_never_run_as_formulas() -> None:
    from faasguard.report.csv import _cell  # noqa: PLC0415 - the function under test

    assert [_cell(t) for t in ("=HYPERLINK(1)", "+1", "@SUM", "-2", "plain")] == [
        "'=HYPERLINK(1)",
        "'+1",
        "'@SUM",
        "'-2",
        "plain",
    ]
