"""End to end through the Lambda runtime: the layer built by ``faasguard guard layer build``,
its exec wrapper and awslambdaric (the AWS Lambda Python runtime interface client) against a
Runtime API server on 127.0.0.1, showing block, monitor, partial batch failure, the typed
error of async triggers, the timeout budget and redaction of what the handler logs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from guard_events import apigw_v2, s3, sqs
from runtime_api import RuntimeApi
from typer.testing import CliRunner

from faasguard.cli import app as cli
from faasguard.guard.shipped import DATABASES
from faasguard.payloads.engine import hyperscan_available

pytest.importorskip("awslambdaric")

SQLI = "1' OR '1'='1"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
APP = f"""\
import logging, time

def handler(event, context):
    if event.get("queryStringParameters", {{}}).get("q") == "slow":
        time.sleep(10)
    logging.getLogger().warning("using key {AWS_KEY}")
    print("password=hunter2hunter2 in a print")
    if "Records" in event:
        return {{"seen": [r["messageId"] for r in event["Records"]]}}
    return {{"statusCode": 200, "body": "ok"}}
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer zip, built by the CLI and unpacked as Lambda would under /opt."""
    base = tmp_path_factory.mktemp("layer")
    result = CliRunner().invoke(cli, ["guard", "layer", "build", "-o", str(base / "layer.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(base / "layer.zip") as archive:
        names = archive.namelist()
        assert archive.getinfo("faasguard-guard").external_attr >> 16 == 0o100755
        archive.extractall(base / "opt")
    assert "python/faasguard/guard/entry.py" in names
    assert "python/faasguard/payloads/__init__.py" in names
    assert "python/detect_secrets/__init__.py" in names
    assert not any(name.startswith("python/faasguard/loaders/") for name in names)
    assert not any("libinjection" in name for name in names)  # GPL-3.0: only on request
    # compiled ahead: /opt is read-only, so a cold start would compile every module again
    tag = sys.implementation.cache_tag
    assert f"python/faasguard/guard/__pycache__/entry.{tag}.pyc" in names
    assert f"python/detect_secrets/__pycache__/__init__.{tag}.pyc" in names
    if hyperscan_available():  # the serialized database: a cold start's /tmp is empty
        assert any(name.startswith(f"python/{DATABASES}/hs-") for name in names)
    (base / "opt" / "faasguard-guard").chmod(0o755)
    return base / "opt"


@pytest.fixture
def function(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def _start(layer: Path, task: Path, api: RuntimeApi, policy: str) -> subprocess.Popen[str]:
    # the machine's /tmp is shared and large: the function gets a directory of its own
    (task / "scratch").mkdir(exist_ok=True)
    policy += f'\n[tmp]\npath = "{task / "scratch"}"\n'
    (task / "faasguard-guard.toml").write_text(policy)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "PYTHON", "FAASGUARD_"))
    }
    env.update(
        AWS_LAMBDA_RUNTIME_API=api.address,
        AWS_LAMBDA_EXEC_WRAPPER=str(layer / "faasguard-guard"),
        AWS_LAMBDA_FUNCTION_NAME="orders",
        LAMBDA_TASK_ROOT=str(task),
        _HANDLER="app.handler",
        # an empty cache, as the empty /tmp of a cold start
        FAASGUARD_CACHE=str(task / "cache"),
    )
    # what the managed runtime's bootstrap does with AWS_LAMBDA_EXEC_WRAPPER
    command = [str(layer / "faasguard-guard"), sys.executable, "-m", "awslambdaric", "app.handler"]
    return subprocess.Popen(
        command, cwd=task, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.fixture
def runtime() -> Iterator[RuntimeApi]:
    with RuntimeApi() as api:
        yield api


def _stop(process: subprocess.Popen[str]) -> list[dict[str, Any]]:
    process.kill()
    output, _ = process.communicate(timeout=30)
    lines = [line for line in output.splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines if '"faasguard-guard' in line], output


BLOCK = """\
[inspect]
mode = "block"
[timeout]
margin_ms = 700
"""


def test_block_partial_batch_async_error_and_timeout_budget(
    layer: Path, function: Path, runtime: RuntimeApi
) -> None:
    process = _start(layer, function, runtime, BLOCK)
    try:
        runtime.invoke("attack", apigw_v2(SQLI))
        kind, body = runtime.wait("attack")
        assert kind == "response" and body["statusCode"] == 403
        assert json.loads(body["body"])["message"] == "Forbidden"

        runtime.invoke("benign", apigw_v2("blue shoes"))
        assert runtime.wait("benign") == ("response", {"statusCode": 200, "body": "ok"})

        runtime.invoke("batch", sqs('{"n": "ann"}', json.dumps({"n": SQLI})))
        kind, body = runtime.wait("batch")
        assert body == {"seen": ["m0"], "batchItemFailures": [{"itemIdentifier": "m1"}]}

        runtime.invoke("upload", s3("a/..%2F..%2F..%2F..%2Fetc%2Fpasswd"))
        kind, body = runtime.wait("upload")
        assert kind == "error" and body["errorType"] == "GuardBlockedError"

        started = time.monotonic()
        runtime.invoke("slow", apigw_v2("slow"), budget_ms=2_000)
        kind, body = runtime.wait("slow")
        assert kind == "response" and body["statusCode"] == 503
        assert time.monotonic() - started < 5  # not the handler's 10 s sleep
    finally:
        events, output = _stop(process)
    kinds = [(e["faasguard"]["event"], e["faasguard"]["action"], e["requestId"]) for e in events]
    assert ("injection", "blocked", "attack") in kinds
    assert ("injection", "blocked", "batch") in kinds
    assert ("injection", "blocked", "upload") in kinds
    assert ("timeout", "blocked", "slow") in kinds
    assert all(e["faasguard"]["function"] == "orders" for e in events)
    # what the handler logs and prints goes out redacted
    assert "using key [redacted" in output and AWS_KEY not in output
    assert "hunter2hunter2" not in output


def test_monitor_mode_lets_the_attack_through_and_logs_it(
    layer: Path, function: Path, runtime: RuntimeApi
) -> None:
    process = _start(layer, function, runtime, '[inspect]\nmode = "monitor"\n')
    try:
        runtime.invoke("attack", apigw_v2(SQLI))
        assert runtime.wait("attack") == ("response", {"statusCode": 200, "body": "ok"})
    finally:
        events, _ = _stop(process)
    assert [(e["faasguard"]["event"], e["faasguard"]["action"]) for e in events][:1] == [
        ("injection", "monitored")
    ]


def test_bad_policy_fails_the_init_instead_of_running_unguarded(
    layer: Path, function: Path, runtime: RuntimeApi
) -> None:
    process = _start(layer, function, runtime, '[inspect]\nmode = "deny"\n')
    try:
        runtime.invoke("first", apigw_v2("shoes"))
        kind, body = runtime.wait("first")
    finally:
        _stop(process)
    assert kind == "init-error"
    assert "mode must be one of" in body["errorMessage"]


def _pyc_flags(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[4:8], "little")


def test_cold_start_uses_the_shipped_database_and_compiled_modules(
    layer: Path, function: Path, runtime: RuntimeApi
) -> None:
    entry_pyc = (
        layer / "python/faasguard/guard/__pycache__" / f"entry.{sys.implementation.cache_tag}.pyc"
    )
    assert _pyc_flags(entry_pyc) == 0b01  # unchecked hash-based
    process = _start(layer, function, runtime, "")
    try:
        runtime.invoke("first", apigw_v2(SQLI))
        kind, body = runtime.wait("first")
    finally:
        _stop(process)
    assert kind == "response" and body["statusCode"] == 403
    # the interpreter used the pyc (a rejected one is replaced by a time-stamped one)
    assert _pyc_flags(entry_pyc) == 0b01
    if hyperscan_available():
        # loaded from the layer: the engine replaces the link with a file when it compiles
        cached = list((function / "cache").glob("hs-*.db"))
        assert cached and all(path.is_symlink() for path in cached)
        assert cached[0].resolve().parent == (layer / "python" / DATABASES).resolve()


@pytest.mark.skipif(not hyperscan_available(), reason="the database is Hyperscan's")
def test_a_shipped_database_that_does_not_load_is_compiled_instead(
    layer: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "opt"
    shutil.copytree(layer, copy)
    for database in (copy / "python" / DATABASES).glob("hs-*.db"):
        database.write_bytes(b"built for another platform")
    script = (
        "from faasguard.guard import guard\n"
        "handler = guard()(lambda event, context: {'statusCode': 200})\n"
        f"print(handler({apigw_v2(SQLI)!r}, None)['statusCode'])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FAASGUARD_"))}
    env.update(PYTHONPATH=str(copy / "python"), FAASGUARD_CACHE=str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "403"
    cached = list((tmp_path / "cache").glob("hs-*.db"))
    assert cached and not any(path.is_symlink() for path in cached)  # compiled and saved
