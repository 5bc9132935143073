"""Per-batch detectors with mergeable partial state.

:meth:`PartialState.update` takes one parsed Arrow batch and folds it into small state:

- per (function, 5-minute window) sums (invocations, errors, timeouts, cold starts, sum of
  log-durations, max duration, GB-seconds) as Arrow tables, re-aggregated on merge;
- per-function duration quantile sketches (log-spaced buckets with ±0.5 % relative error,
  DDSketch's scheme: deterministic and mergeable by adding counts), exact 100 ms duration
  buckets (for "ran close to the timeout") and counters;
- error types and masked error templates with first-seen time, count and one evidence line;
- timeouts, out-of-memory/near-limit reports and pattern hits (injection, secrets) with a
  capped number of evidence lines each;
- counted diagnostics.

``merge`` is associative and commutative up to evidence order, so the embedded engine merges
worker states and a Spark engine can merge partition states the same way. Nothing here
decides what is an alert: the LOG rules do, over the facts :mod:`faasguard.logs.finish`
makes of the merged state.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.alerts import Evidence, iso
from faasguard.logs.batch import BatchView, bool_mask, floats, valid_mask, zero_nan
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.facts import MAX_EVIDENCE, WINDOW_MINUTES
from faasguard.logs.model import Kind
from faasguard.logs.patterns import Matcher, redact
from faasguard.logs.payload_gate import checked_rows
from faasguard.logs.payload_hits import evidence_text, lines_hits
from faasguard.logs.stats import FunctionStats, Seen, merge_keyed
from faasguard.logs.windows import WINDOW_SCHEMA, regroup, regroup_arrow
from faasguard.payloads import EventHit

RECORD_AGE_MS = 60_000
#: A REPORT whose max memory used is at least this share of the memory size is near the limit.
NEAR_MEMORY_SHARE = 0.9
_EVIDENCE_CHARS = 300
_WINDOW_MS = WINDOW_MINUTES * 60_000
#: Window-key stride per function code (window indexes since 1970 stay far below it).
_KEY_STRIDE = 1 << 40

#: Values masked before template mining, so payloads never become part of a template.
MASKS: tuple[tuple[str, str], ...] = (
    (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?", "<TS>"),
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "<ID>"),
    (r"\b\d{1,3}(?:\.\d{1,3}){3}\b", "<IP>"),
    (r"\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{16,}\b", "<HEX>"),
    (r"'[^']*'", "'<S>'"),
    (r"-?\b\d+(?:\.\d+)?\b", "<N>"),
)


@dataclass(slots=True)
class PartialState:
    """Everything the detectors keep about the batches seen so far (picklable, mergeable)."""

    windows: list[pa.Table] = field(default_factory=list)
    functions: dict[str, FunctionStats] = field(default_factory=dict)
    error_types: dict[tuple[str, str], Seen] = field(default_factory=dict)
    templates: dict[tuple[str, str], Seen] = field(default_factory=dict)
    timeouts: dict[tuple[str, int], Seen] = field(default_factory=dict)
    memory: dict[tuple[str, int, str], Seen] = field(default_factory=dict)
    #: Pattern hits by (pattern kind, function, ``category@hour``);
    #: ``extra["patterns"]`` lists the ids of the patterns that matched.
    patterns: dict[tuple[str, str, str], Seen] = field(default_factory=dict)
    window_errors: dict[tuple[str, int], Seen] = field(default_factory=dict)
    #: Application lines that logged a record at least RECORD_AGE_MS old, by
    #: (function, hour); ``extra["max_age_ms"]`` is the oldest.
    late_records: dict[tuple[str, int], Seen] = field(default_factory=dict)
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
        merge_keyed(self.error_types, other.error_types)
        merge_keyed(self.templates, other.templates)
        merge_keyed(self.timeouts, other.timeouts)
        merge_keyed(self.memory, other.memory)
        merge_keyed(self.patterns, other.patterns)
        merge_keyed(self.window_errors, other.window_errors)
        merge_keyed(self.late_records, other.late_records)
        self.cloudtrail.extend(other.cloudtrail)
        self.diagnostics.merge(other.diagnostics)
        self.lines += other.lines
        self.bytes += other.bytes
        self.files += other.files
        return self

    def window_table(self) -> pa.Table:
        """The per-(function, window) aggregates of everything merged so far."""
        self._compact(force=True)
        return self.windows[0] if self.windows else WINDOW_SCHEMA.empty_table()

    def _compact(self, force: bool = False) -> None:
        # Re-aggregate once the list grows, so memory stays bounded by (functions x windows).
        if len(self.windows) < (2 if force else 64):
            return
        table = pa.concat_tables(self.windows).combine_chunks()
        grouped = regroup(table)
        if grouped is None:
            grouped = regroup_arrow(table)
        self.windows = [grouped]

    # -- the per-batch detectors ------------------------------------------------------------

    def update(self, batch: pa.RecordBatch, matcher: Matcher | None = None) -> None:
        """Fold one parsed batch (schema :data:`faasguard.logs.model.SCHEMA`) into the state.

        One pass: the columns become numpy views once, every detector's per-window and
        per-function aggregate comes from the same masks and one grouping, and only the
        rare rows (errors, timeouts, memory, pattern hits) ever become Python objects.
        """
        self.lines += batch.num_rows
        if batch.num_rows == 0:
            return
        missing = batch.column("function").null_count
        if missing:
            absent = bool_mask(pc.is_null(batch.column("function")))
            self.diagnostics.add(
                "unknown-function",
                batch.column("source")[0].as_py(),
                f"line {batch.column('line')[int(np.flatnonzero(absent)[0])].as_py()}",
                int(missing),
            )
            batch = batch.filter(pa.array(~absent))
        if batch.num_rows == 0:
            return
        view = BatchView(batch)
        self._fold_windows(view)
        self._fold_functions(view)
        if view.is_error.any():
            self._errors(view.rows(view.is_error))
        if view.timed_out.any():
            self._timeouts(view.rows(view.timed_out))
        self._memory(view)
        if matcher is not None and view.is_app.any():
            self._patterns(view, matcher)
        self._late_records(view)

    def _late_records(self, view: BatchView) -> None:
        column = view.batch.column("record_ms")
        if column.null_count == len(column):
            return
        with np.errstate(invalid="ignore"):
            age = view.ts_ms - floats(column)
            late = view.is_app & view.ts_valid & (age >= RECORD_AGE_MS)
        if not late.any():
            return
        ages = age[late].tolist()
        for row, record_age in zip(_rows(view.rows(late)), ages, strict=True):
            ms = _ms(row)
            seen = self.late_records.setdefault((row["function"], ms - ms % 3_600_000), Seen())
            seen.add_one(ms, partial(_evidence, row))
            seen.extra["max_age_ms"] = max(seen.extra.get("max_age_ms", 0.0), record_age)

    def _fold_windows(self, view: BatchView) -> None:
        """Per-(function, 5-minute window) sums of this batch, appended to the window rows."""
        every = bool(view.ts_valid.all())
        rows = np.arange(len(view.kind)) if every else np.flatnonzero(view.ts_valid)
        if not len(rows):
            return

        def at(values: np.ndarray) -> np.ndarray:
            # Every row has a time in practice: the columns themselves, no gathered copies.
            return values if every else values[rows]

        index = at(view.ts_ms) // _WINDOW_MS
        window_ms = index * _WINDOW_MS  # == ts - ts % window, with one division
        key = index
        if len(view.function_names) > 1:
            key = at(view.codes).astype(np.int64) * _KEY_STRIDE + index
        # Groups in order of first appearance (the order regroup keeps when it folds them).
        if len(key) < 2 or bool(np.all(key[1:] >= key[:-1])):
            # Rows in time order (the usual case): groups are runs, no sort needed.
            change = np.empty(len(key), dtype=bool)
            change[:1] = True
            np.not_equal(key[1:], key[:-1], out=change[1:])
            first = np.flatnonzero(change)
            group = np.cumsum(change) - 1
        else:
            _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
            rank = np.empty(len(first), dtype=np.int64)
            rank[np.argsort(first, kind="stable")] = np.arange(len(first))
            group = rank[inverse]
        groups = len(first)
        report = at(view.is_report)
        positive = at(view.positive)
        reported = group[report]

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(group[mask], minlength=groups).astype(np.int64)

        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(group, weights=values, minlength=groups)

        duration_max = np.full(groups, np.nan)
        np.fmax.at(duration_max, reported, at(view.duration)[report])
        first_report = np.full(groups, len(view.kind), dtype=np.int64)
        np.minimum.at(first_report, reported, rows[report])
        has_report = first_report < len(view.kind)
        first_report = np.where(has_report, first_report, 0)
        first_rows = rows[np.sort(first)]
        self.windows.append(
            pa.table(
                {
                    "function": view.function_names.take(pa.array(view.codes[first_rows])),
                    "window": pa.array(window_ms[np.sort(first)]),
                    "invocations": count(report),
                    "errors": count(at(view.is_error)),
                    "timeouts": count(at(view.timed_out)),
                    "cold_starts": count(report & at(view.init_valid)),
                    "log_duration_sum": total(at(view.log_duration)),
                    "duration_count": count(positive),
                    "duration_max": pa.array(duration_max, mask=np.isnan(duration_max)),
                    "gb_seconds": total(at(view.gb_seconds)),
                    "first_source": view.batch.column("source").take(pa.array(first_rows)),
                    "first_offset": pa.array(view.column("offset", first_report), mask=~has_report),
                    "first_line": pa.array(view.column("line", first_report), mask=~has_report),
                },
                schema=WINDOW_SCHEMA,
            )
        )
        self._compact()

    def _fold_functions(self, view: BatchView) -> None:
        """Per-function totals and the duration sketch."""
        for code, name in enumerate(view.function_names.to_pylist()):
            # One file, one log group is the usual case: a slice keeps every column a view.
            mine: np.ndarray | slice = slice(None)
            if len(view.function_names) > 1:
                selected = view.codes == code
                if not selected.any():
                    continue
                mine = selected
            stats = self.functions.setdefault(str(name), FunctionStats())
            stamps = view.ts_ms[mine][view.ts_valid[mine]]
            if len(stamps):
                first, last = int(stamps.min()), int(stamps.max())
                stats.first_ms = first if not stats.first_ms else min(stats.first_ms, first)
                stats.last_ms = max(stats.last_ms, last)
            stats.timeouts += int(np.count_nonzero(view.timed_out[mine]))
            limits = view.timeout_s[mine]
            if not np.isnan(limits).all():
                limit = float(np.nanmax(limits))
                if limit:
                    stats.configured_timeout_s = max(stats.configured_timeout_s, limit)
            report = view.is_report[mine]
            if not report.any():
                continue
            stats.invocations += int(np.count_nonzero(report))
            stats.cold_starts += int(np.count_nonzero(view.init_valid[mine][report]))
            # Durations of timed-out invocations say nothing about what the function needs.
            completed = view.normal[mine] & ~np.isnan(view.duration[mine])
            durations = view.duration[mine][completed]
            if len(durations):
                stats.duration_max = max(stats.duration_max, float(durations.max()))
                stats.add_durations(durations)
                at = (
                    np.flatnonzero(completed)
                    if isinstance(mine, slice)
                    else np.flatnonzero(mine)[completed]
                )
                with_time = view.ts_valid[at]
                if not with_time.all():
                    at, durations = at[with_time], durations[with_time]

                def evidence(indexes: list[int], rows: np.ndarray = at) -> list[Evidence]:
                    taken = view.batch.take(pa.array(rows[indexes]))
                    return [_evidence(row) for row in _rows(pa.Table.from_batches([taken]))]

                stats.add_completed(durations, view.ts_ms[at], evidence)
            billed = zero_nan(view.billed[mine][report])
            memory = zero_nan(view.memory[mine][report])
            stats.gb_seconds += float(np.sum(billed * memory)) / 1000.0 / 1024.0
            stats.memory_mb = max(stats.memory_mb, float(memory.max()))
            used = view.max_memory[mine][report]
            if not np.isnan(used).all():
                stats.max_memory_used_mb = max(stats.max_memory_used_mb, float(np.nanmax(used)))

    def _errors(self, errors: pa.Table) -> None:
        rows = _rows(errors)
        # Evidence (redaction, ISO time) is built once per row, and only for the rows some
        # key still keeps evidence of (the first MAX_EVIDENCE per key).
        built: dict[int, Evidence] = {}

        def evidence_of(index: int) -> Callable[[], Evidence]:
            def build() -> Evidence:
                if index not in built:
                    built[index] = _evidence(rows[index])
                return built[index]

            return build

        counts: dict[str, int] = {}
        for row in rows:
            counts[row["function"]] = counts.get(row["function"], 0) + 1
        for name, count in counts.items():
            self.functions.setdefault(name, FunctionStats()).errors += count
        stamps = errors.column("ts").cast(pa.int64())
        valid = valid_mask(stamps)
        ms_values = pc.fill_null(stamps, 0).to_numpy()
        # floor_temporal to 5 minutes since the epoch, in integer milliseconds.
        windows = (ms_values - ms_values % _WINDOW_MS).tolist()
        for index, row in enumerate(rows):
            if not valid[index]:
                continue
            key = (row["function"], windows[index])
            seen = self.window_errors.setdefault(key, Seen())
            seen.add_one(_ms(row), evidence_of(index))
        for index, row in enumerate(rows):
            if row["error_type"] is None:
                continue
            type_key = (str(row["function"]), str(row["error_type"]))
            self.error_types.setdefault(type_key, Seen()).add_one(_ms(row), evidence_of(index))
        untyped = np.asarray(
            [row["error_type"] is None and row["level"] == "ERROR" for row in rows], dtype=bool
        )
        if untyped.any():
            masked = mask_values(errors.column("message").filter(pa.array(untyped)))
            where = np.flatnonzero(untyped).tolist()
            for index, template in zip(where, masked.to_pylist(), strict=True):
                row = rows[index]
                template_key = (str(row["function"]), str(template))
                seen = self.templates.setdefault(template_key, Seen())
                seen.add_one(_ms(row), evidence_of(index))

    def _timeouts(self, hits: pa.Table) -> None:
        for row in _rows(hits):
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            seen = self.timeouts.setdefault((row["function"], hour), Seen())
            seen.add_one(ms, partial(_evidence, row))
            if row["timeout_s"]:
                seen.extra["timeout_s"] = max(seen.extra.get("timeout_s", 0), row["timeout_s"])

    def _memory(self, view: BatchView) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            near = view.is_report & (view.max_memory / view.memory >= NEAR_MEMORY_SHARE)
        exits = view.kind == Kind.RUNTIME_EXIT
        if exits.any():
            where = np.flatnonzero(exits)
            killed = bool_mask(pc.match_substring(view.messages(exits), "signal: killed"))
            exits[:] = False
            exits[where[killed]] = True
        if not near.any() and not exits.any():
            return
        for row in _rows(view.rows(near)):
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            oom = (row["max_memory_mb"] or 0) >= (row["memory_mb"] or math.inf)
            seen = self.memory.setdefault((row["function"], hour, "oom" if oom else "near"), Seen())
            seen.add_one(ms, partial(_evidence, row))
            seen.extra["memory_mb"] = row["memory_mb"]
            seen.extra["max_memory_used_mb"] = max(
                seen.extra.get("max_memory_used_mb", 0), row["max_memory_mb"] or 0
            )
        for row in _rows(view.rows(exits)):
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            seen = self.memory.setdefault((row["function"], hour, "oom"), Seen())
            kept = len(seen.evidence) < MAX_EVIDENCE
            seen.add(0, ms, ms, [_evidence(row)] if kept else [])

    def _patterns(self, view: BatchView, matcher: Matcher) -> None:
        # Only the message column of the application rows is scanned; whole rows are
        # taken for the hits alone.
        # LOG017's gate also checks each message for bytes it keeps wherever they are, and
        # its start (a message that is the payload)
        rows, ids, starting = matcher.scan_rows(
            view.batch.column("message"), view.is_app, checked_rows
        )
        if len(starting):
            rows = np.concatenate([rows, starting])
            ids = np.concatenate([ids, np.full(len(starting), _injection_index(matcher))])
        if len(rows) == 0:
            return
        injection = np.fromiter(
            (matcher.patterns[i].kind == "injection" for i in ids.tolist()), bool, len(ids)
        )
        if injection.any():
            # LOG017 reads each line the gate kept once, all of the batch's together, in
            # line order (the database's and the row checks' rows interleave)
            self._payloads(view, np.unique(rows[injection]).tolist())
            rows, ids = rows[~injection], ids[~injection]
        if len(rows) == 0:
            return
        hits = pa.Table.from_batches([view.batch.take(pa.array(rows))])
        for row, pattern_index in zip(_rows(hits), ids.tolist(), strict=True):
            pattern = matcher.patterns[pattern_index]
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            key = (pattern.kind, row["function"], f"{pattern.category}@{hour}")
            self._pattern_hit(key, row, partial(_evidence, row), pattern.id)

    def _payloads(self, view: BatchView, lines: list[int]) -> None:
        """LOG017: the payload engine's verdict on the lines the gate kept (rows of the
        batch, in order), counted once per line and class. Only the rare lines with a hit
        become whole rows."""
        messages = view.batch.column("message").take(pa.array(lines)).to_pylist()
        found_per_line = lines_hits([message or "" for message in messages])
        flagged = [index for index, found in enumerate(found_per_line) if found]
        if not flagged:
            return
        taken = pa.array([lines[index] for index in flagged])
        rows = _rows(pa.Table.from_batches([view.batch.take(taken)]))
        for row, index in zip(rows, flagged, strict=True):
            by_class: dict[str, list[EventHit]] = {}
            for hit in found_per_line[index]:
                by_class.setdefault(hit.detection.cls, []).append(hit)
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            for cls, found in by_class.items():
                strongest = max(found, key=lambda hit: hit.detection.confidence)
                names = sorted({hit.detection.source for hit in found})
                self._pattern_hit(
                    ("injection", row["function"], f"{cls}@{hour}"),
                    row,
                    partial(_payload_evidence, row, strongest),
                    *names,
                )

    def _pattern_hit(
        self,
        key: tuple[str, str, str],
        row: dict[str, Any],
        evidence: Callable[[], Evidence],
        *names: str,
    ) -> None:
        """Count a hit under ``key``; an evidence line is kept once, and built (redaction,
        ISO time) only while the key still keeps evidence. (LOG017 calls this once per line
        and class, so its counts are lines.)"""
        seen = self.patterns.setdefault(key, Seen())
        offset = row["offset"] if row["offset"] is not None else -1
        event_id = row["event_id"] or ""
        kept = len(seen.evidence) < MAX_EVIDENCE and not any(
            e.source == row["source"] and e.offset == offset and e.event_id == event_id
            for e in seen.evidence
        )
        ms = _ms(row)
        seen.add(1, ms, ms, [evidence()] if kept else [])
        seen.extra.setdefault("patterns", [])
        for name in names:
            if name not in seen.extra["patterns"]:
                seen.extra["patterns"].append(name)


def _injection_index(matcher: Matcher) -> int:
    """The index of the matcher's first injection pattern (stands for the gate's checks
    of message starts)."""
    return next(i for i, p in enumerate(matcher.patterns) if p.kind == "injection")


def mask_values(messages: pa.Array) -> pa.Array:
    """Messages with timestamps, ids, addresses, quoted strings and numbers masked."""
    out = messages.cast(pa.string())
    for pattern, replacement in MASKS:
        out = pc.replace_substring_regex(out, pattern, replacement)
    return pc.utf8_slice_codeunits(out, 0, 400)


_EVIDENCE_COLUMNS = (
    "function",
    "level",
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
    table = table.select(list(_EVIDENCE_COLUMNS))
    ts = table.column("ts")
    # a time Python's datetime cannot hold (year 10000 and on) is no time for evidence
    low, high = pa.scalar(_MIN_MS, pa.int64()), pa.scalar(_MAX_MS, pa.int64())
    ms = pc.cast(ts, pa.int64())
    held = pc.and_(pc.greater_equal(ms, low), pc.less_equal(ms, high))
    if not pc.all(pc.fill_null(held, True)).as_py():
        ts = pc.if_else(held, ts, pa.scalar(None, ts.type))
        table = table.set_column(table.schema.get_field_index("ts"), "ts", ts)
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


#: The milliseconds since 1970 of datetime's first and last day.
_MIN_MS = -62_135_596_800_000
_MAX_MS = 253_402_300_799_999


def _ms(row: dict[str, Any]) -> int:
    ts = row["ts"]
    return int(ts.timestamp() * 1000) if ts is not None else 0


def _payload_evidence(row: dict[str, Any], hit: EventHit) -> Evidence:
    """LOG017's evidence: the line's place, with the payload itself as its text."""
    return replace(_evidence(row), text=evidence_text(hit, redact))


def _evidence(row: dict[str, Any]) -> Evidence:
    # redacted before it is cut short (a cut secret no longer matches its pattern); only a
    # huge line is cut first, far beyond what is shown
    text = (row["message"] or "")[: _EVIDENCE_CHARS * 64]
    text = redact(text.replace("\r", "\\r").replace("\t", " "))
    if len(text) > _EVIDENCE_CHARS:
        text = text[:_EVIDENCE_CHARS] + "…"
    return Evidence(
        source=row["source"],
        offset=row["offset"] if row["offset"] is not None else -1,
        line=row["line"] or 0,
        stream=row["stream"] or "",
        event_id=row["event_id"] or "",
        timestamp=iso(row["ts"]),
        text=text,
    )
