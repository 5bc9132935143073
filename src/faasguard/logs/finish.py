"""From the merged partial state to alerts: baselines in DuckDB, thresholds, templates.

Window detectors compare each 5-minute window of a function with that function's own
robust baseline (median and MAD over its windows, from this run and the history database):

- LOG012 error-rate spike: ≥ 5 errors and a rate above max(10 %, 4 x the function's overall
  rate, median + 6 x 1.4826 x MAD);
- LOG014 duration anomaly: ≥ 5 invocations whose geometric-mean duration is ≥ 3 x the
  median window's and ≥ 6 robust deviations above it;
- LOG015 invocation surge: ≥ 50 invocations, ≥ 5 x the median window and ≥ 10 robust
  deviations above it, with the cost of the extra invocations;
- LOG016 cold-start burst: ≥ 5 cold starts and a cold-start rate above max(20 %,
  median + 6 x 1.4826 x MAD).

Adjacent flagged windows become one alert. Thresholds are constants here, documented in the
rules, and measured against the generator's ground truth.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable
from typing import Any

from faasguard.logs import cloudtrail
from faasguard.logs.detectors import RECORD_AGE_MS, WINDOW_MINUTES, PartialState, Seen
from faasguard.logs.model import Alert, Evidence
from faasguard.logs.pricing import Price
from faasguard.logs.store import History

_WINDOW_MS = WINDOW_MINUTES * 60_000
_MAD_SCALE = 1.4826  # MAD → standard deviation for normal data
_NEW_AFTER = 0.25  # without history, types first seen in the first quarter are baseline

_BASELINE_SQL = """
WITH all_windows AS (
    SELECT * FROM current_windows
    UNION ALL
    SELECT h.* FROM windows h
    WHERE NOT EXISTS (SELECT 1 FROM current_windows c
                      WHERE c.function = h.function AND c."window" = h."window")
),
rates AS (
    SELECT *,
        CASE WHEN invocations > 0 THEN errors::DOUBLE / invocations END AS error_rate,
        CASE WHEN invocations > 0 THEN cold_starts::DOUBLE / invocations END AS cold_rate,
        CASE WHEN duration_count >= 5 THEN log_duration_sum / duration_count END
            AS log_duration
    FROM all_windows
),
base AS (
    SELECT function,
        median(invocations::DOUBLE) AS inv_med, mad(invocations::DOUBLE) AS inv_mad,
        median(error_rate) AS err_med, mad(error_rate) AS err_mad,
        sum(errors)::DOUBLE / nullif(sum(invocations), 0) AS err_all,
        median(cold_rate) AS cold_med, mad(cold_rate) AS cold_mad,
        median(log_duration) AS dur_med, mad(log_duration) AS dur_mad,
        sum(gb_seconds) / nullif(sum(invocations), 0) AS gbs_per_invocation
    FROM rates GROUP BY function
)
SELECT c.*, b.* EXCLUDE (function),
    CASE WHEN c.invocations > 0 THEN c.errors::DOUBLE / c.invocations END AS error_rate,
    CASE WHEN c.invocations > 0 THEN c.cold_starts::DOUBLE / c.invocations END AS cold_rate,
    CASE WHEN c.duration_count >= 5 THEN c.log_duration_sum / c.duration_count END
        AS log_duration
