"""Per-batch detectors with mergeable partial state.

:meth:`PartialState.update` takes one parsed Arrow batch and folds it into small state:

- per (function, 5-minute window) sums (invocations, errors, timeouts, cold starts, sum of
  log-durations, max duration, GB-seconds) as Arrow tables, re-aggregated on merge;
- per-function duration quantile sketches (Apache DataSketches KLL, mergeable, serialised
  as bytes) and counters;
- error types and masked error templates with first-seen time, count and one evidence line;
- timeouts, out-of-memory/near-limit reports and pattern hits (injection, secrets) with a
  capped number of evidence lines each;
- counted diagnostics.

``merge`` is associative and commutative up to evidence order, so the embedded engine merges
worker states and a Spark engine can merge partition states the same way. Nothing here
decides what is an alert: :mod:`faasguard.logs.finish` does, over the merged state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketches import kll_doubles_sketch

from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.model import Evidence, Kind, iso
from faasguard.logs.patterns import Matcher, redact

WINDOW_MINUTES = 5
#: Evidence lines kept per alert key (the first ones seen).
MAX_EVIDENCE = 5
_SKETCH_K = 200
_NEAR_LIMIT = 0.9
_EVIDENCE_CHARS = 300

#: Values masked before template mining, so payloads never become part of a template.
MASKS: tuple[tuple[str, str], ...] = (
    (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?", "<TS>"),
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "<ID>"),
    (r"\b\d{1,3}(?:\.\d{1,3}){3}\b", "<IP>"),
    (r"\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{16,}\b", "<HEX>"),
    (r"'[^']*'", "'<S>'"),
    (r"-?\b\d+(?:\.\d+)?\b", "<N>"),
)

_WINDOW_SCHEMA = pa.schema(
    [
        ("function", pa.string()),
        ("window", pa.int64()),
        ("invocations", pa.int64()),
        ("errors", pa.int64()),
        ("timeouts", pa.int64()),
        ("cold_starts", pa.int64()),
        ("log_duration_sum", pa.float64()),
        ("duration_count", pa.int64()),
        ("duration_max", pa.float64()),
        ("gb_seconds", pa.float64()),
        ("first_source", pa.string()),
        ("first_offset", pa.int64()),
        ("first_line", pa.int64()),
    ]
)
_SUMS = (
    "invocations",
    "errors",
    "timeouts",
    "cold_starts",
    "log_duration_sum",
    "duration_count",
    "gb_seconds",
)
_TIMEOUT_RID = r"^\S+ (?P<rid>[0-9a-f-]{36}) Task timed out"


@dataclass(slots=True)
class FunctionStats:
    """Per-function totals (mergeable by addition / max)."""

    invocations: int = 0
    errors: int = 0
    timeouts: int = 0
    cold_starts: int = 0
    gb_seconds: float = 0.0
    duration_max: float = 0.0
    memory_mb: float = 0.0
    max_memory_used_mb: float = 0.0
    configured_timeout_s: float = 0.0
    first_ms: int = 0
    last_ms: int = 0
    sketch: bytes = b""

    def merge(self, other: FunctionStats) -> None:
        """Fold ``other`` into this one."""
        self.invocations += other.invocations
        self.errors += other.errors
        self.timeouts += other.timeouts
        self.cold_starts += other.cold_starts
        self.gb_seconds += other.gb_seconds
        self.duration_max = max(self.duration_max, other.duration_max)
        self.memory_mb = max(self.memory_mb, other.memory_mb)
        self.max_memory_used_mb = max(self.max_memory_used_mb, other.max_memory_used_mb)
        self.configured_timeout_s = max(self.configured_timeout_s, other.configured_timeout_s)
        if other.first_ms and (not self.first_ms or other.first_ms < self.first_ms):
            self.first_ms = other.first_ms
        self.last_ms = max(self.last_ms, other.last_ms)
        self.sketch = merge_sketches(self.sketch, other.sketch)

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile of observed durations (ms), or ``None`` without data."""
        if not self.sketch:
            return None
        sketch = kll_doubles_sketch.deserialize(self.sketch)
        if sketch.is_empty():
            return None
        return float(sketch.get_quantile(q))


