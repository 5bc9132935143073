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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.alerts import Evidence, iso
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.facts import MAX_EVIDENCE, WINDOW_MINUTES
from faasguard.logs.model import Kind
from faasguard.logs.patterns import Matcher, redact

#: Relative accuracy of the duration quantiles (p50/p99 within ±0.5 %).
SKETCH_ACCURACY = 0.005
_GAMMA = (1 + SKETCH_ACCURACY) / (1 - SKETCH_ACCURACY)
_LOG_GAMMA = math.log(_GAMMA)
#: Width of the duration buckets kept per function, in ms.
DURATION_BUCKET_MS = 100
#: A logged stream/queue record this much older than the line is processed late.
RECORD_AGE_MS = 60_000
#: A REPORT whose max memory used is at least this share of the memory size is near the limit.
NEAR_MEMORY_SHARE = 0.9
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
_WINDOW_MS = WINDOW_MINUTES * 60_000
#: Window-key stride per function code (window indexes since 1970 stay far below it).
_KEY_STRIDE = 1 << 40


class _BatchView:
    """Numpy views of one parsed batch and the masks every detector shares (built once)."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self.batch = batch
        n = batch.num_rows
        functions = batch.column("function")
        self.function_names: pa.Array
        if pa.types.is_dictionary(functions.type):
            self.codes = functions.indices.to_numpy(zero_copy_only=False)
            self.function_names = functions.dictionary
        elif _one_value(functions):
            # One file, one log group: what dictionary_encode gives, without hashing rows.
            self.codes = np.zeros(n, dtype=np.int32)
            self.function_names = functions.slice(0, 1)
        else:
            encoded = pc.dictionary_encode(functions)
            self.codes = encoded.indices.to_numpy(zero_copy_only=False)
            self.function_names = encoded.dictionary
        ts = batch.column("ts").cast(pa.int64())
        self.ts_valid = _valid(ts)
        self.ts_ms = pc.fill_null(ts, 0).to_numpy()
        self.kind = batch.column("kind").to_numpy(zero_copy_only=False)
        self.duration = _floats(batch.column("duration_ms"))
        self.billed = _floats(batch.column("billed_ms"))
        self.memory = _floats(batch.column("memory_mb"))
        self.max_memory = _floats(batch.column("max_memory_mb"))
        self.timeout_s = _floats(batch.column("timeout_s"))
        self.init_valid = _valid(batch.column("init_ms"))
        self.timed_out = _np(batch.column("timed_out"))
        self.is_report = self.kind == Kind.REPORT
        self.is_app = self.kind == Kind.APP
        self.is_error = _np(pc.equal(batch.column("level"), "ERROR")) | self.timed_out
        exits = self.kind == Kind.RUNTIME_EXIT
        if exits.any():
            where = np.flatnonzero(exits)
            self.is_error[where[_np(pc.starts_with(self.messages(exits), "RequestId: "))]] = True
        # Timed-out invocations are counted as timeouts; keep them out of the duration baseline.
        self.normal = self.is_report & ~self.timed_out
        timeouts = self.kind == Kind.TIMEOUT
        if timeouts.any():
            found = pc.extract_regex(self.messages(timeouts), _TIMEOUT_RID)
            ids = pc.drop_null(pc.struct_field(found, "rid"))
            if len(ids):
                self.normal &= ~_np(pc.is_in(batch.column("request_id"), ids))
        with np.errstate(invalid="ignore"):
            self.positive = self.normal & (self.duration > 0)
        self.log_duration = np.zeros(n)
        if self.positive.any():
            # Arrow's ln, as before: the window sums must not move by a rounding difference.
            logs = pc.ln(pa.array(self.duration[self.positive]))
            self.log_duration[self.positive] = logs.to_numpy()
        self.gb_seconds = (_zero_nan(self.billed) / 1000.0) * (_zero_nan(self.memory) / 1024.0)

    def messages(self, mask: np.ndarray) -> pa.Array:
        """The messages of the rows of ``mask``."""
        return self.batch.column("message").filter(pa.array(mask))

    def column(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Values of an integer column at ``rows``."""
        return np.asarray(self.batch.column(name).take(pa.array(rows)).to_numpy(False))

    def rows(self, mask: np.ndarray) -> pa.Table:
        """The rows of ``mask`` as a table (only ever for rare rows)."""
        return pa.Table.from_batches([self.batch.filter(pa.array(mask))])


