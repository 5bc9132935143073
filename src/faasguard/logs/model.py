"""Types shared by the log pipeline: record kinds and the parsed-batch schema.

Alerts and their evidence are in :mod:`faasguard.logs.alerts` (no pyarrow: the LOG rules
build them and are imported by every scan).
"""

from __future__ import annotations

import enum

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
        # SentTimestamp (the iterator age is the line's time minus this).
        ("record_ms", pa.float64()),
    ]
)


def empty_batch() -> pa.RecordBatch:
    """A batch with the parsed schema and no rows."""
    return pa.RecordBatch.from_pylist([], schema=SCHEMA)
