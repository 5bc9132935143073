"""The speed paths of ``logs analyze`` give exactly what the plain ones give.

Each shortcut is checked against the code it replaces: the in-place Hyperscan scan of the
selected messages against the newline-joined scan, the numpy window regrouping against
Arrow's group_by, the LOG rule lookup against the full registry, and the parallel engine
(guided tasks, merge in task order, workers without pandas) against the recorded golden
findings, with every evidence line.
"""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_logs_golden import GOLDEN, _snapshot

from faasguard.logs import detectors
from faasguard.logs.batch import zero_nan
from faasguard.logs.engines import embedded
from faasguard.logs.engines.embedded import _guided_groups
from faasguard.logs.generator import INJECTIONS, SECRETS
from faasguard.logs.ingest import Source
from faasguard.logs.patterns import Matcher, hyperscan_available
from faasguard.logs.windows import WINDOW_SCHEMA, regroup, regroup_arrow
from faasguard.rules import all_rules, log_rules

needs_hyperscan = pytest.mark.skipif(not hyperscan_available(), reason="no hyperscan wheel")

PAYLOADS = [p for _, p in INJECTIONS] + [f"token={s}" for _, s in SECRETS]


def _selected_pairs(
    matcher: Matcher, messages: list[str | None], mask: list[bool]
) -> set[tuple[int, str]]:
    rows, ids = matcher.scan_selected(pa.array(messages, pa.string()), np.asarray(mask))
    return {(int(r), matcher.patterns[int(i)].id) for r, i in zip(rows, ids, strict=True)}


def _reference_pairs(messages: list[str | None], mask: list[bool]) -> set[tuple[int, str]]:
    # The newline-joined scan of the selected rows alone, mapped back to row numbers.
    matcher = Matcher(backend="re")
    where = np.flatnonzero(mask)
    rows, ids = matcher.scan(pa.array([messages[i] for i in where], pa.string()))
    return {(int(where[r]), matcher.patterns[int(i)].id) for r, i in zip(rows, ids, strict=True)}


@needs_hyperscan
def test_a_match_across_two_rows_is_no_match() -> None:
    # Back to back, "AKIA" + 16 capitals and "../" + "../" would match; each row alone not.
    messages: list[str | None] = [
        "key AKIA",
        "ABCDEFGHIJKLMNOP rest",
        "go ../",
        "../ up",
        "AKIAABCDEFGHIJKLMNOP",
    ]
    mask = [True] * len(messages)
    found = _selected_pairs(Matcher(backend="hyperscan"), messages, mask)
    assert found == {(4, "aws-access-key")}
    assert found == _reference_pairs(messages, mask)


@needs_hyperscan
def test_unselected_and_null_rows_are_never_reported() -> None:
    messages: list[str | None] = [PAYLOADS[0], None, PAYLOADS[1], "", PAYLOADS[2]]
    mask = [False, True, True, True, False]
    found = _selected_pairs(Matcher(backend="hyperscan"), messages, mask)
    assert found and {row for row, _ in found} == {2}
    assert found == _reference_pairs(messages, mask)


@needs_hyperscan
@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=40), st.none()),
            st.booleans(),
        ),
        max_size=14,
    ),
    st.integers(min_value=0, max_value=6),
)
def test_in_place_scan_equals_the_joined_scan(
    rows: list[tuple[str | None, bool]], cut: int
) -> None:
    # Splitting payloads over row boundaries is what the in-place scan must not be fooled by.
    messages: list[str | None] = []
    for text, _ in rows:
        if text and len(text) > cut:
            messages += [text[:cut], text[cut:]]
        else:
            messages.append(text)
    mask = [bool(i % 3) or (text is not None and "." in text) for i, text in enumerate(messages)]
    for backend in ("hyperscan", "re"):
        assert _selected_pairs(Matcher(backend=backend), messages, mask) == _reference_pairs(
            messages, mask
        )


