"""The Spark engine (local mode) gives exactly the embedded engine's alerts.

One Spark session serves the whole file (the JVM takes seconds to start). The file skips,
saying why, when PySpark (the ``spark`` extra) or Java is missing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.logs.analyze import AnalyzeConfig, analyze
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.generator import generate
from faasguard.logs.ingest import discover
from faasguard.logs.pipeline import Options

pytest.importorskip("pyspark", reason="PySpark is not installed: pip install 'faasguard[spark]'")
if shutil.which("java") is None:
    pytest.skip("Java is not installed: the Spark engine needs Java 17", allow_module_level=True)

from faasguard.logs.engines.spark import SparkEngine, spark_session
from faasguard.rules import log_rules

runner = CliRunner()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local[2] Spark session for every Spark test."""
    session = spark_session("local[2]", app_name="faasguard-tests")
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """2 MB of mixed-container logs (every container, CloudTrail too) with incidents."""
    out = tmp_path_factory.mktemp("sparkgen")
    return out, generate(out, size=2_000_000, seed=3, container="mixed")


def _alerts(result: Any) -> list[tuple[Any, ...]]:
    return [
        (
            a.rule_id,
            a.function,
            a.start,
            a.end,
            a.message,
            tuple(tuple(sorted(e.to_dict().items())) for e in a.evidence),
        )
        for a in result.alerts
    ]


def test_spark_alerts_equal_embedded_alerts(spark: Any, logs: tuple[Path, dict[str, Any]]) -> None:
    root, truth = logs
    embedded = analyze([str(root)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)
    on_spark = analyze(
        [str(root)], AnalyzeConfig(history=None, engine="spark", master="local[2]"), rules=log_rules
    )
    assert _alerts(on_spark) == _alerts(embedded)
    # The whole summary, duration quantiles included: the sketch merges deterministically.
    assert on_spark.summary == embedded.summary
    assert on_spark.state.lines == embedded.state.lines
    assert on_spark.state.diagnostics.counts == embedded.state.diagnostics.counts
    # The incidents are really there: one per injected kind at least.
    rules = {a.rule_id for a in on_spark.alerts}
    assert {"LOG010", "LOG011", "LOG017", "LOG018", "LOG030"} <= rules
    assert len(truth["incidents"]) > 10


def test_spark_partitioning_does_not_change_the_state(
    spark: Any, logs: tuple[Path, dict[str, Any]]
) -> None:
    root, _ = logs
    one = analyze(
        [str(root)], AnalyzeConfig(history=None, engine="spark", master="local[2]"), rules=log_rules
    )
    sources = discover([str(root)], DiagnosticCounter())
    many = SparkEngine(session=spark, partitions=len(sources)).run(sources, Options())
    few = SparkEngine(session=spark, partitions=1).run(sources, Options())
    for state in (many, few):
        assert state.lines == one.state.lines
        assert {k: v.count for k, v in state.timeouts.items()} == {
            k: v.count for k, v in one.state.timeouts.items()
        }
        assert state.window_table().sort_by(
            [("function", "ascending"), ("window", "ascending")]
        ) == (
            one.state.window_table().sort_by([("function", "ascending"), ("window", "ascending")])
        )


def test_cli_engine_spark_matches_embedded(spark: Any, logs: tuple[Path, dict[str, Any]]) -> None:
    root, _ = logs
    args = ["logs", "analyze", str(root), "--format", "json", "--no-history", "--jobs", "1"]
    embedded = runner.invoke(app, args)
    on_spark = runner.invoke(app, [*args, "--engine", "spark", "--master", "local[2]"])
    assert on_spark.exit_code == embedded.exit_code == 1, on_spark.output

    def comparable(output: str) -> list[Any]:
        findings = json.loads(output)["findings"]
        return [(f["rule_id"], f["function"], f["message"], f["location"]) for f in findings]

    assert comparable(on_spark.stdout) == comparable(embedded.stdout)


def test_cli_rejects_an_unknown_engine(logs: tuple[Path, dict[str, Any]]) -> None:
    root, _ = logs
    result = runner.invoke(app, ["logs", "analyze", str(root), "--engine", "flink"])
    assert result.exit_code == 2
    assert "unknown --engine 'flink'" in result.stderr