def _one_value(array: pa.Array) -> bool:
    """True when ``array`` has rows, no null and one value throughout."""
    if len(array) == 0 or array.null_count:
        return False
    return bool(pc.all(pc.equal(array, array[0])).as_py())


def _floats(array: pa.Array) -> np.ndarray:
    """A float column as numpy, nulls as NaN."""
    if array.null_count == len(array):
        return np.full(len(array), np.nan)
    if array.null_count and pa.types.is_float64(array.type):
        return np.asarray(pc.fill_null(array, math.nan).to_numpy(), dtype=np.float64)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)


def _zero_nan(values: np.ndarray) -> np.ndarray:
    """``np.nan_to_num(values)`` (NaN → 0, ±inf → the largest finite floats), in fewer passes
    when, as always in practice, nothing is infinite."""
    out = np.where(np.isnan(values), 0.0, values)
    return out if np.isfinite(out).all() else np.nan_to_num(values)


def _valid(array: pa.Array) -> np.ndarray:
    """Which values of ``array`` are not null, as a numpy mask."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    return _np(pc.is_valid(array))


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
    #: Quantile sketch of completed durations: log-spaced bucket index → count, with
    #: relative accuracy SKETCH_ACCURACY (DDSketch's scheme). Deterministic and mergeable by
    #: adding counts, so every split and merge order gives the same quantiles.
    sketch: dict[int, int] = field(default_factory=dict)
    zero_durations: int = 0
    #: Durations of completed (not timed-out) invocations in 100 ms buckets: bucket →
    #: [count, first ms, last ms]. Lambda timeouts are whole seconds, so "at least 80 % of
    #: the timeout" is a bucket boundary and counts from these buckets are exact.
    duration_buckets: dict[int, list[int]] = field(default_factory=dict)
    #: The longest completed invocations, (duration ms, time ms, evidence), longest first.
    longest: list[tuple[float, int, Evidence]] = field(default_factory=list)

    def add_durations(self, durations: np.ndarray) -> None:
        """Feed observed durations (ms, not NaN) to the quantile sketch."""
        positive = durations[durations > 0]
        self.zero_durations += len(durations) - len(positive)
        if not len(positive):
            return
        index = np.ceil(np.log(positive) / _LOG_GAMMA).astype(np.int64)
        low = int(index.min())
        counts = np.bincount(index - low)
        sketch = self.sketch
        for offset in np.flatnonzero(counts).tolist():
            key = low + offset
            sketch[key] = sketch.get(key, 0) + int(counts[offset])

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
        for key, count in other.sketch.items():
            self.sketch[key] = self.sketch.get(key, 0) + count
        self.zero_durations += other.zero_durations
        for bucket, (count, first, last) in other.duration_buckets.items():
            self._add_bucket(bucket, count, first, last)
        self._add_longest(other.longest)

    def _add_bucket(self, bucket: int, count: int, first: int, last: int) -> None:
        mine = self.duration_buckets.get(bucket)
        if mine is None:
            self.duration_buckets[bucket] = [count, first, last]
        else:
            mine[0] += count
            mine[1] = min(mine[1], first)
            mine[2] = max(mine[2], last)

    def _add_longest(self, items: list[tuple[float, int, Evidence]]) -> None:
        # Longest first; ties by time, then place, so every merge order keeps the same five.
        merged = sorted(
            [*self.longest, *items],
            key=lambda item: (-item[0], item[1], item[2].source, item[2].offset, item[2].line),
        )
        self.longest = merged[:MAX_EVIDENCE]

    def add_completed(
        self, durations: np.ndarray, stamps: np.ndarray, evidence: Callable[[int], Evidence]
    ) -> None:
        """Fold completed invocations (duration ms, time ms) into the buckets and the
        longest list; ``evidence(i)`` builds the evidence of the ``i``-th one (called only
        for the few that can enter the longest list)."""
        if not len(durations):
            return
        # int16 buckets (Lambda's 900 s limit is bucket 9,000; absurd values share the top
        # one) make the stable sort a radix sort.
        buckets = np.clip(np.floor_divide(durations, DURATION_BUCKET_MS), 0, 32_767).astype(
            np.int16
        )
        order = np.argsort(buckets, kind="stable")
        ordered, times = buckets[order], stamps[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        counts = np.diff(np.r_[starts, len(ordered)])
        firsts = np.minimum.reduceat(times, starts)
        lasts = np.maximum.reduceat(times, starts)
        for bucket, count, first, last in zip(
            ordered[starts].astype(np.int64).tolist(),
            counts.tolist(),
            firsts.tolist(),
            lasts.tolist(),
            strict=True,
        ):
            self._add_bucket(bucket, count, first, last)
        floor = self.longest[-1][0] if len(self.longest) >= MAX_EVIDENCE else -math.inf
        top = np.flatnonzero(durations >= floor)
        if len(top) > MAX_EVIDENCE:
            # Everything as long as the fifth longest, ties included, so the choice among
            # equal durations is made by _add_longest's order, not by the partition.
            fifth = np.partition(durations[top], len(top) - MAX_EVIDENCE)[len(top) - MAX_EVIDENCE]
            top = top[durations[top] >= fifth]
        items = [
            (float(durations[i]), int(stamps[i]), evidence(int(i)))
            for i in top.tolist()
            if durations[i] >= floor
        ]
        if items:
            self._add_longest(items)

    def completed_at_least(self, threshold_ms: float) -> tuple[int, int, int]:
        """How many completed invocations ran at least ``threshold_ms`` (exact when the
        threshold is a multiple of :data:`DURATION_BUCKET_MS`, else counted from the next
        bucket up), and the first and last time one did (0 without any)."""
        low = math.ceil(threshold_ms / DURATION_BUCKET_MS)
        count, first, last = 0, 0, 0
        for bucket, (n, start, end) in self.duration_buckets.items():
            if bucket >= low:
                count += n
                first = start if not first else min(first, start)
                last = max(last, end)
        return count, first, last

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile of completed durations (ms, within SKETCH_ACCURACY relative
        error), or ``None`` without data."""
        total = self.zero_durations + sum(self.sketch.values())
        if not total:
            return None
        rank = q * (total - 1)
        seen = self.zero_durations
        if seen > rank:
            return 0.0
        for key in sorted(self.sketch):
            seen += self.sketch[key]
            if seen > rank:
                return float(2 * _GAMMA**key / (_GAMMA + 1))
        return float(2 * _GAMMA ** max(self.sketch) / (_GAMMA + 1))


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

    def add_one(self, ms: int, evidence: Callable[[], Evidence]) -> None:
        """``add(1, ms, ms, [evidence()])``, building the evidence only while it is kept."""
        self.count += 1
        if ms and (not self.first_ms or ms < self.first_ms):
            self.first_ms = ms
        self.last_ms = max(self.last_ms, ms)
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(evidence())

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
        _merge_keyed(self.error_types, other.error_types)
        _merge_keyed(self.templates, other.templates)
        _merge_keyed(self.timeouts, other.timeouts)
        _merge_keyed(self.memory, other.memory)
        _merge_keyed(self.patterns, other.patterns)
        _merge_keyed(self.window_errors, other.window_errors)
        _merge_keyed(self.late_records, other.late_records)
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
        table = pa.concat_tables(self.windows).combine_chunks()
        grouped = _regroup(table)
        if grouped is None:
            grouped = _regroup_arrow(table)
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
            absent = _np(pc.is_null(batch.column("function")))
            self.diagnostics.add(
                "unknown-function",
                batch.column("source")[0].as_py(),
                f"line {batch.column('line')[int(np.flatnonzero(absent)[0])].as_py()}",
                int(missing),
            )
            batch = batch.filter(pa.array(~absent))
        if batch.num_rows == 0:
            return
        view = _BatchView(batch)
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

    def _late_records(self, view: _BatchView) -> None:
        column = view.batch.column("record_ms")
        if column.null_count == len(column):
            return
        with np.errstate(invalid="ignore"):
            age = view.ts_ms - _floats(column)
            late = view.is_app & view.ts_valid & (age >= RECORD_AGE_MS)
        if not late.any():
            return
        ages = age[late].tolist()
        for row, record_age in zip(_rows(view.rows(late)), ages, strict=True):
            ms = _ms(row)
            seen = self.late_records.setdefault((row["function"], ms - ms % 3_600_000), Seen())
            seen.add(1, ms, ms, [_evidence(row)])
            seen.extra["max_age_ms"] = max(seen.extra.get("max_age_ms", 0.0), record_age)

    def _fold_windows(self, view: _BatchView) -> None:
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
        # Groups in order of first appearance (the order _regroup keeps when it folds them).
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
                schema=_WINDOW_SCHEMA,
            )
        )
        self._compact()

    def _fold_functions(self, view: _BatchView) -> None:
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

                def evidence(index: int, rows: np.ndarray = at) -> Evidence:
                    row = int(rows[index])
                    return _evidence(_rows(pa.Table.from_batches([view.batch.slice(row, 1)]))[0])

                stats.add_completed(durations, view.ts_ms[at], evidence)
            billed = _zero_nan(view.billed[mine][report])
            memory = _zero_nan(view.memory[mine][report])
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
        valid = _valid(stamps)
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
            seen.add(1, ms, ms, [_evidence(row)])
            if row["timeout_s"]:
                seen.extra["timeout_s"] = max(seen.extra.get("timeout_s", 0), row["timeout_s"])

    def _memory(self, view: _BatchView) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            near = view.is_report & (view.max_memory / view.memory >= NEAR_MEMORY_SHARE)
        exits = view.kind == Kind.RUNTIME_EXIT
        if exits.any():
            where = np.flatnonzero(exits)
            killed = _np(pc.match_substring(view.messages(exits), "signal: killed"))
            exits[:] = False
            exits[where[killed]] = True
        if not near.any() and not exits.any():
            return
        for row in _rows(view.rows(near)):
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            oom = (row["max_memory_mb"] or 0) >= (row["memory_mb"] or math.inf)
            seen = self.memory.setdefault((row["function"], hour, "oom" if oom else "near"), Seen())
            seen.add(1, ms, ms, [_evidence(row)])
            seen.extra["memory_mb"] = row["memory_mb"]
            seen.extra["max_memory_used_mb"] = max(
                seen.extra.get("max_memory_used_mb", 0), row["max_memory_mb"] or 0
            )
        for row in _rows(view.rows(exits)):
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            seen = self.memory.setdefault((row["function"], hour, "oom"), Seen())
            seen.add(0, ms, ms, [_evidence(row)])

    def _patterns(self, view: _BatchView, matcher: Matcher) -> None:
        # Only the message column of the application rows is scanned; whole rows are
        # taken for the hits alone.
        rows, ids = matcher.scan_selected(view.batch.column("message"), view.is_app)
        if len(rows) == 0:
            return
        hits = pa.Table.from_batches([view.batch.take(pa.array(rows))])
        for row, pattern_index in zip(_rows(hits), ids.tolist(), strict=True):
            pattern = matcher.patterns[pattern_index]
            ms = _ms(row)
            hour = ms - ms % 3_600_000
            key = (pattern.kind, row["function"], f"{pattern.category}@{hour}")
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