def _bits(table: pa.Table) -> dict[tuple[str, int], dict[str, Any]]:
    # Floats compared bit for bit, rows by key (Arrow's own group order is its hash table's).
    out = {}
    for row in table.to_pylist():
        key = (row["function"], row["window"])
        out[key] = {k: struct.pack("<d", v) if isinstance(v, float) else v for k, v in row.items()}
    return out


def _window_rows(rng: np.random.Generator, n: int) -> pa.Table:
    def maybe_null(values: np.ndarray, share: float) -> pa.Array:
        return pa.array(values, mask=rng.random(n) < share)

    return pa.table(
        {
            "function": pa.array(rng.choice(["a", "b", "checkout"], n)),
            "window": pa.array(rng.integers(0, 6, n) * 300_000 + 1_714_521_600_000),
            "invocations": pa.array(rng.integers(0, 500, n)),
            "errors": pa.array(rng.integers(0, 9, n)),
            "timeouts": pa.array(rng.integers(0, 2, n)),
            "cold_starts": pa.array(rng.integers(0, 5, n)),
            "log_duration_sum": pa.array(rng.standard_normal(n) * 1e4),
            "duration_count": pa.array(rng.integers(0, 500, n)),
            "duration_max": maybe_null(rng.random(n) * 9e3, 0.3),
            "gb_seconds": pa.array(rng.random(n) * 50),
            "first_source": maybe_null(rng.choice(["x.gz", "y.gz", "z.gz"], n), 0.2),
            "first_offset": maybe_null(rng.integers(0, 10**9, n), 0.4),
            "first_line": maybe_null(rng.integers(1, 10**6, n), 0.4),
        },
        schema=WINDOW_SCHEMA,
    )


@pytest.mark.parametrize("seed", range(6))
def test_numpy_regrouping_equals_arrow_group_by(seed: int) -> None:
    rng = np.random.default_rng(seed)
    table = pa.concat_tables([_window_rows(rng, int(rng.integers(1, 400))) for _ in range(9)])
    table = table.combine_chunks()
    mine, arrow = regroup(table), regroup_arrow(table)
    assert mine is not None
    assert mine.schema == arrow.schema == WINDOW_SCHEMA
    assert mine.num_rows == arrow.num_rows == len(_bits(arrow))
    assert _bits(mine) == _bits(arrow)


def test_regrouping_keeps_first_appearance_order_and_hands_nulls_to_arrow() -> None:
    rng = np.random.default_rng(1)
    table = _window_rows(rng, 300)
    mine = regroup(table)
    assert mine is not None
    keys = list(zip(table["function"].to_pylist(), table["window"].to_pylist(), strict=True))
    assert list(zip(mine["function"].to_pylist(), mine["window"].to_pylist(), strict=True)) == (
        list(dict.fromkeys(keys))
    )
    with_null_key = table.set_column(1, "window", pa.array([None] * 300, pa.int64()))
    assert regroup(with_null_key) is None
    state = detectors.PartialState(windows=[table, with_null_key])
    assert state.window_table().num_rows == len(set(keys)) + 3  # null windows: a group each


def test_zero_nan_is_nan_to_num() -> None:
    values = np.array([1.5, math.nan, -0.0, 0.0, 3e300, math.inf, -math.inf, math.nan])
    for sample in (values[:5], values):
        assert np.array_equal(zero_nan(sample), np.nan_to_num(sample))
        assert np.signbit(zero_nan(sample)).tolist() == np.signbit(np.nan_to_num(sample)).tolist()


def test_log_rules_are_the_log_rules_of_the_registry() -> None:
    expected = [r for r in all_rules() if r.id.startswith("LOG") and r.id >= "LOG010"]
    assert list(log_rules()) == expected
    assert {r.id for r in log_rules()} >= {"LOG010", "LOG013", "LOG017", "LOG037"}


def _sources(sizes: list[int]) -> tuple[list[Source], dict[str, int]]:
    sources = [Source(path=f"f{i}", container="text", function=None) for i in range(len(sizes))]
    return sources, {s.path: size for s, size in zip(sources, sizes, strict=True)}


