"""The reference readers of CloudWatch Logs subscription payloads (subscription and Firehose).

A subscription file holds one ``{"awslogs": {"data": base64(gzip(payload))}}`` envelope per
line; Firehose delivers the (gzip) payloads back to back into one object. Here each payload
is decoded by ``json.loads`` and its events walked in Python (about 65 MB/s of log text):
the definition the fast readers are checked against. :mod:`faasguard.logs.payload_native`
(the C extractor) and :mod:`faasguard.logs.payload_bulk` (Arrow, when the extractor is not
built) give the same batches and diagnostics, and hand back what they cannot read.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from faasguard.logs import payload_bulk
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.event_rows import (
    EVENTS_PER_BATCH,
    ROW_SCHEMA,
    Events,
    RowBatches,
    as_str,
    loads,
    numbered_lines,
)
from faasguard.logs.ingest import (
    _INFLATE_ERRORS,
    Source,
    _inflate,
    function_from_group,
    iter_decompressed,
    json_values,
)
from faasguard.logs.parse import json_timestamp_ms


def subscription(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    """Batches of a subscription file: Arrow's bulk read when it can take the whole file,
    else payload by payload."""
    bulk = _subscription_bulk(source, fallback)
    if bulk is not None:
        return _bulk_batches(source.path, *bulk)
    payloads = _subscription_payloads(source, diagnostics)
    return _payload_batches(source, fallback, diagnostics, payloads)


def _subscription_bulk(source: Source, fallback: str | None) -> tuple[pa.Table, Any] | None:
    """The whole file's events decoded by Arrow (:mod:`faasguard.logs.payload_bulk`), or
    ``None`` when the reference reader must read it (it then counts what is wrong)."""
    if not payload_bulk.available():
        return None
    scratch = DiagnosticCounter()
    payloads: list[bytes] = []
    size = 0
    for _, line in _envelopes(source, scratch):
        data = _envelope_data(line)
        if data is None:
            return None
        try:
            inflated = _inflate_payload(base64.b64decode(data))
        except _PAYLOAD_ERRORS:
            return None
        size += len(inflated or b"")
        if inflated is None or size > payload_bulk.MAX_BULK_BYTES:
            return None
        payloads.append(inflated)
    if scratch.counts:
        return None
    return payload_bulk.events_table(payloads, fallback, ROW_SCHEMA)


def _firehose_bulk(source: Source, fallback: str | None) -> tuple[pa.Table, Any] | None:
    """As :func:`_subscription_bulk`, for payloads delivered back to back by Firehose."""
    if not payload_bulk.available():
        return None
    scratch = DiagnosticCounter()
    parts: list[bytes] = []
    size = 0
    for chunk in iter_decompressed(source.path, scratch):
        size += len(chunk)
        if size > payload_bulk.MAX_BULK_BYTES:
            return None
        parts.append(chunk)
    values = payload_bulk.split_objects(b"".join(parts))
    if scratch.counts or values is None:
        return None
    return payload_bulk.events_table(values, fallback, ROW_SCHEMA)


def _bulk_batches(path: str, table: pa.Table, counts: Any) -> Iterator[pa.RecordBatch]:
    """Batches cut where the reference cuts them: after the payload that fills one."""
    rows = RowBatches(path)
    start = taken = 0
    for count in counts.tolist():
        taken += count
        if taken - start >= EVENTS_PER_BATCH:
            yield rows.batch(table.slice(start, taken - start))
            start = taken
    if taken > start:
        yield rows.batch(table.slice(start, taken - start))


def _envelopes(source: Source, diagnostics: DiagnosticCounter) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a subscription file, with their numbers."""
    return ((number, line) for number, line in numbered_lines(source, diagnostics) if line.strip())


def _envelope_data(line: bytes) -> str | None:
    """``awslogs.data`` of one subscription line, or ``None`` when it has none."""
    envelope = loads(line)
    awslogs = envelope.get("awslogs") if isinstance(envelope, dict) else None
    data = awslogs.get("data") if isinstance(awslogs, dict) else None
    return data if isinstance(data, str) else None


def _subscription_payloads(
    source: Source, diagnostics: DiagnosticCounter
) -> Iterator[tuple[Any, str]]:
    """Each line's decoded ``awslogs.data`` payload, with where it came from."""
    for number, line in _envelopes(source, diagnostics):
        decoded, payload = line_payload(number, line, source.path, diagnostics)
        if decoded:
            yield payload, f"line {number}"


def line_payload(
    number: int, line: bytes, path: str, diagnostics: DiagnosticCounter
) -> tuple[bool, Any]:
    """``(True, payload)`` of one subscription line, ``(False, None)`` when it has none
    (counted: no envelope, bad base64 or gzip, too large, invalid JSON)."""
    data = _envelope_data(line)
    if data is None:
        diagnostics.add("invalid-json", path, f"line {number}")
        return False, None
    payload = inflated_payload(data, number, path, diagnostics)
    if payload is None:
        return False, None
    return decoded_payload(payload, number, path, diagnostics)


