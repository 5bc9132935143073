"""From one source file to a partial state: read → parse → detect.

:func:`process_source` is the unit of work every engine distributes (a process per core in
the embedded engine, a task per file group on Spark). It never raises for bad input: every
problem becomes a counted diagnostic in the returned state.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import importlib
import json
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from faasguard.logs import cloudtrail, parse
from faasguard.logs.detectors import PartialState
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import (
    Source,
    function_from_group,
    json_items,
    text_blocks,
)
from faasguard.logs.parse import json_timestamp_ms, parse_events, parse_text_block
from faasguard.logs.patterns import Matcher

_EVENTS_PER_BATCH = 50_000


@dataclass(frozen=True, slots=True)
class Options:
    """What every worker needs to know: fallback function name, matcher backend, filters."""

    function_name: str | None = None
    matcher: str = "auto"
    since_ms: int | None = None
    until_ms: int | None = None
    functions: tuple[str, ...] = ()


_MATCHERS: dict[str, Matcher] = {}
_COMPILING: dict[str, threading.Thread] = {}


def _matcher(backend: str) -> Matcher:
    # One compiled database per worker process, reused across files.
    thread = _COMPILING.pop(backend, None)
    if thread is not None:
        thread.join()
    if backend not in _MATCHERS:
        _MATCHERS[backend] = Matcher(backend=backend)
    return _MATCHERS[backend]


def start_compiling(backend: str = "auto") -> None:
    """Start compiling the pattern database in a background thread (idempotent).

    Hyperscan compiles without the GIL (~60 ms), so the caller's imports and file discovery
    go on meanwhile; :func:`warm_up` (or the first use) waits for it, before any fork.
    """
    if backend in _MATCHERS or backend in _COMPILING:
        return

    def compile_database() -> None:
        _MATCHERS[backend] = Matcher(backend=backend)

    thread = threading.Thread(target=compile_database, name="faasguard-patterns", daemon=True)
    _COMPILING[backend] = thread
    thread.start()


def warm_up(options: Options) -> None:
    """Pay once, before workers fork, what every worker would otherwise pay on its own.

    The compiled pattern databases (detection patterns, parse hints) are then inherited by
    every forked worker and their pages are shared. pandas is deliberately not loaded:
    workers never need it (see :func:`faasguard.logs.engines.embedded.skip_pandas`).
    """
    import numpy.ma  # noqa: F401, PLC0415 - numpy loads it lazily, pyarrow's pa.array reads it

    with contextlib.suppress(ImportError):
        # pyarrow imports it at its first conversion of Python values (interval types).
        importlib.import_module("dateutil.relativedelta")

    _matcher(options.matcher)
    parse.warm_up()


def batches(
    source: Source, options: Options, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    """Parsed batches of one Lambda log source (CloudTrail sources yield none)."""
    fallback = source.function or options.function_name
    if source.container == "text":
        for block in text_blocks(source.path, diagnostics):
            yield parse_text_block(
                block, source=source.path, function=fallback, diagnostics=diagnostics
            )
    elif source.container == "jsonl":
        yield from _jsonl(source, fallback, diagnostics)
    elif source.container == "subscription":
        yield from _subscription(source, fallback, diagnostics)
    elif source.container == "filter-log-events":
        yield from _filter_log_events(source, fallback, diagnostics)


def process_source(source: Source, options: Options) -> PartialState:
    """Read, parse and run the per-batch detectors over one source file."""
    state = PartialState()
    state.files = 1
    try:
        if source.container == "cloudtrail":
            state.cloudtrail.extend(cloudtrail.read(source.path, state.diagnostics))
            return state
        matcher = _matcher(options.matcher)
        for batch in batches(source, options, state.diagnostics):
            state.bytes += (
                int(pa.compute.sum(pa.compute.binary_length(batch.column("message"))).as_py() or 0)
                + batch.num_rows
            )
            state.update(_filtered(batch, options), matcher)
    except OSError as exc:
        state.diagnostics.add("unreadable", source.path, exc.strerror or str(exc))
    return state


def _filtered(batch: pa.RecordBatch, options: Options) -> pa.RecordBatch:
    pc = pa.compute
    mask = None
    if options.functions:
        mask = pc.is_in(batch.column("function"), pa.array(list(options.functions)))
    if options.since_ms is None and options.until_ms is None:
        return batch if mask is None else batch.filter(pc.fill_null(mask, False))
    ts = batch.column("ts").cast(pa.int64())
    if options.since_ms is not None:
        since = pc.greater_equal(ts, options.since_ms)
        mask = since if mask is None else pc.and_(mask, since)
    if options.until_ms is not None:
        until = pc.less(ts, options.until_ms)
        mask = until if mask is None else pc.and_(mask, until)
    return batch if mask is None else batch.filter(pc.fill_null(mask, False))


class _Events:
    """Column lists of decoded JSON events, flushed as batches."""

    def __init__(self, source: str) -> None:
        self.source = source
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
        return len(self.messages) >= _EVENTS_PER_BATCH

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
        )
        self.__init__(self.source)  # type: ignore[misc]  # reset the column lists


def _lines(source: Source, diagnostics: DiagnosticCounter) -> Iterator[tuple[int, bytes]]:
    for block in text_blocks(source.path, diagnostics):
        for index, line in enumerate(block.data.split(b"\n")[:-1]):
            yield block.first_line + index, line


def _jsonl(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    events = _Events(source.path)
    for number, line in _lines(source, diagnostics):
        if not line.strip():
            continue
        record = _loads(line)
        if not isinstance(record, dict) or not isinstance(record.get("message"), str):
            diagnostics.add("invalid-json", source.path, f"line {number}")
            continue
        ts = json_timestamp_ms(record.get("timestamp"))
        if ts is None:
            diagnostics.add("bad-timestamp", source.path, f"line {number}")
        group = record.get("logGroup")
        function = function_from_group(group if isinstance(group, str) else None) or fallback
        events.add(
            function,
            ts,
            record["message"],
            _str(record.get("logStream")),
            _str(record.get("id") or record.get("eventId")),
            number,
        )
        if events.full():
            yield from events.flush()
    yield from events.flush()


def _subscription(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    events = _Events(source.path)
    for number, line in _lines(source, diagnostics):
        if not line.strip():
            continue
        envelope = _loads(line)
        data = envelope.get("awslogs", {}).get("data") if isinstance(envelope, dict) else None
        if not isinstance(data, str):
            diagnostics.add("invalid-json", source.path, f"line {number}")
            continue
        try:
            payload = json.loads(gzip.decompress(base64.b64decode(data)))
        except (ValueError, OSError, EOFError, zlib.error):
            diagnostics.add("invalid-json", source.path, f"line {number} (awslogs.data)")
            continue
        if not isinstance(payload, dict) or payload.get("messageType") != "DATA_MESSAGE":
            continue  # CONTROL_MESSAGE: the subscription's health check
        function = function_from_group(_str(payload.get("logGroup"))) or fallback
        stream = _str(payload.get("logStream"))
        for event in payload.get("logEvents") or []:
            if not isinstance(event, dict) or not isinstance(event.get("message"), str):
                diagnostics.add("invalid-json", source.path, f"line {number} (logEvents)")
                continue
            events.add(
                function,
                json_timestamp_ms(event.get("timestamp")),
                event["message"],
                stream,
                _str(event.get("id")),
            )
        if events.full():
            yield from events.flush()
    yield from events.flush()


def _filter_log_events(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    # Streamed item by item: a large output file never sits in memory as one document.
    events = _Events(source.path)
    for index, event in json_items(source.path, "events", diagnostics):
        if not isinstance(event, dict) or not isinstance(event.get("message"), str):
            diagnostics.add("invalid-json", source.path, f"/events/{index}")
            continue
        group = _str(event.get("logGroupName"))
        function = function_from_group(group) or fallback
        events.add(
            function,
            json_timestamp_ms(event.get("timestamp")),
            event["message"],
            _str(event.get("logStreamName")),
            _str(event.get("eventId")),
        )
        if events.full():
            yield from events.flush()
    yield from events.flush()


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
