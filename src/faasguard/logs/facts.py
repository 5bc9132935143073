"""The facts a log analysis gives its rules, and the protocol of a rule over them.

The pipeline (ingest → parse → detectors → the DuckDB baselines of :mod:`faasguard.logs.
finish` and the CloudTrail reader) computes facts and never decides what is an incident:
each LOG rule module does, in its ``detect(facts, thresholds)``, registered with
``faasguard.rules.base.log_rule``. Whoever runs an analysis (the CLI, the engine) passes
the rules down; this package never imports the rule layer.

Kept light (no pyarrow, numpy or DuckDB at import): the rule modules import it, and every
``faasguard scan`` imports them. What is costly to compute (the window baselines, the
mined error templates) is computed on first use, once, by the functions ``finish`` hands in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from faasguard.logs.alerts import Alert, Evidence

if TYPE_CHECKING:
    from faasguard.findings import Practice, Severity
    from faasguard.logs.cloudtrail import TrailFacts
    from faasguard.logs.detectors import PartialState
    from faasguard.logs.pricing import Price
    from faasguard.logs.stats import Seen

#: Width of the analysis windows.
WINDOW_MINUTES = 5
WINDOW_MS = WINDOW_MINUTES * 60_000
#: Evidence lines kept per alert key (the first ones seen).
MAX_EVIDENCE = 5

#: Median absolute deviation → standard deviation for normal data: the "robust deviation"
#: the window rules measure distances from a function's median in.
MAD_SCALE = 1.4826

#: One row of the per-(function, 5-minute window) aggregates joined with the function's
#: baseline over every window of this run and the history (see ``finish._BASELINE_SQL``).
WindowRow = Mapping[str, Any]

Detect = Callable[["LogFacts", Mapping[str, float]], Iterable[Alert]]


class LogRule(Protocol):
    """What log analysis needs of a rule (``faasguard.rules.base.Rule`` is one): its id and
    metadata for the findings, its detection and the thresholds to call it with."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    @property
    def practice(self) -> Practice: ...

    @property
    def thresholds(self) -> Mapping[str, int | float | str]: ...

    @property
    def detect(self) -> Detect | None: ...


@dataclass(frozen=True, slots=True)
class WindowRun:
    """Adjacent 5-minute windows of one function that a window rule flagged."""

    function: str
    rows: tuple[WindowRow, ...]
    #: What the rule said of each window, in order.
    texts: tuple[str, ...]


