"""The ``faasguard logs`` commands as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from faasguard.cli import app

runner = CliRunner()


def test_analyze_json_follows_the_scan_contract(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    root, _ = generated
    result = runner.invoke(
        app,
        [
            "logs",
            "analyze",
            str(root),
            "--format",
            "json",
            "--history",
            str(tmp_path / "h.duckdb"),
            "--jobs",
            "1",
        ],
    )
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert body["tool"] == "faasguard"
    finding = next(f for f in body["findings"] if f["rule_id"] == "LOG010")
    assert {
        "rule_id",
        "severity",
        "practice",
        "title",
        "message",
        "function",
        "location",
        "fingerprint",
    } <= set(finding)
    assert finding["properties"]["evidence"][0]["line"] == finding["location"]["line"]
    assert {r["function"] for r in body["functions"]} >= {"checkout", "orders-api"}
    assert (tmp_path / "h.duckdb").is_file()


def test_analyze_text_sarif_and_function_filter(generated: tuple[Path, dict[str, Any]]) -> None:
    root, _ = generated
    text = runner.invoke(
        app, ["logs", "analyze", str(root), "--no-history", "--function", "checkout", "--jobs", "1"]
    )
    assert "Task timed out" in text.stdout or "timed out" in text.stdout
    assert "Functions:" in text.stdout and "orders-api " not in text.stdout.split("Functions:")[1]
    sarif = runner.invoke(
        app, ["logs", "analyze", str(root), "--no-history", "-f", "sarif", "--jobs", "1"]
    )
    assert json.loads(sarif.stdout)["version"] == "2.1.0"


def test_analyze_usage_errors(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["logs", "analyze", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "path not found" in missing.output
    bad = runner.invoke(app, ["logs", "analyze", str(tmp_path), "--format", "xml"])
    assert bad.exit_code == 2


def test_clean_logs_exit_zero(tmp_path: Path) -> None:
    (tmp_path / "aws" / "lambda" / "f").mkdir(parents=True)
    (tmp_path / "aws" / "lambda" / "f" / "a.log").write_text(
        "2024-05-01T10:00:00.000Z START RequestId: 1 Version: $LATEST\n"
    )
    result = runner.invoke(app, ["logs", "analyze", str(tmp_path), "--no-history"])
    assert result.exit_code == 0, result.output


def test_suggest_json_and_patches(generated: tuple[Path, dict[str, Any]]) -> None:
    root, _ = generated
    result = runner.invoke(app, ["logs", "suggest", str(root), "-f", "json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    rows = {r["function"]: r for r in json.loads(result.stdout)["functions"]}
    checkout = rows["checkout"]
    # checkout: 10 s configured (from its timeout lines); the generator's LOG019 incident
    # ran it for up to 9.2 s, so the recommendation goes up, not down (never below what ran).
    assert (
        checkout["timeout"]["configured_s"] == 10
        and checkout["timeout"]["source"] == "timeout lines"
    )
    # The longest run x 1.2 (9.2 s -> 12 s); three runs in ~3,300 stay above p99.9.
    assert checkout["timeout"]["recommended_s"] == 12
    # 512 MB configured, about 110 MB used: oversized.
    assert checkout["memory"]["recommended_mb"] == 192
    # report-export: 300 s configured, nothing near it: cut, and the exposure with it.
    export = rows["report-export"]
    assert export["timeout"]["configured_s"] == 300 and export["timeout"]["recommended_s"] == 93
    assert "log-bucket sketch" in export["timeout"]["confidence"]
    dow = export["denial_of_wallet"]
    assert (
        dow["exposure_usd_per_hour"]
        > dow["with_recommended_timeout_usd"]
        > dow["with_timeout_and_concurrency_cap_usd"]
    )
    assert dow["price"]["as_of"]
    sam = runner.invoke(app, ["logs", "suggest", str(root), "-f", "sam", "--jobs", "1"])
    assert "Timeout: 93\n" in sam.stdout and sam.stdout.startswith("Resources:")
    tf = runner.invoke(app, ["logs", "suggest", str(root), "-f", "terraform", "--jobs", "1"])
    assert 'resource "aws_lambda_function" "orders_api"' in tf.stdout


def test_suggest_refuses_on_too_few_samples(tmp_path: Path) -> None:
    group = tmp_path / "aws" / "lambda" / "tiny"
    group.mkdir(parents=True)
    (group / "a.log").write_text(
        "2024-05-01T10:00:00.000Z REPORT RequestId: 1\tDuration: 5.0 ms\tBilled Duration: 5 ms"
        "\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t\n"
    )
    result = runner.invoke(app, ["logs", "suggest", str(tmp_path)])
    assert "no recommendation: 1 invocation(s), at least 100 are needed" in result.stdout


def test_generate_command(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "logs",
            "generate",
            "--out",
            str(tmp_path / "g"),
            "--size",
            "200KB",
            "--seed",
            "1",
            "--format",
            "jsonl",
        ],
    )
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "g" / "jsonl").glob("*.jsonl"))
    assert json.loads((tmp_path / "g" / "ground_truth.json").read_text())["incidents"]
