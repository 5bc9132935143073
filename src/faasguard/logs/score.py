"""Precision and recall of alerts against the generator's ground truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from faasguard.logs.alerts import Alert

#: An alert matches an incident of the same rule and function within this slack.
SLACK = dt.timedelta(minutes=10)


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def score(alerts: Iterable[Alert], truth: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per rule id: true/false positives, missed incidents, precision and recall."""
    incidents = list(truth["incidents"])
    found = [False] * len(incidents)
    table: dict[str, dict[str, Any]] = {}
    for alert in alerts:
        row = table.setdefault(alert.rule_id, {"tp": 0, "fp": 0, "fn": 0})
        matched = False
        for index, incident in enumerate(incidents):
            if incident["rule_id"] != alert.rule_id or incident["function"] != alert.function:
                continue
            start, end = _parse(incident["start"]), _parse(incident["end"])
            if alert.start <= end + SLACK and alert.end >= start - SLACK:
                found[index] = True
                matched = True
        row["tp" if matched else "fp"] += 1
    for index, incident in enumerate(incidents):
        row = table.setdefault(incident["rule_id"], {"tp": 0, "fp": 0, "fn": 0})
        row.setdefault("incidents", 0)
        row["incidents"] += 1
        if not found[index]:
            row["fn"] += 1
    for row in table.values():
        alerts_total = row["tp"] + row["fp"]
        incidents_total = row.get("incidents", 0)
        row["precision"] = row["tp"] / alerts_total if alerts_total else None
        row["recall"] = (incidents_total - row["fn"]) / incidents_total if incidents_total else None
    return dict(sorted(table.items()))