@dataclass(kw_only=True)
class LogFacts:
    """Everything the LOG rules decide on, for one analysis (or one watch cycle)."""

    #: The merged partial state: per-function totals and duration buckets, timeouts,
    #: memory reports, pattern hits, late records, error types, per-window error lines.
    state: PartialState
    trail: TrailFacts
    #: Price of Lambda in the analysed region and architecture.
    price: Price
    #: Configured timeouts (s) by function, from the scanned app (``--app``).
    configured_timeouts: Mapping[str, float] = field(default_factory=dict)
    #: Configured memory (MB) by function, as the REPORT lines give it.
    memory_by_function: Mapping[str, float] = field(default_factory=dict)
    #: (function, error type) and (function, template) pairs the history has seen.
    known_error_types: frozenset[tuple[str, str]] = frozenset()
    known_templates: frozenset[tuple[str, str]] = frozenset()
    #: Functions the history has windows of (the history is their baseline).
    functions_with_history: frozenset[str] = frozenset()
    #: Age (ms) from which the detectors count a logged stream/queue record as late.
    late_record_ms: int = 0
    #: Share of its memory size from which a REPORT counts as close to out-of-memory.
    near_memory_share: float = 1.0
    #: Computes the window rows (DuckDB over this run and the history) on first use.
    compute_windows: Callable[[], list[WindowRow]] = list
    #: Mines the error templates (Drain3) on first use: (function, template, seen).
    compute_templates: Callable[[], list[tuple[str, str, Seen]]] = list

    @cached_property
    def windows(self) -> list[WindowRow]:
        """Every window of this run with its function's baseline, by function and time."""
        return self.compute_windows()

    @cached_property
    def error_templates(self) -> list[tuple[str, str, Seen]]:
        """Drain3 templates of the untyped error messages, merged per function."""
        return self.compute_templates()

    def window_runs(self, flag: Callable[[WindowRow], str | None]) -> list[WindowRun]:
        """The runs of adjacent windows for which ``flag`` says something (not ``None``)."""
        runs: list[WindowRun] = []
        open_runs: dict[str, tuple[list[WindowRow], list[str]]] = {}
        previous: dict[str, int] = {}
        for row in self.windows:
            text = flag(row)
            if text is None:
                continue
            function, window = row["function"], int(row["window"])
            if function in open_runs and previous.get(function) != window - WINDOW_MS:
                runs.append(_run(function, open_runs.pop(function)))
            rows, texts = open_runs.setdefault(function, ([], []))
            rows.append(row)
            texts.append(text)
            previous[function] = window
        runs.extend(_run(function, run) for function, run in open_runs.items())
        return runs

    def window_alert(
        self,
        run: WindowRun,
        *,
        error_evidence: bool = False,
        suffix: str = "",
        properties: Mapping[str, Any] | None = None,
    ) -> Alert:
        """The alert of a run: ``function: text; text; text`` (the first three windows),
        then ``suffix``. Evidence: the first error lines of each window (``error_evidence``)
        or the first REPORT line of each window."""
        evidence: list[Evidence] = []
        for row in run.rows:
            if error_evidence:
                seen = self.state.window_errors.get((run.function, int(row["window"])))
                evidence.extend(seen.evidence if seen else [])
            elif row["first_source"]:
                evidence.append(
                    Evidence(
                        source=row["first_source"],
                        offset=row["first_offset"] or -1,
                        line=row["first_line"] or 0,
                        timestamp=iso_ms(int(row["window"])),
                    )
                )
        start, end = int(run.rows[0]["window"]), int(run.rows[-1]["window"]) + WINDOW_MS
        return Alert(
            function=run.function,
            start=at_ms(start),
            end=at_ms(end),
            message=f"{run.function}: " + "; ".join(run.texts[:3]) + suffix,
            key=f"{start}",
            evidence=tuple(evidence[:MAX_EVIDENCE]),
            properties={"windows": len(run.rows), **(properties or {})},
        )


def _run(function: str, run: tuple[list[WindowRow], list[str]]) -> WindowRun:
    return WindowRun(function, tuple(run[0]), tuple(run[1]))


def at_ms(ms: int) -> dt.datetime:
    """The UTC time of epoch milliseconds."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def iso_ms(ms: int) -> str:
    """``2024-05-01T10:00:00Z`` of epoch milliseconds."""
    return at_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def seen_alert(function: str, seen: Seen, message: str, key: str, **properties: Any) -> Alert:
    """An alert over a keyed observation: its time span, evidence and ``count``."""
    return Alert(
        function=function,
        start=at_ms(seen.first_ms),
        end=at_ms(seen.last_ms + 1000),
        message=message,
        key=key,
        evidence=tuple(seen.evidence),
        properties={"count": seen.count, **properties},
    )


def detect_all(facts: LogFacts, rules: Sequence[LogRule]) -> list[Alert]:
    """Every alert of ``rules`` over ``facts``, each with its rule's id, sorted by time,
    rule and function."""
    alerts = [alert for rule in rules for alert in _detect(rule, facts)]
    alerts.sort(key=lambda a: (a.start, a.rule_id, a.function, a.key))
    return alerts


def _detect(rule: LogRule, facts: LogFacts) -> Iterator[Alert]:
    if rule.detect is None:
        return
    # Log detections compare numbers; a word among a rule's thresholds is not for them.
    numbers = {k: v for k, v in rule.thresholds.items() if not isinstance(v, str)}
    for alert in rule.detect(facts, numbers):
        yield replace(alert, rule_id=rule.id)
