"""Ingest and parse: every field, malformed input counted with its location, never fatal."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.logs.analyze import AnalyzeConfig, analyze
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import TextBlock, discover, text_blocks
from faasguard.logs.model import Kind
from faasguard.logs.parse import parse_text_block
from faasguard.rules import log_rules

RID = "8f5f2c1e-0b7a-4d4e-9c51-7a0f3b2e9d11"
LINES = [
    "2024-05-01T10:00:00.100Z INIT_START Runtime Version: python:3.12.v18",
    f"2024-05-01T10:00:00.512Z START RequestId: {RID} Version: $LATEST",
    f"2024-05-01T10:00:00.513Z [INFO]\t2024-05-01T10:00:00.513Z\t{RID}\thello",
    "2024-05-01T10:00:01.000Z [ERROR] KeyError: 'id'\rTraceback (most recent call last):",
    f"2024-05-01T10:00:03.512Z 2024-05-01T10:00:03.512Z {RID} Task timed out after 3.00 seconds",
    f"2024-05-01T10:00:03.513Z END RequestId: {RID}",
    f"2024-05-01T10:00:03.513Z REPORT RequestId: {RID}  Duration: 3000.41 ms  Billed "
    "Duration: 3000 ms  Memory Size: 128 MB  Max Memory Used: 41 MB  Init Duration: 310.22 ms",
    "garbage without a timestamp",
    "2024-13-45T10:00:00.000Z START RequestId: x Version: 1",
]


def _parse(lines: list[str]) -> tuple[list[dict[str, object]], DiagnosticCounter]:
    counter = DiagnosticCounter()
    block = TextBlock("".join(f"{line}\n" for line in lines).encode(), 0, 1)
    batch = parse_text_block(block, source="f.log", function="fn", diagnostics=counter)
    return batch.to_pylist(), counter


def test_fields_of_every_line_shape() -> None:
    rows, counter = _parse(LINES)
    kinds = [r["kind"] for r in rows]
    assert kinds == [
        Kind.INIT_START,
        Kind.START,
        Kind.APP,
        Kind.APP,
        Kind.TIMEOUT,
        Kind.END,
        Kind.REPORT,
        Kind.UNKNOWN,
        Kind.START,
    ]
    report = rows[6]
    assert report["duration_ms"] == 3000.41 and report["billed_ms"] == 3000
    assert report["memory_mb"] == 128 and report["max_memory_mb"] == 41
    assert report["init_ms"] == 310.22 and report["request_id"] == RID
    assert rows[3]["level"] == "ERROR" and rows[3]["error_type"] == "KeyError"
    assert rows[4]["timed_out"] and rows[4]["timeout_s"] == 3.0
    assert rows[1]["ts"].isoformat() == "2024-05-01T10:00:00.512000+00:00"
    assert [r["line"] for r in rows] == list(range(1, 10))
    assert rows[1]["offset"] == len(LINES[0]) + 1
    assert rows[8]["ts"] is None
    assert counter.total("unknown-line") == 1 and counter.total("bad-timestamp") == 1
    assert counter.first[("bad-timestamp", "f.log")] == ["line 9"]


def test_json_log_format_records() -> None:
    report = json.dumps(
        {
            "time": "2024-05-01T10:00:00.000Z",
            "type": "platform.report",
            "record": {
                "requestId": RID,
                "metrics": {
                    "durationMs": 12.5,
                    "billedDurationMs": 13,
                    "memorySizeMB": 256,
                    "maxMemoryUsedMB": 256,
                    "initDurationMs": 99.0,
                },
                "status": "timeout",
            },
        }
    )
    powertools = json.dumps(
        {
            "level": "ERROR",
            "message": "boom",
            "exception_name": "ValueError",
            "function_request_id": RID,
        }
    )
    rows, _ = _parse(
        [f"2024-05-01T10:00:00.000Z {report}", f"2024-05-01T10:00:00.000Z {powertools}"]
    )
    assert rows[0]["kind"] == Kind.REPORT and rows[0]["duration_ms"] == 12.5
    assert rows[0]["init_ms"] == 99.0 and rows[0]["timed_out"]
    assert rows[1]["error_type"] == "ValueError" and rows[1]["request_id"] == RID


def test_malformed_inputs_are_counted_and_the_run_goes_on(tmp_path: Path) -> None:
    good = "\n".join(LINES[:7]) + "\n"
    group = tmp_path / "aws" / "lambda" / "fn"
    group.mkdir(parents=True)
    truncated = gzip.compress((good * 200).encode())
    (group / "truncated.log.gz").write_bytes(truncated[: len(truncated) // 2])
    (group / "junk.log").write_bytes(
        good.encode() + b"\x00\xff\xfe binary \x80\n" + b"x" * 300_000 + b"\n" + good.encode()
    )
    (tmp_path / "broken.jsonl").write_text('{"message": "ok", "timestamp": 1}\n{not json\n')
    (tmp_path / "events.json").write_text('{"events": [{"message": 1}]}')
    result = analyze([str(tmp_path)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)
    codes = {d.code for d in result.report.diagnostics}
    assert {
        "logs-truncated-gzip",
        "logs-invalid-utf8",
        "logs-long-line",
        "logs-invalid-json",
        "logs-unknown-line",
    } <= codes
    junk = next(d for d in result.report.diagnostics if d.code == "logs-invalid-utf8")
    assert junk.location is not None and junk.location.file.endswith("junk.log")
    assert junk.location.line == 8
    # What could be read still counts: the truncated file contributed invocations.
    assert result.state.functions["fn"].invocations > 20


def test_blocks_split_on_line_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    lines = [f"2024-05-01T10:00:00.000Z line {i}" for i in range(5000)]
    path.write_text("\n".join(lines))  # no final newline
    blocks = list(text_blocks(str(path), DiagnosticCounter(), block_size=4096))
    assert len(blocks) >= 2
    assert b"".join(b.data for b in blocks).decode().splitlines() == lines
    assert all(b.data.endswith(b"\n") for b in blocks)
    assert blocks[1].first_line == blocks[0].data.count(b"\n") + 1


def test_discover_sniffs_containers(generated: tuple[Path, dict[str, object]]) -> None:
    root, _ = generated
    kinds = {s.container for s in discover([str(root)], DiagnosticCounter())}
    assert kinds == {"text", "subscription", "filter-log-events", "jsonl", "cloudtrail"}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)),
            max_size=80,
        ),
        max_size=20,
    )
)
def test_any_text_parses_without_losing_lines(lines: list[str]) -> None:
    rows, counter = _parse([f"2024-05-01T10:00:00.000Z {t}" for t in lines] + lines)
    assert len(rows) == 2 * len(lines)
    assert [r["message"] for r in rows[: len(lines)]] == lines
    unknown = sum(1 for r in rows if r["kind"] == Kind.UNKNOWN)
    assert counter.total("unknown-line") == unknown
    assert all(r["ts"] is not None for r in rows[: len(lines)])
