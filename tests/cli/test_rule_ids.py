"""Rule ids on the command line and in the config file: an id naming no rule is an error
(exit 2) naming the closest ids, and a prefix names whole families only (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.config import rule_matches

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
runner = CliRunner()


def _scan(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["scan", str(SHOP), "--no-cache", "-f", "json", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("selector", "rule_id", "matches"),
    [
        ("DEP", "DEP001", True),
        ("DEP", "DEPLOY001", False),
        ("DEP0", "DEP001", True),
        ("DEP0", "DEPLOY001", False),
        ("DEPLOY", "DEPLOY001", True),
        ("TIME001", "TIME001", True),
        ("TIM", "TIME001", False),
        ("PERM05", "PERM051", True),
    ],
)
def test_prefixes_name_whole_families(selector: str, rule_id: str, matches: bool) -> None:
    assert rule_matches(selector, rule_id) is matches


def test_select_of_an_unknown_rule_is_an_error_naming_the_closest_ids() -> None:
    code, output = _scan("--select", "PRM001")
    assert code == 2
    assert "--select: unknown rule id or family 'PRM001' (closest: PERM001" in output
    code, output = _scan("--select", "NOPE")
    assert code == 2 and "unknown rule id or family 'NOPE'" in output


def test_ignore_of_an_unknown_rule_is_an_error() -> None:
    code, output = _scan("--ignore", "TIME9")
    assert code == 2
    assert "--ignore: unknown rule id or family 'TIME9' (closest: TIME" in output


def test_select_dep_runs_the_dep_family_and_not_deploy() -> None:
    code, output = _scan("--select", "DEP")
    assert code == 1
    rules = {f["rule_id"] for f in json.loads(output[output.index("{") :])["findings"]}
    assert rules and all(r.startswith("DEP0") for r in rules)
    code, output = _scan("--select", "DEPLOY")
    rules = {f["rule_id"] for f in json.loads(output[output.index("{") :])["findings"]}
    assert rules and all(r.startswith("DEPLOY") for r in rules)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('select = ["NOPE"]', "faasguard.toml: select: unknown rule id or family 'NOPE'"),
        ('ignore-rules = ["CDE"]', "faasguard.toml: ignore-rules: unknown rule id or family"),
        ('[severity]\nPERM999 = "low"', "faasguard.toml: severity: unknown rule id or family"),
        ('[severity]\nPERM = "low"', "faasguard.toml: severity.PERM: give a whole rule id"),
        (
            '[[ignore]]\nrule = "PRM001"\nreason = "x"',
            "faasguard.toml: ignore #1: unknown rule id or family 'PRM001' (closest: PERM001",
        ),
    ],
)
def test_unknown_rule_ids_in_the_config_file_are_errors(
    tmp_path: Path, setting: str, message: str
) -> None:
    config = tmp_path / "faasguard.toml"
    config.write_text(setting + "\n", encoding="utf-8")
    code, output = _scan("--config", str(config))
    assert code == 2
    assert message.replace("faasguard.toml", str(config)) in output