def merge_sketches(a: bytes, b: bytes) -> bytes:
    """The serialised KLL sketch of the union of two serialised sketches."""
    if not a:
        return b
    if not b:
        return a
    left = kll_doubles_sketch.deserialize(a)
    left.merge(kll_doubles_sketch.deserialize(b))
    return bytes(left.serialize())


@dataclass(slots=True)
class Seen:
    """A keyed observation: count, first/last time, and the first evidence lines."""

    count: int = 0
    first_ms: int = 0
    last_ms: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, count: int, first_ms: int, last_ms: int, evidence: list[Evidence]) -> None:
        """Fold one more observation in (evidence capped at :data:`MAX_EVIDENCE`)."""
        self.count += count
        if first_ms and (not self.first_ms or first_ms < self.first_ms):
            self.first_ms = first_ms
        self.last_ms = max(self.last_ms, last_ms)
        for item in evidence:
            if len(self.evidence) < MAX_EVIDENCE:
                self.evidence.append(item)

    def merge(self, other: Seen) -> None:
        """Fold ``other`` into this one."""
        self.add(other.count, other.first_ms, other.last_ms, other.evidence)
        for key, value in other.extra.items():
            if isinstance(value, int | float) and isinstance(self.extra.get(key), int | float):
                self.extra[key] = max(self.extra[key], value)
            else:
                self.extra.setdefault(key, value)


def _merge_keyed(target: dict[Any, Seen], source: dict[Any, Seen]) -> None:
    for key, seen in source.items():
        if key in target:
            target[key].merge(seen)
        else:
            target[key] = seen


