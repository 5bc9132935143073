"""Types shared by the log pipeline: record kinds, the parsed-batch schema, alerts."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa


class Kind(enum.IntEnum):
    """What a parsed log record is. Stored as ``int8`` in the ``kind`` column."""

    UNKNOWN = 0  # a line of no recognised shape (counted, kept, never dropped)
    START = 1
    END = 2
    REPORT = 3
    INIT_START = 4
    TIMEOUT = 5  # "Task timed out after N seconds"
    APP = 6  # application output (plain text, runtime format, JSON, Powertools)
    RUNTIME_EXIT = 7  # "Runtime exited with error", "Runtime.ExitError"


#: The columns of every parsed batch, whatever container or log format it came from.
SCHEMA = pa.schema(
    [
        ("function", pa.string()),
        ("ts", pa.timestamp("ms", tz="UTC")),
        ("kind", pa.int8()),
        ("level", pa.string()),
        ("request_id", pa.string()),
        ("duration_ms", pa.float64()),
        ("billed_ms", pa.float64()),
        ("memory_mb", pa.float64()),
        ("max_memory_mb", pa.float64()),
        ("init_ms", pa.float64()),
        ("timeout_s", pa.float64()),
        ("timed_out", pa.bool_()),
        ("error_type", pa.string()),
        ("message", pa.string()),
        ("source", pa.string()),
        ("offset", pa.int64()),
        ("line", pa.int64()),
        ("stream", pa.string()),
        ("event_id", pa.string()),
        # Arrival time (epoch ms) of the stream/queue record an application line logged:
        # Kinesis approximateArrivalTimestamp, DynamoDB ApproximateCreationDateTime, SQS
        # SentTimestamp (LOG021's iterator age is the line's time minus this).
        ("record_ms", pa.float64()),
    ]
)


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
    """A detection: rule, function, time window, message and the evidence lines."""

    rule_id: str
    function: str
    start: dt.datetime
    end: dt.datetime
    message: str
    key: str = ""
    evidence: tuple[Evidence, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)


def iso(value: dt.datetime | None) -> str:
    """``2024-05-01T10:00:00Z`` (UTC, seconds precision); empty for ``None``."""
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def empty_batch() -> pa.RecordBatch:
    """A batch with the parsed schema and no rows."""
    return pa.RecordBatch.from_pylist([], schema=SCHEMA)
