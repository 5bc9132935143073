"""``faasguard rules``: the catalogue and one rule's documentation."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from faasguard.cli import app

runner = CliRunner()


def test_rules_list_and_doc() -> None:
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0 and "TIME002" in result.output
    result = runner.invoke(app, ["rules", "time002"])
    assert result.exit_code == 0
    for section in ("What it finds:", "Why it matters:", "How to fix:"):
        assert section in result.output
    result = runner.invoke(app, ["rules", "NOPE999"])
    assert result.exit_code == 2


def test_rule_json() -> None:
    result = runner.invoke(app, ["rules", "TIME002", "--format", "json"])
    assert result.exit_code == 0
    rule = json.loads(result.output)
    assert rule["id"] == "TIME002" and rule["severity"] and "What it finds" in rule["doc"]


def test_rule_doc_shows_its_thresholds_once() -> None:
    # The docstring says "see Thresholds"; the numbers come from the rule's field.
    result = runner.invoke(app, ["rules", "LOG020"])
    assert result.exit_code == 0
    assert "Thresholds:\n  min_throttles: 5" in result.output
    rule = json.loads(runner.invoke(app, ["rules", "LOG020", "--format", "json"]).output)
    assert rule["thresholds"] == {"min_throttles": 5} and rule["source"] == "cloudtrail"
