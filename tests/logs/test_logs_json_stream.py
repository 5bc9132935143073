"""Streaming JSON documents item by item: ``filter-log-events`` output and CloudTrail files.

Whole-document reading took ~4x the file size in memory (1.26 GB peak for a 304 MB
``filter-log-events`` file); ``json_items`` keeps one chunk and one item.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.logs import ingest
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.ingest import json_items
from faasguard.rules import log_rules

EVENTS = [
    {"timestamp": 1714521608159, "message": "héllo wörld ✓", "eventId": "1"},
    {"timestamp": 1714521608160.5, "message": 'with "quotes" and \\ and \n', "x": [1, {}]},
    {"timestamp": -12e3, "message": "", "nested": {"events": [1, 2]}},
]


def _items(path: Path, key: str = "events") -> tuple[list[Any], dict[str, list[str]]]:
    diagnostics = DiagnosticCounter()
    items = [item for _, item in json_items(str(path), key, diagnostics)]
    return items, {code: diagnostics.first[code, src] for code, src in diagnostics.counts}


# (the gzip test needs 2 bytes to see the gzip magic in the first read)
@pytest.mark.parametrize("chunk", [2, 3, 7, 64, 1 << 20])
def test_items_equal_json_loads_at_every_chunk_size(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunk boundaries inside numbers, strings, escapes and multi-byte characters."""
    monkeypatch.setattr(ingest, "_READ_SIZE", chunk)
    body = {"nextToken": "abc", "events": EVENTS, "searchedLogStreams": [{"a": 1}]}
    path = tmp_path / "out.json"
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False))
    escaped = tmp_path / "escaped.json"  # \u escapes and surrogate pairs cut anywhere
    escaped.write_text(json.dumps({"events": [*EVENTS, {"m": "😀 é"}]}))
    assert _items(escaped) == ([*EVENTS, {"m": "😀 é"}], {})
    assert _items(path) == (EVENTS, {})
    gz = tmp_path / "out.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(body).encode()))
    assert _items(gz) == (EVENTS, {})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.text(max_size=5),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
                max_leaves=6,
            ),
            max_size=4,
        ),
        max_size=6,
    ),
    st.integers(1, 9),
)
def test_any_json_array_streams_like_json_loads(items: list[dict[str, Any]], chunk: int) -> None:
    original = ingest._READ_SIZE
    ingest._READ_SIZE = chunk
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "doc.json"
            path.write_text(json.dumps({"Records": items}, ensure_ascii=False))
            assert _items(path, "Records") == (items, {})
    finally:
        ingest._READ_SIZE = original


def test_broken_documents_keep_what_came_before(tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps({"events": EVENTS})[:-40])
    items, problems = _items(cut)
    assert items == EVENTS[:2]
    assert list(problems) == ["invalid-json"] and "/events/2" in problems["invalid-json"][0]
    bad = tmp_path / "bad.json"
    bad.write_text('{"events": [{"a": 1}, {"a": tru}, {"a": 3}]}')
    items, problems = _items(bad)
    assert items == [{"a": 1}]
    assert "/events/1" in problems["invalid-json"][0]
    for text, reason in [
        ("[1, 2]", "not a JSON object"),
        ('{"other": []}', "no events list"),
        ('{"events": {"a": 1}}', "no events list"),
        ("", "not a JSON object"),
    ]:
        path = tmp_path / "x.json"
        path.write_text(text)
        items, problems = _items(path)
        assert items == [] and reason in problems["invalid-json"][0], text


def test_an_oversized_item_is_refused_without_reading_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "MAX_JSON_ITEM", 1000)
    monkeypatch.setattr(ingest, "_READ_SIZE", 256)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"events": [{"m": "x"}, {"m": "y" * 5000}, {"m": "z"}]}))
    items, problems = _items(path)
    assert items == [{"m": "x"}]
    assert "over 1000 bytes" in problems["invalid-json"][0]


def test_lone_surrogate_escapes_never_stop_a_source(tmp_path: Path) -> None:
    """``"\\ud800"`` is valid JSON but no UTF-8: JSON lines and filter-log-events documents
    keep the event with U+FFFD instead of failing (and the document counts it)."""
    from faasguard.logs.pipeline import Options, batches  # noqa: PLC0415

    lines = tmp_path / "a.jsonl"
    lines.write_text(
        '{"timestamp": 1714521608159, "message": "ok", "logGroup": "/aws/lambda/f"}\n'
        '{"timestamp": 1714521608160, "message": "bad \\ud800 x", "logGroup": "/aws/lambda/f"}\n'
    )
    document = tmp_path / "b.json"
    document.write_text(
        '{"events": [{"timestamp": 1714521608159, "message": "y \\udc00 z",'
        ' "logGroupName": "/aws/lambda/f", "eventId": "1"}]}'
    )
    for path, expected in [(lines, ["ok", "bad \ufffd x"]), (document, ["y \ufffd z"])]:
        diagnostics = DiagnosticCounter()
        (source,) = ingest.discover([str(path)], diagnostics)
        messages = [
            m
            for b in batches(source, Options(), diagnostics)
            for m in b.column("message").to_pylist()
        ]
        assert messages == expected