def _regroup(table: pa.Table) -> pa.Table | None:
    """Window rows with equal (function, window) folded into one, as Arrow's group_by does.

    Sums add in row order (as Arrow's hash_sum does single-threaded, so every value is the
    same to the bit), max skips nulls, ``first_*`` take the first non-null value. Groups come
    in order of first appearance (Arrow's come in its hash table's order; nothing depends on
    the row order: the baseline query sorts, and the order workers finish in varies it
    anyway). Built from numpy over the Arrow buffers, because Arrow's group_by needs
    ``pyarrow.acero``, which imports ``pyarrow.dataset`` and pandas (~0.2 s, more than all
    the window rows of a run cost), and ``to_numpy`` and Python scalars would make pyarrow
    import pandas too. ``None`` when a key or a summed column holds nulls (never produced
    here; Arrow's group_by handles that case).
    """
    if table.num_rows == 0:
        return table.select(_WINDOW_SCHEMA.names).cast(_WINDOW_SCHEMA)
    if table.schema != _WINDOW_SCHEMA:
        return None
    columns_in = {name: table.column(name).chunk(0) for name in _WINDOW_SCHEMA.names}
    functions, windows = columns_in["function"], columns_in["window"]
    if functions.null_count or windows.null_count:
        return None
    if any(columns_in[name].null_count for name in _SUMS):
        return None
    encoded = pc.dictionary_encode(functions)
    codes = _buffer_values(encoded.indices).astype(np.int64)
    _, window_codes = np.unique(_buffer_values(windows), return_inverse=True)
    key = codes * (int(window_codes.max(initial=0)) + 1) + window_codes.reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(first), dtype=np.int64)
    rank[order] = np.arange(len(first))
    group = rank[inverse.reshape(-1)]
    groups = len(first)
    heads = _int64_array(first[order])
    columns: dict[str, pa.Array] = {
        "function": pc.take(functions, heads),
        "window": pc.take(windows, heads),
    }
    for name in _SUMS:
        values = _buffer_values(columns_in[name])
        if values.dtype == np.float64:
            columns[name] = _float64_array(np.bincount(group, weights=values, minlength=groups))
        else:
            sums = np.zeros(groups, dtype=np.int64)
            np.add.at(sums, group, values)
            columns[name] = _int64_array(sums)
    durations = columns_in["duration_max"]
    valid = np.flatnonzero(_buffer_valid(durations))
    maxima = np.full(groups, np.nan)
    np.fmax.at(maxima, group[valid], _buffer_values(durations)[valid])
    columns["duration_max"] = _float64_array(maxima, ~np.isnan(maxima))
    for name in ("first_source", "first_offset", "first_line"):
        column = columns_in[name]
        rows = np.flatnonzero(_buffer_valid(column))
        picked = np.zeros(groups, dtype=np.int64)
        found = np.zeros(groups, dtype=bool)
        seen_groups, at = np.unique(group[rows], return_index=True)
        picked[seen_groups] = rows[at]
        found[seen_groups] = True
        columns[name] = pc.take(column, _int64_array(picked, found))
    return pa.table(columns).select(_WINDOW_SCHEMA.names).cast(_WINDOW_SCHEMA)