@dataclass(slots=True)
class PartialState:
    """Everything the detectors keep about the batches seen so far (picklable, mergeable)."""

    windows: list[pa.Table] = field(default_factory=list)
    functions: dict[str, FunctionStats] = field(default_factory=dict)
    error_types: dict[tuple[str, str], Seen] = field(default_factory=dict)
    templates: dict[tuple[str, str], Seen] = field(default_factory=dict)
    timeouts: dict[tuple[str, int], Seen] = field(default_factory=dict)
    memory: dict[tuple[str, int, str], Seen] = field(default_factory=dict)
    patterns: dict[tuple[str, str, str], Seen] = field(default_factory=dict)
    window_errors: dict[tuple[str, int], Seen] = field(default_factory=dict)
    cloudtrail: list[dict[str, Any]] = field(default_factory=list)
    diagnostics: DiagnosticCounter = field(default_factory=DiagnosticCounter)
    lines: int = 0
    bytes: int = 0
    files: int = 0

    # -- merging ----------------------------------------------------------------------------

    def merge(self, other: PartialState) -> PartialState:
        """Fold ``other`` into this state and return ``self``."""
        self.windows.extend(other.windows)
        self._compact()
        for name, stats in other.functions.items():
            if name in self.functions:
                self.functions[name].merge(stats)
            else:
                self.functions[name] = stats
        _merge_keyed(self.error_types, other.error_types)
        _merge_keyed(self.templates, other.templates)
        _merge_keyed(self.timeouts, other.timeouts)
        _merge_keyed(self.memory, other.memory)
        _merge_keyed(self.patterns, other.patterns)
        _merge_keyed(self.window_errors, other.window_errors)
        self.cloudtrail.extend(other.cloudtrail)
        self.diagnostics.merge(other.diagnostics)
        self.lines += other.lines
        self.bytes += other.bytes
        self.files += other.files
        return self

    def window_table(self) -> pa.Table:
        """The per-(function, window) aggregates of everything merged so far."""
        self._compact(force=True)
        return self.windows[0] if self.windows else _WINDOW_SCHEMA.empty_table()

    def _compact(self, force: bool = False) -> None:
        # Re-aggregate once the list grows, so memory stays bounded by (functions x windows).
        if len(self.windows) < (2 if force else 64):
            return
        table = pa.concat_tables(self.windows)
        grouped = table.group_by(["function", "window"], use_threads=False).aggregate(
            [(name, "sum") for name in _SUMS]
            + [
                ("duration_max", "max"),
                ("first_source", "first"),
                ("first_offset", "first"),
                ("first_line", "first"),
            ]
        )
        renamed = {f"{name}_sum": name for name in _SUMS}
        renamed.update(
            {
                "duration_max_max": "duration_max",
                "first_source_first": "first_source",
                "first_offset_first": "first_offset",
                "first_line_first": "first_line",
            }
        )
        grouped = grouped.rename_columns([renamed.get(c, c) for c in grouped.column_names])
        self.windows = [grouped.select(_WINDOW_SCHEMA.names).cast(_WINDOW_SCHEMA)]

    # -- the per-batch detectors ------------------------------------------------------------

    def update(self, batch: pa.RecordBatch, matcher: Matcher | None = None) -> None:
        """Fold one parsed batch (schema :data:`faasguard.logs.model.SCHEMA`) into the state."""
        self.lines += batch.num_rows
        if batch.num_rows == 0:
            return
        table = pa.Table.from_batches([batch])
        missing = pc.is_null(table.column("function"))
        if pc.any(missing).as_py():
            source = table.column("source")[0].as_py()
            first = int(np.flatnonzero(_np(missing))[0])
            self.diagnostics.add(
                "unknown-function",
                source,
                f"line {table.column('line')[first].as_py()}",
                int(pc.sum(missing).as_py()),
            )
            table = table.filter(pc.invert(missing))
        if table.num_rows == 0:
            return
        kind = table.column("kind")
        is_report = pc.equal(kind, int(Kind.REPORT))
        is_error = pc.or_kleene(
            pc.equal(table.column("level"), "ERROR"),
            pc.or_kleene(
                table.column("timed_out"),
                pc.and_(
                    pc.equal(kind, int(Kind.RUNTIME_EXIT)),
                    pc.starts_with(table.column("message"), "RequestId: "),
                ),
            ),
        )
        is_error = pc.fill_null(is_error, False)
        normal = self._windows(table, is_report, is_error)
        self._functions(table, is_report, normal)
        errors = table.filter(is_error)
        if errors.num_rows:
            self._errors(errors)
        self._timeouts(table)
        self._memory(table, is_report)
        if matcher is not None:
            self._patterns(table, matcher)

    def _windows(self, table: pa.Table, is_report: pa.Array, is_error: pa.Array) -> pa.Array:
        """Fold the window aggregates; return the mask of REPORTs that did not time out."""
        ts = table.column("ts")
        window = pc.floor_temporal(ts, multiple=WINDOW_MINUTES, unit="minute")
        duration = table.column("duration_ms")
        # Timed-out invocations are LOG010's; keep them out of the duration baseline.
        timed_out_ids = pc.struct_field(
            pc.extract_regex(
                table.filter(pc.equal(table.column("kind"), int(Kind.TIMEOUT))).column("message"),
                _TIMEOUT_RID,
            ),
            "rid",
        )
        normal = pc.and_(
            is_report,
            pc.and_(
                pc.invert(pc.fill_null(table.column("timed_out"), False)),
                pc.invert(pc.is_in(table.column("request_id"), pc.drop_null(timed_out_ids))),
            ),
        )
        normal = pc.fill_null(normal, True)
        positive = pc.and_(pc.fill_null(pc.greater(duration, 0), False), normal)
        log_duration = pc.if_else(positive, pc.ln(pc.if_else(positive, duration, 1.0)), 0.0)
        gb_seconds = pc.multiply(
            pc.divide(pc.fill_null(table.column("billed_ms"), 0.0), 1000.0),
            pc.divide(pc.fill_null(table.column("memory_mb"), 0.0), 1024.0),
        )
        frame = pa.table(
            {
                "function": table.column("function"),
                "window": window.cast(pa.int64()),
                "invocations": pc.cast(is_report, pa.int64()),
                "errors": pc.cast(is_error, pa.int64()),
                "timeouts": pc.cast(table.column("timed_out"), pa.int64()),
                "cold_starts": pc.cast(
                    pc.and_(is_report, pc.is_valid(table.column("init_ms"))), pa.int64()
                ),
                "log_duration_sum": pc.if_else(positive, log_duration, 0.0),
                "duration_count": pc.cast(positive, pa.int64()),
                "duration_max": pc.if_else(is_report, duration, None),
                "gb_seconds": gb_seconds,
                "first_source": table.column("source"),
                "first_offset": pc.if_else(is_report, table.column("offset"), None),
                "first_line": pc.if_else(is_report, table.column("line"), None),
            }
        ).filter(pc.is_valid(window))
        self.windows.append(frame)
        self._compact()
        return normal

    def _functions(self, table: pa.Table, is_report: pa.Array, normal: pa.Array) -> None:
        all_reports = table.filter(is_report)
        # Durations of timed-out invocations say nothing about what the function needs.
        all_completed = table.filter(normal)
        names = pc.unique(table.column("function")).to_pylist()
        for name in names:
            if len(names) == 1:  # the usual case: one file, one log group, no filtering
                mine, rep, done = table, all_reports, all_completed
            else:
                mine = table.filter(pc.equal(table.column("function"), name))
                rep = all_reports.filter(pc.equal(all_reports.column("function"), name))
                done = all_completed.filter(pc.equal(all_completed.column("function"), name))
            self._function_stats(self.functions.setdefault(name, FunctionStats()), mine, rep, done)

    @staticmethod
    def _function_stats(
        stats: FunctionStats, mine: pa.Table, rep: pa.Table, done: pa.Table
    ) -> None:
        ts_range = pc.min_max(mine.column("ts")).as_py()
        if ts_range["min"] is not None:
            first = int(ts_range["min"].timestamp() * 1000)
            last = int(ts_range["max"].timestamp() * 1000)
            stats.first_ms = first if not stats.first_ms else min(stats.first_ms, first)
            stats.last_ms = max(stats.last_ms, last)
        stats.timeouts += int(pc.sum(mine.column("timed_out")).as_py() or 0)
        limit = pc.max(mine.column("timeout_s")).as_py()
        if limit:
            stats.configured_timeout_s = max(stats.configured_timeout_s, limit)
        if not rep.num_rows:
            return
        stats.invocations += rep.num_rows
        stats.cold_starts += int(pc.sum(pc.is_valid(rep.column("init_ms"))).as_py())
        durations = pc.drop_null(done.column("duration_ms")).to_numpy()
        if len(durations):
            stats.duration_max = max(stats.duration_max, float(durations.max()))
            sketch = kll_doubles_sketch(_SKETCH_K)
            sketch.update(durations.astype(np.float64))
            stats.sketch = merge_sketches(stats.sketch, bytes(sketch.serialize()))
        billed = pc.fill_null(rep.column("billed_ms"), 0.0)
        memory = pc.fill_null(rep.column("memory_mb"), 0.0)
        stats.gb_seconds += (
            float(pc.sum(pc.multiply(billed, memory)).as_py() or 0.0) / 1000.0 / 1024.0
        )
        stats.memory_mb = max(stats.memory_mb, pc.max(memory).as_py() or 0.0)
        used = pc.max(rep.column("max_memory_mb")).as_py()
        stats.max_memory_used_mb = max(stats.max_memory_used_mb, used or 0.0)

    def _errors(self, errors: pa.Table) -> None:
        for name in pc.unique(errors.column("function")).to_pylist():
            stats = self.functions.setdefault(name, FunctionStats())
            stats.errors += int(pc.sum(pc.equal(errors.column("function"), name)).as_py())
        window = pc.floor_temporal(errors.column("ts"), multiple=WINDOW_MINUTES, unit="minute")
        for row, win in zip(_rows(errors), window.to_pylist(), strict=True):
            if win is None:
                continue
            key = (row["function"], int(win.timestamp() * 1000))
            seen = self.window_errors.setdefault(key, Seen())
            ms = _ms(row)
            seen.add(1, ms, ms, [_evidence(row)])
        typed = errors.filter(pc.is_valid(errors.column("error_type")))
        for row in _rows(typed):
            type_key = (str(row["function"]), str(row["error_type"]))
            ms = _ms(row)
            self.error_types.setdefault(type_key, Seen()).add(1, ms, ms, [_evidence(row)])
        untyped = errors.filter(
            pc.and_(
                pc.is_null(errors.column("error_type")),
                pc.equal(pc.fill_null(errors.column("level"), ""), "ERROR"),
            )
        )
        if untyped.num_rows:
            masked = mask_values(untyped.column("message"))
            for row, template in zip(_rows(untyped), masked.to_pylist(), strict=True):
                ms = _ms(row)
                template_key = (str(row["function"]), str(template))
                self.templates.setdefault(template_key, Seen()).add(1, ms, ms, [_evidence(row)])

    def _timeouts(self, table: pa.Table) -> None:
        hits = table.filter(table.column("timed_out"))
        for row in _rows(hits):
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            seen = self.timeouts.setdefault((row["function"], hour), Seen())
            seen.add(1, ms, ms, [_evidence(row)])
            if row["timeout_s"]:
                seen.extra["timeout_s"] = max(seen.extra.get("timeout_s", 0), row["timeout_s"])

    def _memory(self, table: pa.Table, is_report: pa.Array) -> None:
        reports = table.filter(is_report)
        used = reports.column("max_memory_mb")
        size = reports.column("memory_mb")
        ratio = pc.divide(used, size)
        near = pc.fill_null(pc.greater_equal(ratio, _NEAR_LIMIT), False)
        exits = table.filter(
            pc.and_(
                pc.equal(table.column("kind"), int(Kind.RUNTIME_EXIT)),
                pc.match_substring(table.column("message"), "signal: killed"),
            )
        )
        for row in _rows(reports.filter(near)):
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            oom = (row["max_memory_mb"] or 0) >= (row["memory_mb"] or math.inf)
            seen = self.memory.setdefault((row["function"], hour, "oom" if oom else "near"), Seen())
            seen.add(1, ms, ms, [_evidence(row)])
            seen.extra["memory_mb"] = row["memory_mb"]
            seen.extra["max_memory_used_mb"] = max(
                seen.extra.get("max_memory_used_mb", 0), row["max_memory_mb"] or 0
            )
        for row in _rows(exits):
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            seen = self.memory.setdefault((row["function"], hour, "oom"), Seen())
            seen.add(0, ms, ms, [_evidence(row)])

    def _patterns(self, table: pa.Table, matcher: Matcher) -> None:
        app = table.filter(pc.equal(table.column("kind"), int(Kind.APP)))
        if app.num_rows == 0:
            return
        rows, ids = matcher.scan(app.column("message"))
        if len(rows) == 0:
            return
        hits = app.take(pa.array(rows))
        for row, pattern_index in zip(_rows(hits), ids.tolist(), strict=True):
            pattern = matcher.patterns[pattern_index]
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            key = (pattern.rule, row["function"], f"{pattern.category}@{hour}")
            seen = self.patterns.setdefault(key, Seen())
            evidence = _evidence(row)
            duplicate = any(
                e.source == evidence.source
                and e.offset == evidence.offset
                and e.event_id == evidence.event_id
                for e in seen.evidence
            )
            seen.add(1, ms, ms, [] if duplicate else [evidence])
            seen.extra.setdefault("patterns", [])
            if pattern.id not in seen.extra["patterns"]:
                seen.extra["patterns"].append(pattern.id)


