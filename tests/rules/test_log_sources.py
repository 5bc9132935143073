"""LOG rules choose themselves by ``Rule.source``: log detections have a ``detect`` and live in
``rules/log/`` (so ``log_rules()`` imports one family), template rules have a ``check``."""

from __future__ import annotations

from faasguard.rules import all_rules, log_rules
from faasguard.rules.base import LOG_SOURCES


def test_log_detections_live_in_rules_log_and_have_detect() -> None:
    for rule in all_rules():
        if rule.source in LOG_SOURCES:
            assert rule.module.startswith("faasguard.rules.log."), rule.id
            assert rule.detect is not None and rule.check is None, rule.id
            assert rule.formats == (), rule.id
        else:
            assert rule.check is not None and rule.detect is None, rule.id


def test_log_rules_are_the_rules_reading_logs() -> None:
    assert log_rules() == tuple(r for r in all_rules() if r.source in LOG_SOURCES)
    # The template-based LOG rules stay scan rules.
    assert {"LOG001", "LOG002", "LOG003", "LOG004"}.isdisjoint(r.id for r in log_rules())


def test_thresholds_are_what_the_detections_receive() -> None:
    by_id = {r.id: r for r in log_rules()}
    assert by_id["LOG020"].thresholds == {"min_throttles": 5}
    assert by_id["LOG019"].thresholds == {"timeout_percent": 80}
