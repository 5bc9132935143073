"""Hangs of issue 16: each reproducer runs faasguard in a child with bounded time and
memory and asserts the exit code and the one-line diagnostic naming the path."""

from __future__ import annotations

import json
import os
import resource
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: Whether a mode-000 file is unreadable to faasguard here (as root: run without the
#: capabilities that bypass permissions, through setpriv; see conftest.py).
PERMISSIONS_APPLY = os.geteuid() != 0 or shutil.which("setpriv") is not None

TEMPLATE_HEAD = "AWSTemplateFormatVersion: '2010-09-09'\n"


def _line_with(output: str, *parts: str) -> str:
    """The one output line holding every one of ``parts`` (fails with the output)."""
    for line in output.splitlines():
        if all(part in line for part in parts):
            return line
    raise AssertionError(f"no line with {parts!r} in:\n{output}")


def _diagnostic(stdout: str, *parts: str) -> str:
    """``file:line: message`` of the JSON report's diagnostic holding every one of ``parts``."""
    lines = [
        f"{d['location']['file']}:{d['location']['line']}: {d['message']}"
        for d in json.loads(stdout)["diagnostics"]
    ]
    return _line_with("\n".join(lines), *parts)


@pytest.mark.parametrize(
    "body",
    [
        "Resources: &a\n  X: *a\n",
        "Resources:\n  F:\n    Type: AWS::SNS::Topic\na: &a [*a]\n",
        "Resources:\n  F: &f\n    Type: AWS::SNS::Topic\n    Properties: {<<: *f}\n",
    ],
    ids=["resources-contains-itself", "list-contains-itself", "merge-of-itself"],
)
def test_a_recursive_alias_is_a_located_error_not_a_hang(
    run_faasguard: Callable[..., Any], tmp_path: Path, body: str
) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE_HEAD + body, encoding="utf-8")
    run = run_faasguard(
        "scan", str(tmp_path), "--no-cache", "-f", "json", seconds=60, memory_mb=2048
    )
    assert run.code == 2, run.output
    _diagnostic(run.stdout, "template.yaml:", "recursive alias")
    assert run.seconds < 60


_FIFO_NAMES = (
    "template.yaml",
    "stack.yml",
    "data.json",
    "app.template",
    "package.json",
    "serverless.yml",
    "infra/main.tf",
)


def test_fifos_named_like_inputs_do_not_block_discovery(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    (tree / "infra").mkdir(parents=True)
    for name in _FIFO_NAMES:
        os.mkfifo(tree / name)
    real = tree / "real"
    real.mkdir()
    (real / "template.yaml").write_text(
        TEMPLATE_HEAD + "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n", encoding="utf-8"
    )
    run = run_faasguard("scan", str(tree), "--no-cache", "-f", "json", seconds=60)
    assert run.code == 2, run.output
    for name in _FIFO_NAMES:
        _diagnostic(run.stdout, f"{name}:0: not a regular file (FIFO)")
    assert "Traceback" not in run.output


def test_a_fifo_tf_beside_real_tf_files_does_not_block_terraform(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n', encoding="utf-8"
    )
    os.mkfifo(infra / "extra.tf")
    run = run_faasguard("scan", str(infra), "--no-cache", "-f", "json", seconds=60)
    assert run.code == 2, run.output
    _diagnostic(run.stdout, "extra.tf:0: not a regular file (FIFO)")
    assert "Traceback" not in run.output


@pytest.mark.parametrize("name", ["big.yaml", "serverless.yml"])
def test_a_file_over_the_size_cap_is_refused_before_it_is_read(
    run_faasguard: Callable[..., Any], tmp_path: Path, name: str
) -> None:
    with (tmp_path / name).open("wb") as handle:
        handle.write(TEMPLATE_HEAD.encode() + b"Resources:\n")
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB without using the disk
    # A scan of a small app runs in 400 MB of address space; reading the file whole (and
    # decoding it) would need 400 MB more.
    run = run_faasguard("scan", str(tmp_path), "--no-cache", "-f", "json", memory_mb=450)
    assert run.code == 2, run.output
    _diagnostic(run.stdout, f"{name}:0: file larger than 20 MiB")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Resource:\n  T:\n    Type: AWS::SNS::Topic\n", "'Resource' looks like a misspelling"),
        ("resources:\n  T:\n    Type: AWS::SNS::Topic\n", "'resources' looks like a misspelling"),
        ("Description: no resources at all\n", "declares AWSTemplateFormatVersion"),
    ],
    ids=["singular", "lower-case", "missing"],
)
def test_a_declared_template_without_resources_is_reported(
    run_faasguard: Callable[..., Any], tmp_path: Path, body: str, expected: str
) -> None:
    (tmp_path / "stack.yaml").write_text(TEMPLATE_HEAD + body, encoding="utf-8")
    run = run_faasguard("scan", str(tmp_path), "--no-cache", "-f", "json", seconds=60)
    assert run.code == 2, run.output
    _diagnostic(run.stdout, "stack.yaml:", "no 'Resources' section", expected)