def mask_values(messages: pa.Array) -> pa.Array:
    """Messages with timestamps, ids, addresses, quoted strings and numbers masked."""
    out = messages.cast(pa.string())
    for pattern, replacement in MASKS:
        out = pc.replace_substring_regex(out, pattern, replacement)
    return pc.utf8_slice_codeunits(out, 0, 400)


def _np(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(), dtype=bool)


_EVIDENCE_COLUMNS = (
    "function",
    "ts",
    "message",
    "source",
    "offset",
    "line",
    "stream",
    "event_id",
    "error_type",
    "timeout_s",
    "memory_mb",
    "max_memory_mb",
)


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    # Only ever called on rare rows (errors, timeouts, hits): never on the whole batch.
    rows: list[dict[str, Any]] = table.select(list(_EVIDENCE_COLUMNS)).to_pylist()
    return rows


def _ms(row: dict[str, Any]) -> int:
    ts = row["ts"]
    return int(ts.timestamp() * 1000) if ts is not None else 0


def _evidence(row: dict[str, Any]) -> Evidence:
    text = row["message"] or ""
    if len(text) > _EVIDENCE_CHARS:
        text = text[:_EVIDENCE_CHARS] + "…"
    return Evidence(
        source=row["source"],
        offset=row["offset"] if row["offset"] is not None else -1,
        line=row["line"] or 0,
        stream=row["stream"] or "",
        event_id=row["event_id"] or "",
        timestamp=iso(row["ts"]),
        text=redact(text.replace("\r", "\\r").replace("\t", " ")),
    )
