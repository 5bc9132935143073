"""CloudWatch Logs subscription payloads read by the C extractor (subscription and Firehose).

The payloads of a subscription file (base64 + gzip per line) or a Firehose object (gzip
members back to back) are inflated as before (ISA-L), then ``_scan.payload_events`` walks
the payload JSON and writes every event straight into the columns of the rows the parser
takes (decoded message bytes and offsets, timestamps, ids; log group and stream per
payload): no Python object per event. What it does not read exactly as ``json.loads`` and
the reference reader would (see ``_scan_json.c``: lone surrogates, escaped keys, float or
text timestamps, invalid UTF-8, anything that is no strict JSON...) it refuses payload by
payload, and that payload is decoded by the reference code, in its place in the file.

Results are the reference's (:mod:`faasguard.logs.payload_reference`): the same rows, cut
into the same batches (after the payload that fills one), and the same diagnostics in the
same order; ``tests/logs/test_logs_payload_native.py`` checks on generated and hostile
input. A Firehose object with something that is not a JSON object between its payloads, or
one that breaks off, is read by the reference from that payload on (its diagnostics say
where the break is). Without the extension the reference readers run (Arrow's bulk read
when it is built but older, else payload by payload).
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from faasguard.logs import payload_reference as reference
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.event_rows import EVENTS_PER_BATCH, ROW_SCHEMA, Events
from faasguard.logs.ingest import (
    MAX_JSON_ITEM,
    Source,
    TextBlock,
    function_from_group,
    iter_decompressed,
    newline_positions,
    text_blocks,
)
from faasguard.logs.parse import parse_messages

_native: types.ModuleType | None
try:
    from faasguard.logs import _scan as _native
except ImportError:  # pragma: no cover - built wherever a C compiler was available
    _native = None

#: Payload JSON handed to the extractor per call (Firehose text; at least this much, and
#: about a batch's worth once known, of subscription payloads).
GROUP_BYTES = 8 * 1024 * 1024
_INFO = 10  # columns of the extractor's per-payload rows
_REFUSED = 2  # payload status: decode it in Python
_CUT, _ODD, _FULL, _LIMIT = 1, 2, 3, 4  # where an extraction stopped (0: everything read)
# envelopes: 0 blank line, 1 base64 decoded by C, 2 read by Python, 3 base64 for Python
_DECODED, _BASE64 = 1, 3


def available() -> bool:
    """Whether the C extractor is built (``faasguard.logs._scan.payload_events``)."""
    return _native is not None and hasattr(_native, "payload_events")


def batches(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    """Parsed batches of a subscription or Firehose source."""
    if not available():
        read = reference.subscription if source.container == "subscription" else reference.firehose
        yield from read(source, fallback, diagnostics)
        return
    batcher = _Batcher(source.path, fallback, diagnostics)
    if source.container == "subscription":
        group = _Group()
        for block in text_blocks(source.path, diagnostics):
            yield from _subscription_block(block, batcher, group)
        yield from group.extract(batcher)
    else:
        yield from _firehose(source, batcher)
    yield from batcher.flush()


# -- extraction ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Extracted:
    """One extractor call: a row of :data:`_INFO` numbers per payload, the rows of every
    payload read (:data:`ROW_SCHEMA`), and where it stopped (``stop``: 0 at the end)."""

    info: np.ndarray
    table: pa.Table
    stop: int
    item: int
    pos: int


def _extract(
    items: list[Any],
    sequence: bool,
    fallback: str | None,
    item: int = 0,
    pos: int = 0,
    limit: int = -1,
) -> _Extracted:
    room = sum(len(x) for x in items[item:]) - pos + 64  # decoded text is never longer
    rows = room // 14 + 16  # an event with a message takes at least 14 bytes
    msg, ids, names = (np.empty(room, dtype=np.uint8) for _ in range(3))
    msg_off, id_off = (np.empty(rows + 1, dtype=np.int32) for _ in range(2))
    ts = np.empty(rows, dtype=np.int64)
    ts_ok, id_ok = (np.empty(rows, dtype=np.bool_) for _ in range(2))
    info = np.empty((room // 128 + 16, _INFO), dtype=np.int64)  # denser input: called again
    assert _native is not None  # the caller checked
    pays, n, stop, stop_item, stop_pos = _native.payload_events(
        items, sequence, item, pos, msg, msg_off, ts, ts_ok, ids, id_off, id_ok, names, info, limit
    )
    info = info[:pays]
    counts = info[:, 4]
    function, stream = _names(info, names, counts, fallback)
    table = pa.Table.from_arrays(
        [
            function,
            pa.Array.from_buffers(pa.int64(), n, [_validity(ts_ok[:n]), pa.py_buffer(ts[:n])]),
            _strings(n, msg_off, msg, None),
            stream,
            _strings(n, id_off, ids, _validity(id_ok[:n])),
            pa.array(np.zeros(n, dtype=np.int64)),
        ],
        schema=ROW_SCHEMA,
    )
    return _Extracted(info, table, stop, stop_item, stop_pos)


def _validity(ok: np.ndarray) -> pa.Buffer | None:
    return None if ok.all() else pa.py_buffer(np.packbits(ok, bitorder="little"))


def _strings(n: int, offsets: np.ndarray, data: np.ndarray, valid: pa.Buffer | None) -> pa.Array:
    # The extractor wrote validated UTF-8 (escapes decoded, surrogate pairs joined).
    size = int(offsets[n])
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets[: n + 1]), pa.py_buffer(data[:size]), valid
    )


def _names(
    info: np.ndarray, names: np.ndarray, counts: np.ndarray, fallback: str | None
) -> tuple[pa.Array, pa.Array]:
    """The function and stream column: each payload's values repeated for its events."""
    used = np.flatnonzero(counts > 0)
    if not len(used):
        return pa.array([], pa.string()), pa.array([], pa.string())
    # Equal names of consecutive payloads share their bytes: a few distinct spans per call.
    spans = info[used, 6:10]
    if (spans == spans[0]).all():
        spans, inverse = spans[:1], np.zeros(len(used), dtype=np.int64)
    else:
        spans, inverse = np.unique(spans, axis=0, return_inverse=True)

    def text(offset: int, length: int) -> str | None:
        return names[offset : offset + length].tobytes().decode() if length >= 0 else None

    functions, streams = [], []
    for group_at, group_len, stream_at, stream_len in spans.tolist():
        functions.append(function_from_group(text(group_at, group_len)) or fallback)
        streams.append(text(stream_at, stream_len))
    if len(spans) == 1:  # one function-stream (usual): no index per row
        total = int(counts.sum())
        return (
            pa.repeat(pa.scalar(functions[0], pa.string()), total),
            pa.repeat(pa.scalar(streams[0], pa.string()), total),
        )
    take = pa.array(np.repeat(inverse.reshape(-1), counts[used]))
    return (
        pa.array(functions, pa.string()).take(take),
        pa.array(streams, pa.string()).take(take),
    )