def inflated_payload(
    data: str | bytes | memoryview,
    number: int,
    path: str,
    diagnostics: DiagnosticCounter,
    *,
    decoded: bool = False,
) -> bytes | None:
    """The payload JSON of the ``awslogs.data`` text of line ``number`` (or of its bytes,
    ``decoded`` from base64 already), or ``None`` (counted)."""
    try:
        raw = data if decoded and not isinstance(data, str) else base64.b64decode(data)
        inflated = _inflate_payload(raw)
    except _PAYLOAD_ERRORS:
        diagnostics.add("invalid-json", path, f"line {number} (awslogs.data)")
        return None
    if inflated is None:
        diagnostics.add("too-large", path, f"line {number} (awslogs.data over {_MAX_PAYLOAD})")
    return inflated


def decoded_payload(
    inflated: bytes, number: int, path: str, diagnostics: DiagnosticCounter
) -> tuple[bool, Any]:
    """``(True, json.loads(inflated))``, or ``(False, None)`` (counted) when it is no JSON."""
    try:
        return True, json.loads(inflated)
    except _PAYLOAD_ERRORS:
        diagnostics.add("invalid-json", path, f"line {number} (awslogs.data)")
        return False, None


def _payload_batches(
    source: Source,
    fallback: str | None,
    diagnostics: DiagnosticCounter,
    payloads: Iterable[tuple[Any, str]],
) -> Iterator[pa.RecordBatch]:
    """Batches of the log events of subscription payloads (``(payload, where)`` pairs)."""
    events = Events(source.path, diagnostics)
    for payload, where in payloads:
        payload_events(payload, events, fallback, source.path, where, diagnostics)
        if events.full():
            yield from events.flush()
    yield from events.flush()


def payload_events(
    payload: Any,
    events: Events,
    fallback: str | None,
    path: str,
    where: str,
    diagnostics: DiagnosticCounter,
) -> None:
    """The log events of one CloudWatch Logs subscription payload into ``events``."""
    if not isinstance(payload, dict) or payload.get("messageType") != "DATA_MESSAGE":
        return  # CONTROL_MESSAGE: the subscription's health check
    function = function_from_group(as_str(payload.get("logGroup"))) or fallback
    stream = as_str(payload.get("logStream"))
    log_events = payload.get("logEvents") or []
    if not isinstance(log_events, list | dict | str):
        log_events = [log_events]  # a number or true: one invalid event, not a crash
    for event in log_events:
        if not isinstance(event, dict) or not isinstance(event.get("message"), str):
            diagnostics.add("invalid-json", path, f"{where} (logEvents)")
            continue
        events.add(
            function,
            json_timestamp_ms(event.get("timestamp")),
            event["message"],
            stream,
            as_str(event.get("id")),
        )


def firehose(
    source: Source, fallback: str | None, diagnostics: DiagnosticCounter
) -> Iterator[pa.RecordBatch]:
    """Batches of a Firehose object (payloads one after another, with or without newlines):
    Arrow's bulk read when it can take the whole file, else payload by payload."""
    bulk = _firehose_bulk(source, fallback)
    if bulk is not None:
        return _bulk_batches(source.path, *bulk)
    return _payload_batches(source, fallback, diagnostics, firehose_payloads(source, diagnostics))


def firehose_payloads(
    source: Source, diagnostics: DiagnosticCounter, skip: int = 0
) -> Iterator[tuple[Any, str]]:
    """The payloads of a Firehose object from the ``skip``-th value on, with where they are;
    values that are no object are counted (``invalid-json``), a break ends the reading."""
    for index, payload in json_values(source.path, diagnostics):
        if index < skip:
            continue
        if not isinstance(payload, dict):
            diagnostics.add("invalid-json", source.path, f"payload {index}")
            continue
        yield payload, f"payload {index}"


#: Largest inflated subscription payload read. CloudWatch Logs sends at most about 1 MB of
#: events per payload; a bigger one is a decompression bomb, not logs.
_MAX_PAYLOAD = 32 * 1024 * 1024
#: What decoding a payload (base64, gzip, JSON) raises on bad data (RecursionError: JSON
#: nested deeper than Python's decoder goes).
_PAYLOAD_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    OSError,
    EOFError,
    RecursionError,
    *_INFLATE_ERRORS,
)


def _inflate_payload(data: bytes | memoryview) -> bytes | None:
    """The gunzipped payload (every gzip member), or ``None`` past :data:`_MAX_PAYLOAD`.

    Inflated with ISA-L when it is installed (as text containers are): same bytes, ~3x faster.
    """
    out: list[bytes] = []
    size = 0
    while data:
        inflater = _inflate.decompressobj(wbits=31)
        part = inflater.decompress(data, _MAX_PAYLOAD + 1 - size)
        size += len(part)
        out.append(part)
        if size > _MAX_PAYLOAD or inflater.unconsumed_tail:
            return None
        if not inflater.eof:
            raise EOFError("truncated gzip payload")
        data = inflater.unused_data
    return b"".join(out)
