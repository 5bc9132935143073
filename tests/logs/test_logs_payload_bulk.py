"""Subscription and Firehose payloads decoded in bulk give exactly the reference's results.

The bulk path (Arrow, a file at a time) must give the same batches (every column, same
cuts) and diagnostics as the per-payload reference (``json.loads``), on generated logs and
on payloads shaped every way the two could part; a file it cannot take goes to the
reference as a whole.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pytest
from test_logs_json_containers import assert_same_batches  # tests/logs is on sys.path

from faasguard.logs import payload_bulk, payload_native, payload_reference, pipeline
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import Source

pytestmark = pytest.mark.skipif(not payload_bulk.available(), reason="C scanner not built")


def run_reader(
    path: Path, container: str, monkeypatch: pytest.MonkeyPatch, *, native: bool, bulk: bool
) -> tuple[list[pa.RecordBatch], object]:
    """Batches and diagnostics of one file, read by the C extractor (``native``), Arrow's
    bulk read (``bulk``) or, with neither, the reference."""
    with monkeypatch.context() as patch:
        if not native:
            patch.setattr(payload_native, "available", lambda: False)
        if not bulk:
            patch.setattr(payload_bulk, "available", lambda: False)
        diagnostics = DiagnosticCounter()
        source = Source(str(path), container, None)
        got = list(pipeline.batches(source, pipeline.Options("fallback-fn"), diagnostics))
    return got, (diagnostics.counts, diagnostics.first)


def assert_same_as_reference(
    path: Path, container: str, monkeypatch: pytest.MonkeyPatch, *, native: bool = False
) -> int:
    """Rows read (by the extractor or else by the bulk path), after checking batches and
    diagnostics against the reference's."""
    got, got_diag = run_reader(path, container, monkeypatch, native=native, bulk=not native)
    want, want_diag = run_reader(path, container, monkeypatch, native=False, bulk=False)
    assert got_diag == want_diag
    assert_same_batches(got, want)
    return sum(b.num_rows for b in got)


_assert_same = assert_same_as_reference


@pytest.mark.parametrize("container", ["subscription", "firehose"])
def test_generated_payloads_match_the_reference(
    payload_files: dict[str, Path], container: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = payload_files[container]
    assert _assert_same(big, container, monkeypatch) > 50_000


_EVENT = '{"id": "1", "timestamp": 1714521600474, "message": "START RequestId: 1 }{ x"}'
_PAYLOADS = [
    '{"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/f", "logStream": "s", '
    f'"logEvents": [{_EVENT}, {_EVENT}]}}',
    '{"messageType": "CONTROL_MESSAGE", "logEvents": [{"message": "CWL CONTROL"}]}',
    '{"messageType": "DATA_MESSAGE", "logGroup": "/x/y", "logEvents": [{"message": "m"}]}',
    '{"messageType": "DATA_MESSAGE"}',
    '{"messageType": "DATA_MESSAGE", "logEvents": null}',
    '{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "a", "message": "b"}]}',
    '{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "a", "timestamp": 1.5}]}',
    '{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "a", "timestamp": "2024-05-01'
    'T02:01:17.736Z"}]}',
    '{"messageType": "DATA_MESSAGE", "logEvents": [null, 5, {"message": 3}, {"id": "x"}]}',
    '{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "lone \\ud800 surrogate"}]}',
    '{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "\\u00e9\\ud83d\\ude00 \\" \\\\"}]}',
    '{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "a", "x": '
    + "[" * 300
    + "]" * 300
    + "}]}",
    '{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "a", "x": ' + "9" * 5000 + "}]}",
    '{"messageType": "DATA_MESSAGE", "logEvents": {"message": "a"}}',
    '{"messageType": "DATA_MESSAGE",\n "logEvents": [{"message": "pretty"}]}',
    "[1, 2]",
    '{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "cut',
]


def _subscription_file(path: Path, payloads: list[bytes]) -> None:
    lines = [
        json.dumps({"awslogs": {"data": base64.b64encode(gzip.compress(p)).decode()}})
        for p in payloads
    ]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("odd", range(1, len(_PAYLOADS)))
@pytest.mark.parametrize("container", ["subscription", "firehose"])
def test_awkward_payloads_match_the_reference(
    tmp_path: Path, container: str, odd: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    payloads = [_PAYLOADS[0].encode(), _PAYLOADS[odd].encode(), _PAYLOADS[0].encode()]
    path = tmp_path / "in"
    if container == "subscription":
        _subscription_file(path, payloads)
    else:
        path.write_bytes(b"".join(gzip.compress(p) for p in payloads))
    _assert_same(path, container, monkeypatch)


def test_invalid_utf8_and_a_bad_envelope_match_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = b'{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "\xff\xfe"}]}'
    path = tmp_path / "in"
    for container in ("subscription", "firehose"):
        if container == "subscription":
            _subscription_file(path, [_PAYLOADS[0].encode(), bad])
            path.write_text(path.read_text() + '{"awslogs": {"data": "!!"}}\n')
        else:
            path.write_bytes(gzip.compress(_PAYLOADS[0].encode()) + gzip.compress(bad))
        _assert_same(path, container, monkeypatch)


def test_clean_payloads_take_the_bulk_path(tmp_path: Path) -> None:
    path = tmp_path / "in"
    _subscription_file(path, [_PAYLOADS[0].encode(), _PAYLOADS[1].encode()])
    bulk = payload_reference._subscription_bulk(Source(str(path), "subscription", None), None)
    assert bulk is not None
    table, counts = bulk
    assert counts.tolist() == [2, 0]
    assert table.column("function").to_pylist() == ["f", "f"]
    assert table.column("message").to_pylist() == ["START RequestId: 1 }{ x"] * 2