# -- batches ---------------------------------------------------------------------------------


class _Batcher:
    """Rows of the payloads of one source in file order, cut where the reference cuts them
    (after the payload that fills a batch). A batch of extracted rows only is parsed from its
    Arrow columns; one that holds rows the reference decoded is built the reference's way."""

    def __init__(self, path: str, fallback: str | None, diagnostics: DiagnosticCounter) -> None:
        self.path = path
        self.fallback = fallback
        self.diagnostics = diagnostics
        self.pieces: list[pa.Table | Events] = []
        self.rows = 0

    def extracted(self, table: pa.Table, counts: np.ndarray) -> Iterator[pa.RecordBatch]:
        """The rows of consecutive payloads (``counts``: rows of each)."""
        ends = np.cumsum(counts)
        start = 0
        while True:
            index = int(np.searchsorted(ends, EVENTS_PER_BATCH - self.rows + start))
            if index >= len(ends):
                break
            stop = int(ends[index])
            self._add(table.slice(start, stop - start))
            yield from self.flush()
            start = stop
        self._add(table.slice(start))

    def _add(self, table: pa.Table) -> None:
        if table.num_rows:
            self.pieces.append(table)
            self.rows += table.num_rows

    def decoded(self, payload: Any, where: str) -> Iterator[pa.RecordBatch]:
        """The events of a payload Python decoded (the reference's own walk)."""
        if not self.pieces or not isinstance(self.pieces[-1], Events):
            self.pieces.append(Events(self.path, self.diagnostics))
        events = self.pieces[-1]
        assert isinstance(events, Events)
        before = len(events.messages)
        reference.payload_events(payload, events, self.fallback, self.path, where, self.diagnostics)
        self.rows += len(events.messages) - before
        if self.rows >= EVENTS_PER_BATCH:
            yield from self.flush()

    def flush(self) -> Iterator[pa.RecordBatch]:
        pieces, self.pieces, self.rows = self.pieces, [], 0
        tables = [piece for piece in pieces if isinstance(piece, pa.Table)]
        if len(tables) == len(pieces):
            if tables:
                yield _parse(self.path, pa.concat_tables(tables))
            return
        merged = Events(self.path, self.diagnostics)
        columns = ("functions", "timestamps", "messages", "streams", "ids", "lines")
        for piece in pieces:
            for name, column in zip(columns, _columns(piece), strict=True):
                getattr(merged, name).extend(column)
        yield from merged.flush()


