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

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import MAX_LINE, TextBlock
from faasguard.logs.model import SCHEMA, Kind

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
    """Decimal strings (null or empty for an absent optional group) → float64."""
    values = pc.fill_null(values, "")
    empty = pc.equal(values, "")
    return pc.if_else(empty, pa.scalar(None, pa.string()), values).cast(pa.float64())


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
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
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
    impossible dates (month 13, 31 April, hour 24) are invalid, never wrapped.
    """
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
        message_bytes = pc.binary_slice(message_bytes, 0, limit)
    messages = _to_text(message_bytes, block, source, diagnostics)
    if b"\r\n" in block.data:
        messages = pc.utf8_rtrim(messages, "\r")
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
) -> pa.RecordBatch:
    """Classify and extract every field of Lambda log messages (one row each).

    The first byte of each message picks the few checks that can apply to it, so each
    regular expression runs only on its candidate rows. ``unshaped`` marks rows whose
    container line had no timestamp prefix: they are :attr:`Kind.UNKNOWN` whatever they
    contain (counted by the caller).
    """
    n = len(messages)
    head = first_bytes(messages)
    kind = np.full(n, int(Kind.APP), dtype=np.int8)
    duration = np.full(n, np.nan)
    billed = np.full(n, np.nan)
    memory = np.full(n, np.nan)
    maxmem = np.full(n, np.nan)
    init_ms = np.full(n, np.nan)
    timeout_s = np.full(n, np.nan)
    timed_out = np.zeros(n, dtype=bool)
    request_id = pa.nulls(n, pa.string())

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
    timed_out |= timeout

    if report.any():
        fields = pc.extract_regex(pick(report), _REPORT_WITH_ID)
        parsed = ~_mask(pc.is_null(fields))
        if not parsed.all():
            # A REPORT line of an unknown shape stays visible as unknown, never dropped.
            kind[np.flatnonzero(report)[~parsed]] = Kind.UNKNOWN
        duration = _floats(n, report, _number(pc.struct_field(fields, "duration")))
        billed = _floats(n, report, _number(pc.struct_field(fields, "billed")))
        memory = _floats(n, report, _number(pc.struct_field(fields, "memory")))
        maxmem = _floats(n, report, _number(pc.struct_field(fields, "maxmem")))
        init_ms = _floats(n, report, _number(pc.struct_field(fields, "init")))
        request_id = _strings(n, report, pc.struct_field(fields, "rid"))

    if timeout.any():
        seconds = pc.struct_field(pc.extract_regex(pick(timeout), _TIMEOUT), "v")
        timeout_s = _floats(n, timeout, _number(seconds))

    if j_rows.any():
        subset = pick(j_rows)
        platform = pc.struct_field(pc.extract_regex(subset, _JSON_PLATFORM), "v")
        names = np.asarray(pc.fill_null(platform, "").to_numpy(zero_copy_only=False))
        sub_kind = np.full(len(subset), int(Kind.APP), dtype=np.int8)
        sub_kind[names == "start"] = Kind.START
        sub_kind[names == "runtimeDone"] = Kind.END
        sub_kind[names == "report"] = Kind.REPORT
        sub_kind[names == "initStart"] = Kind.INIT_START
        kind[j_rows] = sub_kind
        json_report = np.zeros(n, dtype=bool)
        json_report[np.flatnonzero(j_rows)[names == "report"]] = True
        if json_report.any():
            reports = pick(json_report)
            values = {}
            for name, pattern in _JSON_METRICS.items():
                value = pc.struct_field(pc.extract_regex(reports, pattern), "v")
                values[name] = _floats(n, json_report, _number(value))
            duration = np.where(json_report, values["duration_ms"], duration)
            billed = np.where(json_report, values["billed_ms"], billed)
            memory = np.where(json_report, values["memory_mb"], memory)
            maxmem = np.where(json_report, values["max_memory_mb"], maxmem)
            init_ms = np.where(json_report, values["init_ms"], init_ms)
            where = np.flatnonzero(json_report)
            status_timeout = _mask(pc.match_substring_regex(reports, r'"status":\s*"timeout"'))
            timed_out[where[status_timeout]] = True
            # JSON reports name the OOM exit; record memory as exhausted like the text runtime.
            oom = where[_mask(pc.match_substring(reports, "Runtime.OutOfMemory"))]
            maxmem[oom] = np.fmax(maxmem[oom], memory[oom])
        rid = pc.struct_field(pc.extract_regex(subset, _JSON_REQUEST), "v")
        request_id = pc.coalesce(request_id, _strings(n, j_rows, rid))

    app = kind == Kind.APP
    level = pa.nulls(n, pa.string())
    error_type = pa.nulls(n, pa.string())
    if app.any():
        errors = rows(app, pc.match_substring_regex(pick(app), _ERROR_LEVEL))
        if errors.any():
            level = _strings(n, errors, pa.array(["ERROR"] * int(errors.sum())))
            found = pc.extract_regex(pick(errors), _ERROR_TYPE)
            a = pc.fill_null(pc.struct_field(found, "a"), "")
            b = pc.fill_null(pc.struct_field(found, "b"), "")
            etype = pc.if_else(pc.equal(a, ""), b, a)
            etype = pc.if_else(pc.equal(etype, ""), pa.scalar(None, pa.string()), etype)
            error_type = _strings(n, errors, etype)
    if unshaped is not None and unshaped.any():
        kind[unshaped] = Kind.UNKNOWN

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
            request_id,
            floats(duration),
            floats(billed),
            floats(memory),
            floats(maxmem),
            floats(init_ms),
            floats(timeout_s),
            pa.array(timed_out),
            error_type,
            messages.cast(pa.string()),
            source_col,
            offsets if offsets is not None else pa.array(np.full(n, -1, dtype=np.int64)),
            lines if lines is not None else pa.array(np.zeros(n, dtype=np.int64)),
            streams if streams is not None else pa.nulls(n, pa.string()),
            event_ids if event_ids is not None else pa.nulls(n, pa.string()),
        ],
        schema=SCHEMA,
    )


def parse_events(
    *,
    functions: Sequence[str | None],
    timestamps_ms: Sequence[int | None],
    messages: Sequence[str],
    streams: Sequence[str | None],
    event_ids: Sequence[str | None],
    source: str,
    lines: Sequence[int] | None = None,
) -> pa.RecordBatch:
    """Parse events of a JSON container (already decoded) into a batch of :data:`SCHEMA`."""
    message_arr = pc.utf8_rtrim(pa.array(messages, pa.string()), "\n")
    ts = pa.array(timestamps_ms, pa.int64()).cast(pa.timestamp("ms", tz="UTC"))
    return parse_messages(
        message_arr,
        ts,
        function=pa.array(functions, pa.string()),
        source=source,
        lines=pa.array(lines, pa.int64()) if lines is not None else None,
        streams=pa.array(streams, pa.string()),
        event_ids=pa.array(event_ids, pa.string()),
    )


def json_timestamp_ms(value: object) -> int | None:
    """A JSON ``timestamp`` (epoch ms number or ISO string) → epoch ms, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        parsed = parse_iso_ms(pa.array([value.replace("+00:00", "Z")]))[0].as_py()
        return int(parsed.timestamp() * 1000) if parsed is not None else None
    return None
