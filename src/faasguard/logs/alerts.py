"""What a log detection reports: an alert with its evidence lines.

Kept free of pyarrow and numpy: the LOG rule modules build alerts, and every ``faasguard
scan`` imports them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the findings model is imported after the workers fork (start-up)
    from faasguard.findings import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One log line behind an alert: where it is and (possibly redacted) what it says.

    Text containers give ``offset`` (byte offset in the decompressed stream) and ``line``
    (1-based); JSON containers give ``stream`` and ``event_id`` instead (``line`` 0).
    """

    source: str
    offset: int = -1
    line: int = 0
    stream: str = ""
    event_id: str = ""
    timestamp: str = ""
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view without empty fields."""
        out: dict[str, Any] = {"source": self.source}
        if self.offset >= 0:
            out["offset"] = self.offset
        if self.line:
            out["line"] = self.line
        if self.stream:
            out["stream"] = self.stream
        if self.event_id:
            out["event_id"] = self.event_id
        if self.timestamp:
            out["timestamp"] = self.timestamp
        if self.text:
            out["text"] = self.text
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """A detection: rule, function, time window, message and the evidence lines.

    A rule's ``detect`` leaves ``rule_id`` empty: the analysis fills in the rule's id.
    """

    function: str
    start: dt.datetime
    end: dt.datetime
    message: str
    rule_id: str = ""
    key: str = ""
    evidence: tuple[Evidence, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    #: The finding's severity when not the rule's default.
    severity: Severity | None = None
    #: False when ``function`` names what a CloudTrail management event changed (a function,
    #: a role, a trail): ``--function`` filters only the alerts about a function's activity.
    by_function: bool = True


def iso(value: dt.datetime | None) -> str:
    """``2024-05-01T10:00:00Z`` (UTC, seconds precision); empty for ``None``."""
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