_NUMPY_TYPES = {pa.int32(): np.int32, pa.int64(): np.int64, pa.float64(): np.float64}


def _buffer_values(array: pa.Array) -> np.ndarray:
    """The value buffer of a fixed-width array as numpy (no copy; slots under nulls hold
    anything). ``to_numpy`` would do, but makes pyarrow probe for (and import) pandas."""
    dtype = _NUMPY_TYPES[array.type]
    buffer = array.buffers()[1]
    if buffer is None:  # no values at all (every slot null)
        return np.zeros(len(array), dtype=dtype)
    return np.frombuffer(buffer, dtype=dtype)[array.offset : array.offset + len(array)]


def _buffer_valid(array: pa.Array) -> np.ndarray:
    """Which values of ``array`` are not null, from its validity bitmap."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + len(array)].astype(bool)


def _regroup_arrow(table: pa.Table) -> pa.Table:
    """:func:`_regroup` by Arrow's group_by (the reference, and the path for null keys)."""
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
    return grouped.select(_WINDOW_SCHEMA.names).cast(_WINDOW_SCHEMA)


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    if valid is None or bool(valid.all()):
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def _int64_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An int64 Arrow array over ``values`` (``pa.array`` would probe for pandas)."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [_validity(valid), pa.py_buffer(data)])


def _float64_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A float64 Arrow array over ``values`` (nulls where ``valid`` is False)."""
    data = np.ascontiguousarray(values, dtype=np.float64)
    return pa.Array.from_buffers(pa.float64(), len(data), [_validity(valid), pa.py_buffer(data)])


def mask_values(messages: pa.Array) -> pa.Array:
    """Messages with timestamps, ids, addresses, quoted strings and numbers masked."""
    out = messages.cast(pa.string())
    for pattern, replacement in MASKS:
        out = pc.replace_substring_regex(out, pattern, replacement)
    return pc.utf8_slice_codeunits(out, 0, 400)


def _np(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


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
