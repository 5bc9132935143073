"""Without a history database the baselines are computed in Python: the same rows, to the
bit, as DuckDB's baseline query over an empty history, and DuckDB is never loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.logs.analyze import AnalyzeConfig, analyze
from faasguard.logs.baselines import baseline_rows, mad, median
from faasguard.logs.detectors import PartialState
from faasguard.logs.finish import window_rows
from faasguard.logs.store import History, NoHistory
from faasguard.logs.windows import WINDOW_SCHEMA
from faasguard.rules import log_rules

#: Values that make the order of additions and the interpolation formula show.
AWKWARD = [0.1, 0.2, 0.3, 1e-9, 1e16, 2.5, 1 / 3, 123456.789, 7.0, 0.0]


def _state(table: pa.Table) -> PartialState:
    state = PartialState()
    state.windows = [table]
    return state


@cache
def _history() -> History:
    return History(None)  # one in-memory database for every example (nothing is saved)


def _duckdb_rows(table: pa.Table) -> list[Any]:
    return list(window_rows(_state(table), _history()))


window = st.fixed_dictionaries(
    {
        "function": st.sampled_from(["api", "worker", "ünïcode", "Z"]),
        "invocations": st.integers(0, 50),
        "errors": st.integers(0, 50),
        "timeouts": st.integers(0, 5),
        "cold_starts": st.integers(0, 50),
        "log_duration_sum": st.sampled_from(AWKWARD) | st.floats(-50, 50),
        "duration_count": st.integers(0, 9),
        "duration_max": st.floats(0, 1e4),
        "gb_seconds": st.sampled_from(AWKWARD) | st.floats(0, 1e6),
        "first_source": st.none() | st.just("a.log"),
        "first_offset": st.none() | st.integers(0, 10**9),
        "first_line": st.none() | st.integers(1, 10**6),
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(window, min_size=1, max_size=40))
def test_same_rows_as_duckdb(rows: list[dict[str, Any]]) -> None:
    for number, row in enumerate(rows):
        row["window"] = (number * 7919) % 1000  # unique per function, not in order
    table = pa.Table.from_pylist(rows, schema=WINDOW_SCHEMA)
    ours, theirs = baseline_rows(table), _duckdb_rows(table)
    assert [list(r) for r in ours] == [list(r) for r in theirs]  # same columns, same order
    assert ours == theirs


@pytest.mark.parametrize(
    "values",
    [[1.0], [0.1, 0.2], [0.1, 0.2, 0.3, 0.7], [1e16, 1.0, 3.0, -2.0], AWKWARD, []],
)
def test_median_and_mad_are_duckdbs(values: list[float]) -> None:
    db = _history().db
    db.register("t", pa.table({"v": pa.array(values, pa.float64())}))
    try:
        expected = db.sql("SELECT median(v), mad(v) FROM t").fetchall()[0]
    finally:
        db.unregister("t")
    assert (median(values), mad(values)) == expected


def test_no_history_run_finds_the_same(generated: tuple[Path, dict[str, Any]]) -> None:
    root, _ = generated
    with_db = AnalyzeConfig(history=None, jobs=1)
    result = analyze([str(root)], with_db, rules=log_rules)
    rows = window_rows(result.state, NoHistory())
    assert rows and rows == _duckdb_rows(result.state.window_table())
    assert result.report.findings  # the rules consulting baselines ran on these rows


def test_no_history_never_loads_duckdb(generated: tuple[Path, dict[str, Any]]) -> None:
    root, _ = generated
    code = (
        "import sys, json\n"
        "from faasguard.logs.analyze import AnalyzeConfig, analyze\n"
        "from faasguard.rules import log_rules\n"
        f"a = analyze([{str(root)!r}], AnalyzeConfig(history=None), rules=log_rules)\n"
        "print(json.dumps([len(a.report.findings), 'duckdb' in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    findings, loaded = json.loads(out.stdout.splitlines()[-1])
    assert findings > 0
    assert loaded is False
