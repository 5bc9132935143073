"""The bulk JSON-lines reader gives exactly what the per-line reference gives.

``jsonl_bulk`` (Arrow, a block at a time) must produce the same batches (every column) and
the same diagnostics (codes, counts, first locations) as ``jsonl_reference`` (``json.loads``
per line), on generated logs and on mutated lines that exercise every way the two decoders
could part: invalid JSON, wrong types, missing keys, odd timestamps, duplicate keys, escapes,
unicode, blank lines, nesting.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faasguard.logs import pipeline
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.generator import generate
from faasguard.logs.ingest import Source


def _run(path: Path, reader: str) -> tuple[list[pa.RecordBatch], dict[object, object]]:
    diagnostics = DiagnosticCounter()
    source = Source(str(path), "jsonl", None)
    read = pipeline.jsonl_bulk if reader == "bulk" else pipeline.jsonl_reference
    batches = list(read(source, "fallback-fn", diagnostics))
    return batches, {"counts": diagnostics.counts, "first": diagnostics.first}


def _assert_same(path: Path) -> None:
    got, got_diag = _run(path, "bulk")
    want, want_diag = _run(path, "reference")
    assert got_diag == want_diag
    assert_same_batches(got, want)


def assert_same_batches(got: list[pa.RecordBatch], want: list[pa.RecordBatch]) -> None:
    """Same batch sizes, schemas and every column."""
    assert [b.num_rows for b in got] == [b.num_rows for b in want]
    for mine, theirs in zip(got, want, strict=True):
        assert mine.schema == theirs.schema
        for name in theirs.schema.names:
            assert mine.column(name).equals(theirs.column(name)), name


def test_generated_json_lines_match_the_reference(tmp_path: Path) -> None:
    generate(tmp_path / "g", size=40_000_000, seed=5, container="jsonl")
    files = sorted((tmp_path / "g" / "jsonl").glob("*.jsonl"))
    assert files
    big = tmp_path / "all.jsonl"  # more than one batch of 50 000 events
    big.write_bytes(b"".join(f.read_bytes() for f in files))
    _assert_same(big)


_LINES = [
    b'{"message": "START RequestId: 1 Version: $LATEST", "timestamp": 1714521600474}',
    b'{"logGroup": "/aws/lambda/f", "logStream": "s", "id": "1", "timestamp": 5, "message": "m"}',
    b'{"message": "a", "timestamp": "2024-05-01T02:01:17.736Z", "eventId": "e"}',
    b'{"message": "a", "timestamp": "2024-05-01T02:01:17.736+00:00"}',
    b'{"message": "a", "timestamp": "2024-05-01T02:01:17"}',
    b'{"message": "a", "timestamp": "0001-01-01T00:00:00.000Z"}',
    b'{"message": "a", "timestamp": "9999-12-31T23:59:59.999Z"}',
    b'{"message": "a", "timestamp": "2024-02-30T00:00:00.000Z"}',
    b'{"message": "a", "timestamp": 1714521600474.9}',
    b'{"message": "a", "timestamp": -1.5}',
    b'{"message": "a", "timestamp": 9007199254740993}',
    b'{"message": "a", "timestamp": 1e300}',
    b'{"message": "a", "timestamp": true}',
    b'{"message": "a", "timestamp": null}',
    b'{"message": "a", "timestamp": [1]}',
    b'{"message": 5, "timestamp": 1}',
    b'{"message": null}',
    b"{}",
    b"[1, 2]",
    b'"just a string"',
    b'{"message": "a", "message": "b", "timestamp": 1}',
    b'{"message": "a", "mess\\u0061ge": "b"}',
    b'{"mess\\u0061ge": "esc\\n\\"aped\\u00e9\\ud83d\\ude00", "timestamp": 2}',
    b'{"message": "nul \\u0000 inside", "timestamp": 3}',
    b'{"message": "a"}{"message": "b"}',
    b'{"message": "a", "timestamp": 1}\r',
    b'  {"message": "indented", "timestamp": 1}',
    b'{"message": "trailing", "timestamp": 1}  ',
    b'\xef\xbb\xbf{"message": "bom", "timestamp": 1}',
    b'{"message": "bad utf8 \xff", "timestamp": 1}',
    b'{"message": "caf\xc3\xa9 \xe2\x82\xac", "timestamp": 1}',
    b'{"message": "a", "x": NaN, "timestamp": 1}',
    b'{"message": "a", "x": 1e400, "timestamp": 1}',
    b'{"message": "a", "id": 5, "eventId": "e"}',
    b'{"message": "a", "id": "", "eventId": "e"}',
    b'{"message": "a", "id": null, "eventId": 7}',
    b'{"message": "a", "logGroup": "/aws/lambda/", "timestamp": 1}',
    b'{"message": "a", "logGroup": 3, "timestamp": 1}',
    b'{"message": "a", "logStream": {"x": 1}, "timestamp": 1}',
    b'{"message": "a", "nested": {"message": 1}, "timestamp": 1}',
    b'{"message": "split",',
    b'"timestamp": 1}',
    b"",
    b"   ",
    b"\x0c",
    b"not json at all",
    b'{"message": "raw \x01 control"}',
]


def _deep(depth: int) -> bytes:
    return b'{"message": "deep", "x": ' + b"[" * depth + b"]" * depth + b"}"


def test_awkward_lines_match_the_reference(tmp_path: Path) -> None:
    lines = [*_LINES, _deep(100), _deep(3000), b'{"message": "n", "x": ' + b"7" * 5000 + b"}"]
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    _assert_same(path)
    # The same lines among thousands of good ones (Arrow rejects the block, then halves it).
    good = _LINES[1]
    body = [good] * 3000
    for i, line in enumerate(lines):
        body.insert(i * 60, line)
    path.write_bytes(b"\n".join(body) + b"\n")
    _assert_same(path)


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
_KEYS = st.sampled_from(
    ["message", "timestamp", "logGroup", "logStream", "id", "eventId", "other", "mess\\u0061ge"]
)
_STAMPS = st.sampled_from(
    [
        "2024-05-01T02:01:17.736Z",
        "2024-05-01T02:01:17.736+00:00",
        "2024-05-01 02:01:17",
        "2024-13-01T00:00:00.000Z",
        "1969-12-31T23:59:59.999Z",
        "x",
        "",
    ]
)


@st.composite
def _line(draw: st.DrawFn) -> bytes:
    members = []
    for key in draw(st.lists(_KEYS, max_size=7)):
        if key == "timestamp":
            value = draw(st.one_of(_VALUES, _STAMPS, st.integers(0, 2**41)))
        elif key == "message":
            value = draw(st.one_of(st.text(max_size=20), _VALUES))
        else:
            value = draw(st.one_of(st.text(max_size=8), _VALUES))
        members.append(f'"{key}": {json.dumps(value, ensure_ascii=draw(st.booleans()))}')
    text = "{" + ", ".join(members) + "}"
    raw = text.encode("utf-8", "surrogatepass")
    mutation = draw(st.sampled_from(["none", "none", "none", "cut", "byte", "blank", "pad"]))
    if mutation == "cut" and raw:
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif mutation == "byte" and raw:
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
    elif mutation == "blank":
        raw = draw(st.sampled_from([b"", b" ", b"\t", b"\r", b"\x0b"]))
    elif mutation == "pad":
        raw = draw(st.sampled_from([b" ", b"\r", b""])) + raw + draw(st.sampled_from([b" ", b"\r"]))
    return raw.replace(b"\n", b" ")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(_line(), min_size=1, max_size=40), repeat=st.integers(1, 30))
def test_mutated_lines_match_the_reference(tmp_path: Path, lines: list[bytes], repeat: int) -> None:
    path = tmp_path / "mutated.jsonl"
    # Repeated so that a block holds enough lines for the bulk reader and its halving.
    path.write_bytes((b"\n".join(lines) + b"\n") * repeat)
    _assert_same(path)


@pytest.mark.parametrize("ending", [b"", b"\n"])
def test_last_line_without_newline(tmp_path: Path, ending: bytes) -> None:
    path = tmp_path / "end.jsonl"
    path.write_bytes(b"\n".join(_LINES[:3] * 5) + ending)
    _assert_same(path)
