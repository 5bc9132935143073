"""The C scanner (``faasguard.logs._scan``) gives exactly the numpy path's batches.

Where the extension is built (CI builds it: ``.ci/run`` sets ``FAASGUARD_REQUIRE_NATIVE=1``
so a failed build fails these tests instead of skipping them), every test here parses the
same input twice, once with the C scanner and once without it, and compares whole batches
and the diagnostics they counted. The numpy path itself is checked against the RE2
expressions in ``test_logs_probes.py``; here the C path is also compared to them directly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_logs_probes import MUTATED_LINES, NOISE, TEMPLATES, _batch, _mutate, numpy_path

from faasguard.logs import parse
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import MAX_LINE, TextBlock, discover, newline_positions
from faasguard.logs.model import Kind
from faasguard.logs.pipeline import Options, batches

if not parse.native_available():
    if os.environ.get("FAASGUARD_REQUIRE_NATIVE") == "1":
        pytest.fail("faasguard.logs._scan was not built (is a C compiler installed?)")
    pytest.skip("the C scanner is not built here", allow_module_level=True)

STAMP = "2024-05-01T03:00:00.138Z "


def _rows(messages: list[str], probes: bool = True) -> list[dict[str, Any]]:
    return _batch(messages, probes)


def _block(data: bytes) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    diagnostics = DiagnosticCounter()
    batch = parse.parse_text_block(
        TextBlock(data, 100, 7), source="f.log", function="fn", diagnostics=diagnostics
    )
    counted = {
        code: (count, diagnostics.first[code, source])
        for (code, source), count in diagnostics.counts.items()
    }
    return batch.to_pydict(), counted


def _both_blocks(data: bytes) -> tuple[Any, Any]:
    native = _block(data)
    with numpy_path():
        reference = _block(data)
    return native, reference


def test_templates_parse_like_the_expressions() -> None:
    native = _rows(TEMPLATES)
    assert native == _rows(TEMPLATES, probes=False)
    with numpy_path():
        assert _rows(TEMPLATES) == native
    assert [row["kind"] for row in native[:3]] == [Kind.REPORT] * 3
    assert native[0]["request_id"] == "8f5f2c1e-0b7a-4d4e-9c51-7a0f3b2e9d11"
    assert native[1]["init_ms"] == 310.22 and native[14]["max_memory_mb"] == 128


def test_numbers_outside_the_plain_shape_are_read_like_arrow() -> None:
    """``1.``, ``.5``, ``1.2.3``, 20-digit and 0-padded numbers: Arrow's cast decides."""
    rid = "0f-a"
    lines = [
        f"REPORT RequestId: {rid}\tDuration: {value} ms\tBilled Duration: 2 ms\t"
        f"Memory Size: 128 MB\tMax Memory Used: {memory} MB\tInit Duration: {value} ms"
        for value, memory in [
            ("1.", "1"),
            (".5", "007"),
            ("1.2.3", "1"),
            (".", "1"),
            ("12345678901234567890.123", "99999999999999999999"),
            ("0.1", "0"),
            ("00.50", "1"),
            ("9007199254740993", "1"),
        ]
    ]
    lines.append(
        '{"time":"x","type":"platform.report","record":{"metrics":{"durationMs":1.,'
        '"billedDurationMs":.5,"memorySizeMB":1.2.3,"maxMemoryUsedMB":00.50,'
        '"initDurationMs":123456789012345678}}}'
    )
    native = _rows(lines)
    assert native == _rows(lines, probes=False)
    assert native[0]["duration_ms"] == 1.0 and native[2]["duration_ms"] is None
    assert native[7]["duration_ms"] == 9007199254740992.0  # rounded like Arrow's parser


