"""LOG rule detections on hand-built facts: the rule decides, with its own thresholds."""

from __future__ import annotations

from typing import Any

from faasguard.findings import Severity
from faasguard.logs.cloudtrail import trail_facts
from faasguard.logs.detectors import PartialState, Seen
from faasguard.logs.facts import WINDOW_MS, LogFacts, WindowRow, detect_all
from faasguard.logs.pricing import price
from faasguard.rules import get_rule, log_rules

_START = 1_714_550_400_000  # 2024-05-01T08:00:00Z


def _facts(windows: list[WindowRow] | None = None, state: PartialState | None = None) -> LogFacts:
    rows = list(windows or [])
    return LogFacts(
        state=state or PartialState(),
        trail=trail_facts([]),
        price=price(None, None),
        compute_windows=lambda: rows,
    )


def _cold(window: int, cold: int, invocations: int = 20, **baseline: Any) -> WindowRow:
    return {
        "function": "orders",
        "window": _START + window * WINDOW_MS,
        "invocations": invocations,
        "cold_starts": cold,
        "cold_rate": cold / invocations,
        "cold_med": baseline.get("cold_med", 0.05),
        "cold_mad": baseline.get("cold_mad", 0.0),
        "first_source": "orders.log.gz",
        "first_offset": 10 * window,
        "first_line": window + 1,
    }


def test_cold_start_burst_merges_adjacent_windows_and_uses_its_thresholds() -> None:
    rule = get_rule("LOG016")
    assert rule is not None and rule.detect is not None
    windows = [_cold(0, 1), _cold(1, 8), _cold(2, 9), _cold(4, 10), _cold(5, 4)]
    alerts = list(rule.detect(_facts(windows), rule.thresholds))
    assert [(a.function, a.properties["windows"]) for a in alerts] == [("orders", 2), ("orders", 1)]
    assert alerts[0].message == (
        "orders: 8 cold starts in 20 invocations (40%) against a median of 5%; "
        "9 cold starts in 20 invocations (45%) against a median of 5%"
    )
    assert [e.line for e in alerts[0].evidence] == [2, 3]
    # A stricter threshold, passed like the rule's own: the 8-cold-start window no longer counts.
    stricter = {**rule.thresholds, "min_cold_starts": 9}
    assert [a.properties["windows"] for a in rule.detect(_facts(windows), stricter)] == [1, 1]


def test_out_of_memory_near_the_limit_is_low_and_the_runner_stamps_the_rule_id() -> None:
    state = PartialState()
    seen = Seen(count=3, first_ms=_START, last_ms=_START + 60_000)
    seen.extra.update({"memory_mb": 512.0, "max_memory_used_mb": 480.0})
    state.memory[("orders", _START, "near")] = seen
    facts = _facts(state=state)
    facts.near_memory_share = 0.9
    [alert] = detect_all(facts, log_rules())
    assert alert.rule_id == "LOG011" and alert.severity == Severity.LOW
    assert alert.message == (
        "orders used 480 of 512 MB (≥ 90 %) in 3 invocation(s): close to an out-of-memory exit"
    )
