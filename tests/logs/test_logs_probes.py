"""The numpy byte-probe parser gives exactly what the RE2 expressions give, row for row.

``parse_messages`` reads the usual line shapes by probing bytes at known positions and
leaves every row it cannot decide to the RE2 expressions; ``probes=False`` runs the
expressions alone. Both must produce the same batch for the generated logs of every
container and for lines mutated around every probe (spaces, quotes, digits, truncation).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.logs import parse, probes
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import discover
from faasguard.logs.model import Kind
from faasguard.logs.parse import _iso_ms_rows, iso_ms_from_bytes, parse_messages
from faasguard.logs.pipeline import Options, batches

RID = "8f5f2c1e-0b7a-4d4e-9c51-7a0f3b2e9d11"
TEMPLATES = [
    f"REPORT RequestId: {RID}\tDuration: 52.67 ms\tBilled Duration: 53 ms\tMemory Size: 128 MB"
    "\tMax Memory Used: 58 MB\t",
    f"REPORT RequestId: {RID}  Duration: 3000.41 ms  Billed Duration: 3000 ms  Memory Size: "
    "128 MB  Max Memory Used: 41 MB  Init Duration: 310.22 ms",
    f"REPORT RequestId: {RID}\tDuration: 1.5 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\t"
    "Max Memory Used: 256 MB\tInit Duration: 99.01 ms\t",
    f"START RequestId: {RID} Version: $LATEST",
    f"END RequestId: {RID}",
    "INIT_START Runtime Version: python:3.12.v18",
    f"RequestId: {RID} Error: Runtime exited with error: signal: killed",
    "Runtime.ExitError",
    f"2024-05-01T10:00:03.512Z {RID} Task timed out after 3.00 seconds",
    f"2024-05-01T10:00:00.053Z\t{RID}\tERROR\tInvoke Error \t"
    '{"errorType":"TypeError","errorMessage":"x"}',
    f"[ERROR]\t2024-05-01T10:00:00.513Z\t{RID}\tboom",
    "[ERROR] KeyError: 'id'\rTraceback (most recent call last):",
    '{"time":"2024-05-01T03:00:00.138Z","type":"platform.start","record":{"requestId":"'
    f'{RID}","version":"$LATEST"}}}}',
    '{"time":"2024-05-01T03:00:00.190Z","type":"platform.report","record":{"requestId":"'
    f'{RID}","metrics":{{"durationMs":52.67,"billedDurationMs":53,"memorySizeMB":128,'
    '"maxMemoryUsedMB":58},"status":"success"}}',
    '{"time":"2024-05-01T03:00:00.190Z","type":"platform.report","record":{"requestId":"'
    f'{RID}","metrics":{{"durationMs":3000.0,"billedDurationMs":3000,"memorySizeMB":128,'
    '"maxMemoryUsedMB":128,"initDurationMs":250.5},"status":"error","errorType":'
    '"Runtime.OutOfMemory"}}',
    '{"time":"2024-05-01T03:00:00.190Z","type":"platform.report","record":{"requestId":"'
    f'{RID}","metrics":{{"durationMs":3000.0,"billedDurationMs":3000,"memorySizeMB":128,'
    '"maxMemoryUsedMB":60},"status":"timeout"}}',
    '{"time":"2024-05-01T03:00:00.100Z","type":"platform.initStart","record":{"phase":"init"}}',
    '{"time":"2024-05-01T03:00:00.100Z","type":"platform.runtimeDone","record":{"requestId":"'
    f'{RID}","status":"success"}}}}',
    '{"timestamp":"2024-05-01T03:00:00.139Z","level":"INFO","message":"Received","logger":'
    f'"root","requestId":"{RID}"}}',
    '{"timestamp":"2024-05-01T03:00:00.139Z","level":"ERROR","message":{"errorType":"KeyError",'
    f'"requestId":"{RID}"}},"requestId":"other"}}',
    '{"level":"ERROR","location":"handler:52","message":"Unhandled error","function_request_id":'
    f'"{RID}","exception_name":"ValueError"}}',
    '{ "time": "2024-05-01T03:00:00.138Z", "type": "platform.start", "record": {"requestId": "x"}}',
    # Logged stream and queue records (LOG021's record_ms) in three quoting styles.
    '{"Records":[{"kinesis":{"approximateArrivalTimestamp":1714528800.123,"data":"eA=="}}]}',
    f"[INFO]\t2024-05-01T10:00:00.513Z\t{RID}\tReceived event: {{'Records': [{{'dynamodb': "
    "{'ApproximateCreationDateTime': 1714528799, 'Keys': {}}}]}}",
    '{"level":"INFO","message":"{\\"Records\\":[{\\"attributes\\":{\\"SentTimestamp'
    '\\":\\"1714528800123\\"}}]}","requestId":"r-1"}',
    'Received event: {"SentTimestamp": "x", "SentTimestamp": 17145288001}',
]


@contextmanager
def numpy_path() -> Iterator[None]:
    """The parser without the C scanner (the numpy probes decide) while the block runs."""
    native = parse._native
    parse._native = None
    try:
        yield
    finally:
        parse._native = native


@pytest.fixture(autouse=True, scope="module")
def _numpy_probes() -> Iterator[None]:
    """These tests are about the numpy probes: the C scanner is off while they run
    (``test_logs_native.py`` compares the scanner with both)."""
    with numpy_path():
        yield


NOISE = " \t\"'{}:,.0123456789-_abcdefINRTEXyz\\é"


def _batch(messages: list[str], probes: bool) -> list[dict[str, Any]]:
    batch = parse_messages(
        pa.array(messages, pa.string()),
        pa.nulls(len(messages), pa.timestamp("ms", tz="UTC")),
        function="fn",
        source="s",
        probes=probes,
    )
    rows: list[dict[str, Any]] = batch.to_pylist()
    return rows


def _mutate(line: str, edits: list[tuple[int, int, str]]) -> str:
    for where, action, char in edits:
        at = where % (len(line) + 1)
        if action == 0:
            line = line[:at] + char + line[at:]
        elif action == 1:
            line = line[:at] + line[at + 1 :]
        elif action == 2:
            line = line[:at] + char + line[at + 1 :]
        else:
            line = line[:at]
    return line


def test_templates_parse_the_same_without_hyperscan_hints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the Hyperscan wheel every row is a candidate: the same batch again."""
    with_hints = _batch(TEMPLATES, probes=True)
    monkeypatch.setattr(probes, "hint_database", lambda: None)
    assert _batch(TEMPLATES, probes=True) == with_hints


