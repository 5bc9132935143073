"""``faasguard payloads check``: one value, a file of values (jsonl), streaming, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from faasguard.cli.root import app

runner = CliRunner()


def test_one_value_text_output_and_exit_code() -> None:
    result = runner.invoke(app, ["payloads", "check", "<script>alert(1)</script>"])
    assert result.exit_code == 1
    assert result.stdout == "line 1: xss at 0-7 (confidence 0.95): <script\n"
    clean = runner.invoke(app, ["payloads", "check", "O'Brien"])
    assert (clean.exit_code, clean.stdout) == (0, "")


def test_file_jsonl_one_object_per_line_in_order(tmp_path: Path) -> None:
    values = tmp_path / "values.txt"
    # the line's exact text: a typed backslash-n stays two characters, a CR stays a CR
    values.write_bytes(b"hello\n1' or '1'='1\n\nC:\\new\n%0d%0aSet-Cookie: a=b\r\n")
    result = runner.invoke(app, ["payloads", "check", "--file", str(values), "--format", "jsonl"])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5]
    assert records[0]["detections"] == []
    assert records[1]["detections"] == [{"class": "sqli", "start": 1, "end": 10, "confidence": 0.9}]
    assert records[2]["detections"] == [] and records[3]["detections"] == []
    assert [d["class"] for d in records[4]["detections"]] == ["crlf"]


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = runner.invoke(app, ["payloads", "check", "--file", str(missing)])
    assert result.exit_code == 2
    assert f"{missing}: No such file or directory" in result.stderr


def test_stdin_answers_each_line_before_the_input_ends() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    command = [
        sys.executable,
        "-m",
        "faasguard.cli",
        "payloads",
        "check",
        "--file",
        "-",
        "-f",
        "jsonl",
    ]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"../../etc/passwd\n")
    process.stdin.flush()
    first = json.loads(process.stdout.readline())  # answered while stdin is still open
    assert first["line"] == 1 and first["detections"][0]["class"] == "path-traversal"
    process.stdin.write(b"fine\n")
    process.stdin.close()
    assert json.loads(process.stdout.readline()) == {"line": 2, "detections": []}
    assert process.wait(timeout=30) == 1
