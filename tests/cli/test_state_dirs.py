"""``logs analyze --history`` and ``logs watch --state`` never create missing directories
silently: faasguard's own ``.faasguard`` is created and said so, anything else is an error
(issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from faasguard.cli import app

runner = CliRunner()


def _logs(root: Path) -> Path:
    folder = root / "logs" / "aws" / "lambda" / "api"
    folder.mkdir(parents=True)
    (folder / "a.log").write_text(
        "2024-05-01T10:00:00.000Z REPORT RequestId: 0f2a9c1e-0b7a-4d4e-9c51-7a0f3b2e9d11\t"
        "Duration: 5.0 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n"
    )
    return root / "logs"


def test_history_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    history = tmp_path / "missing" / "h.duckdb"
    result = runner.invoke(
        app, ["logs", "analyze", str(_logs(tmp_path)), "--history", str(history)]
    )
    assert result.exit_code == 2
    assert f"--history {history}: directory {history.parent} does not exist" in result.output
    assert not history.parent.exists()


def test_the_default_history_directory_is_created_and_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = _logs(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["logs", "analyze", str(logs), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "created .faasguard for logs.duckdb" in result.output
    assert (tmp_path / ".faasguard" / "logs.duckdb").is_file()


def test_watch_state_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "nowhere" / "w.duckdb"
    result = runner.invoke(
        app, ["logs", "watch", "--log-group", "/aws/lambda/x", "--once", "--state", str(state)]
    )
    assert result.exit_code == 2
    assert f"directory {state.parent} does not exist" in result.output
    assert not state.parent.exists()
