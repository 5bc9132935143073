"""Parsing of Lambda log lines into Arrow record batches (schema :data:`SCHEMA`).

No Python object per line on the hot path. Three implementations give the same batches:

- the C scanner (``faasguard.logs._scan``, optional, built by setup.py): splits a block of
  ``<ISO timestamp> <message>`` lines and classifies every message in two passes;
- the numpy byte probes (:mod:`faasguard.logs.probes`), where the scanner is not built;
- the RE2 expressions (:mod:`faasguard.logs.fields`), the reference both fast paths must
  agree with, and what they hand the rows they cannot decide to.

Recognised shapes: ``START``/``END``/``REPORT`` (tab- or space-separated fields, optional
``Init Duration``), ``INIT_START``, ``Task timed out after N seconds``, ``Runtime exited
with error``/``Runtime.ExitError``, Python (``[LEVEL]\\tts\\trid\\tmsg``, unhandled
``[ERROR] Type: msg``) and Node (``ts\\trid\\tLEVEL\\tmsg``) runtime lines, Lambda's JSON log
format (``platform.start``/``platform.report``/``platform.initStart`` with
``record.metrics``, JSON application records), Powertools structured lines, and the arrival
time of logged Kinesis/DynamoDB/SQS records.
"""

from __future__ import annotations

import math
import types
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.fields import (
    Fields,
    record_times,
    regex_fields,
    set_levels,
    take_rows,
    true_rows,
)
from faasguard.logs.ingest import MAX_LINE, TextBlock, newline_positions, no_surrogates
from faasguard.logs.model import SCHEMA, Kind
from faasguard.logs.probes import hint_database, probe_fields

_native: types.ModuleType | None
try:  # the optional C scanner (setup.py); without it the numpy probes give the same batches
    from faasguard.logs import _scan as _native
except ImportError:  # pragma: no cover - built wherever a C compiler was available
    _native = None


def native_available() -> bool:
    """Whether the C line scanner (``faasguard.logs._scan``) was built and is in use."""
    return _native is not None


_TS_WIDTH = 24  # len("2024-05-01T02:01:17.736Z")


def split_lines(
    block: TextBlock, source: str, diagnostics: DiagnosticCounter
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """The lines of ``block`` as an Arrow binary array (newline included), zero-copy.

    Returns the array, each line's start offset within the block and each line's length
    without its newline. Newline positions come from numpy; the array is built on the
    block's own bytes.
    """
    data = block.data
    if block.newlines is not None:
        ends = block.newlines
    else:
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    offsets = np.empty(len(ends) + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1:] = ends + 1
    binary = pa.BinaryArray.from_buffers(
        pa.binary(), len(ends), [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)]
    )
    lengths = np.diff(offsets) - 1
    too_long = lengths > MAX_LINE
    if too_long.any():
        first = int(np.flatnonzero(too_long)[0])
        diagnostics.add(
            "long-line", source, f"line {block.first_line + first}", int(too_long.sum())
        )
    return binary, offsets[:-1].astype(np.int64), lengths


def _to_text(
    binary: pa.Array, block: TextBlock, source: str, diagnostics: DiagnosticCounter
) -> pa.Array:
    """Binary values → UTF-8 strings; invalid bytes are replaced and counted (rare path)."""
    try:
        return binary.cast(pa.string())
    except pa.ArrowInvalid:
        values = []
        for index, item in enumerate(binary.to_pylist()):
            try:
                values.append(item.decode("utf-8"))
            except UnicodeDecodeError:
                diagnostics.add("invalid-utf8", source, f"line {block.first_line + index}")
                values.append(item.decode("utf-8", errors="replace"))
        return pa.array(values, pa.string())