def test_a_subscription_payload_bomb_is_skipped_and_counted(tmp_path: Path) -> None:
    """A payload that inflates past 32 MB is no CloudWatch payload: skipped, counted, and
    the lines after it are read."""
    import base64  # noqa: PLC0415

    from faasguard.logs.pipeline import Options, batches  # noqa: PLC0415

    def line(payload: bytes) -> str:
        return json.dumps({"awslogs": {"data": base64.b64encode(gzip.compress(payload)).decode()}})

    good = {
        "messageType": "DATA_MESSAGE",
        "logGroup": "/aws/lambda/f",
        "logStream": "s",
        "logEvents": [{"id": "1", "timestamp": 1714521608159, "message": "after the bomb"}],
    }
    bomb = b'{"messageType": "DATA_MESSAGE", "logEvents": [], "pad": "' + b" " * (40 << 20) + b'"}'
    path = tmp_path / "sub.jsonl"
    path.write_text(line(bomb) + "\n" + line(json.dumps(good).encode()) + "\n")
    diagnostics = DiagnosticCounter()
    (source,) = ingest.discover([str(path)], diagnostics)
    assert source.container == "subscription"
    messages = [
        m for b in batches(source, Options(), diagnostics) for m in b.column("message").to_pylist()
    ]
    assert messages == ["after the bomb"]
    assert diagnostics.counts[("too-large", str(path))] == 1
    assert "line 1" in diagnostics.first[("too-large", str(path))][0]


def test_values_one_after_another_with_or_without_separators(tmp_path: Path) -> None:
    path = tmp_path / "firehose"
    path.write_bytes(b'{"a": 1}{"b": [2]}\n{"c": "x"}  {"d": null}')
    diagnostics = DiagnosticCounter()
    assert list(ingest.json_values(str(path), diagnostics)) == [
        (0, {"a": 1}),
        (1, {"b": [2]}),
        (2, {"c": "x"}),
        (3, {"d": None}),
    ]
    assert not diagnostics.counts
    broken = tmp_path / "broken"
    broken.write_bytes(b'{"a": 1}{"b": oops}{"c": 3}')
    values = list(ingest.json_values(str(broken), diagnostics))
    assert values == [(0, {"a": 1})]
    assert "value 1" in diagnostics.first[("invalid-json", str(broken))][0]


def test_firehose_delivered_payloads_give_the_subscription_findings(tmp_path: Path) -> None:
    """Subscription payloads as Firehose writes them to S3 (gzip members back to back, no
    newline) are read like the same payloads in subscription-filter envelopes."""
    from faasguard.logs.analyze import AnalyzeConfig, analyze  # noqa: PLC0415
    from faasguard.logs.generator import generate  # noqa: PLC0415

    found = {}
    for container in ("subscription", "firehose"):
        out = tmp_path / container
        generate(out, size=3_000_000, seed=5, container=container)
        if container == "firehose":
            kinds = {s.container for s in ingest.discover([str(out)], DiagnosticCounter())}
            assert kinds == {"firehose", "cloudtrail"}
        result = analyze([str(out)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)
        found[container] = sorted(
            (a.rule_id, a.function, a.start, a.end, a.message) for a in result.alerts
        )
        assert not result.report.diagnostics
    assert found["firehose"] == found["subscription"]
    assert {rule for rule, *_ in found["firehose"]} >= {"LOG010", "LOG017", "LOG021"}


def test_odd_log_events_are_counted_not_fatal(tmp_path: Path) -> None:
    """``logEvents`` that is no list (a number, an object, a string) in a payload."""
    import base64  # noqa: PLC0415

    from faasguard.logs.pipeline import Options, batches  # noqa: PLC0415

    payloads = [
        {"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/f", "logEvents": 7},
        {"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/f", "logEvents": {"k": 1}},
        {
            "messageType": "DATA_MESSAGE",
            "logGroup": "/aws/lambda/f",
            "logEvents": [{"id": "1", "timestamp": 1714521608159, "message": "kept"}],
        },
    ]
    path = tmp_path / "sub.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "awslogs": {
                        "data": base64.b64encode(gzip.compress(json.dumps(p).encode())).decode()
                    }
                }
            )
            + "\n"
            for p in payloads
        )
    )
    diagnostics = DiagnosticCounter()
    (source,) = ingest.discover([str(path)], diagnostics)
    messages = [
        m for b in batches(source, Options(), diagnostics) for m in b.column("message").to_pylist()
    ]
    assert messages == ["kept"]
    assert diagnostics.counts[("invalid-json", str(path))] == 2


def test_a_gzip_member_ending_with_a_read_buffer_is_followed_by_the_next(
    tmp_path: Path,
) -> None:
    # A stored (uncompressed) member of exactly one read buffer, then a second member: the
    # reader used to stop after the first (nothing left of the buffer looked like the end).
    text = b"a" * ingest._READ_SIZE
    first = gzip.compress(text, compresslevel=0, mtime=0)
    text = text[: len(text) - (len(first) - ingest._READ_SIZE)]
    first = gzip.compress(text, compresslevel=0, mtime=0)
    assert len(first) == ingest._READ_SIZE
    path = tmp_path / "object"
    path.write_bytes(first + gzip.compress(b"second member\n", mtime=0))
    diagnostics = DiagnosticCounter()
    assert b"".join(ingest.iter_decompressed(str(path), diagnostics)) == text + b"second member\n"
    assert not diagnostics.counts