FROM current_windows c JOIN base b USING (function)
ORDER BY c.function, c."window"
"""


def _at(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def _window_flags(row: dict[str, Any]) -> dict[str, str]:
    """Rule id → message fragment for every window detector this window trips."""
    flags: dict[str, str] = {}
    inv = row["invocations"] or 0
    errors = row["errors"] or 0
    rate = row["error_rate"]
    if rate is not None and errors >= 5:
        limit = max(
            0.1,
            4 * (row["err_all"] or 0.0),
            (row["err_med"] or 0.0) + 6 * _MAD_SCALE * (row["err_mad"] or 0.0),
        )
        if rate > limit:
            flags["LOG012"] = (
                f"{errors} errors in {inv} invocations ({rate:.0%}) against a "
                f"baseline of {(row['err_all'] or 0):.1%}"
            )
    cold = row["cold_starts"] or 0
    cold_rate = row["cold_rate"]
    if cold_rate is not None and cold >= 5:
        limit = max(0.2, (row["cold_med"] or 0.0) + 6 * _MAD_SCALE * (row["cold_mad"] or 0.0))
        if cold_rate > limit:
            flags["LOG016"] = (
                f"{cold} cold starts in {inv} invocations ({cold_rate:.0%}) "
                f"against a median of {(row['cold_med'] or 0):.0%}"
            )
    log_duration, median = row["log_duration"], row["dur_med"]
    if log_duration is not None and median is not None and inv >= 5:
        spread = _MAD_SCALE * (row["dur_mad"] or 0.0)
        if log_duration - median >= math.log(3) and log_duration - median >= 6 * spread:
            flags["LOG014"] = (
                f"geometric-mean duration {math.exp(log_duration):.0f} ms, "
                f"{math.exp(log_duration - median):.1f}x the usual "
                f"{math.exp(median):.0f} ms"
            )
    inv_med = row["inv_med"] or 0.0
    if (
        inv >= 50
        and inv >= 5 * inv_med
        and inv - inv_med >= 10 * _MAD_SCALE * (row["inv_mad"] or 0.0)
    ):
        flags["LOG015"] = (
            f"{inv} invocations in {WINDOW_MINUTES} minutes against a median of {inv_med:.0f}"
        )
    return flags


def window_alerts(
    state: PartialState, history: History, rate: Price, memory_by_function: dict[str, float]
) -> list[Alert]:
    """LOG012/LOG014/LOG015/LOG016 over the per-window aggregates."""
    windows = state.window_table()
    if windows.num_rows == 0:
        return []
    history.db.register("current_windows", windows)
    try:
        result = history.db.sql(_BASELINE_SQL).to_arrow_table()
    finally:
        history.db.unregister("current_windows")
    runs: dict[tuple[str, str], list[tuple[dict[str, Any], str]]] = {}
    alerts: list[Alert] = []

    def close(key: tuple[str, str]) -> None:
        items = runs.pop(key)
        rule_id, function = key
        first, last = items[0][0], items[-1][0]
        start, end = int(first["window"]), int(last["window"]) + _WINDOW_MS
        evidence: list[Evidence] = []
        props: dict[str, Any] = {"windows": len(items)}
        for row, _ in items:
            if rule_id == "LOG012":
                seen = state.window_errors.get((function, int(row["window"])))
                evidence.extend(seen.evidence if seen else [])
            elif row["first_source"]:
                evidence.append(
                    Evidence(
                        source=row["first_source"],
                        offset=row["first_offset"] or -1,
                        line=row["first_line"] or 0,
                        timestamp=_iso(int(row["window"])),
                    )
                )
        message = f"{function}: " + "; ".join(text for _, text in items[:3])
        if rule_id == "LOG015":
            extra = sum(max(0.0, r["invocations"] - (r["inv_med"] or 0.0)) for r, _ in items)
            gbs = float(items[0][0]["gbs_per_invocation"] or 0.0)
            memory = memory_by_function.get(function, 0.0)
            cost = extra * (gbs * rate.gb_second + rate.per_request)
            props.update({"extra_invocations": round(extra), "extra_cost_usd": round(cost, 4)})
            message += (
                f"; ~{extra:.0f} extra invocations cost about ${cost:.4f} "
                f"({rate.region}, {rate.architecture}, prices as of {rate.as_of})"
            )
            if memory:
                props["memory_mb"] = memory
        alerts.append(
            Alert(
                rule_id=rule_id,
                function=function,
                start=_at(start),
                end=_at(end),
                message=message,
                key=f"{start}",
                evidence=tuple(evidence[:5]),
                properties=props,
            )
        )

    previous: dict[tuple[str, str], int] = {}
    for row in result.to_pylist():
        for rule_id, text in _window_flags(row).items():
            key = (rule_id, row["function"])
            window = int(row["window"])
            if key in runs and previous.get(key) != window - _WINDOW_MS:
                close(key)
            runs.setdefault(key, []).append((row, text))
            previous[key] = window
    for key in list(runs):
        close(key)
    return alerts


def _iso(ms: int) -> str:
    return _at(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seen_alert(
    rule_id: str, function: str, seen: Seen, message: str, key: str, **props: Any
) -> Alert:
    return Alert(
        rule_id=rule_id,
        function=function,
        start=_at(seen.first_ms),
        end=_at(seen.last_ms + 1000),
        message=message,
        key=key,
        evidence=tuple(seen.evidence),
        properties={"count": seen.count, **props},
    )


def event_alerts(state: PartialState) -> list[Alert]:
    """LOG010 timeouts, LOG011 memory, LOG017 injection, LOG018 secrets, LOG021 late records."""
    alerts: list[Alert] = []
    for (function, hour), seen in sorted(state.timeouts.items()):
        limit = seen.extra.get("timeout_s")
        after = f" after {limit:g} s" if limit else ""
        alerts.append(
            _seen_alert(
                "LOG010",
                function,
                seen,
                f"{function} timed out {seen.count} time(s){after} "
                f"between {_iso(seen.first_ms)} and {_iso(seen.last_ms)}",
                f"{hour}",
                timeout_s=limit,
            )
        )
    for (function, hour, what), seen in sorted(state.memory.items()):
        size = seen.extra.get("memory_mb")
        used = seen.extra.get("max_memory_used_mb")
        if what == "oom":
            text = (
                f"{function} ran out of memory ({used:g} of {size:g} MB used)"
                if size
                else f"{function} was killed by the runtime (out of memory)"
            )
        else:
            text = (
                f"{function} used {used:g} of {size:g} MB (≥ 90 %) in {seen.count} "
                "invocation(s): close to an out-of-memory exit"
            )
        alerts.append(
            _seen_alert(
                "LOG011",
                function,
                seen,
                text,
                f"{hour}:{what}",
                kind=what,
                memory_mb=size,
                max_memory_used_mb=used,
            )
        )
    for (function, hour), seen in sorted(state.late_records.items()):
        oldest = seen.extra.get("max_age_ms", 0.0) / 1000.0
        alerts.append(
            _seen_alert(
                "LOG021",
                function,
                seen,
                f"{function} processed {seen.count} stream/queue record(s) at least "
                f"{RECORD_AGE_MS // 1000} s after they arrived (oldest {oldest:,.0f} s): "
                "it is falling behind its event source",
                f"{hour}",
                max_age_s=round(oldest, 3),
            )
        )
    for (rule_id, function, key), seen in sorted(state.patterns.items()):
        category = key.split("@", 1)[0]
        names = ", ".join(seen.extra.get("patterns", []))
        if rule_id == "LOG017":
            text = (
                f"{category} payload logged by {function} in {seen.count} line(s) "
                f"(patterns: {names}): someone is probing this function"
            )
        else:
            text = (
                f"{category} leaked into the logs of {function} in {seen.count} line(s) "
                "(value redacted): rotate it and stop logging it"
            )
        alerts.append(_seen_alert(rule_id, function, seen, text, key, category=category))
    return alerts


#: LOG019: completed invocations that ran at least this share (%) of the configured timeout.
NEAR_TIMEOUT_PERCENT = 80


def near_timeout_alerts(state: PartialState, timeouts: dict[str, float]) -> list[Alert]:
    """LOG019: completed invocations that ran ≥ 80 % of the configured timeout.

    The timeout is the app's (``timeouts``, from ``--app``) or, failing that, the one the
    function's own ``Task timed out after N seconds`` lines give; without either there is
    nothing to compare with. Timed-out invocations are LOG010's and are not counted here.
    """
    alerts: list[Alert] = []
    for function, stats in sorted(state.functions.items()):
        timeout_s, source = timeouts.get(function), "app"
        if not timeout_s:
            timeout_s, source = stats.configured_timeout_s, "timeout lines"
        if not timeout_s:
            continue
        # Whole numbers first (3000 * 80 / 100 is 2400.0; 0.8 * 3.0 * 1000 is not).
        threshold = timeout_s * 1000.0 * NEAR_TIMEOUT_PERCENT / 100
        count, first, last = stats.completed_at_least(threshold)
        if not count:
            continue
        evidence = [e for duration, _, e in stats.longest if duration >= threshold]
        longest = stats.longest[0][0] if stats.longest else 0.0
        alerts.append(
            Alert(
                rule_id="LOG019",
                function=function,
                start=_at(first),
                end=_at(last + 1000),
                message=(
                    f"{count} invocation(s) of {function} ran for at least "
                    f"{NEAR_TIMEOUT_PERCENT}% of its {timeout_s:g} s timeout (longest "
                    f"{longest / 1000:.2f} s): one slow dependency away from timing out"
                ),
                key="near-timeout",
                evidence=tuple(evidence),
                properties={
                    "count": count,
                    "timeout_s": timeout_s,
                    "timeout_source": source,
                    "threshold_ms": threshold,
                    "longest_ms": longest,
                },
            )
        )
    return alerts


def new_error_alerts(state: PartialState, history: History) -> list[Alert]:
    """LOG013: error types and error templates never seen before (history or baseline)."""
    known_types = history.known_error_types()
    known_templates = history.known_templates()
    with_history = history.functions_with_history()
    alerts: list[Alert] = []

    def cutoff(function: str) -> int:
        if function in with_history:
            return 0  # history is the baseline: anything not in it is new
        stats = state.functions.get(function)
        if stats is None or not stats.first_ms:
            return 0
        return stats.first_ms + int(_NEW_AFTER * (stats.last_ms - stats.first_ms))

    for (function, error_type), seen in sorted(state.error_types.items()):
        if (function, error_type) in known_types or seen.first_ms <= cutoff(function):
            continue
        alerts.append(
            _seen_alert(
                "LOG013",
                function,
                seen,
                f"new error type {error_type} in {function}: {seen.count} occurrence(s) from "
                f"{_iso(seen.first_ms)}, never seen before",
                f"type:{error_type}",
                error_type=error_type,
            )
        )
    for function, template, seen in mine_templates(state):
        if (function, template) in known_templates or seen.first_ms <= cutoff(function):
            continue
        alerts.append(
            _seen_alert(
                "LOG013",
                function,
                seen,
                f"new error message template in {function}: '{template[:120]}' "
                f"({seen.count} occurrence(s))",
                f"template:{template}",
                template=template,
            )
        )
    return alerts


def mine_templates(state: PartialState) -> list[tuple[str, str, Seen]]:
    """Drain3 templates of the masked untyped error messages, merged per function."""
    if not state.templates:
        return []
    from drain3 import TemplateMiner  # noqa: PLC0415 - heavy, only when there are errors
    from drain3.template_miner_config import TemplateMinerConfig  # noqa: PLC0415

    logging.getLogger("drain3").setLevel(logging.WARNING)
    by_function: dict[str, list[tuple[str, Seen]]] = {}
    for (function, masked), seen in state.templates.items():
        by_function.setdefault(function, []).append((masked, seen))
    out: list[tuple[str, str, Seen]] = []
    for function, items in sorted(by_function.items()):
        config = TemplateMinerConfig()
        config.profiling_enabled = False
        miner = TemplateMiner(config=config)
        clusters: dict[int, Seen] = {}
        for masked, seen in sorted(items, key=lambda item: item[1].first_ms):
            result = miner.add_log_message(masked)
            clusters.setdefault(int(result["cluster_id"]), Seen()).merge(seen)
        for cluster in miner.drain.clusters:
            members = clusters.get(cluster.cluster_id)
            if members is not None:
                out.append((function, cluster.get_template(), members))
    return out


def all_alerts(
    state: PartialState,
    history: History,
    rate: Price,
    memory_by_function: dict[str, float],
    timeouts: dict[str, float] | None = None,
) -> list[Alert]:
    """Every alert of the merged state, sorted by time, rule and function.

    ``timeouts``: configured timeouts (s) by function, from the app (``--app``).
    """
    alerts = event_alerts(state)
    alerts += near_timeout_alerts(state, timeouts or {})
    alerts += window_alerts(state, history, rate, memory_by_function)
    alerts += new_error_alerts(state, history)
    alerts += cloudtrail.detect(state.cloudtrail, history.known_deployers())
    alerts.sort(key=lambda a: (a.start, a.rule_id, a.function, a.key))
    return alerts


def save_history(history: History, state: PartialState, alerts: Iterable[Alert]) -> None:
    """Record the run so the next one compares against it."""
    history.save(
        state.window_table(),
        [(f, t, s.first_ms) for (f, t), s in state.error_types.items()],
        [(f, t) for f, t, _ in mine_templates(state)],
        cloudtrail.deployers(state.cloudtrail, history.known_deployers()),
        files=state.files,
        lines=state.lines,
        size=state.bytes,
        alerts=len(list(alerts)),
    )