_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22])
_SEPARATORS = {
    4: ord("-"),
    7: ord("-"),
    10: ord("T"),
    13: ord(":"),
    16: ord(":"),
    19: ord("."),
    23: ord("Z"),
}
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def iso_ms_from_bytes(stamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Epoch milliseconds of ``(n, 24)`` ASCII ``YYYY-MM-DDTHH:MM:SS.mmmZ`` rows, and validity.

    Pure numpy (Hinnant's days-from-civil), so a million timestamps cost milliseconds;
    impossible dates (month 13, 31 April, hour 24) are invalid, never wrapped. Rows that
    share the first row's date and hour (a block of an hourly log file: nearly all) only
    have their minutes, seconds and milliseconds read.
    """
    n = len(stamps)
    if n < 2:
        return _iso_ms_rows(stamps)
    stamps = np.ascontiguousarray(stamps)
    words = stamps.view("<u8")
    hour = np.uint64(0xFFFFFFFFFF)  # "DDTHH" of the second word
    same = (words[:, 0] == words[0, 0]) & ((words[:, 1] & hour) == (words[0, 1] & hour))
    base_row = stamps[:1].copy()
    base_row[0, 13:24] = np.frombuffer(b":00:00.000Z", dtype=np.uint8)
    base_ms, base_valid = _iso_ms_rows(base_row)
    if not base_valid[0]:
        return _iso_ms_rows(stamps)
    digit = {i: stamps[:, i] - np.uint8(48) for i in (14, 15, 17, 18, 20, 21, 22)}
    ok = same & (stamps[:, 13] == ord(":")) & (stamps[:, 16] == ord(":"))
    ok &= (stamps[:, 19] == ord(".")) & (stamps[:, 23] == ord("Z"))
    for column in digit.values():
        ok &= column <= 9
    minute = digit[14].astype(np.int64) * 10 + digit[15]
    second = digit[17].astype(np.int64) * 10 + digit[18]
    millis = (digit[20].astype(np.int64) * 10 + digit[21]) * 10 + digit[22]
    ok &= (minute < 60) & (second < 60)
    ms = np.where(ok, base_ms[0] + minute * 60_000 + second * 1000 + millis, 0)
    valid = ok.copy()
    others = np.flatnonzero(~ok)
    if len(others):
        ms[others], valid[others] = _iso_ms_rows(stamps[others])
    return ms, valid


def _iso_ms_rows(stamps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`iso_ms_from_bytes` computed field by field for every row."""
    # Column-wise uint8 arithmetic: a 2-D int64 copy of every stamp costs ten times more.
    digit = {i: stamps[:, i] - np.uint8(48) for i in _DIGITS.tolist()}
    valid = np.ones(len(stamps), dtype=bool)
    for column in digit.values():
        valid &= column <= 9  # bytes below "0" wrap around to large values

    def number(*positions: int) -> np.ndarray:
        value = np.zeros(len(stamps), dtype=np.int64)
        for position in positions:
            value = value * 10 + digit[position]
        return value

    for position, char in _SEPARATORS.items():
        valid &= stamps[:, position] == char
    year = number(0, 1, 2, 3)
    month = number(5, 6)
    day = number(8, 9)
    hour = number(11, 12)
    minute = number(14, 15)
    second = number(17, 18)
    millis = number(20, 21, 22)
    valid &= (month >= 1) & (month <= 12) & (day >= 1) & (hour < 24) & (minute < 60)
    valid &= second < 60
    valid &= day <= _MONTH_DAYS[np.clip(month, 0, 12)]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid &= ~((month == 2) & (day == 29) & ~leap)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    ms = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
    return np.where(valid, ms, 0), valid


def parse_text_block(
    block: TextBlock,
    *,
    source: str,
    function: str | None,
    diagnostics: DiagnosticCounter,
) -> pa.RecordBatch:
    """Parse a block of ``<ISO timestamp> <message>`` lines into a batch of :data:`SCHEMA`."""
    if _native is not None:
        batch = _parse_text_native(block, source=source, function=function, diagnostics=diagnostics)
        if batch is not None:
            return batch
    binary, starts, lengths = split_lines(block, source, diagnostics)
    n = len(binary)
    if n == 0:
        return pa.RecordBatch.from_pylist([], schema=SCHEMA)
    raw = np.frombuffer(block.data, dtype=np.uint8)
    long_enough = lengths > _TS_WIDTH
    probe = np.where(long_enough, starts, 0)
    last = len(raw) - 1  # clip so short blocks never index past their end
    shaped = (
        long_enough
        & (raw[np.minimum(probe + 10, last)] == ord("T"))
        & (raw[np.minimum(probe + _TS_WIDTH, last)] == ord(" "))
    )
    # Lines are cut at the limit (newline excluded) before decoding.
    limit = MAX_LINE if (lengths > MAX_LINE).any() else None
    if shaped.all():
        stamps = pc.binary_slice(binary, 0, _TS_WIDTH)
        ms, valid = iso_ms_from_bytes(
            np.frombuffer(stamps.buffers()[2], dtype=np.uint8).reshape(-1, _TS_WIDTH)
        )
        message_bytes = pc.binary_slice(binary, _TS_WIDTH + 1, -1)
    else:
        ms = np.zeros(n, dtype=np.int64)
        valid = np.zeros(n, dtype=bool)
        index = np.flatnonzero(shaped)
        if len(index):
            rows = raw[starts[index][:, None] + np.arange(_TS_WIDTH)]
            ms[index], valid[index] = iso_ms_from_bytes(rows)
        message_bytes = pc.if_else(
            pa.array(shaped),
            pc.binary_slice(binary, _TS_WIDTH + 1, -1),
            pc.binary_slice(binary, 0, -1),
        )
    if limit is not None:
        message_bytes = _cut_long(message_bytes, limit)
    messages = _to_text(message_bytes, block, source, diagnostics)
    # A "\r\n" in the block is a line whose last byte is "\r": one probe per line, not a
    # search through the block (which costs more than the whole split).
    if (raw[np.maximum(starts + lengths - 1, 0)] == 13).any():
        messages = pc.utf8_rtrim(messages, "\r")
    return _text_batch(block, messages, ms, valid, shaped, starts, source, function, diagnostics)


def _cut_long(values: pa.Array, limit: int) -> pa.Array:
    """Binary values cut to ``limit`` bytes, before a character rather than inside one.

    A cut that would land on a UTF-8 continuation byte backs off over up to three of them
    (as the C scanner does), so a long line of non-ASCII text stays valid UTF-8.
    """
    lengths = np.asarray(pc.binary_length(values).to_numpy(zero_copy_only=False))
    long_rows = np.flatnonzero(lengths > limit)
    if not len(long_rows):
        return values
    cut = []
    for row in long_rows.tolist():
        value: bytes = values[row].as_py()
        size = limit
        for _ in range(3):
            if size > 0 and value[size] & 0xC0 == 0x80:
                size -= 1
        cut.append(value[:size])
    mask = np.zeros(len(values), dtype=bool)
    mask[long_rows] = True
    return pc.replace_with_mask(values, pa.array(mask), pa.array(cut, values.type))


def _text_batch(
    block: TextBlock,
    messages: pa.Array,
    ms: np.ndarray,
    valid: np.ndarray,
    shaped: np.ndarray,
    starts: np.ndarray,
    source: str,
    function: str | None,
    diagnostics: DiagnosticCounter,
) -> pa.RecordBatch:
    """The batch of a split text block: timestamps counted, messages classified."""
    n = len(messages)
    bad_ts = shaped & ~valid
    if bad_ts.any():
        first = int(np.flatnonzero(bad_ts)[0])
        diagnostics.add(
            "bad-timestamp", source, f"line {block.first_line + first}", int(bad_ts.sum())
        )
    ts = pa.array(ms, pa.int64(), mask=~valid).cast(pa.timestamp("ms", tz="UTC"))
    numbers = np.arange(block.first_line, block.first_line + n, dtype=np.int64)
    batch = parse_messages(
        messages,
        ts,
        function=function,
        source=source,
        offsets=pa.array(starts + block.offset),
        lines=pa.array(numbers),
        unshaped=~shaped,
    )
    unknown = true_rows(pc.equal(batch.column("kind"), int(Kind.UNKNOWN)))
    if unknown.any():
        first = int(np.flatnonzero(unknown)[0])
        diagnostics.add(
            "unknown-line", source, f"line {block.first_line + first}", int(unknown.sum())
        )
    return batch


def _parse_text_native(
    block: TextBlock,
    *,
    source: str,
    function: str | None,
    diagnostics: DiagnosticCounter,
) -> pa.RecordBatch | None:
    """:func:`parse_text_block` with the C scanner splitting the lines (same batch).

    ``None`` (nothing counted yet) for a block whose messages are not valid UTF-8: the
    numpy path replaces and counts the bad bytes line by line.
    """
    data = block.data
    ends = block.newlines
    if ends is None:
        ends = newline_positions(data)
    ends = np.ascontiguousarray(ends, dtype=np.int64)
    n = len(ends)
    if n == 0:
        return pa.RecordBatch.from_pylist([], schema=SCHEMA)
    ms = np.empty(n, dtype=np.int64)
    valid = np.empty(n, dtype=bool)
    shaped = np.empty(n, dtype=bool)
    body = np.empty(len(data), dtype=np.uint8)
    offsets = np.empty(n + 1, dtype=np.int32)
    assert _native is not None  # the caller checked
    ascii_only = _native.split(data, ends, MAX_LINE, ms, valid, shaped, body, offsets)
    text = pa.py_buffer(body[: int(offsets[-1])])
    if ascii_only:
        messages = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), text)
    else:
        binary = pa.BinaryArray.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), text])
        try:
            messages = binary.cast(pa.string())
        except pa.ArrowInvalid:
            return None
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    too_long = (ends - starts) > MAX_LINE
    if too_long.any():
        first = int(np.flatnonzero(too_long)[0])
        diagnostics.add(
            "long-line", source, f"line {block.first_line + first}", int(too_long.sum())
        )
    return _text_batch(block, messages, ms, valid, shaped, starts, source, function, diagnostics)


