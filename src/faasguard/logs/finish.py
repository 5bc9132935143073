"""From the merged partial state to the facts the LOG rules decide on, then to alerts.

The per-(function, 5-minute window) aggregates are joined in DuckDB with each function's
robust baseline: median and MAD of its windows, from this run and the history database
(error rate, cold-start rate, invocations and mean log-duration), plus its overall error
rate and GB-seconds per invocation. CloudTrail events become :class:`~faasguard.logs.
cloudtrail.TrailFacts`; error templates are mined with Drain3. What trips an alert is each
rule's decision (``faasguard.rules.log``), over :class:`~faasguard.logs.facts.LogFacts`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from faasguard.logs import cloudtrail
from faasguard.logs.alerts import Alert
from faasguard.logs.baselines import baseline_rows
from faasguard.logs.deployers import Deployers
from faasguard.logs.detectors import NEAR_MEMORY_SHARE, RECORD_AGE_MS, PartialState
from faasguard.logs.facts import LogFacts, LogRule, WindowRow, detect_all
from faasguard.logs.pricing import Price
from faasguard.logs.stats import Seen
from faasguard.logs.store import History, NoHistory

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


def window_rows(state: PartialState, history: History | NoHistory) -> list[WindowRow]:
    """Every window of ``state`` with its function's baseline, by function and time."""
    windows = state.window_table()
    if windows.num_rows == 0:
        return []
    if isinstance(history, NoHistory):
        return baseline_rows(windows)  # the same rows, without DuckDB
    history.db.register("current_windows", windows)
    try:
        result = history.db.sql(_BASELINE_SQL).to_arrow_table()
    finally:
        history.db.unregister("current_windows")
    rows: list[WindowRow] = result.to_pylist()
    return rows


def log_facts(
    state: PartialState,
    history: History | NoHistory,
    rate: Price,
    memory_by_function: dict[str, float],
    timeouts: dict[str, float] | None = None,
    deployers: Deployers | None = None,
) -> LogFacts:
    """The facts of the merged state and the history.

    ``timeouts``: configured timeouts (s) by function, from the app (``--app``);
    ``deployers``: the configured pipeline (``[logs.deployers]``).
    """
    trail = cloudtrail.trail_facts(state.cloudtrail, history.known_deployers(), deployers)
    if trail.changes and not trail.deployer_known:
        # Said once, instead of flagging every change as made by an unusual principal.
        state.diagnostics.add("no-deployer-known", "CloudTrail")
    return LogFacts(
        state=state,
        trail=trail,
        price=rate,
        configured_timeouts=timeouts or {},
        memory_by_function=memory_by_function,
        known_error_types=frozenset(history.known_error_types()),
        known_templates=frozenset(history.known_templates()),
        functions_with_history=frozenset(history.functions_with_history()),
        late_record_ms=RECORD_AGE_MS,
        near_memory_share=NEAR_MEMORY_SHARE,
        compute_windows=lambda: window_rows(state, history),
        compute_templates=lambda: mine_templates(state),
    )


def all_alerts(
    state: PartialState,
    history: History | NoHistory,
    rate: Price,
    memory_by_function: dict[str, float],
    rules: Sequence[LogRule],
    timeouts: dict[str, float] | None = None,
    deployers: Deployers | None = None,
) -> list[Alert]:
    """Every alert of ``rules`` over the merged state, sorted by time, rule and function.

    ``timeouts``: configured timeouts (s) by function, from the app (``--app``);
    ``deployers``: the configured pipeline (``[logs.deployers]``).
    """
    facts = log_facts(state, history, rate, memory_by_function, timeouts, deployers)
    return detect_all(facts, rules)


def mine_templates(state: PartialState) -> list[tuple[str, str, Seen]]:
    """Drain3 templates of the masked untyped error messages, merged per function."""
    if not state.templates:
        return []
    from drain3 import TemplateMiner  # noqa: PLC0415 - heavy, only when there are errors
    from drain3.template_miner_config import TemplateMinerConfig  # noqa: PLC0415 - loaded on first use (start-up speed)

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
