"""Decoded JSON log events of one source, collected and cut into batches of :data:`SCHEMA`.

Shared by the JSON containers (JSON lines, ``filter-log-events``, subscription payloads):
:class:`Events` collects Python values event by event (the reference readers),
:class:`RowBatches` cuts Arrow tables of :data:`ROW_SCHEMA` (the bulk readers) into the same
batches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import Source, text_blocks, without_surrogates
from faasguard.logs.parse import parse_events

#: Events per batch (the reference readers flush after the event or payload that fills one).
EVENTS_PER_BATCH = 50_000
#: Columns of decoded events before parsing (function, epoch ms, message, stream, id, line).
ROW_SCHEMA = pa.schema(
    [
        ("function", pa.string()),
        ("ts", pa.int64()),
        ("message", pa.string()),
        ("stream", pa.string()),
        ("id", pa.string()),
        ("line", pa.int64()),
    ]
)


class Events:
    """Column lists of decoded JSON events, flushed as batches."""

    def __init__(self, source: str, diagnostics: DiagnosticCounter | None = None) -> None:
        self.source = source
        self.diagnostics = diagnostics
        self.functions: list[str | None] = []
        self.timestamps: list[int | None] = []
        self.messages: list[str] = []
        self.streams: list[str | None] = []
        self.ids: list[str | None] = []
        self.lines: list[int] = []

    def add(
        self,
        function: str | None,
        ts: int | None,
        message: str,
        stream: str | None,
        event_id: str | None,
        line: int = 0,
    ) -> None:
        self.functions.append(function)
        self.timestamps.append(ts)
        self.messages.append(message)
        self.streams.append(stream)
        self.ids.append(event_id)
        self.lines.append(line)

    def full(self) -> bool:
        return len(self.messages) >= EVENTS_PER_BATCH

    def flush(self) -> Iterator[pa.RecordBatch]:
        if not self.messages:
            return
        yield parse_events(
            functions=self.functions,
            timestamps_ms=self.timestamps,
            messages=self.messages,
            streams=self.streams,
            event_ids=self.ids,
            source=self.source,
            lines=self.lines,
            diagnostics=self.diagnostics,
        )
        self.__init__(self.source, self.diagnostics)  # type: ignore[misc]  # reset the lists


def numbered_lines(source: Source, diagnostics: DiagnosticCounter) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of a text source, newline excluded."""
    for block in text_blocks(source.path, diagnostics):
        for index, line in enumerate(block.data.split(b"\n")[:-1]):
            yield block.first_line + index, line


class RowBatches:
    """Event tables cut into batches of exactly :data:`EVENTS_PER_BATCH` (as `Events`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tables: list[pa.Table] = []
        self.rows = 0

    def push(self, table: pa.Table) -> Iterator[pa.RecordBatch]:
        if table.num_rows:
            self.tables.append(table)
            self.rows += table.num_rows
        while self.rows >= EVENTS_PER_BATCH:
            whole = pa.concat_tables(self.tables)
            self.tables = [whole.slice(EVENTS_PER_BATCH)]
            self.rows -= EVENTS_PER_BATCH
            yield self.batch(whole.slice(0, EVENTS_PER_BATCH))

    def finish(self) -> Iterator[pa.RecordBatch]:
        if self.rows:
            yield self.batch(pa.concat_tables(self.tables))
        self.tables, self.rows = [], 0

    def batch(self, table: pa.Table) -> pa.RecordBatch:
        """One batch of :data:`SCHEMA` parsed from the rows of ``table`` (:data:`ROW_SCHEMA`)."""
        return parse_events(
            functions=table.column("function"),
            timestamps_ms=table.column("ts"),
            messages=table.column("message"),
            streams=table.column("stream"),
            event_ids=table.column("id"),
            source=self.source,
            lines=table.column("line"),
        )


def loads(data: bytes) -> Any:
    """``json.loads`` of ``data``, ``None`` when it is no JSON; lone surrogates become U+FFFD."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    # "\ud800" alone is valid JSON but no valid UTF-8: Arrow could not store the string.
    # Only lines with a surrogate escape are walked (pairs decode to one character).
    if b"\\u" in data and _SURROGATE_ESCAPE.search(data):
        return without_surrogates(value)
    return value


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def as_str(value: object) -> str | None:
    """``value`` when it is a string, else ``None``."""
    return value if isinstance(value, str) else None