def parse_iso_ms(stamps: pa.Array) -> pa.Array:
    """``2024-05-01T02:01:17.736Z`` strings → UTC millisecond timestamps (null if bad)."""
    seconds = pc.strptime(
        pc.utf8_slice_codeunits(stamps, 0, 19),
        format="%Y-%m-%dT%H:%M:%S",
        unit="ms",
        error_is_null=True,
    )
    millis_text = pc.utf8_slice_codeunits(stamps, 20, 23)
    digits = pc.match_substring_regex(millis_text, r"^\d{3}$")
    millis = pc.if_else(digits, millis_text, "0").cast(pa.int64()).cast(pa.duration("ms"))
    result = pc.add(seconds, millis)
    return result.cast(pa.timestamp("ms", tz="UTC"))


def _native_fields(messages: pa.Array) -> tuple[Fields, np.ndarray, np.ndarray]:
    """Classification and fields by the C scanner; the undecided rows; error candidates.

    The same contract as :func:`_fast_fields`: each decided row holds what the RE2
    expressions give; undecided rows are left to them. The error candidates are the rows
    :data:`_ERROR_LEVEL` matches (the expression still confirms them in :func:`set_levels`).
    """
    n = len(messages)
    buffers = messages.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[messages.offset : messages.offset + n + 1]
    data = buffers[2] if buffers[2] is not None else pa.py_buffer(b"")
    kind = np.empty(n, dtype=np.int8)
    undecided = np.empty(n, dtype=bool)
    error = np.empty(n, dtype=bool)
    timed_out = np.empty(n, dtype=bool)
    values = np.empty((6, n), dtype=np.float64)
    rid = np.empty(max(data.size, 1), dtype=np.uint8)
    rid_offsets = np.empty(n + 1, dtype=np.int32)
    rid_valid = np.empty(n, dtype=bool)
    assert _native is not None  # the caller checked
    _native.classify(
        data,
        np.ascontiguousarray(offsets),
        kind,
        undecided,
        error,
        timed_out,
        *values,
        rid,
        rid_offsets,
        rid_valid,
    )
    # Ids are cut from valid UTF-8 at ASCII bytes (quotes, id characters): valid UTF-8.
    request_id = pa.StringArray.from_buffers(
        n,
        pa.py_buffer(rid_offsets),
        pa.py_buffer(rid[: int(rid_offsets[-1])]),
        pa.py_buffer(np.packbits(rid_valid, bitorder="little")),
    )
    f = Fields(
        kind=kind,
        duration=values[0],
        billed=values[1],
        memory=values[2],
        maxmem=values[3],
        init_ms=values[4],
        timeout_s=np.full(n, np.nan),
        timed_out=timed_out,
        request_id=request_id,
        error=np.zeros(n, dtype=bool),
        error_type=pa.nulls(n, pa.string()),
        record_ms=values[5],
    )
    return f, undecided, error