def test_a_sam_transform_without_resources_is_reported(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "sam.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nGlobals: {}\n", encoding="utf-8"
    )
    run = run_faasguard("scan", str(tmp_path), "--no-cache", "-f", "json", seconds=60)
    assert run.code == 2, run.output
    _diagnostic(run.stdout, "sam.yaml:", "no 'Resources' section", "Transform")


@pytest.mark.skipif(not PERMISSIONS_APPLY, reason="root without setpriv reads a mode-000 file")
def test_an_unreadable_subdirectory_is_a_diagnostic_not_a_traceback(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        run = run_faasguard(
            "scan", str(tmp_path), "--no-cache", "-f", "json", seconds=60, honour_permissions=True
        )
    finally:
        locked.chmod(0o755)
    assert run.code == 2, run.output
    _diagnostic(run.stdout, "locked:0: cannot list directory")
    assert "Traceback" not in run.output


@pytest.mark.skipif(not PERMISSIONS_APPLY, reason="root without setpriv reads a mode-000 file")
def test_an_unreadable_template_is_a_diagnostic_not_a_silent_skip(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE_HEAD + "Resources: {}\n", encoding="utf-8")
    template.chmod(0)
    run = run_faasguard(
        "scan", str(tmp_path), "--no-cache", "-f", "json", seconds=60, honour_permissions=True
    )
    assert run.code == 2, run.output
    _diagnostic(run.stdout, "template.yaml:0: cannot read file")


def test_a_fifo_and_a_link_to_dev_zero_among_logs_do_not_block(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    os.mkfifo(logs / "pipe.log")
    (logs / "zero.log").symlink_to("/dev/zero")
    (logs / "ok.log").write_text(
        "2024-01-01T00:00:00.000Z START RequestId: 1 Version: $LATEST\n", encoding="utf-8"
    )
    run = run_faasguard("logs", "analyze", str(logs), seconds=60, memory_mb=2048)
    assert run.code == 2, run.output  # inputs that could not be read: as 'scan' does
    _line_with(run.output, "pipe.log", "not a regular file")
    _line_with(run.output, "zero.log", "not a regular file")
    assert "Traceback" not in run.output


def test_logs_analyze_exits_0_when_every_source_was_read(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "ok.log").write_text(
        "2024-01-01T00:00:00.000Z START RequestId: 1 Version: $LATEST\n", encoding="utf-8"
    )
    run = run_faasguard("logs", "analyze", str(logs), seconds=60, memory_mb=2048)
    assert run.code == 0, run.output


def _sam_functions(count: int) -> str:
    lines = [TEMPLATE_HEAD.rstrip(), "Transform: AWS::Serverless-2016-10-31", "Resources:"]
    for index in range(count):
        lines += [
            f"  Fn{index}:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            "      Runtime: python3.12",
            "      Handler: app.handler",
            "      CodeUri: src/",
            "      Policies:",
            "        - AdministratorAccess",
        ]
    return "\n".join(lines) + "\n"


def test_many_functions_sharing_a_managed_policy_scan_in_bounded_cpu_time(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    functions = 150
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(_sam_functions(functions), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = run_faasguard(
        "scan", str(tmp_path), "--no-cache", "--jobs", "1", "--select", "PERM", seconds=600
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert run.code == 1, run.output
    assert run.output.count("has administrator access") == functions, run.output[-2000:]
    assert cpu < 120, f"{cpu:.0f} s of CPU for {functions} functions"
