"""Mergeable per-function statistics (duration sketch, buckets, longest runs) and the
first-seen counters of :class:`~faasguard.logs.detectors.PartialState`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from faasguard.logs.alerts import Evidence
from faasguard.logs.facts import MAX_EVIDENCE

#: Relative accuracy of the duration quantiles (p50/p99 within ±0.5 %).
SKETCH_ACCURACY = 0.005
_GAMMA = (1 + SKETCH_ACCURACY) / (1 - SKETCH_ACCURACY)
_LOG_GAMMA = math.log(_GAMMA)
#: Width of the duration buckets kept per function, in ms.
DURATION_BUCKET_MS = 100
#: A logged stream/queue record this much older than the line is processed late.


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
        self,
        durations: np.ndarray,
        stamps: np.ndarray,
        evidence: Callable[[list[int]], list[Evidence]],
    ) -> None:
        """Fold completed invocations (duration ms, time ms) into the buckets and the
        longest list; ``evidence(indexes)`` builds the evidence of those invocations, once
        per call and only for the few that can enter the longest list."""
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
        chosen = [i for i in top.tolist() if durations[i] >= floor]
        if chosen:
            built = evidence(chosen)
            self._add_longest(
                [
                    (float(durations[i]), int(stamps[i]), item)
                    for i, item in zip(chosen, built, strict=True)
                ]
            )

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


def merge_keyed(target: dict[Any, Seen], source: dict[Any, Seen]) -> None:
    for key, seen in source.items():
        if key in target:
            target[key].merge(seen)
        else:
            target[key] = seen
