"""Each function's robust baseline from this run's windows alone, for a run without a
history database (``--no-history``): the rows :data:`faasguard.logs.finish._BASELINE_SQL`
gives over an empty ``windows`` table, computed in Python to the bit, so such a run never
loads DuckDB (~0.13 s CPU, half of it while the workers need both cores).

DuckDB's aggregates, as its query runs them: ``median`` and ``mad`` interpolate between
the two middle values as ``lo * (1 - 0.5) + hi * 0.5`` (its ``InterpolateOperator`` for
DOUBLE); ``mad`` is the median of ``|x - median|``; NULLs are left out and an empty set
gives NULL; integer sums are exact and cast to DOUBLE before dividing; the DOUBLE sum adds
in row order, from 0. ``tests/logs/test_logs_baselines.py`` compares both on random windows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

#: The columns the query adds to every window row, in its order.
_BASE = (
    "inv_med",
    "inv_mad",
    "err_med",
    "err_mad",
    "err_all",
    "cold_med",
    "cold_mad",
    "dur_med",
    "dur_mad",
    "gbs_per_invocation",
)


def baseline_rows(windows: pa.Table) -> list[Mapping[str, Any]]:
    """Every window of ``windows`` with its function's baseline, by function and time."""
    rows = [row for row in windows.to_pylist() if row["function"] is not None]  # the join
    by_function: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_function.setdefault(row["function"], []).append(row)
    base = {function: _baseline(own) for function, own in by_function.items()}
    out: list[Mapping[str, Any]] = []
    for row in sorted(rows, key=lambda r: (r["function"], r["window"] is None, r["window"])):
        rates = _rates(row)
        out.append({**row, **base[row["function"]], **rates})
    return out


def _rates(row: dict[str, Any]) -> dict[str, float | None]:
    invocations, count = row["invocations"], row["duration_count"]
    positive = invocations is not None and invocations > 0
    return {
        "error_rate": _divide(row["errors"], invocations) if positive else None,
        "cold_rate": _divide(row["cold_starts"], invocations) if positive else None,
        "log_duration": (
            _divide(row["log_duration_sum"], count) if count is not None and count >= 5 else None
        ),
    }


def _baseline(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    rates = [_rates(row) for row in rows]
    invocations = [float(r["invocations"]) for r in rows if r["invocations"] is not None]
    total = _sum(r["invocations"] for r in rows)
    divisor = total if total else None  # nullif(sum(invocations), 0)
    values = {
        "inv": invocations,
        "err": [r["error_rate"] for r in rates if r["error_rate"] is not None],
        "cold": [r["cold_rate"] for r in rates if r["cold_rate"] is not None],
        "dur": [r["log_duration"] for r in rates if r["log_duration"] is not None],
    }
    out: dict[str, float | None] = {}
    for name, sample in values.items():
        out[f"{name}_med"] = median(sample)
        out[f"{name}_mad"] = mad(sample)
    out["err_all"] = _divide(_sum(r["errors"] for r in rows), divisor)
    out["gbs_per_invocation"] = _divide(_sum(r["gb_seconds"] for r in rows), divisor)
    return {name: out[name] for name in _BASE}


def _sum(values: Iterable[int | float | None]) -> Any:
    """SQL ``sum``: NULLs left out, NULL when nothing is left, added in order to 0."""
    total: Any = 0
    seen = False
    for value in values:
        if value is not None:
            total, seen = total + value, True
    return total if seen else None


def _divide(numerator: float | None, denominator: float | None) -> float | None:
    """SQL DOUBLE division (integers cast to DOUBLE first); NULL in, NULL out."""
    if numerator is None or denominator is None:
        return None
    return float(numerator) / float(denominator)


def median(values: list[float]) -> float | None:
    """DuckDB's ``median`` (``quantile_cont(0.5)``) of DOUBLE values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * 0.5
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return ordered[low]
    share = position - low
    return ordered[low] * (1.0 - share) + ordered[high] * share


def mad(values: list[float]) -> float | None:
    """DuckDB's ``mad``: the median of the absolute deviations from the median."""
    center = median(values)
    if center is None:
        return None
    return median([abs(value - center) for value in values])
