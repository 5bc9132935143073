"""Vectorised parsing of Lambda log lines into Arrow record batches.

No Python object per line on the hot path: a block of text is split into lines with numpy
(newline positions become the offsets of an Arrow ``BinaryArray`` over the same bytes), the
timestamp prefix is cut and parsed with ``pyarrow.compute`` (``strptime``), and record kinds
and fields come from ``starts_with``/``match_substring_regex``/``extract_regex`` (RE2)
applied to whole arrays, each on the subset of rows it concerns.

Recognised shapes: ``START``/``END``/``REPORT`` (tab- or space-separated fields, optional
``Init Duration``), ``INIT_START``, ``Task timed out after N seconds``, ``Runtime exited
with error``/``Runtime.ExitError``, Python (``[LEVEL]\\tts\\trid\\tmsg``, unhandled
``[ERROR] Type: msg``) and Node (``ts\\trid\\tLEVEL\\tmsg``) runtime lines, Lambda's JSON log
format (``platform.start``/``platform.report``/``platform.initStart`` with
``record.metrics``, JSON application records) and Powertools structured lines.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import MAX_LINE, TextBlock, newline_positions
from faasguard.logs.model import SCHEMA, Kind
from faasguard.logs.patterns import hyperscan_available

_native: types.ModuleType | None
try:  # the optional C scanner (setup.py); without it the numpy probes give the same batches
    from faasguard.logs import _scan as _native
except ImportError:  # pragma: no cover - built wherever a C compiler was available
    _native = None


def native_available() -> bool:
    """Whether the C line scanner (``faasguard.logs._scan``) was built and is in use."""
    return _native is not None


_TS_WIDTH = 24  # len("2024-05-01T02:01:17.736Z")
_REPORT = (
    r"Duration: (?P<duration>[0-9.]+) ms\s+Billed Duration: (?P<billed>[0-9.]+) ms\s+"
    r"Memory Size: (?P<memory>\d+) MB\s+Max Memory Used: (?P<maxmem>\d+) MB"
    r"(?:\s+Init Duration: (?P<init>[0-9.]+) ms)?"
)
_REPORT_WITH_ID = r"^REPORT RequestId: (?P<rid>[0-9a-f-]+)\s+" + _REPORT
_JSON_METRICS = {
    "duration_ms": r'"durationMs":\s*(?P<v>[0-9.]+)',
    "billed_ms": r'"billedDurationMs":\s*(?P<v>[0-9.]+)',
    "memory_mb": r'"memorySizeMB":\s*(?P<v>[0-9.]+)',
    "max_memory_mb": r'"maxMemoryUsedMB":\s*(?P<v>[0-9.]+)',
    "init_ms": r'"initDurationMs":\s*(?P<v>[0-9.]+)',
}
_ERROR_LEVEL = (
    r"^\[(?:ERROR|CRITICAL|FATAL)\]|\t(?:ERROR|FATAL)\t|"
    r'"level":\s*"(?:ERROR|CRITICAL|FATAL|error|critical|fatal)"'
)
_ERROR_TYPE = (
    r'^\[ERROR\] (?P<a>[A-Za-z_][\w.]*): |"(?:errorType|exception_name)":\s*"(?P<b>[^"]+)"'
)
_TIMEOUT = r"Task timed out after (?P<v>[0-9.]+) seconds"
_RUNTIME_EXIT = r"^(?:RequestId: \S+ )?Error: Runtime exited|^Runtime\.ExitError"
_JSON_PLATFORM = r'^\{\s*"time":\s*"[^"]*",\s*"type":\s*"platform\.(?P<v>\w+)"'
_JSON_REQUEST = r'"(?:requestId|function_request_id)":\s*"(?P<v>[^"]+)"'
_JSON_KEY = r'"(?:requestId|function_request_id)":'
#: Arrival time of a logged Kinesis / DynamoDB Streams record (epoch s) or SQS message
#: (epoch ms), in JSON, Python-repr or escaped-JSON quoting.
_RECORD_TIME = (
    r"(?:approximateArrivalTimestamp|ApproximateCreationDateTime)\\?[\"']\s*:\s*"
    r"(?P<s>[0-9]+(?:\.[0-9]+)?)"
    r"|SentTimestamp\\?[\"']\s*:\s*\\?[\"']?(?P<ms>[0-9]+)"
)


def _mask(array: pa.Array) -> np.ndarray:
    """A boolean Arrow array as a numpy mask (nulls are false)."""
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _floats(n: int, mask: np.ndarray, values: pa.Array) -> np.ndarray:
    """A length-``n`` float array with ``values`` at the true positions of ``mask``, else NaN."""
    out = np.full(n, np.nan)
    if mask.any():
        out[mask] = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
    return out


def _strings(n: int, mask: np.ndarray, values: pa.Array) -> pa.Array:
    """A length-``n`` string array with ``values`` at the true positions of ``mask``."""
    if not mask.any():
        return pa.nulls(n, pa.string())
    return pc.replace_with_mask(pa.nulls(n, pa.string()), pa.array(mask), values.cast(pa.string()))


def _number(values: pa.Array) -> pa.Array:
    """Decimal strings (null or empty for an absent optional group) → float64.

    A ``[0-9.]+`` capture that is no number (``.``, ``1.2.3``) becomes null rather than
    failing the whole block.
    """
    values = pc.fill_null(values, "")
    empty = pc.equal(values, "")
    values = pc.if_else(empty, pa.scalar(None, pa.string()), values)
    try:
        return values.cast(pa.float64())
    except pa.ArrowInvalid:
        number = pc.match_substring_regex(values, r"^(?:\d+\.?\d*|\.\d+)$")
        return pc.if_else(number, values, pa.scalar(None, pa.string())).cast(pa.float64())


def first_bytes(array: pa.Array) -> np.ndarray:
    """The first byte of every value of a string/binary array (0 for empty or null), zero-copy."""
    n = len(array)
    buffers = array.buffers()
    wide = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)
    offsets = offsets[array.offset : array.offset + n + 1]
    out = np.zeros(n, dtype=np.uint8)
    if buffers[2] is None or n == 0:
        return out
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    present = np.diff(offsets) > 0
    out[present] = data[offsets[:-1][present]]
    return out


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
    unknown = _mask(pc.equal(batch.column("kind"), int(Kind.UNKNOWN)))
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


@dataclass(slots=True)
class _Fields:
    """What classification and extraction give for each row (numpy, plus string columns)."""

    kind: np.ndarray
    duration: np.ndarray
    billed: np.ndarray
    memory: np.ndarray
    maxmem: np.ndarray
    init_ms: np.ndarray
    timeout_s: np.ndarray
    timed_out: np.ndarray
    request_id: pa.Array
    error: np.ndarray
    error_type: pa.Array
    #: Arrival time (epoch ms) of a logged stream/queue record (:data:`_RECORD_TIME`).
    record_ms: np.ndarray
    #: Request ids found by the probes, as (rows, values) pieces (:meth:`gather_ids`).
    id_pieces: list[tuple[np.ndarray, pa.Array]] = field(default_factory=list)

    @classmethod
    def empty(cls, n: int) -> _Fields:
        """``n`` application rows with no field set."""
        return cls(
            kind=np.full(n, int(Kind.APP), dtype=np.int8),
            duration=np.full(n, np.nan),
            billed=np.full(n, np.nan),
            memory=np.full(n, np.nan),
            maxmem=np.full(n, np.nan),
            init_ms=np.full(n, np.nan),
            timeout_s=np.full(n, np.nan),
            timed_out=np.zeros(n, dtype=bool),
            request_id=pa.nulls(n, pa.string()),
            error=np.zeros(n, dtype=bool),
            error_type=pa.nulls(n, pa.string()),
            record_ms=np.full(n, np.nan),
        )

    def gather_ids(self) -> None:
        """Build the request id column from :attr:`id_pieces` in one pass."""
        if not self.id_pieces:
            return
        rows = np.concatenate([piece[0] for piece in self.id_pieces])
        values = pa.concat_arrays([piece[1].cast(pa.string()) for piece in self.id_pieces])
        self.id_pieces = []
        order = np.argsort(rows, kind="stable")
        if (order != np.arange(len(order))).any():
            rows, values = rows[order], values.take(pa.array(order))
        n = len(self.kind)
        value_offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[
            values.offset : values.offset + len(values) + 1
        ]
        lengths = np.zeros(n, dtype=np.int32)
        lengths[rows] = np.diff(value_offsets)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        present = np.zeros(n, dtype=bool)
        present[rows] = True
        data = values.buffers()[2]
        first = int(value_offsets[0])
        body = data.slice(first, int(value_offsets[-1]) - first) if data is not None else None
        self.request_id = pa.StringArray.from_buffers(
            n,
            pa.py_buffer(offsets),
            body if body is not None else pa.py_buffer(b""),
            pa.py_buffer(np.packbits(present, bitorder="little")),
        )

    def put(self, mask: np.ndarray, other: _Fields) -> None:
        """Overwrite the rows of ``mask`` with ``other`` (one row per true position)."""
        for name in (
            "kind",
            "duration",
            "billed",
            "memory",
            "maxmem",
            "init_ms",
            "timeout_s",
            "timed_out",
            "error",
            "record_ms",
        ):
            getattr(self, name)[mask] = getattr(other, name)
        self.request_id = _replace(self.request_id, mask, other.request_id)
        self.error_type = _replace(self.error_type, mask, other.error_type)


def _replace(base: pa.Array, mask: np.ndarray, values: pa.Array) -> pa.Array:
    """``base`` with the rows of ``mask`` replaced by ``values`` (nulls included)."""
    if not mask.any():
        return base
    if base.null_count == len(base) and mask.all():
        return values
    return pc.replace_with_mask(base, pa.array(mask), values.cast(pa.string()))


def _regex_fields(messages: pa.Array) -> _Fields:
    """Every row classified and extracted with RE2 expressions alone (levels excepted).

    The reference the fast path (:func:`_fast_fields`) must agree with, and what it falls
    back to for the rows it cannot decide. Each row's result depends on that row alone.
    """
    n = len(messages)
    f = _Fields.empty(n)
    head = first_bytes(messages)
    kind = f.kind

    def rows(candidates: np.ndarray, check: pa.Array) -> np.ndarray:
        """Positions (in the full batch) of the candidates whose check is true."""
        hit = np.zeros(n, dtype=bool)
        hit[np.flatnonzero(candidates)[_mask(check)]] = True
        return hit

    def pick(mask: np.ndarray) -> pa.Array:
        return pc.filter(messages, pa.array(mask))

    s_rows, e_rows, r_rows = head == ord("S"), head == ord("E"), head == ord("R")
    i_rows, j_rows, d_rows = head == ord("I"), head == ord("{"), (head >= 48) & (head <= 57)
    start = (
        rows(s_rows, pc.starts_with(pick(s_rows), "START RequestId: ")) if s_rows.any() else s_rows
    )
    end = rows(e_rows, pc.starts_with(pick(e_rows), "END RequestId: ")) if e_rows.any() else e_rows
    init = rows(i_rows, pc.starts_with(pick(i_rows), "INIT_START ")) if i_rows.any() else i_rows
    report = np.zeros(n, dtype=bool)
    runtime_exit = np.zeros(n, dtype=bool)
    if r_rows.any():
        report = rows(r_rows, pc.starts_with(pick(r_rows), "REPORT RequestId: "))
        others = r_rows & ~report
        if others.any():
            runtime_exit = rows(others, pc.match_substring_regex(pick(others), _RUNTIME_EXIT))
    timeout = np.zeros(n, dtype=bool)
    if d_rows.any():
        timeout = rows(d_rows, pc.match_substring(pick(d_rows), "Task timed out after "))
    kind[start] = Kind.START
    kind[end] = Kind.END
    kind[report] = Kind.REPORT
    kind[init] = Kind.INIT_START
    kind[timeout] = Kind.TIMEOUT
    kind[runtime_exit] = Kind.RUNTIME_EXIT
    f.timed_out |= timeout

    if report.any():
        fields = pc.extract_regex(pick(report), _REPORT_WITH_ID)
        parsed = ~_mask(pc.is_null(fields))
        if not parsed.all():
            # A REPORT line of an unknown shape stays visible as unknown, never dropped.
            kind[np.flatnonzero(report)[~parsed]] = Kind.UNKNOWN
        f.duration = _floats(n, report, _number(pc.struct_field(fields, "duration")))
        f.billed = _floats(n, report, _number(pc.struct_field(fields, "billed")))
        f.memory = _floats(n, report, _number(pc.struct_field(fields, "memory")))
        f.maxmem = _floats(n, report, _number(pc.struct_field(fields, "maxmem")))
        f.init_ms = _floats(n, report, _number(pc.struct_field(fields, "init")))
        f.request_id = _strings(n, report, pc.struct_field(fields, "rid"))

    if timeout.any():
        f.timeout_s = _timeout_seconds(n, timeout, pick(timeout))

    if j_rows.any():
        subset = pick(j_rows)
        platform = pc.struct_field(pc.extract_regex(subset, _JSON_PLATFORM), "v")
        names = np.asarray(pc.fill_null(platform, "").to_numpy(zero_copy_only=False))
        sub_kind = np.full(len(subset), int(Kind.APP), dtype=np.int8)
        for name, value in _PLATFORM_KINDS.items():
            sub_kind[names == name] = value
        kind[j_rows] = sub_kind
        json_report = np.zeros(n, dtype=bool)
        json_report[np.flatnonzero(j_rows)[names == "report"]] = True
        if json_report.any():
            _json_metrics(f, json_report, pick(json_report))
        rid = pc.struct_field(pc.extract_regex(subset, _JSON_REQUEST), "v")
        f.request_id = pc.coalesce(f.request_id, _strings(n, j_rows, rid))
    return f


_PLATFORM_KINDS = {
    "start": Kind.START,
    "runtimeDone": Kind.END,
    "report": Kind.REPORT,
    "initStart": Kind.INIT_START,
}


def _timeout_seconds(n: int, timeout: np.ndarray, lines: pa.Array) -> np.ndarray:
    """``N`` of ``Task timed out after N seconds`` for the rows of ``timeout``."""
    seconds = pc.struct_field(pc.extract_regex(lines, _TIMEOUT), "v")
    return _floats(n, timeout, _number(seconds))


def _json_metrics(f: _Fields, json_report: np.ndarray, reports: pa.Array) -> None:
    """Metrics, timeout status and OOM exit of JSON ``platform.report`` rows, by RE2."""
    n = len(f.kind)
    values = {}
    for name, pattern in _JSON_METRICS.items():
        value = pc.struct_field(pc.extract_regex(reports, pattern), "v")
        values[name] = _floats(n, json_report, _number(value))
    f.duration = np.where(json_report, values["duration_ms"], f.duration)
    f.billed = np.where(json_report, values["billed_ms"], f.billed)
    f.memory = np.where(json_report, values["memory_mb"], f.memory)
    f.maxmem = np.where(json_report, values["max_memory_mb"], f.maxmem)
    f.init_ms = np.where(json_report, values["init_ms"], f.init_ms)
    where = np.flatnonzero(json_report)
    status_timeout = _mask(pc.match_substring_regex(reports, r'"status":\s*"timeout"'))
    f.timed_out[where[status_timeout]] = True
    # JSON reports name the OOM exit; record memory as exhausted like the text runtime.
    oom = where[_mask(pc.match_substring(reports, "Runtime.OutOfMemory"))]
    f.maxmem[oom] = np.fmax(f.maxmem[oom], f.memory[oom])


def _levels(messages: pa.Array, f: _Fields, candidates: np.ndarray | None) -> None:
    """Error level and error type of the application rows (among ``candidates`` if given)."""
    app = f.kind == Kind.APP
    if candidates is not None:
        app &= candidates
    if not app.any():
        return
    n = len(messages)
    errors = np.zeros(n, dtype=bool)
    errors[
        np.flatnonzero(app)[_mask(pc.match_substring_regex(_take(messages, app), _ERROR_LEVEL))]
    ] = True
    if not errors.any():
        return
    f.error |= errors
    found = pc.extract_regex(_take(messages, errors), _ERROR_TYPE)
    a = pc.fill_null(pc.struct_field(found, "a"), "")
    b = pc.fill_null(pc.struct_field(found, "b"), "")
    etype = pc.if_else(pc.equal(a, ""), b, a)
    etype = pc.if_else(pc.equal(etype, ""), pa.scalar(None, pa.string()), etype)
    f.error_type = _replace(f.error_type, errors, etype)


def _record_times(messages: pa.Array) -> np.ndarray:
    """Epoch ms of :data:`_RECORD_TIME` in each message (NaN without one)."""
    found = pc.extract_regex(messages, _RECORD_TIME)
    seconds = _number(pc.struct_field(found, "s"))
    millis = _number(pc.struct_field(found, "ms"))
    as_seconds = np.asarray(seconds.to_numpy(zero_copy_only=False), dtype=np.float64)
    as_millis = np.asarray(millis.to_numpy(zero_copy_only=False), dtype=np.float64)
    return np.asarray(np.where(np.isnan(as_seconds), as_millis, as_seconds * 1000.0))


def _take(messages: pa.Array, mask: np.ndarray) -> pa.Array:
    """The rows of ``mask`` (the array itself when that is every row)."""
    return messages if mask.all() else pc.filter(messages, pa.array(mask))


# -- the fast path: byte probes with numpy at known positions, RE2 only where undecided ------

_OUTSIDE = 256  # what a probe reads past the end of its row
_PAD = 128  # widest probe window


# Byte classes as arithmetic on windows (a lookup table costs several times more); they
# hold for uint8 windows and for :data:`_OUTSIDE`, which is in none of them.
def _space(w: np.ndarray) -> np.ndarray:
    """RE2's ``\\s``: tab, newline, form feed, carriage return, space."""
    return np.asarray((w == 32) | (((w - 9) <= 4) & (w != 11)))


