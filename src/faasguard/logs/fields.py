"""The RE2 reference of the Lambda log parser and the field container every path fills.

:func:`regex_fields` classifies rows and extracts their fields with RE2 expressions
(``pyarrow.compute``) alone: the reference the two fast paths of :mod:`faasguard.logs.parse`
(the C scanner, the numpy byte probes of :mod:`faasguard.logs.probes`) must agree with row
for row, and what they hand the rows they cannot decide to. Each row's result depends on
that row alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.model import Kind

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
RUNTIME_EXIT = r"^(?:RequestId: \S+ )?Error: Runtime exited|^Runtime\.ExitError"
_JSON_PLATFORM = r'^\{\s*"time":\s*"[^"]*",\s*"type":\s*"platform\.(?P<v>\w+)"'
JSON_REQUEST = r'"(?:requestId|function_request_id)":\s*"(?P<v>[^"]+)"'
JSON_KEY = r'"(?:requestId|function_request_id)":'
#: Arrival time of a logged Kinesis / DynamoDB Streams record (epoch s) or SQS message
#: (epoch ms), in JSON, Python-repr or escaped-JSON quoting.
_RECORD_TIME = (
    r"(?:approximateArrivalTimestamp|ApproximateCreationDateTime)\\?[\"']\s*:\s*"
    r"(?P<s>[0-9]+(?:\.[0-9]+)?)"
    r"|SentTimestamp\\?[\"']\s*:\s*\\?[\"']?(?P<ms>[0-9]+)"
)


def true_rows(array: pa.Array) -> np.ndarray:
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


def to_number(values: pa.Array) -> pa.Array:
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


@dataclass(slots=True)
class Fields:
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
    def empty(cls, n: int) -> Fields:
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

    def put(self, mask: np.ndarray, other: Fields) -> None:
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


def regex_fields(messages: pa.Array) -> Fields:
    """Every row classified and extracted with RE2 expressions alone (levels excepted).

    The reference the fast path (:func:`_fast_fields`) must agree with, and what it falls
    back to for the rows it cannot decide. Each row's result depends on that row alone.
    """
    n = len(messages)
    f = Fields.empty(n)
    head = first_bytes(messages)
    kind = f.kind

    def rows(candidates: np.ndarray, check: pa.Array) -> np.ndarray:
        """Positions (in the full batch) of the candidates whose check is true."""
        hit = np.zeros(n, dtype=bool)
        hit[np.flatnonzero(candidates)[true_rows(check)]] = True
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
            runtime_exit = rows(others, pc.match_substring_regex(pick(others), RUNTIME_EXIT))
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
        parsed = ~true_rows(pc.is_null(fields))
        if not parsed.all():
            # A REPORT line of an unknown shape stays visible as unknown, never dropped.
            kind[np.flatnonzero(report)[~parsed]] = Kind.UNKNOWN
        f.duration = _floats(n, report, to_number(pc.struct_field(fields, "duration")))
        f.billed = _floats(n, report, to_number(pc.struct_field(fields, "billed")))
        f.memory = _floats(n, report, to_number(pc.struct_field(fields, "memory")))
        f.maxmem = _floats(n, report, to_number(pc.struct_field(fields, "maxmem")))
        f.init_ms = _floats(n, report, to_number(pc.struct_field(fields, "init")))
        f.request_id = _strings(n, report, pc.struct_field(fields, "rid"))

    if timeout.any():
        f.timeout_s = timeout_seconds(n, timeout, pick(timeout))

    if j_rows.any():
        subset = pick(j_rows)
        platform = pc.struct_field(pc.extract_regex(subset, _JSON_PLATFORM), "v")
        names = np.asarray(pc.fill_null(platform, "").to_numpy(zero_copy_only=False))
        sub_kind = np.full(len(subset), int(Kind.APP), dtype=np.int8)
        for name, value in PLATFORM_KINDS.items():
            sub_kind[names == name] = value
        kind[j_rows] = sub_kind
        json_report = np.zeros(n, dtype=bool)
        json_report[np.flatnonzero(j_rows)[names == "report"]] = True
        if json_report.any():
            json_metrics(f, json_report, pick(json_report))
        rid = pc.struct_field(pc.extract_regex(subset, JSON_REQUEST), "v")
        f.request_id = pc.coalesce(f.request_id, _strings(n, j_rows, rid))
    return f


PLATFORM_KINDS = {
    "start": Kind.START,
    "runtimeDone": Kind.END,
    "report": Kind.REPORT,
    "initStart": Kind.INIT_START,
}


def timeout_seconds(n: int, timeout: np.ndarray, lines: pa.Array) -> np.ndarray:
    """``N`` of ``Task timed out after N seconds`` for the rows of ``timeout``."""
    seconds = pc.struct_field(pc.extract_regex(lines, _TIMEOUT), "v")
    return _floats(n, timeout, to_number(seconds))


def json_metrics(f: Fields, json_report: np.ndarray, reports: pa.Array) -> None:
    """Metrics, timeout status and OOM exit of JSON ``platform.report`` rows, by RE2."""
    n = len(f.kind)
    values = {}
    for name, pattern in _JSON_METRICS.items():
        value = pc.struct_field(pc.extract_regex(reports, pattern), "v")
        values[name] = _floats(n, json_report, to_number(value))
    f.duration = np.where(json_report, values["duration_ms"], f.duration)
    f.billed = np.where(json_report, values["billed_ms"], f.billed)
    f.memory = np.where(json_report, values["memory_mb"], f.memory)
    f.maxmem = np.where(json_report, values["max_memory_mb"], f.maxmem)
    f.init_ms = np.where(json_report, values["init_ms"], f.init_ms)
    where = np.flatnonzero(json_report)
    status_timeout = true_rows(pc.match_substring_regex(reports, r'"status":\s*"timeout"'))
    f.timed_out[where[status_timeout]] = True
    # JSON reports name the OOM exit; record memory as exhausted like the text runtime.
    oom = where[true_rows(pc.match_substring(reports, "Runtime.OutOfMemory"))]
    f.maxmem[oom] = np.fmax(f.maxmem[oom], f.memory[oom])


def set_levels(messages: pa.Array, f: Fields, candidates: np.ndarray | None) -> None:
    """Error level and error type of the application rows (among ``candidates`` if given)."""
    app = f.kind == Kind.APP
    if candidates is not None:
        app &= candidates
    if not app.any():
        return
    n = len(messages)
    errors = np.zeros(n, dtype=bool)
    errors[
        np.flatnonzero(app)[
            true_rows(pc.match_substring_regex(take_rows(messages, app), _ERROR_LEVEL))
        ]
    ] = True
    if not errors.any():
        return
    f.error |= errors
    found = pc.extract_regex(take_rows(messages, errors), _ERROR_TYPE)
    a = pc.fill_null(pc.struct_field(found, "a"), "")
    b = pc.fill_null(pc.struct_field(found, "b"), "")
    etype = pc.if_else(pc.equal(a, ""), b, a)
    etype = pc.if_else(pc.equal(etype, ""), pa.scalar(None, pa.string()), etype)
    f.error_type = _replace(f.error_type, errors, etype)


def record_times(messages: pa.Array) -> np.ndarray:
    """Epoch ms of :data:`_RECORD_TIME` in each message (NaN without one)."""
    found = pc.extract_regex(messages, _RECORD_TIME)
    seconds = to_number(pc.struct_field(found, "s"))
    millis = to_number(pc.struct_field(found, "ms"))
    as_seconds = np.asarray(seconds.to_numpy(zero_copy_only=False), dtype=np.float64)
    as_millis = np.asarray(millis.to_numpy(zero_copy_only=False), dtype=np.float64)
    return np.asarray(np.where(np.isnan(as_seconds), as_millis, as_seconds * 1000.0))


def take_rows(messages: pa.Array, mask: np.ndarray) -> pa.Array:
    """The rows of ``mask`` (the array itself when that is every row)."""
    return messages if mask.all() else pc.filter(messages, pa.array(mask))
