"""``faasguard logs analyze``: sources → engine → facts → the LOG rules → the same Report
as ``scan``.

The caller passes the rules (``faasguard.rules.log_rules``): this package never imports the
rule layer. They are passed as a function and resolved, like everything else only the parent
needs after the workers are done (DuckDB for the baselines, the findings model), while the
workers run, not before they fork: the workers never pay for it, and the parent loads it on
time it would spend waiting.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from faasguard.logs.alerts import Alert, iso
from faasguard.logs.deployers import Deployers
from faasguard.logs.detectors import PartialState
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.engines import ProgressCallback, get_engine
from faasguard.logs.facts import LogRule
from faasguard.logs.ingest import discover
from faasguard.logs.pipeline import Options
from faasguard.logs.pricing import price

if TYPE_CHECKING:
    from faasguard.findings import Finding, Report
    from faasguard.model import App

#: The ``app`` of log findings (the JSON contract requires one).
LOGS_APP = "logs"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyzeConfig:
    """Settings of one analysis."""

    engine: str = "embedded"
    jobs: int = 0
    #: Spark master URL for ``engine="spark"`` (``None``: from spark-submit/the environment).
    master: str | None = None
    history: str | None = ".faasguard/logs.duckdb"
    options: Options = field(default_factory=Options)
    region: str | None = None
    architecture: str | None = None
    #: Apps loaded from ``--app``: configured values (timeouts) of the functions in the logs.
    apps: tuple[App, ...] = ()
    #: ``[logs.deployers]``: who the deployment pipeline is (CloudTrail rules).
    deployers: Deployers = field(default_factory=Deployers)


@dataclass(slots=True)
class Analysis:
    """What an analysis produced: the report, the raw alerts, the state and a summary."""

    report: Report
    alerts: list[Alert]
    state: PartialState
    summary: list[dict[str, Any]]


def function_summary(
    state: PartialState, region: str | None, arch: str | None
) -> list[dict[str, Any]]:
    """Per function: invocations, errors, p50/p99/max duration, cold starts, cost."""
    rate = price(region, arch)
    rows = []
    for name, stats in sorted(state.functions.items()):
        cost = stats.gb_seconds * rate.gb_second + stats.invocations * rate.per_request
        rows.append(
            {
                "function": name,
                "invocations": stats.invocations,
                "errors": stats.errors,
                "timeouts": stats.timeouts,
                "cold_starts": stats.cold_starts,
                "p50_ms": _round(stats.quantile(0.5)),
                "p99_ms": _round(stats.quantile(0.99)),
                "max_ms": round(stats.duration_max, 1),
                "memory_mb": stats.memory_mb or None,
                "max_memory_used_mb": stats.max_memory_used_mb or None,
                "cost_usd": round(cost, 6),
            }
        )
    return rows


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def analyze(
    paths: list[str],
    config: AnalyzeConfig,
    progress: ProgressCallback | None = None,
    *,
    rules: Callable[[], Sequence[LogRule]],
) -> Analysis:
    """Analyse every log file below ``paths`` and report the alerts of ``rules()`` as
    findings (``rules`` is called once, while the workers run)."""
    started = time.perf_counter()
    discovered = DiagnosticCounter()
    sources = discover(paths, discovered)
    engine = get_engine(config.engine, jobs=config.jobs, master=config.master)
    from faasguard.logs.store import History, NoHistory  # noqa: PLC0415 - after the fork

    opened: list[History | NoHistory] = []
    selected: list[Sequence[LogRule]] = []

    def prepare() -> None:
        # Run by the embedded engine while its workers work (or by us after any engine).
        load_reporting()
        if not selected:
            selected.append(rules())
        if not opened:  # no history to read or write: no DuckDB either
            opened.append(History(config.history) if config.history else NoHistory())

    if hasattr(engine, "while_waiting"):
        engine.while_waiting = prepare
    try:
        state = engine.run(sources, config.options, progress)
        state.diagnostics.merge(discovered)
        prepare()
        from faasguard.logs.finish import all_alerts, save_history  # noqa: PLC0415 - start-up

        history = opened[0]
        rate = price(config.region, config.architecture)
        memory = {n: s.memory_mb for n, s in state.functions.items()}
        timeouts = configured_timeouts(state, config.apps)
        alerts = all_alerts(
            state, history, rate, memory, selected[0], timeouts, deployers=config.deployers
        )
        if config.options.functions:
            alerts = [
                a for a in alerts if a.function in config.options.functions or not a.by_function
            ]
        if isinstance(history, History):
            save_history(history, state, alerts)
    finally:
        for history in opened:
            history.close()
    from faasguard.findings import Report  # noqa: PLC0415 - start-up: after the fork

    root = _root(paths)
    report = Report(root=root)
    report.findings = to_findings(alerts, selected[0])
    report.diagnostics = state.diagnostics.to_diagnostics()
    report.rules_run = len(selected[0])
    report.duration_seconds = time.perf_counter() - started
    return Analysis(
        report=report,
        alerts=alerts,
        state=state,
        summary=function_summary(state, config.region, config.architecture),
    )


def configured_timeouts(state: PartialState, apps: tuple[App, ...]) -> dict[str, float]:
    """The app's timeout (s) of every function in the logs that the app defines."""
    if not apps:
        return {}
    from faasguard.logs.suggest import match_function  # noqa: PLC0415 - only with --app

    out: dict[str, float] = {}
    for name in state.functions:
        fn = match_function(apps, name)
        if fn is not None and isinstance(fn.timeout, int):
            out[name] = float(fn.timeout)
    return out


def load_reporting() -> None:
    """Import what turning a merged state into findings needs (idempotent, cheap when done)."""
    import faasguard.findings  # noqa: PLC0415 - start-up: imported while workers run
    import faasguard.logs.finish  # noqa: PLC0415 - start-up: imported while workers run
    import faasguard.logs.store  # noqa: F401, PLC0415 - start-up: while workers run


def _root(paths: list[str]) -> str:
    dirs = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths]
    return os.path.commonpath(dirs) if dirs else os.getcwd()


def to_findings(alerts: list[Alert], rules: Sequence[LogRule]) -> list[Finding]:
    """Alerts as report findings, with the metadata of the rules that raised them."""
    from faasguard.findings import Finding, fingerprint  # noqa: PLC0415 - after the fork
    from faasguard.model import Location  # noqa: PLC0415 - start-up: after the fork

    by_id = {r.id: r for r in rules}
    findings = []
    for alert in alerts:
        registered = by_id.get(alert.rule_id)
        if registered is None:  # pragma: no cover - every alert id has a rule module
            raise KeyError(alert.rule_id)
        first = alert.evidence[0] if alert.evidence else None
        pointer = ""
        if first is not None:
            pointer = (
                f"offset:{first.offset}"
                if first.offset >= 0
                else f"{first.stream}#{first.event_id}"
            )
        location = Location(
            file=first.source if first else "", line=first.line if first else 0, pointer=pointer
        )
        properties: dict[str, Any] = {
            "window": {"start": iso(alert.start), "end": iso(alert.end)},
            "evidence": [e.to_dict() for e in alert.evidence],
        }
        properties.update({k: v for k, v in alert.properties.items() if v is not None})
        findings.append(
            Finding(
                rule_id=alert.rule_id,
                title=registered.title,
                severity=alert.severity or registered.severity,
                practice=registered.practice,
                message=alert.message,
                app=LOGS_APP,
                location=location,
                function=alert.function,
                fingerprint=fingerprint(alert.rule_id, LOGS_APP, alert.function, alert.key),
                properties=properties,
            )
        )
    return findings