def warm_up() -> None:
    """Compile what parsing compiles lazily (before workers fork, so they share it)."""
    hint_database()


def parse_messages(
    messages: pa.Array,
    ts: pa.Array,
    *,
    function: str | pa.Array | None,
    source: str,
    offsets: pa.Array | None = None,
    lines: pa.Array | None = None,
    streams: pa.Array | None = None,
    event_ids: pa.Array | None = None,
    unshaped: np.ndarray | None = None,
    probes: bool = True,
) -> pa.RecordBatch:
    """Classify and extract every field of Lambda log messages (one row each).

    With ``probes`` (the default) the usual line shapes are read by byte probes at known
    positions (:func:`_fast_fields`) and only the rows they cannot decide go through the
    RE2 expressions; ``probes=False`` runs the expressions on every row (the reference the
    tests compare the probes against). ``unshaped`` marks rows whose container line had no
    timestamp prefix: they are :attr:`Kind.UNKNOWN` whatever they contain (counted by the
    caller).
    """
    n = len(messages)
    if messages.type != pa.string():
        messages = messages.cast(pa.string())
    candidates: np.ndarray | None = None
    if probes and _native is not None:
        f, undecided, candidates = _native_fields(messages)
        if undecided.any():
            f.put(undecided, regex_fields(take_rows(messages, undecided)))
    elif probes:
        f, undecided, candidates = probe_fields(messages)
        if undecided.any():
            f.put(undecided, regex_fields(take_rows(messages, undecided)))
    else:
        f = regex_fields(messages)
    set_levels(messages, f, candidates)
    # Record times: the C scanner read them on the application rows it decided; the RE2
    # expression reads every other application row.
    pending = f.kind == Kind.APP
    if probes and _native is not None:
        pending &= undecided
    if pending.any():
        f.record_ms[pending] = record_times(take_rows(messages, pending))
    kind = f.kind
    if unshaped is not None and unshaped.any():
        kind[unshaped] = Kind.UNKNOWN
    level = (
        pc.if_else(pa.array(f.error), "ERROR", pa.scalar(None, pa.string()))
        if f.error.any()
        else pa.nulls(n, pa.string())
    )

    function_col: pa.Array
    if isinstance(function, pa.Array):
        function_col = function.cast(pa.string())
    elif function:
        function_col = pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, dtype=np.int32)), pa.array([function])
        ).cast(pa.string())
    else:
        function_col = pa.nulls(n, pa.string())
    source_col = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([source])
    ).cast(pa.string())

    def floats(values: np.ndarray) -> pa.Array:
        # NaN → null through an explicit mask: ``from_pandas=True`` would import pandas
        # (0.2 s in every worker) for the same result.
        return pa.array(values, pa.float64(), mask=np.isnan(values))

    return pa.RecordBatch.from_arrays(
        [
            function_col,
            ts.cast(pa.timestamp("ms", tz="UTC")),
            pa.array(kind, pa.int8()),
            level,
            f.request_id.cast(pa.string()),
            floats(f.duration),
            floats(f.billed),
            floats(f.memory),
            floats(f.maxmem),
            floats(f.init_ms),
            floats(f.timeout_s),
            pa.array(f.timed_out),
            f.error_type.cast(pa.string()),
            messages,
            source_col,
            offsets if offsets is not None else pa.array(np.full(n, -1, dtype=np.int64)),
            lines if lines is not None else pa.array(np.zeros(n, dtype=np.int64)),
            streams if streams is not None else pa.nulls(n, pa.string()),
            event_ids if event_ids is not None else pa.nulls(n, pa.string()),
            floats(f.record_ms),
        ],
        schema=SCHEMA,
    )


