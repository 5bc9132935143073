"""CloudWatch Logs subscription payloads decoded in bulk by Arrow (subscription and Firehose).

The reference readers in :mod:`faasguard.logs.pipeline` decode each payload with
``json.loads`` and walk its events in Python (about 65 MB/s). Here the payloads of a whole
file are decoded by one Arrow JSON read into columns, which gives the very same events when
every payload is *plain*: one JSON object, valid UTF-8, no raw newline, no lone surrogate
escape, shallow, every event an object with a string message, an integer timestamp and
string or missing ids. Arrow refuses any other shape (duplicate keys, wrong types, floats
for integers), and anything it refuses or that is not plain returns ``None``: the caller
then reads the file with the reference reader, which says what is wrong. Results (rows,
batches, diagnostics) are the reference's; ``tests/logs/test_logs_payload_bulk.py`` checks.

Needs the C scanner (``_scan.objects`` splits back-to-back objects and measures nesting);
without it every file takes the reference path.
"""

from __future__ import annotations

import re
import types

import numpy as np
import pyarrow as pa

from faasguard.logs.ingest import function_from_group

_native: types.ModuleType | None
try:
    from faasguard.logs import _scan as _native
except ImportError:  # pragma: no cover - built wherever a C compiler was available
    _native = None

#: A file whose decompressed payloads exceed this is read by the reference reader (memory).
MAX_BULK_BYTES = 64 * 1024 * 1024
#: Deeper nesting than this goes to the reference reader (Python's decoder has a limit).
_MAX_DEPTH = 64
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_HUGE_DIGITS = 4000
_EVENT = pa.struct([("id", pa.string()), ("timestamp", pa.int64()), ("message", pa.string())])
_SCHEMA = pa.schema(
    [
        ("messageType", pa.string()),
        ("logGroup", pa.string()),
        ("logStream", pa.string()),
        ("logEvents", pa.list_(_EVENT)),
    ]
)


def available() -> bool:
    """Whether the bulk path can run (the C scanner is built, and recent enough)."""
    return _native is not None and hasattr(_native, "objects")


def split_objects(data: bytes) -> list[bytes] | None:
    """The top-level objects of ``data`` (written back to back, JSON whitespace between),
    or ``None`` when it holds anything else, nests too deeply or has a huge number."""
    if _native is None or not available():
        return None
    ends = np.empty(len(data) // 256 + 16, dtype=np.int64)
    count, depth, digits = _native.objects(data, ends)
    if count > len(ends):
        ends = np.empty(count, dtype=np.int64)
        count, depth, digits = _native.objects(data, ends)
    # Python refuses integers of over 4300 digits (Arrow fails on them already).
    if count < 0 or depth > _MAX_DEPTH or digits >= _HUGE_DIGITS:
        return None
    out = []
    start = 0
    for end in ends[:count].tolist():
        out.append(data[start:end].lstrip(b" \t\n\r"))
        start = end
    return out


def _plain(payload: bytes) -> bool:
    if b"\n" in payload or b"\r" in payload:
        return False
    if b"\\u" in payload and _SURROGATE_ESCAPE.search(payload):
        return False
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def events_table(
    payloads: list[bytes], fallback: str | None, schema: pa.Schema
) -> tuple[pa.Table, np.ndarray] | None:
    """The log events of ``payloads`` (each one JSON object) as rows of ``schema``
    (function, ts, message, stream, id, line) with the number of events of each payload,
    or ``None`` when a payload is not plain."""
    if not available():
        return None
    objects = []
    for payload in payloads:
        one = split_objects(payload)
        if one is None or len(one) != 1 or not _plain(one[0]):
            return None
        objects.append(one[0])
    if not objects:
        return schema.empty_table(), np.zeros(0, dtype=np.int64)
    from pyarrow import json as pa_json  # noqa: PLC0415 - only JSON containers need it

    body = b"\n".join(objects)
    read = pa_json.ReadOptions(use_threads=False, block_size=max(len(body) + 1, 1 << 20))
    parse = pa_json.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")
    try:
        table = pa_json.read_json(pa.BufferReader(body), read_options=read, parse_options=parse)
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != len(payloads):
        return None
    return _rows(table, fallback, schema)


def _rows(
    table: pa.Table, fallback: str | None, schema: pa.Schema
) -> tuple[pa.Table, np.ndarray] | None:
    pc = pa.compute
    # CONTROL_MESSAGE (the subscription's health check) and the like have no events.
    data = pc.fill_null(pc.equal(table.column("messageType"), "DATA_MESSAGE"), False)
    is_data = data.to_numpy(zero_copy_only=False)
    log_events = table.column("logEvents").combine_chunks()
    every = pc.fill_null(pc.list_value_length(log_events), 0).to_numpy(zero_copy_only=False)
    counts = np.where(is_data, every, 0).astype(np.int64)
    total = int(counts.sum())
    events = pc.list_flatten(log_events)
    if not is_data.all():
        events = events.filter(pa.array(np.repeat(is_data, every)))
    message = pc.struct_field(events, "message")
    if events.null_count or message.null_count:
        return None  # an event that is no object or has no message: the reference counts it
    groups = table.column("logGroup").to_pylist()
    names = [function_from_group(g) or fallback for g in groups]
    rows = pa.table(
        [
            _spread(pa.array(names, pa.string()), counts, total),
            pc.struct_field(events, "timestamp"),
            message,
            _spread(table.column("logStream").combine_chunks(), counts, total),
            pc.struct_field(events, "id"),
            pa.array(np.zeros(total, dtype=np.int64)),
        ],
        schema=schema,
    )
    return rows, counts


def _spread(values: pa.Array, counts: np.ndarray, total: int) -> pa.Array:
    """Each payload's value repeated for each of its events (one file: usually one value)."""
    used = values.filter(pa.array(counts > 0))
    if len(used) and used.null_count == 0 and pa.compute.count_distinct(used).as_py() == 1:
        return pa.repeat(used[0], total)
    return values.take(pa.array(np.repeat(np.arange(len(counts)), counts), pa.int64()))
