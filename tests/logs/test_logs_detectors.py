"""Every detector against the generator's ground truth: measured precision and recall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faasguard.logs.analyze import Analysis, AnalyzeConfig, analyze
from faasguard.logs.score import score
from faasguard.rules import log_rules


@pytest.fixture(scope="module")
def analysis(generated: tuple[Path, dict[str, Any]]) -> Analysis:
    root, _ = generated
    return analyze([str(root)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)


def test_precision_and_recall_of_every_rule(
    analysis: Analysis, generated: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = generated
    table = score(analysis.alerts, truth)
    expected = {i["rule_id"] for i in truth["incidents"]}
    assert set(table) == expected, f"alerts for rules without incidents: {set(table) - expected}"
    for rule_id, row in table.items():
        assert row["recall"] == 1.0, f"{rule_id} missed incidents: {row}"
        assert row["precision"] == 1.0, f"{rule_id} false positives: {row}"


def test_evidence_points_at_lines(analysis: Analysis) -> None:
    timeouts = [a for a in analysis.alerts if a.rule_id == "LOG010" and a.function == "checkout"]
    assert timeouts and timeouts[0].evidence
    first = timeouts[0].evidence[0]
    text = Path(first.source).read_bytes()
    line = text[first.offset :].split(b"\n", 1)[0].decode()
    assert "Task timed out after 10.00 seconds" in line
    assert text[: first.offset].count(b"\n") + 1 == first.line


def test_secrets_are_redacted(analysis: Analysis) -> None:
    leaks = [a for a in analysis.alerts if a.rule_id == "LOG018"]
    assert len(leaks) == 4
    for alert in leaks:
        for evidence in alert.evidence:
            assert "[redacted " in evidence.text and "MIIE" not in evidence.text
            assert "AKIAIOSFODNN7EXAMPLQ" not in evidence.text
            assert "a1B2c3D4e5F6g7H8i9J0" not in evidence.text


def test_json_container_evidence_names_stream_and_event(analysis: Analysis) -> None:
    notify = [a for a in analysis.alerts if a.function == "notify" and a.rule_id == "LOG017"]
    evidence = notify[0].evidence[0]
    assert evidence.stream.startswith("2024/05/01/[$LATEST]") and evidence.event_id


def test_summary_per_function(analysis: Analysis) -> None:
    rows = {r["function"]: r for r in analysis.summary}
    assert set(rows) == {
        "checkout",
        "orders-api",
        "image-resize",
        "payments",
        "notify",
        "report-export",
    }
    checkout = rows["checkout"]
    assert checkout["invocations"] > 1000 and checkout["timeouts"] == 3
    assert 90 < checkout["p50_ms"] < 150 and checkout["cost_usd"] > 0


def test_history_makes_known_types_old(
    tmp_path: Path, generated: tuple[Path, dict[str, Any]]
) -> None:
    root, _ = generated
    db = str(tmp_path / "logs.duckdb")
    first = analyze([str(root)], AnalyzeConfig(history=db, jobs=1), rules=log_rules)
    assert any(a.rule_id == "LOG013" for a in first.alerts)
    second = analyze([str(root)], AnalyzeConfig(history=db, jobs=1), rules=log_rules)
    assert not any(a.rule_id == "LOG013" for a in second.alerts)
    # Window baselines come from history too, so the spikes are still spikes.
    assert any(a.rule_id == "LOG015" for a in second.alerts)


def test_parallel_engine_gives_the_same_alerts(
    generated: tuple[Path, dict[str, Any]], analysis: Analysis
) -> None:
    root, _ = generated
    parallel = analyze([str(root)], AnalyzeConfig(history=None, jobs=2), rules=log_rules)
    key = [(a.rule_id, a.function, a.start, a.key) for a in analysis.alerts]
    assert [(a.rule_id, a.function, a.start, a.key) for a in parallel.alerts] == key