def _digit(w: np.ndarray) -> np.ndarray:
    """``[0-9]``."""
    return np.asarray((w - 48) <= 9)


def _decimal(w: np.ndarray) -> np.ndarray:
    """``[0-9.]``."""
    return np.asarray(((w - 48) <= 9) | (w == 46))


def _rid_char(w: np.ndarray) -> np.ndarray:
    """``[0-9a-f-]``."""
    return np.asarray(((w - 48) <= 9) | ((w - 97) <= 5) | (w == 45))


def _word(w: np.ndarray) -> np.ndarray:
    """RE2's ``\\w``: ``[0-9A-Za-z_]``."""
    return np.asarray(((w - 48) <= 9) | (((w | 32) - 97) <= 25) | (w == 95))


def _not_quote(w: np.ndarray) -> np.ndarray:
    """``[^"]`` (within the row: runs stop at its end anyway)."""
    return np.asarray(w != 34)


@cache
def _words(text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``text`` as little-endian 64-bit words and the mask of the bytes that count."""
    width = -(-len(text) // 8) * 8
    padded = np.zeros(width, dtype=np.uint8)
    padded[: len(text)] = np.frombuffer(text, dtype=np.uint8)
    care = np.zeros(width, dtype=np.uint8)
    care[: len(text)] = 0xFF
    return padded.view("<u8"), care.view("<u8")


#: Rest of a compact JSON platform.report line after its metrics, and what it means:
#: (timed out, out of memory). Any other rest goes through the RE2 path.
_REPORT_TAILS = {
    b'},"status":"success"}}': (False, False),
    b'},"status":"timeout"}}': (True, False),
    b'},"status":"error"}}': (False, False),
    b'},"status":"error","errorType":"Runtime.OutOfMemory"}}': (False, True),
    b'},"status":"error","errorType":"Runtime.ExitError"}}': (False, False),
}


@cache
def _label_words(label: bytes, lead: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A ``width``-byte row with ``label`` at ``lead`` as 64-bit words, and its byte mask."""
    padded = np.zeros(width, dtype=np.uint8)
    padded[lead : lead + len(label)] = np.frombuffer(label, dtype=np.uint8)
    care = np.zeros(width, dtype=np.uint8)
    care[lead : lead + len(label)] = 0xFF
    return padded.view("<u8"), care.view("<u8")


def _window_strings(run: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """The first ``lengths`` bytes of each window row as a string array (ASCII runs)."""
    n = len(lengths)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    body = run[np.arange(run.shape[1]) < lengths[:, None]]
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(body))


def _floats_of(values: pa.Array) -> np.ndarray:
    """Decimal strings (never null or empty) → float64 numpy, as :func:`_number` would."""
    try:
        parsed = values.cast(pa.float64())
    except pa.ArrowInvalid:
        parsed = _number(values)
    return np.asarray(parsed.to_numpy(zero_copy_only=False), dtype=np.float64)


class _Bytes:
    """Each row of a string array as a ``[start, end)`` range of its data buffer.

    Probes read fixed-width windows through a sliding-window view of a padded copy of the
    buffer, so a window per row is one short contiguous copy (no index matrix).
    """

    def __init__(self, array: pa.Array) -> None:
        n = len(array)
        buffers = array.buffers()
        offsets = np.frombuffer(buffers[1], dtype=np.int32)[array.offset : array.offset + n + 1]
        self.start = offsets[:-1].astype(np.int64)
        self.end = offsets[1:].astype(np.int64)
        data = buffers[2]
        self.buffer = data
        size = data.size if data is not None else 0
        self.data = np.zeros(size + _PAD, dtype=np.uint8)
        if size:
            self.data[:size] = np.frombuffer(data, dtype=np.uint8)
        self.size = size
        self.windows = np.lib.stride_tricks.sliding_window_view(self.data, _PAD)
        self._views: dict[int, np.ndarray] = {}

    def window(
        self, rows: np.ndarray, pos: np.ndarray, width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``width`` bytes from ``pos`` of each of ``rows``, and how many are in the row.

        The buffer is read as overlapping ``width``-byte items (a void dtype with a
        one-byte stride): gathering one item per row costs half of slicing a sliding
        window view.
        """
        pos = np.minimum(pos, self.size)
        view = self._views.get(width)
        if view is None:
            view = np.ndarray(
                shape=(self.size + 1,),
                dtype=np.dtype(f"V{width}"),
                buffer=self.data,
                offset=0,
                strides=(1,),
            )
            self._views[width] = view
        window = view[pos].view(np.uint8).reshape(len(pos), width)
        return window, self.end[rows] - pos

    def literal(self, rows: np.ndarray, pos: np.ndarray, text: bytes) -> np.ndarray:
        """Which of ``rows`` hold ``text`` at ``pos``."""
        # Eight bytes per comparison: the window read as 64-bit words, masked.
        expected, care = _words(text)
        window, room = self.window(rows, pos, len(expected) * 8)
        diff = (window.view("<u8") ^ expected) & care
        ok = diff[:, 0] == 0
        for column in range(1, diff.shape[1]):
            ok &= diff[:, column] == 0
        return np.asarray(ok & (room >= len(text)))

    def run(
        self,
        rows: np.ndarray,
        pos: np.ndarray,
        klass: Callable[[np.ndarray], np.ndarray],
        width: int,
        first: int = 16,
    ) -> np.ndarray:
        """Length of the run of ``klass`` bytes at ``pos`` (``width`` when it may go on).

        Runs longer than ``first`` bytes (a width that holds the usual run and the byte
        after it) are followed in a wider window for those rows only.
        """
        first = min(width, first)
        window, room = self.window(rows, pos, first)
        inside = klass(window)
        stop = inside.argmin(axis=1)
        # The byte at the first false position is true only when every byte is.
        length = np.where(inside[np.arange(len(stop)), stop], first, stop)
        length = np.minimum(length, np.maximum(room, 0))
        if width > first:
            longer = np.flatnonzero(length == first)
            if len(longer):
                more = self.run(rows[longer], pos[longer] + first, klass, width - first, width)
                length[longer] += more
        return np.asarray(length)

    def at(self, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """The byte at ``pos`` of each row (:data:`_OUTSIDE` past its end)."""
        pos = np.minimum(pos, self.size)
        return np.where(pos < self.end[rows], self.data[pos], _OUTSIDE)

    def field(
        self,
        rows: np.ndarray,
        pos: np.ndarray,
        label: bytes,
        klass: Callable[[np.ndarray], np.ndarray],
        unit: bytes,
        *,
        space: bool,
        width: int = 12,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``[\\s]label(klass-run)unit`` at ``pos``, probed in one window per row.

        With ``space``, exactly one ``\\s`` byte comes first (a longer run is reported
        as no match; callers leave such rows to RE2). Returns whether the label matched,
        whether the whole field did (a run of 1 to ``width - 1`` bytes, then ``unit``, all
        inside the row), the run's start, its length (``width``: it may go on) and the
        window bytes of the run (for :func:`_window_strings`).
        """
        lead = 1 if space else 0
        size = lead + len(label)
        total = -(-(size + width + len(unit)) // 8) * 8
        window, room = self.window(rows, pos, total)
        expected, care = _label_words(label, lead, total)
        # The label compared eight bytes at a time (the window is contiguous per row).
        diff = (np.ascontiguousarray(window).view("<u8") ^ expected) & care
        head = np.ones(len(rows), dtype=bool)
        for column in range(-(-size // 8)):
            head &= diff[:, column] == 0
        if space:
            head &= _space(window[:, 0])
        run = window[:, size : size + width]
        inside = klass(run)
        stop = inside.argmin(axis=1)
        every = np.arange(len(stop))
        ended = ~inside[every, stop]
        whole = head & ended & (stop >= 1)
        column = size + stop
        for index, char in enumerate(unit):
            whole &= window[every, column + index] == char
        whole &= room >= column + len(unit)
        length = np.where(ended, stop, width)
        return head & (room >= size), whole, pos + size, length, run

    def strings(self, starts: np.ndarray, lengths: np.ndarray) -> pa.Array:
        """The byte ranges as a string array (they cut the UTF-8 text at ASCII bytes)."""
        n = len(starts)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        widest = int(lengths.max()) if n else 0
        if n and (lengths == widest).all():
            body = self.windows[starts, :widest].ravel()
        elif widest <= _PAD:
            window = self.windows[starts, :widest]
            body = window[np.arange(widest) < lengths[:, None]]
        else:
            index = np.repeat(starts - offsets[:-1], lengths) + np.arange(int(offsets[-1]))
            body = self.data[index]
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(body))


def _decimals(
    b: _Bytes, rows: np.ndarray, pos: np.ndarray, klass: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Length of the decimal run at ``pos`` and whether it certainly ended in the window."""
    length = b.run(rows, pos, klass, 24, 12)
    return length, (length >= 1) & (length < 24)


def _text_reports(b: _Bytes, rows: np.ndarray, f: _Fields, undecided: np.ndarray) -> None:
    """``REPORT RequestId: …`` lines by byte probes; any deviation is left to RE2.

    Follows :data:`_REPORT_WITH_ID` step by step: ``\\s+`` runs are maximal, numbers are the
    maximal ``[0-9.]`` run followed by the unit (backtracking cannot change either), so a
    row the probes accept gets what the expression would give.
    """
    pos = b.start[rows] + len("REPORT RequestId: ")
    rid_len = b.run(rows, pos, _rid_char, 64, 40)
    ok = (rid_len >= 1) & (rid_len < 64)
    rid_start = pos
    pos = pos + rid_len
    spans: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    steps = (
        ("duration", b"Duration: ", _decimal, b" ms"),
        ("billed", b"Billed Duration: ", _decimal, b" ms"),
        ("memory", b"Memory Size: ", _digit, b" MB"),
        ("maxmem", b"Max Memory Used: ", _digit, b" MB"),
    )
    # Separators are one tab or space (as Lambda writes them); rows with longer runs of
    # spaces fail the probe and go through RE2.
    for name, label, chars, unit in steps:
        _, whole, start, length, run = b.field(rows, pos, label, chars, unit, space=True)
        ok &= whole
        spans[name] = (run, length)
        pos = start + length + len(unit)
    # (?:\s+Init Duration: ([0-9.]+) ms)? - absent unless all of it is there.
    init_label, whole, _, length, init_run = b.field(
        rows, pos, b"Init Duration: ", _decimal, b" ms", space=True
    )
    first = b.at(rows, pos)
    second = b.at(rows, pos + 1)
    # Two or more spaces, or a label followed by a number too long for the probe: RE2.
    ok &= ~(_space(first) & _space(second))
    ok &= ~(init_label & (length == 12) & ~whole)
    has_init = whole
    undecided[rows[~ok]] = True
    good = rows[ok]
    if not len(good):
        return
    f.kind[good] = Kind.REPORT
    for name, (run, size) in spans.items():
        getattr(f, name)[good] = _floats_of(_window_strings(run[ok], size[ok]))
    init_rows = ok & has_init
    if init_rows.any():
        values = _window_strings(init_run[init_rows], length[init_rows])
        f.init_ms[rows[init_rows]] = _floats_of(values)
    f.id_pieces.append((good, b.strings(rid_start[ok], rid_len[ok])))


def _rows_mask(n: int, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def _json_rows(
    messages: pa.Array, b: _Bytes, rows: np.ndarray, f: _Fields, undecided: np.ndarray
) -> None:
    """Lines starting with ``{``: platform records of the compact shape Lambda writes by
    byte probes, other JSON (application records) by one substring search for the request
    id; anything else is left to RE2 (:data:`_JSON_PLATFORM`, :data:`_JSON_REQUEST`).
    """
    n = len(f.kind)
    start = b.start[rows]
    compact, not_platform, pos, name_len, sure = _json_fixed(b, rows)
    # Rows of another layout (a time value that is not 24 bytes, a long name): probed
    # field by field.
    other = np.flatnonzero(~sure)
    if len(other):
        some, begin = rows[other], start[other]
        maybe = b.literal(some, begin, b'{"time":"')
        # ^\{\s*"time": cannot match when the second byte is no space and no "time": follows.
        not_platform[other] = ~_space(b.at(some, begin + 1)) & ~b.literal(
            some, begin + 1, b'"time":'
        )
        at = begin + len('{"time":"')
        time_len = b.run(some, at, _not_quote, 48, 32)
        at = at + time_len
        maybe &= (time_len < 48) & b.literal(some, at, b'","type":"platform.')
        at = at + len('","type":"platform.')
        size = b.run(some, at, _word, 32)
        maybe &= (size >= 1) & (size < 32) & (b.at(some, at + size) == ord('"'))
        compact[other], pos[other], name_len[other] = maybe, at, size
    undecided[rows[~compact & ~not_platform]] = True
    platform = rows[compact]
    name_start, name_len = pos[compact], name_len[compact]
    is_report = np.zeros(len(platform), dtype=bool)
    for name, value in _PLATFORM_KINDS.items():
        same = (name_len == len(name)) & b.literal(platform, name_start, name.encode())
        f.kind[platform[same]] = value
        if value == Kind.REPORT:
            is_report = same
    # The request id of a compact platform record: the first key after the fixed prefix,
    # which itself holds no other quote, so it is the leftmost occurrence.
    pos = name_start + name_len
    known = b.literal(platform, pos, b'","record":{"requestId":"')
    pos = pos + len('","record":{"requestId":"')
    rid_len = b.run(platform, pos, _not_quote, 128, 40)
    known &= (rid_len >= 1) & (rid_len < 128) & (b.at(platform, pos + rid_len) == ord('"'))
    rid_rows = [platform[known]]
    rid_values = [b.strings(pos[known], rid_len[known])]
    after_rid = pos + rid_len
    reports = is_report & known
    if reports.any():
        _json_report_metrics(messages, b, platform[reports], after_rid[reports], f)
    if (is_report & ~known).any():
        mask = _rows_mask(n, platform[is_report & ~known])
        _json_metrics(f, mask, _take(messages, mask))
    # Other JSON rows: the leftmost key by one search, the value by probes.
    search = np.concatenate([rows[not_platform], platform[~known]])
    search.sort()
    if len(search):
        found_rows, found_values = _json_request_ids(messages, b, search)
        rid_rows.append(found_rows)
        rid_values.append(found_values)
    f.id_pieces.extend(zip(rid_rows, rid_values, strict=True))


_QUOTES = np.uint64(0x2222222222222222)
_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)
#: Lambda's compact platform prefix with a 24-byte time value, as a template row.
_PLATFORM_PREFIX = b'{"time":"' + b"\0" * 24 + b'","type":"platform.'
_PREFIX_CARE = b"\xff" * 9 + b"\0" * 24 + b"\xff" * 19


def _json_fixed(
    b: _Bytes, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The platform-record probes of :func:`_json_rows` for the usual layout, in one window.

    A 24-byte time value puts the record type at a fixed column, so one 96-byte window per
    row and a few 64-bit word comparisons decide most rows. Returns what the field-by-field
    probes would (compact platform record, certainly no platform record, where the type
    name starts, its length) and which rows this settled.
    """
    count = len(rows)
    window, room = b.window(rows, b.start[rows], 96)
    window = np.ascontiguousarray(window)
    words = window.view("<u8")
    expected, care = _label_words(_PLATFORM_PREFIX, 0, 56)
    care = care & _label_words(_PREFIX_CARE, 0, 56)[0]
    same = np.ones(count, dtype=bool)
    for column in range(7):
        same &= ((words[:, column] ^ expected[column]) & care[column]) == 0
    # No quote in the time value (bytes 9..32): a zero byte of (word ^ quotes), found the
    # SWAR way, in the bytes that belong to it.
    time_care = _label_words(b"\xff" * 24, 9, 40)[0]
    for column in range(1, 5):
        value = (words[:, column] ^ _QUOTES) | ~time_care[column]
        same &= ((value - _ONES) & ~value & _HIGHS) == 0
    same &= room >= 53
    second = window[:, 1]
    not_platform = ~_space(second) & ~(window[:, 1:8] == np.frombuffer(b'"time":', np.uint8)).all(
        axis=1
    )
    not_platform &= room >= 2
    name = _word(window[:, 52:84])
    stop = name.argmin(axis=1)
    every = np.arange(count)
    ended = ~name[every, stop]
    closing = window[every, 52 + stop] == ord('"')
    compact = same & ended & (stop >= 1) & closing & (room > 52 + stop)
    sure = not_platform | compact
    pos = b.start[rows] + 52
    return compact, not_platform & ~compact, pos, stop, sure


def _json_request_ids(
    messages: pa.Array, b: _Bytes, rows: np.ndarray
) -> tuple[np.ndarray, pa.Array]:
    """Rows with a request id by :data:`_JSON_REQUEST`, and those ids (same order)."""
    subset = _take(messages, _rows_mask(len(b.start), rows)).view(pa.binary())
    found = np.asarray(
        pc.find_substring_regex(subset, _JSON_KEY).to_numpy(zero_copy_only=False), np.int64
    )
    hit = found >= 0
    rows, found = rows[hit], found[hit]
    key = b.start[rows] + found
    key_len = np.where(
        b.at(rows, key + 1) == ord("r"), len('"requestId":'), len('"function_request_id":')
    )
    pos = key + key_len
    direct = b.at(rows, pos) == ord('"')
    pos = pos + 1
    value_len = b.run(rows, pos, _not_quote, 128, 40)
    direct &= (value_len >= 1) & (value_len < 128) & (b.at(rows, pos + value_len) == ord('"'))
    out_rows = [rows[direct]]
    values = [b.strings(pos[direct], value_len[direct])]
    if not direct.all():
        # Spaces after the colon, an empty or very long value: the expression decides.
        other = rows[~direct]
        extracted = pc.struct_field(
            pc.extract_regex(_take(messages, _rows_mask(len(b.start), other)), _JSON_REQUEST), "v"
        )
        present = _mask(pc.is_valid(extracted))
        out_rows.append(other[present])
        values.append(pc.filter(extracted, pa.array(present)))
    every = np.concatenate(out_rows)
    return every, pa.concat_arrays([v.cast(pa.string()) for v in values])


def _json_report_metrics(
    messages: pa.Array, b: _Bytes, rows: np.ndarray, pos: np.ndarray, f: _Fields
) -> None:
    """Metrics of compact ``platform.report`` rows (``pos``: the quote after the request id).

    The line must be exactly prefix, metrics in Lambda's order and one of the known
    endings (:data:`_REPORT_TAILS`): then no key occurs anywhere else in it and each
    expression of :data:`_JSON_METRICS` would find the value found here. Other rows go
    through those expressions.
    """
    ok = b.literal(rows, pos, b'","metrics":{')
    pos = pos + len('","metrics":{')
    spans: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    keys = (
        ("duration", '"durationMs":'),
        ("billed", ',"billedDurationMs":'),
        ("memory", ',"memorySizeMB":'),
        ("maxmem", ',"maxMemoryUsedMB":'),
    )
    for name, key in keys:
        ok &= b.literal(rows, pos, key.encode())
        pos = pos + len(key)
        length, ended = _decimals(b, rows, pos, _decimal)
        ok &= ended
        spans[name] = (pos, length)
        pos = pos + length
    has_init = b.literal(rows, pos, b',"initDurationMs":')
    number = pos + len(',"initDurationMs":')
    length, ended = _decimals(b, rows, number, _decimal)
    ok &= ~has_init | ended
    pos = np.where(has_init, number + length, pos)
    timed_out = np.zeros(len(rows), dtype=bool)
    oom = np.zeros(len(rows), dtype=bool)
    ends = np.zeros(len(rows), dtype=bool)
    rest = b.end[rows] - pos
    for tail, (is_timeout, is_oom) in _REPORT_TAILS.items():
        same = (rest == len(tail)) & b.literal(rows, pos, tail)
        ends |= same
        timed_out |= same & is_timeout
        oom |= same & is_oom
    ok &= ends
    n = len(f.kind)
    if not ok.all():
        other = rows[~ok]
        mask = _rows_mask(n, other)
        _json_metrics(f, mask, _take(messages, mask))
    good = rows[ok]
    if not len(good):
        return
    for name, (start, size) in spans.items():
        values = _number(b.strings(start[ok], size[ok]))
        getattr(f, name)[good] = np.asarray(values.to_numpy(zero_copy_only=False), np.float64)
    init_ok = ok & has_init
    if init_ok.any():
        values = _number(b.strings(number[init_ok], length[init_ok]))
        f.init_ms[rows[init_ok]] = np.asarray(values.to_numpy(zero_copy_only=False), np.float64)
    f.timed_out[rows[ok & timed_out]] = True
    killed = rows[ok & oom]
    f.maxmem[killed] = np.fmax(f.maxmem[killed], f.memory[killed])


def _fast_fields(
    messages: pa.Array, b: _Bytes, timeout_hints: np.ndarray | None
) -> tuple[_Fields, np.ndarray]:
    """Classification and fields by byte probes; also the rows it leaves undecided.

    Every probe either reproduces what the RE2 expression would give for the row, or marks
    the row undecided (then :func:`_regex_fields` decides it). ``timeout_hints``: the only
    rows that can hold a timeout message (``None``: any row).
    """
    n = len(messages)
    f = _Fields.empty(n)
    undecided = np.zeros(n, dtype=bool)
    head = first_bytes(messages)
    for char, prefix, value in (
        ("S", b"START RequestId: ", Kind.START),
        ("E", b"END RequestId: ", Kind.END),
        ("I", b"INIT_START ", Kind.INIT_START),
    ):
        rows = np.flatnonzero(head == ord(char))
        if len(rows):
            f.kind[rows[b.literal(rows, b.start[rows], prefix)]] = value
    rows = np.flatnonzero(head == ord("R"))
    if len(rows):
        report = b.literal(rows, b.start[rows], b"REPORT RequestId: ")
        _text_reports(b, rows[report], f, undecided)
        others = rows[~report]
        if len(others):
            lines = _take(messages, _rows_mask(n, others))
            f.kind[others[_mask(pc.match_substring_regex(lines, _RUNTIME_EXIT))]] = (
                Kind.RUNTIME_EXIT
            )
    digits = (head >= 48) & (head <= 57)
    if timeout_hints is not None:
        digits &= timeout_hints
    if digits.any():
        candidates = np.flatnonzero(digits)
        lines = _take(messages, digits)
        timeout = candidates[_mask(pc.match_substring(lines, "Task timed out after "))]
        if len(timeout):
            mask = _rows_mask(n, timeout)
            f.kind[timeout] = Kind.TIMEOUT
            f.timed_out[timeout] = True
            f.timeout_s = _timeout_seconds(n, mask, _take(messages, mask))
    rows = np.flatnonzero(head == ord("{"))
    if len(rows):
        _json_rows(messages, b, rows, f, undecided)
    return f, undecided


def _native_fields(messages: pa.Array) -> tuple[_Fields, np.ndarray, np.ndarray]:
    """Classification and fields by the C scanner; the undecided rows; error candidates.

    The same contract as :func:`_fast_fields`: each decided row holds what the RE2
    expressions give; undecided rows are left to them. The error candidates are the rows
    :data:`_ERROR_LEVEL` matches (the expression still confirms them in :func:`_levels`).
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
    f = _Fields(
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


#: The hint literals: a row without one cannot match the expressions they stand for.
_HINT_WORDS = (
    b"Task timed out after ",
    b"ERROR",
    b"CRITICAL",
    b"FATAL",
    b"error",
    b"critical",
    b"fatal",
)
_HINT_LENGTHS = np.array([len(word) for word in _HINT_WORDS], dtype=np.int64)


@cache
def _hint_database() -> Any:
    """A Hyperscan database of :data:`_HINT_WORDS` (``None`` without the wheel)."""
    if not hyperscan_available():
        return None
    import hyperscan  # noqa: PLC0415 - optional native dependency

    database = hyperscan.Database()
    database.compile(
        expressions=list(_HINT_WORDS),
        ids=list(range(len(_HINT_WORDS))),
        elements=len(_HINT_WORDS),
        flags=[0] * len(_HINT_WORDS),
    )
    return database


def warm_up() -> None:
    """Compile what parsing compiles lazily (before workers fork, so they share it)."""
    _hint_database()


def _hints(b: _Bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows that may hold a timeout message, rows that may hold an error level.

    One Hyperscan pass over the messages' buffer finds every hint literal (rare words, so
    few callbacks); rows without one are skipped by the expressions that need it. ``None``
    (every row is a candidate) without Hyperscan: the results are the same either way.
    """
    database = _hint_database()
    n = len(b.start)
    if database is None or n == 0 or b.buffer is None:
        return None
    first, stop = int(b.start[0]), int(b.end[-1])
    ids: list[int] = []
    ends: list[int] = []

    def on_match(pattern: int, start: int, end: int, flags: int, context: Any) -> None:
        ids.append(pattern)
        ends.append(end)

    database.scan(b.buffer.slice(first, stop - first), match_event_handler=on_match)
    timeout = np.zeros(n, dtype=bool)
    error = np.zeros(n, dtype=bool)
    if ids:
        which = np.asarray(ids, dtype=np.int64)
        last = np.asarray(ends, dtype=np.int64) + first - 1
        begin = last + 1 - _HINT_LENGTHS[which]
        row = np.searchsorted(b.start, begin, side="right") - 1
        # Messages sit back to back in the buffer: a hit across two rows is no hit.
        inside = row == np.searchsorted(b.start, last, side="right") - 1
        timeout[row[inside & (which == 0)]] = True
        error[row[inside & (which > 0)]] = True
    return timeout, error


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
            f.put(undecided, _regex_fields(_take(messages, undecided)))
    elif probes:
        b = _Bytes(messages)
        hints = _hints(b)
        f, undecided = _fast_fields(messages, b, None if hints is None else hints[0])
        f.gather_ids()
        if undecided.any():
            f.put(undecided, _regex_fields(_take(messages, undecided)))
        candidates = None if hints is None else hints[1]
    else:
        f = _regex_fields(messages)
    _levels(messages, f, candidates)
    # Record times: the C scanner read them on the application rows it decided; the RE2
    # expression reads every other application row.
    pending = f.kind == Kind.APP
    if probes and _native is not None:
        pending &= undecided
    if pending.any():
        f.record_ms[pending] = _record_times(_take(messages, pending))
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def no_surrogates(text: str) -> str:
    """``text`` with lone surrogates (from JSON escapes) replaced by U+FFFD (the same string
    object when there is none)."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


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