def test_guided_tasks_shrink_and_cover_every_source_once_in_order() -> None:
    mb = 1024 * 1024
    sources, sizes = _sources(sorted([30 * mb] + [9 * mb] * 60 + [mb] * 40, reverse=True))
    groups = _guided_groups(sources, sizes, jobs=2)
    assert [s for g in groups for s in g] == sources
    loads = [sum(sizes[s.path] for s in g) for g in groups]
    assert loads[0] > 5 * loads[-1]
    assert 8 <= len(groups) <= 40
    assert max(loads[len(loads) // 2 :]) < sum(loads) / 8


def test_parallel_run_gives_the_golden_findings(
    generated: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 10 MB input stays on one process by default: force the pool and small tasks.
    monkeypatch.setattr(embedded, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(embedded, "_MIN_TASK_BYTES", 0)
    root, _ = generated
    golden = json.loads(GOLDEN.read_text())
    current = _snapshot(root, 2)
    assert current["lines"] == golden["lines"] and current["bytes"] == golden["bytes"]
    assert current["summary"] == golden["summary"]
    assert current["alerts"] == golden["alerts"]


def test_workers_settle_without_pandas_and_pandas_still_works() -> None:
    pytest.importorskip("pandas")
    code = (
        "import sys, numpy as np, pyarrow as pa\n"
        "from faasguard.logs.engines.embedded import skip_pandas\n"
        "skip_pandas()\n"
        "assert pa.array(np.arange(3)).to_pylist() == [0, 1, 2]\n"
        "assert pa.array([1.5, None]).to_numpy(zero_copy_only=False)[0] == 1.5\n"
        "assert 'pandas' not in sys.modules\n"
        "import pandas\n"
        "assert pa.table({'a': [1, 2]}).to_pandas()['a'].sum() == 3\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr


def test_worker_allocator_settings_apply_where_glibc_is() -> None:
    code = (
        "import platform\n"
        "from faasguard.logs.engines.embedded import tune_malloc\n"
        "print(platform.libc_ver()[0] == 'glibc', tune_malloc())\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    glibc, applied = done.stdout.split()
    assert applied == glibc


def test_background_compile_is_the_matcher_later_used() -> None:
    code = (
        "from faasguard.logs import pipeline\n"
        "pipeline.start_compiling('re')\n"
        "pipeline.start_compiling('re')\n"
        "thread = pipeline._COMPILING['re']\n"
        "matcher = pipeline._matcher('re')\n"
        "assert not thread.is_alive() and not pipeline._COMPILING\n"
        "assert pipeline._matcher('re') is matcher and matcher.backend == 're'\n"
        "rows, ids = matcher.scan_selected(\n"
        "    __import__('pyarrow').array(['x', \"' or 1=1\"]), __import__('numpy').ones(2, bool)\n"
        ")\n"
        "assert set(rows.tolist()) == {1}\n"  # row 1 only (several payload expressions)
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr


def test_a_small_input_is_analysed_in_process_without_pandas(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    log = tmp_path / "fn.log"
    log.write_text(
        "2024-05-01T00:00:00.000Z START RequestId: 3f1c2a9e-0000-4000-8000-000000000001\n"
        "2024-05-01T00:00:00.100Z 2024-05-01T00:00:00.100Z\t3f1c2a9e-0000-4000-8000-"
        "000000000001\tINFO\tprocessed (1 item)\n"
        "2024-05-01T00:00:00.200Z END RequestId: 3f1c2a9e-0000-4000-8000-000000000001\n",
        encoding="utf-8",
    )
    code = (
        "import sys\n"
        "from faasguard.cli import main\n"
        f"sys.argv = ['faasguard', 'logs', 'analyze', {str(log)!r}, '--no-history',\n"
        f"            '-f', 'json', '-o', {str(tmp_path / 'out.json')!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, None), done.code\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out.json").read_text())["findings"] == []


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run by a fresh interpreter (what it imports is its own)."""
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
