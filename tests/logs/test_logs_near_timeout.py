"""LOG019: completed invocations that ran at least 80 % of the configured timeout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.logs.analyze import AnalyzeConfig, analyze
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import discover
from faasguard.logs.pipeline import Options, process_source
from faasguard.logs.stats import FunctionStats
from faasguard.rules import log_rules

runner = CliRunner()


def _report(minute: int, duration: float, rid: str) -> str:
    return (
        f"2024-05-01T10:{minute:02d}:00.000Z REPORT RequestId: {rid}\tDuration: {duration} ms\t"
        f"Billed Duration: {int(duration) + 1} ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n"
    )


def _write_logs(root: Path, *, with_timeout_line: bool) -> Path:
    folder = root / "aws" / "lambda" / "api"
    folder.mkdir(parents=True)
    rid = "0f2a9c1e-0b7a-4d4e-9c51-7a0f3b2e9d1{}"
    lines = [
        _report(1, 120.5, rid.format(1)),
        _report(2, 2399.99, rid.format(2)),  # just under 80 % of 3 s: not counted
        _report(3, 2400.0, rid.format(3)),  # exactly 80 %
        _report(7, 2950.25, rid.format(4)),
    ]
    if with_timeout_line:
        lines.append(
            f"2024-05-01T10:09:00.000Z 2024-05-01T10:09:00.000Z {rid.format(5)} "
            "Task timed out after 3.00 seconds\n"
        )
        lines.append(_report(9, 3001.7, rid.format(5)))  # the timed-out one: LOG010's
    path = folder / "2024-05-01-10.log"
    path.write_text("".join(lines))
    return path


def _near(root: Path, **config: Any) -> list[Any]:
    result = analyze([str(root)], AnalyzeConfig(history=None, jobs=1, **config), rules=log_rules)
    return [a for a in result.alerts if a.rule_id == "LOG019"]


def test_timeout_from_the_logs_counts_completed_invocations_at_80_percent(
    tmp_path: Path,
) -> None:
    path = _write_logs(tmp_path, with_timeout_line=True)
    (alert,) = _near(tmp_path)
    assert alert.function == "api"
    assert alert.properties["count"] == 2
    assert alert.properties["timeout_s"] == 3.0
    assert alert.properties["timeout_source"] == "timeout lines"
    assert alert.properties["longest_ms"] == 2950.25
    text = path.read_bytes()
    starts = [0, *[i + 1 for i, c in enumerate(text) if c == 10]]
    # Longest first: line 4 (2950.25 ms), then line 3 (2400 ms); offsets in the file.
    assert [(e.line, e.offset) for e in alert.evidence] == [(4, starts[3]), (3, starts[2])]
    assert {e.source for e in alert.evidence} == {str(path)}
    assert alert.start.isoformat() == "2024-05-01T10:03:00+00:00"
    assert alert.end.isoformat() == "2024-05-01T10:07:01+00:00"
    assert "2 invocation(s) of api ran for at least 80% of its 3 s timeout" in alert.message


def test_no_configured_timeout_no_alert(tmp_path: Path) -> None:
    _write_logs(tmp_path, with_timeout_line=False)
    assert _near(tmp_path) == []


def test_app_timeout_wins_over_the_logs(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    _write_logs(logs, with_timeout_line=True)
    template = tmp_path / "app" / "template.yaml"
    template.parent.mkdir()
    template.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      FunctionName: api\n"
        "      Runtime: python3.12\n"
        "      Handler: app.handler\n"
        "      CodeUri: src/\n"
        "      Timeout: 3\n"
    )
    result = runner.invoke(
        app,
        ["logs", "analyze", str(logs), "--app", str(template.parent), "--no-history", "-f", "json"],
    )
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    (finding,) = [f for f in body["findings"] if f["rule_id"] == "LOG019"]
    assert finding["function"] == "api"
    assert finding["properties"]["timeout_source"] == "app"
    assert finding["properties"]["count"] == 2
    # A longer configured timeout moves the threshold: 80 % of 4 s is 3.2 s, nothing above.
    template.write_text(template.read_text().replace("Timeout: 3", "Timeout: 4"))
    result = runner.invoke(
        app,
        ["logs", "analyze", str(logs), "--app", str(template.parent), "--no-history", "-f", "json"],
    )
    body = json.loads(result.stdout)
    assert [f for f in body["findings"] if f["rule_id"] == "LOG019"] == []


def test_buckets_merge_in_any_order(tmp_path: Path) -> None:
    """States of two files merged either way give the same counts, times and longest lines."""
    _write_logs(tmp_path, with_timeout_line=True)
    other = tmp_path / "aws" / "lambda" / "api" / "2024-05-01-11.log"
    other.write_text(
        _report(1, 2800.0, "1f2a9c1e-0b7a-4d4e-9c51-7a0f3b2e9d11").replace("T10:", "T11:")
        + _report(2, 2950.25, "1f2a9c1e-0b7a-4d4e-9c51-7a0f3b2e9d12").replace("T10:", "T11:")
    )
    first, second = discover([str(tmp_path)], DiagnosticCounter())
    one = process_source(first, Options()).merge(process_source(second, Options()))
    two = process_source(second, Options()).merge(process_source(first, Options()))
    a, b = one.functions["api"], two.functions["api"]
    assert a.duration_buckets == b.duration_buckets
    assert a.completed_at_least(2400.0)[0] == 4
    assert a.longest == b.longest
    # Equal durations: the earlier invocation comes first.
    assert [(d, e.line) for d, _, e in a.longest[:2]] == [(2950.25, 4), (2950.25, 2)]


def test_generated_near_timeout_incident_is_found(generated: tuple[Path, dict[str, Any]]) -> None:
    root, truth = generated
    (incident,) = [i for i in truth["incidents"] if i["rule_id"] == "LOG019"]
    (alert,) = _near(root)
    assert alert.function == incident["function"]
    assert alert.properties["count"] == 3
    assert incident["start"] <= alert.start.strftime("%Y-%m-%dT%H:%M:%SZ") < incident["end"]


def test_duration_quantiles_are_deterministic_and_within_half_a_percent() -> None:
    """What the summary and ``logs suggest`` read: the same value for any split and merge
    order (the KLL sketch used before moved p99.9 by 20 % between runs of the same logs)."""
    rng = np.random.default_rng(3)
    durations = rng.lognormal(4.0, 1.0, 20_000)
    whole = FunctionStats()
    whole.add_durations(durations)
    parts = [FunctionStats() for _ in range(3)]
    for index, part in enumerate(parts):
        part.add_durations(durations[index::3])
    merged = FunctionStats()
    for part in reversed(parts):
        merged.merge(part)
    ordered = np.sort(durations)
    for q in (0.0, 0.5, 0.99, 0.999, 1.0):
        value = whole.quantile(q)
        assert value is not None and value == merged.quantile(q)
        exact = ordered[int(q * (len(ordered) - 1))]
        assert abs(value - exact) <= 0.005 * exact
    zero = FunctionStats()
    zero.add_durations(np.array([0.0, 0.0, 5.0]))
    assert zero.quantile(0.5) == 0.0 and FunctionStats().quantile(0.5) is None
