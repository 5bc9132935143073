"""From one source file to a partial state: read → parse → detect.

:func:`process_source` is the unit of work every engine distributes (a process per core in
the embedded engine, a task per file group on Spark). It never raises for bad input: every
problem becomes a counted diagnostic in the returned state.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from faasguard.logs import cloudtrail, parse, payload_gate, payload_native
from faasguard.logs.detectors import PartialState
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.event_rows import (
    ROW_SCHEMA,
    Events,
    RowBatches,
    as_str,
    loads,
    numbered_lines,
)
from faasguard.logs.ingest import (
    Source,
    TextBlock,
    function_from_group,
    json_items,
    newline_positions,
    text_blocks,
)
from faasguard.logs.parse import (
    json_timestamp_ms,
    parse_iso_ms,
    parse_text_block,
)
from faasguard.logs.patterns import Matcher
from faasguard.secrets import load_detectors


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
    payload_gate.row_starts()  # LOG017's checks of message starts
    load_detectors()  # redaction of evidence lines (every worker builds some)
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
        yield from jsonl_bulk(source, fallback, diagnostics)
    elif source.container in ("subscription", "firehose"):
        yield from payload_native.batches(source, fallback, diagnostics)
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


def jsonl_reference(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    """JSON lines decoded one line at a time (the reference :func:`jsonl_bulk` must match)."""
    events = Events(source.path, diagnostics)
    for number, line in numbered_lines(source, diagnostics):
        if not line.strip():
            continue
        event, note = _jsonl_line(line, number, fallback)
        if note is not None:
            diagnostics.add(note, source.path, f"line {number}")
        if event is not None:
            events.add(*event)
        if events.full():
            yield from events.flush()
    yield from events.flush()


#: Lines at least this long are checked for nesting and huge numbers before the bulk reader
#: takes them (Python's decoder refuses both, Arrow's accepts them).
_LONG_LINE = 1024
_MAX_BRACKETS = 256
_HUGE_NUMBER = re.compile(rb"[0-9]{4000}")
#: Below this many lines a block Arrow rejects goes line by line instead of being halved.
_MIN_BULK = 8
#: ``json_timestamp_ms`` goes through a float (``datetime.timestamp() * 1000``); numpy gives
#: the same result only while microseconds fit a double exactly.
_EXACT_MS = 2**53 // 1000
#: More diagnostics of one code than this per block are counted without their location
#: (the counter keeps fewer locations anyway).
_LOCATED = 64


def _jsonl_schema(ts_type: pa.DataType) -> pa.Schema:
    fields = [("message", pa.string()), ("timestamp", ts_type)]
    fields += [(name, pa.string()) for name in ("logGroup", "logStream", "id", "eventId")]
    return pa.schema(fields)


_TS_TYPES = (pa.int64(), pa.string(), pa.float64())


def jsonl_bulk(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    """JSON lines decoded a block at a time by Arrow, with the results of :func:`jsonl_reference`.

    A line goes to Arrow only when it is shaped so that Arrow and ``json.loads`` must agree
    on it (it starts with ``{`` and ends with ``}``, no deep nesting, no huge number, no
    encoded surrogate); Arrow then either decodes every such line of a group to exactly one
    row or rejects the group, which is halved until the culprit lines go through the
    per-line decoder. Rows, line numbers, batches and diagnostics (in line order) are the
    reference's.
    """
    rows = RowBatches(source.path)
    order = list(_TS_TYPES)  # the timestamp type that worked last is tried first
    for block in text_blocks(source.path, diagnostics):
        table, notes = _jsonl_block(block, fallback, order)
        _report(notes, source.path, diagnostics)
        yield from rows.push(table)
    yield from rows.finish()


def _report(notes: list[tuple[int, str]], source: str, diagnostics: DiagnosticCounter) -> None:
    # Per code in line order, as the per-line reader adds them; past the kept locations only
    # the count matters.
    notes.sort()
    located: dict[str, int] = {}
    unlocated: dict[str, int] = {}
    for number, code in notes:
        if located.get(code, 0) < _LOCATED:
            located[code] = located.get(code, 0) + 1
            diagnostics.add(code, source, f"line {number}")
        else:
            unlocated[code] = unlocated.get(code, 0) + 1
    for code, count in unlocated.items():
        diagnostics.add(code, source, "", count)


def _jsonl_line(
    line: bytes, number: int, fallback: str | None
) -> tuple[tuple[str | None, int | None, str, str | None, str | None, int] | None, str | None]:
    """One non-blank line exactly as :func:`jsonl_reference` reads it: (event, diagnostic)."""
    record = loads(line)
    if not isinstance(record, dict) or not isinstance(record.get("message"), str):
        return None, "invalid-json"
    ts = json_timestamp_ms(record.get("timestamp"))
    group = record.get("logGroup")
    function = function_from_group(group if isinstance(group, str) else None) or fallback
    event = (
        function,
        ts,
        record["message"],
        as_str(record.get("logStream")),
        as_str(record.get("id") or record.get("eventId")),
        number,
    )
    return event, "bad-timestamp" if ts is None else None


def _jsonl_block(
    block: TextBlock, fallback: str | None, order: list[pa.DataType]
) -> tuple[pa.Table, list[tuple[int, str]]]:
    data = block.data
    ends = block.newlines if block.newlines is not None else newline_positions(data)
    ends = ends.astype(np.int64, copy=False)
    n = len(ends)
    notes: list[tuple[int, str]] = []
    if n == 0:
        return ROW_SCHEMA.empty_table(), notes
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    buf = np.frombuffer(data, dtype=np.uint8)
    lengths = ends - starts
    cr = (lengths >= 1) & (buf[np.maximum(ends - 1, 0)] == ord("\r"))
    shaped = (lengths - cr) >= 2
    shaped &= buf[starts] == ord("{")
    shaped &= buf[np.maximum(ends - 1 - cr, 0)] == ord("}")
    try:
        # Arrow keeps invalid UTF-8 inside strings; json.loads refuses it (and takes encoded
        # surrogates, which strict decoding refuses too): such lines go one by one.
        data.decode("utf-8")
    except UnicodeDecodeError:
        for index in np.flatnonzero(shaped).tolist():
            try:
                data[starts[index] : ends[index]].decode("utf-8")
            except UnicodeDecodeError:
                shaped[index] = False
    for index in np.flatnonzero(shaped & (lengths >= _LONG_LINE)).tolist():
        line = data[starts[index] : ends[index]]
        if line.count(b"[") + line.count(b"{") >= _MAX_BRACKETS or _HUGE_NUMBER.search(line):
            shaped[index] = False
    slow = np.flatnonzero(~shaped)
    parts: list[pa.Table] = []
    whole = data if not len(slow) else None
    for idx, table in _bulk(data, starts, ends, np.flatnonzero(shaped), whole, order):
        if table is None:
            slow = np.concatenate([slow, idx])
            continue
        part, punted = _columns(table, idx + block.first_line, fallback, notes)
        parts.append(part)
        if len(punted):
            slow = np.concatenate([slow, punted - block.first_line])
    if len(slow):
        parts.append(
            _slow_rows(data, starts, ends, np.sort(slow), block.first_line, fallback, notes)
        )
    if not parts:
        return ROW_SCHEMA.empty_table(), notes
    table = pa.concat_tables(parts)
    if len(slow) and len(parts) > 1:
        table = table.sort_by("line")
    return table, notes


def _bulk(
    data: bytes,
    starts: np.ndarray,
    ends: np.ndarray,
    idx: np.ndarray,
    whole: bytes | None,
    order: list[pa.DataType],
) -> Iterator[tuple[np.ndarray, pa.Table | None]]:
    """Arrow tables of the lines ``idx`` (one row each), or ``None`` for lines to decode alone."""
    if not len(idx):
        return
    from pyarrow import json as pa_json  # noqa: PLC0415 - only JSON-lines sources need it

    payload = whole
    if payload is None:
        payload = b"".join(
            [data[s : e + 1] for s, e in zip(starts[idx].tolist(), ends[idx].tolist(), strict=True)]
        )
    read = pa_json.ReadOptions(use_threads=False, block_size=max(len(payload), 1 << 20))
    for ts_type in list(order):
        parse = pa_json.ParseOptions(
            explicit_schema=_jsonl_schema(ts_type), unexpected_field_behavior="ignore"
        )
        try:
            table = pa_json.read_json(
                pa.BufferReader(payload), read_options=read, parse_options=parse
            )
        except (pa.ArrowException, ValueError):
            continue
        if table.num_rows != len(idx):
            break  # cannot happen for lines shaped {...}; decode them one by one anyway
        order.remove(ts_type)
        order.insert(0, ts_type)
        yield idx, table
        return
    if len(idx) <= _MIN_BULK:
        yield idx, None
        return
    half = len(idx) // 2
    yield from _bulk(data, starts, ends, idx[:half], None, order)
    yield from _bulk(data, starts, ends, idx[half:], None, order)


def _columns(
    table: pa.Table, numbers: np.ndarray, fallback: str | None, notes: list[tuple[int, str]]
) -> tuple[pa.Table, np.ndarray]:
    """Event columns of Arrow-decoded lines, and the line numbers the reference must decode."""
    pc = pa.compute
    message = table.column("message").combine_chunks()
    has_message = message.is_valid().to_numpy(zero_copy_only=False)
    ts, punt = _timestamps(table.column("timestamp").combine_chunks())
    bad_ts = has_message & ~punt & ts.is_null().to_numpy(zero_copy_only=False)
    notes.extend((number, "invalid-json") for number in numbers[~has_message].tolist())
    notes.extend((number, "bad-timestamp") for number in numbers[bad_ts].tolist())
    group = table.column("logGroup").combine_chunks().dictionary_encode()
    names = [function_from_group(g) or fallback for g in group.dictionary.to_pylist()]
    function = pa.array([*names, fallback], pa.string()).take(group.indices.fill_null(len(names)))
    event_id = table.column("id").combine_chunks()
    use_id = pc.fill_null(pc.not_equal(event_id, ""), False)
    event_id = pc.if_else(use_id, event_id, table.column("eventId").combine_chunks())
    keep = has_message & ~punt
    part = pa.table(
        [
            function,
            ts,
            message,
            table.column("logStream").combine_chunks(),
            event_id,
            pa.array(numbers, pa.int64()),
        ],
        schema=ROW_SCHEMA,
    )
    if not keep.all():
        part = part.filter(pa.array(keep))
    return part, numbers[has_message & punt]


def _timestamps(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """:func:`json_timestamp_ms` of a whole column, and the rows it must compute itself."""
    n = len(values)
    if values.type == pa.int64():
        return values, np.zeros(n, dtype=bool)
    if values.type == pa.float64():
        floats = values.fill_null(0.0).to_numpy(zero_copy_only=False)
        valid = values.is_valid().to_numpy(zero_copy_only=False)
        punt = valid & ~(np.abs(floats) < 2.0**53)  # an integer Arrow rounded, or too large
        ms = np.trunc(np.where(punt, 0.0, floats)).astype(np.int64)
        return pa.array(ms, pa.int64(), mask=~valid), punt
    stamps = parse_iso_ms(pa.compute.replace_substring(values, "+00:00", "Z")).cast(pa.int64())
    valid = stamps.is_valid().to_numpy(zero_copy_only=False)
    ms = stamps.fill_null(0).to_numpy(zero_copy_only=False)
    punt = valid & (np.abs(ms) >= _EXACT_MS)
    # int(datetime.timestamp() * 1000): microseconds / 1e6 (correctly rounded), * 1000, truncated
    seconds = np.where(punt, 0, ms * 1000).astype(np.float64) / 1e6
    exact = np.trunc(seconds * 1000.0).astype(np.int64)
    return pa.array(exact, pa.int64(), mask=~valid), punt


def _slow_rows(
    data: bytes,
    starts: np.ndarray,
    ends: np.ndarray,
    idx: np.ndarray,
    first_line: int,
    fallback: str | None,
    notes: list[tuple[int, str]],
) -> pa.Table:
    columns: list[list[Any]] = [[], [], [], [], [], []]
    for index in idx.tolist():
        line = data[starts[index] : ends[index]]
        if not line.strip():
            continue
        number = first_line + index
        event, note = _jsonl_line(line, number, fallback)
        if note is not None:
            notes.append((number, note))
        if event is not None:
            for column, value in zip(columns, event, strict=True):
                column.append(value)
    return pa.table(
        [pa.array(column, field.type) for column, field in zip(columns, ROW_SCHEMA, strict=True)],
        schema=ROW_SCHEMA,
    )


def _filter_log_events(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    # Streamed item by item: a large output file never sits in memory as one document.
    events = Events(source.path, diagnostics)
    for index, event in json_items(source.path, "events", diagnostics):
        if not isinstance(event, dict) or not isinstance(event.get("message"), str):
            diagnostics.add("invalid-json", source.path, f"/events/{index}")
            continue
        group = as_str(event.get("logGroupName"))
        function = function_from_group(group) or fallback
        events.add(
            function,
            json_timestamp_ms(event.get("timestamp")),
            event["message"],
            as_str(event.get("logStreamName")),
            as_str(event.get("eventId")),
        )
        if events.full():
            yield from events.flush()
    yield from events.flush()
