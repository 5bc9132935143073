"""``faasguard guard policy`` and ``faasguard guard layer build`` as a user runs them."""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.guard import load_policy

SHOP = Path(__file__).parents[2] / "examples" / "shop"
runner = CliRunner()


def test_policy_from_what_scan_knows(tmp_path: Path) -> None:
    output = tmp_path / "guard.toml"
    result = runner.invoke(
        app, ["guard", "policy", str(SHOP), "--function", "OrderWorkerFunction", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert f"guard policy written to {output}" in result.stderr
    text = output.read_text()
    assert "# sinks the handler code reaches from the event: deserialization, sql-injection" in text
    assert "# AWS SDK calls to: dynamodb" in text
    policy = load_policy(output)
    assert policy.triggers == ("sqs",)
    assert policy.network.allow == ("*.amazonaws.com",)
    assert policy.processes.mode == "block"  # the code starts no process
    assert policy.inspect.mode == "block" and policy.network.mode == "monitor"


def test_policy_of_an_http_function_lists_its_api_trigger() -> None:
    result = runner.invoke(app, ["guard", "policy", str(SHOP), "--function", "CreateOrderFunction"])
    assert result.exit_code == 0, result.output
    assert load_policy(tomllib.loads(result.stdout)).triggers[0].startswith("apigw-")


def test_policy_needs_one_python_function() -> None:
    several = runner.invoke(app, ["guard", "policy", str(SHOP)])
    assert several.exit_code == 2
    assert "choose one with --function" in several.stderr
    assert "OrderWorkerFunction" in several.stderr
    node = runner.invoke(app, ["guard", "policy", str(SHOP), "--function", "ProcessUploadFunction"])
    assert node.exit_code == 2
    assert "runs nodejs16.x: the runtime guard is for Python handlers" in node.stderr
    missing = runner.invoke(app, ["guard", "policy", str(SHOP / "nope")])
    assert missing.exit_code == 2 and "path not found" in missing.stderr


def test_layer_build_is_reproducible_and_holds_only_the_guard(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    for target in (first, second):
        result = runner.invoke(app, ["guard", "layer", "build", "-o", str(target), "--no-native"])
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    names = zipfile.ZipFile(first).namelist()
    assert names[0] == "faasguard-guard"
    assert {n.split("/")[2] for n in names if n.startswith("python/faasguard/")} == {
        "__init__.py",
        "__pycache__",  # __init__ and secrets compiled ahead
        "secrets.py",
        "guard",
        "payloads",
    }
    assert "AWS_LAMBDA_EXEC_WRAPPER" in result.stderr
    bad = runner.invoke(app, ["guard", "layer", "build", "-o", str(tmp_path / "no" / "x.zip")])
    assert bad.exit_code == 2 and "does not exist" in bad.stderr