def _parse(path: str, table: pa.Table) -> pa.RecordBatch:
    """:meth:`RowBatches.batch` of extracted rows, without its pass that cuts trailing
    newlines off the messages (the extractor cut them already)."""

    def column(name: str) -> pa.Array:
        chunks = table.column(name)
        return chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()

    return parse_messages(
        column("message"),
        column("ts").cast(pa.timestamp("ms", tz="UTC")),
        function=column("function"),
        source=path,
        lines=column("line"),
        streams=column("stream"),
        event_ids=column("id"),
    )


def _columns(piece: pa.Table | Events) -> list[list[Any]]:
    if isinstance(piece, Events):
        return [
            piece.functions,
            piece.timestamps,
            piece.messages,
            piece.streams,
            piece.ids,
            piece.lines,
        ]
    return [column.to_pylist() for column in piece.columns]


class _BreakError(Exception):
    """A refused Firehose payload Python cannot decode either: the reference's break."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _take(
    batcher: _Batcher,
    found: _Extracted,
    where: Callable[[int], str],
    refused: Callable[[int], tuple[bool, Any]],
    limit: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """Everything one extraction read, payload by payload in file order (up to ``limit``)."""
    info = found.info[:limit]
    counts = info[:, 4]
    starts = np.concatenate([[0], np.cumsum(counts)]).tolist()
    special = np.flatnonzero((info[:, 0] == _REFUSED) | (info[:, 5] > 0)).tolist()
    previous = 0
    for index in [*special, len(info)]:
        if index > previous:
            rows = found.table.slice(starts[previous], starts[index] - starts[previous])
            yield from batcher.extracted(rows, counts[previous:index])
        if index == len(info):
            break
        previous = index + 1
        if info[index, 0] == _REFUSED:
            decoded, payload = refused(index)
            if decoded:
                yield from batcher.decoded(payload, where(index))
            continue
        for _ in range(int(info[index, 5])):  # events that are no object with a message
            batcher.diagnostics.add("invalid-json", batcher.path, f"{where(index)} (logEvents)")
        rows = found.table.slice(starts[index], int(counts[index]))
        yield from batcher.extracted(rows, counts[index : index + 1])


# -- subscription files ----------------------------------------------------------------------


def _subscription_block(
    block: TextBlock, batcher: _Batcher, group: _Group
) -> Iterator[pa.RecordBatch]:
    """The envelopes of one block of lines, in order; payloads extracted in groups (the
    group goes on into the next block: the caller extracts what is left at the end)."""
    data = block.data
    ends = block.newlines if block.newlines is not None else newline_positions(data)
    ends = np.ascontiguousarray(ends, dtype=np.int64)
    status = np.empty(len(ends), dtype=np.int8)
    data_at, data_end = np.empty(len(ends), dtype=np.int64), np.empty(len(ends), dtype=np.int64)
    base64_decoded = np.empty(len(data), dtype=np.uint8)
    assert _native is not None  # the caller checked
    _native.envelopes(data, ends, status, data_at, data_end, base64_decoded)
    views = {_DECODED: base64_decoded.data, _BASE64: memoryview(data)}
    path, diagnostics = batcher.path, batcher.diagnostics
    kinds, starts, stops = status.tolist(), data_at.tolist(), data_end.tolist()
    for index in np.flatnonzero(status).tolist():
        number = block.first_line + index
        kind = kinds[index]
        if kind in views:
            scratch = DiagnosticCounter()
            span = views[kind][starts[index] : stops[index]]
            inflated = reference.inflated_payload(
                span, number, path, scratch, decoded=kind == _DECODED
            )
            if inflated is not None:
                yield from group.add(inflated, number, batcher)
                continue
            # Not inflated (counted): what came before goes first, as in the reference.
            yield from group.extract(batcher)
            diagnostics.merge(scratch)
            continue
        yield from group.extract(batcher)
        start = int(ends[index - 1]) + 1 if index else 0
        line = data[start : int(ends[index])]
        read, payload = reference.line_payload(number, line, path, diagnostics)
        if read:
            yield from batcher.decoded(payload, f"line {number}")


class _Group:
    """Inflated subscription payloads waiting for one extractor call.

    Once enough have come for a whole batch (estimated from the payload bytes per row so
    far), the extractor reads them up to the payload that fills the open batch and stops:
    that batch is then one extracted table, handed on without copying its columns into one
    (as a batch pieced together from two calls must be). The payloads after it wait for
    the next call. ``extract`` without ``fill`` reads every payload (before anything else
    of the file, and at its end).
    """

    def __init__(self) -> None:
        self.payloads: list[bytes] = []
        self.numbers: list[int] = []
        self.size = 0
        self.need = 2 * GROUP_BYTES  # a batch of usual events (then estimated)

    def add(self, payload: bytes, number: int, batcher: _Batcher) -> Iterator[pa.RecordBatch]:
        self.payloads.append(payload)
        self.numbers.append(number)
        self.size += len(payload)
        if self.size >= self.need:
            yield from self.extract(batcher, fill=True)

    def extract(self, batcher: _Batcher, fill: bool = False) -> Iterator[pa.RecordBatch]:
        payloads, numbers = self.payloads, self.numbers
        self.payloads, self.numbers, self.size = [], [], 0
        item = 0
        while item < len(payloads):
            limit = EVENTS_PER_BATCH - batcher.rows if fill else -1
            found = _extract(payloads, False, batcher.fallback, item, limit=limit)
            if found.stop == _LIMIT:
                read = sum(len(payload) for payload in payloads[item : found.item])
                rows = max(found.table.num_rows, 1)
                self.need = max(GROUP_BYTES, read * EVENTS_PER_BATCH * 5 // (4 * rows))
                self.payloads, self.numbers = payloads[found.item :], numbers[found.item :]
                self.size = sum(len(payload) for payload in self.payloads)
            items = found.info[:, 1].tolist()

            def where(k: int, items: list[int] = items) -> str:
                return f"line {numbers[items[k]]}"

            def refused(k: int, items: list[int] = items) -> tuple[bool, Any]:
                at = items[k]
                return reference.decoded_payload(
                    payloads[at], numbers[at], batcher.path, batcher.diagnostics
                )

            yield from _take(batcher, found, where, refused)
            if found.stop != _FULL:
                break
            item = found.item


# -- Firehose objects ------------------------------------------------------------------------


def _firehose(source: Source, batcher: _Batcher) -> Iterator[pa.RecordBatch]:
    """Payloads written back to back, extracted a few megabytes of text at a time."""
    scratch = DiagnosticCounter()  # the reference counts these itself if it takes over
    chunks = iter_decompressed(source.path, scratch)
    pending: list[bytes] = []
    size = 0
    need = GROUP_BYTES
    index = 0  # payloads read so far
    done = False
    while not done:
        chunk = next(chunks, None)
        done = chunk is None
        if chunk is not None:
            pending.append(chunk)
            size += len(chunk)
        if size < need and not done:
            continue
        index, tail = yield from _firehose_text(pending, batcher, index)
        if tail is None:
            return  # the reference read the rest
        if (done and tail.strip(b" \t\n\r")) or len(tail) > MAX_JSON_ITEM:
            # Broken off at the end, or an object longer than the reference reads.
            yield from _reference_from(batcher, index)
            return
        pending, size = [tail], len(tail)
        need = max(GROUP_BYTES, 2 * len(tail))
    batcher.diagnostics.merge(scratch)


def _firehose_text(
    texts: list[bytes], batcher: _Batcher, index: int
) -> Generator[pa.RecordBatch, None, tuple[int, bytes | None]]:
    """The payloads of the text ``texts`` hold one after another (inflated chunks, not
    joined: an object cut between two is read once they are) from payload number ``index``
    on; returns how many payloads the file has had so far and the unread tail (a cut
    object), or ``None`` when the reference read the rest of the file."""
    item = pos = 0
    while True:
        found = _extract(texts, True, batcher.fallback, item, pos)
        info = found.info
        spans = info[:, 3] - info[:, 2]
        limit = len(info)
        big = np.flatnonzero(spans > MAX_JSON_ITEM)
        if len(big):
            limit = int(big[0])

        def where(k: int, base: int = index) -> str:
            return f"payload {base + k}"

        def refused(k: int, base: int = index, info: np.ndarray = info) -> tuple[bool, Any]:
            text = texts[int(info[k, 1])]
            piece = text[int(info[k, 2]) : int(info[k, 3])].decode("utf-8", errors="replace")
            try:
                return True, json.JSONDecoder().raw_decode(piece)[0]
            except (ValueError, RecursionError):
                raise _BreakError(base + k) from None

        try:
            yield from _take(batcher, found, where, refused, limit)
        except _BreakError as broken:
            yield from _reference_from(batcher, broken.index)
            return broken.index, None
        index += limit
        if limit < len(info) or found.stop == _ODD:
            yield from _reference_from(batcher, index)
            return index, None
        if found.stop == _CUT and found.item + 1 < len(texts):
            # The object runs on into the next chunk: the two are read as one text.
            cut = found.item
            texts[cut : cut + 2] = [texts[cut][found.pos :] + texts[cut + 1]]
            item, pos = cut, 0
            continue
        if found.stop != _FULL:
            return index, texts[found.item][found.pos :] if found.stop == _CUT else b""
        item, pos = found.item, found.pos


def _reference_from(batcher: _Batcher, skip: int) -> Iterator[pa.RecordBatch]:
    """The rest of a Firehose object read by the reference, from payload number ``skip``."""
    source = Source(batcher.path, "firehose", None)
    for payload, where in reference.firehose_payloads(source, batcher.diagnostics, skip):
        yield from batcher.decoded(payload, where)