def test_templates_parse_the_same_both_ways() -> None:
    probed = _batch(TEMPLATES, probes=True)
    assert probed == _batch(TEMPLATES, probes=False)
    kinds = [row["kind"] for row in probed]
    assert kinds[:9] == [Kind.REPORT] * 3 + [
        Kind.START,
        Kind.END,
        Kind.INIT_START,
        Kind.RUNTIME_EXIT,
        Kind.RUNTIME_EXIT,
        Kind.TIMEOUT,
    ]
    assert probed[1]["init_ms"] == 310.22 and probed[13]["duration_ms"] == 52.67
    assert probed[14]["max_memory_mb"] == 128 and probed[15]["timed_out"]
    assert probed[19]["request_id"] == RID and probed[20]["request_id"] == RID
    assert [row["record_ms"] for row in probed[22:]] == [
        1714528800123.0,
        1714528799000.0,
        1714528800123.0,
        17145288001.0,
    ]


#: Template lines with up to three edits each (insert, delete, replace, truncate).
MUTATED_LINES = st.lists(
    st.tuples(
        st.sampled_from(TEMPLATES),
        st.lists(
            st.tuples(st.integers(0, 400), st.integers(0, 3), st.sampled_from(list(NOISE))),
            max_size=3,
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(MUTATED_LINES)
def test_mutated_lines_parse_the_same_both_ways(
    lines: list[tuple[str, list[tuple[int, int, str]]]],
) -> None:
    messages = [_mutate(line, edits) for line, edits in lines]
    assert _batch(messages, probes=True) == _batch(messages, probes=False)


def test_generated_logs_parse_the_same_both_ways(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    root, _ = generated
    diagnostics = DiagnosticCounter()
    checked = 0
    for source in discover([str(root)], diagnostics):
        for batch in batches(source, Options(), diagnostics):
            messages = batch.column("message")
            again = parse_messages(
                messages,
                batch.column("ts"),
                function=batch.column("function"),
                source=source.path,
                offsets=batch.column("offset"),
                lines=batch.column("line"),
                streams=batch.column("stream"),
                event_ids=batch.column("event_id"),
                probes=False,
            )
            unshaped = batch.column("kind").to_numpy() == Kind.UNKNOWN
            reference = again.to_pydict()
            for index in unshaped.nonzero()[0]:
                reference["kind"][index] = Kind.UNKNOWN
            assert batch.to_pydict() == reference
            checked += batch.num_rows
    assert checked > 50_000


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["2024-05-01T03:", "2024-02-29T23:", "2023-02-29T10:", "2024-13-01T00:"]
            ),
            st.text(alphabet="0123456789:.Zx5", min_size=10, max_size=10),
        ),
        min_size=2,
        max_size=40,
    )
)
def test_timestamps_of_one_hour_read_like_every_field(stamps: list[tuple[str, str]]) -> None:
    """The same-hour shortcut of ``iso_ms_from_bytes`` equals the field-by-field reading."""
    rows = [f"{hour}{rest}".encode() for hour, rest in stamps]
    rows[1:1] = [b"2024-05-01T03:59:59.999Z", b"2024-05-01T03:60:00.000Z"]
    array = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, 24)
    fast, fast_valid = iso_ms_from_bytes(array)
    slow, slow_valid = _iso_ms_rows(array)
    assert (fast_valid == slow_valid).all() and (fast == slow).all()
    assert fast_valid[1] and not fast_valid[2]