@settings(max_examples=400, deadline=None)
@given(MUTATED_LINES)
def test_mutated_lines_parse_like_the_expressions(
    lines: list[tuple[str, list[tuple[int, int, str]]]],
) -> None:
    messages = [_mutate(line, edits) for line, edits in lines]
    assert _rows(messages) == _rows(messages, probes=False)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [STAMP, "", "2024-13-01T03:00:00.138Z ", "2024-02-30T03:00:00.1x8Z ", "x" * 30]
            ),
            st.sampled_from(TEMPLATES),
            st.lists(
                st.tuples(st.integers(0, 60), st.integers(0, 3), st.sampled_from(list(NOISE))),
                max_size=2,
            ),
            st.sampled_from(["\n", "\r\n", "\r\r\n"]),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_mutated_blocks_split_like_the_numpy_path(
    lines: list[tuple[str, str, list[tuple[int, int, str]], str]],
) -> None:
    """Timestamps (good, impossible, absent), line endings, mutations around the prefix."""
    data = "".join(_mutate(stamp + message, edits) + end for stamp, message, edits, end in lines)
    native, reference = _both_blocks(data.encode())
    assert native == reference


def test_long_lines_non_ascii_and_invalid_utf8_split_like_thenumpy_path() -> None:
    long_line = STAMP + "INFO " + "a" * MAX_LINE + "tail"
    # The limit falls inside a two-byte character: both paths cut before it.
    long_accented = STAMP + "INFO " + "é" * (MAX_LINE // 2) + "tail"
    blocks = [
        (STAMP + "plain\n" + long_line + "\n" + STAMP + "after\n").encode(),
        (long_accented + "\n").encode(),
        (STAMP + "héllo wörld\n\n" + STAMP + "END RequestId: 1\n").encode(),
        STAMP.encode() + b"caf\xe9 latin-1\n" + STAMP.encode() + b"next\n",
        b"\n\n" + STAMP.encode() + b"x\r\n",
    ]
    for data in blocks:
        native, reference = _both_blocks(data)
        assert native == reference
    (cut, counted), _ = _both_blocks(blocks[0])
    assert counted["long-line"] == (1, ["line 8"])
    assert cut["message"][1] == "INFO " + "a" * (MAX_LINE - 5)
    (accented, counted), _ = _both_blocks(blocks[1])
    assert "invalid-utf8" not in counted and counted["long-line"] == (1, ["line 7"])
    assert accented["message"][0] == "INFO " + "é" * ((MAX_LINE - 5) // 2)
    (_, invalid), _ = _both_blocks(blocks[3])
    assert invalid["invalid-utf8"] == (1, ["line 7"])


def test_generated_logs_parse_the_same_with_and_without_the_scanner(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    """Every container of the generated logs (text blocks and JSON events) both ways."""
    root, _ = generated
    checked = 0
    for source in discover([str(root)], DiagnosticCounter()):
        native = [b.to_pydict() for b in batches(source, Options(), DiagnosticCounter())]
        with numpy_path():
            assert native == [
                b.to_pydict() for b in batches(source, Options(), DiagnosticCounter())
            ]
        checked += sum(len(b["kind"]) for b in native)
    assert checked > 50_000


@pytest.mark.parametrize(
    "data", [b"", b"no newline", b"\n" * 5000, b"a\nbb\n\nccc", b"x" * 70 + b"\n"]
)
def test_newline_positions_match_numpy(data: bytes) -> None:
    """Short lines overflow the first guess of the output size: the call is repeated."""
    expected = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    assert newline_positions(data).tolist() == expected.tolist()


#: Fragments the C scanner searches for, to be glued into lines in random order.
FRAGMENTS = [
    "approximateArrivalTimestamp",
    "ApproximateCreationDateTime",
    "SentTimestamp",
    '"requestId":',
    '"function_request_id":',
    '"level":',
    "REPORT RequestId: ",
    "Duration: ",
    '{"time":"',
    '","type":"platform.',
    '"durationMs":',
    '"status":',
    "Task timed out after ",
    "Runtime.OutOfMemory",
    "[ERROR]",
    "\tERROR\t",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=NOISE, max_size=8)),
            max_size=8,
        ),
        min_size=1,
        max_size=10,
    )
)
def test_fragment_soup_parses_like_the_expressions(lines: list[list[str]]) -> None:
    """Lines glued from the very fragments the scanner looks for, in any order."""
    messages = ["".join(parts) for parts in lines]
    assert _rows(messages) == _rows(messages, probes=False)
