"""LOG038: the runtime guard's own security events, read back by ``faasguard logs analyze``
(guard, logs and scan share one picture)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.guard import events, guard
from faasguard.guard.limits import activate

SQLI = "1' OR '1'='1"


def _http(q: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "GET /",
        "rawPath": "/",
        "requestContext": {"http": {"method": "GET"}},
        "queryStringParameters": {"q": q},
    }


@pytest.fixture
def guard_log(tmp_path: Path) -> Path:
    """A Lambda log file of ``orders`` with what a guarded handler wrote."""
    buffer = io.StringIO()
    events.stream = buffer
    events.reset_seen()
    try:
        handler = guard(redaction="off", tmp={"path": str(tmp_path)})(lambda e, c: "ok")
        handler(_http(SQLI), None)
        handler(_http("blue shoes"), None)
        handler(_http("../../../../etc/passwd"), None)
        # an attacker-chosen key: the logged path must not read as a payload itself
        handler(_http("x") | {"queryStringParameters": {"../../../../etc/passwd": SQLI}}, None)
    finally:
        events.stream = None
        activate(None)
    folder = tmp_path / "logs" / "aws" / "lambda" / "orders"
    folder.mkdir(parents=True)
    lines = [f"{json.loads(line)['timestamp']} {line}" for line in buffer.getvalue().splitlines()]
    lines.append("2026-12-07T21:40:00.000Z starting faasguard-guard checks for the order")
    (folder / "2026-12-07.log").write_text("\n".join(lines) + "\n")
    return tmp_path / "logs"


def _findings(root: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(
        app, ["logs", "analyze", str(root), "--format", "json", "--no-history", "--jobs", "1"]
    )
    assert result.exit_code in (0, 1), result.output
    return list(json.loads(result.stdout)["findings"])


def test_guard_events_are_one_finding_per_kind_and_not_logged_payloads(guard_log: Path) -> None:
    findings = _findings(guard_log)
    assert [(f["rule_id"], f["severity"]) for f in findings] == [("LOG038", "medium")]
    (finding,) = findings
    assert finding["function"] == "orders"
    # the SQL injection, the traversal, and the attacker's key and its value (two leaves)
    assert finding["properties"]["count"] == 4
    assert finding["properties"]["category"] == "injection"
    assert "reported 4 injection event(s)" in finding["message"]


def test_behaviour_limit_events_are_high(tmp_path: Path) -> None:
    folder = tmp_path / "aws" / "lambda" / "orders"
    folder.mkdir(parents=True)
    event = {
        "timestamp": "2026-12-07T21:40:00.000Z",
        "level": "WARN",
        "logger": "faasguard.guard",
        "message": "faasguard-guard network monitored: connect to 203.0.113.9:443",
        "faasguard": {"event": "network", "action": "monitored", "target": "203.0.113.9:443"},
    }
    (folder / "a.log").write_text(f"2026-12-07T21:40:00.000Z {json.dumps(event)}\n")
    findings = _findings(tmp_path)
    assert [(f["rule_id"], f["severity"]) for f in findings] == [("LOG038", "high")]
    assert "went outside its policy" in findings[0]["message"]


def test_lines_that_only_mention_the_guard_are_not_events(tmp_path: Path) -> None:
    folder = tmp_path / "aws" / "lambda" / "orders"
    folder.mkdir(parents=True)
    (folder / "a.log").write_text(
        "2026-12-07T21:40:00.000Z installing faasguard-guard layer version 3\n"
        "2026-12-07T21:40:01.000Z faasguard-guard injection rules loaded\n"
    )
    assert _findings(tmp_path) == []