def parse_events(
    *,
    functions: Sequence[str | None] | pa.Array | pa.ChunkedArray,
    timestamps_ms: Sequence[int | None] | pa.Array | pa.ChunkedArray,
    messages: Sequence[str] | pa.Array | pa.ChunkedArray,
    streams: Sequence[str | None] | pa.Array | pa.ChunkedArray,
    event_ids: Sequence[str | None] | pa.Array | pa.ChunkedArray,
    source: str,
    lines: Sequence[int] | pa.Array | pa.ChunkedArray | None = None,
    diagnostics: DiagnosticCounter | None = None,
) -> pa.RecordBatch:
    """Parse events of a JSON container (already decoded) into a batch of :data:`SCHEMA`.

    Every column is either a Python sequence or an Arrow array of that type already (the
    bulk JSON readers of :mod:`faasguard.logs.pipeline` build arrays, not lists). A lone
    surrogate escape (``"\\ud800"``: valid JSON, no valid UTF-8) becomes U+FFFD and is
    counted as ``invalid-utf8`` instead of failing the source.
    """

    def column(values: Sequence[Any] | pa.Array | pa.ChunkedArray, kind: pa.DataType) -> Any:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            return values if values.type == kind else values.cast(kind)
        try:
            return pa.array(values, kind)
        except UnicodeEncodeError:
            cleaned = [no_surrogates(v) if isinstance(v, str) else v for v in values]
            changed = sum(1 for a, b in zip(values, cleaned, strict=True) if a is not b)
            if diagnostics is not None:
                diagnostics.add("invalid-utf8", source, "lone surrogate escape", changed)
            return pa.array(cleaned, kind)

    message_arr = pc.utf8_rtrim(column(messages, pa.string()), "\n")
    ts = column(timestamps_ms, pa.int64()).cast(pa.timestamp("ms", tz="UTC"))
    return parse_messages(
        message_arr,
        ts,
        function=column(functions, pa.string()),
        source=source,
        lines=column(lines, pa.int64()) if lines is not None else None,
        streams=column(streams, pa.string()),
        event_ids=column(event_ids, pa.string()),
    )


def json_timestamp_ms(value: object) -> int | None:
    """A JSON ``timestamp`` (epoch ms number or ISO string) → epoch ms, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        # NaN, infinities and values past int64 have no timestamp (they used to crash).
        if isinstance(value, float) and not math.isfinite(value):
            return None
        ms = int(value)
        return ms if -(2**63) <= ms < 2**63 else None
    if isinstance(value, str):
        parsed = parse_iso_ms(pa.array([value.replace("+00:00", "Z")]))[0].as_py()
        return int(parsed.timestamp() * 1000) if parsed is not None else None
    return None
