"""Subscription and Firehose payloads read by the C extractor give exactly the reference's results.

The extractor (``_scan.payload_events`` behind :mod:`faasguard.logs.payload_native`) must give
the same batches (every column, same cuts) and the same diagnostics (counts and first
locations, in order) as the per-payload reference (``json.loads`` and a Python walk), on
generated logs, on payloads shaped every way the two could part (escapes, surrogates, odd
types, duplicate keys, deep nesting, huge numbers, invalid UTF-8), on damaged envelopes and
gzip, on Firehose objects with junk between or a break in the middle, and on random
mutations of a payload.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from test_logs_payload_bulk import (  # tests/logs is on sys.path
    _PAYLOADS,
    assert_same_as_reference,
    run_reader,
)

from faasguard.logs import ingest, payload_native, payload_reference

if not payload_native.available():
    if os.environ.get("FAASGUARD_REQUIRE_NATIVE") == "1":  # CI builds the extension
        pytest.fail("faasguard.logs._scan was not built (is a C compiler installed?)")
    pytest.skip("the C extractor is not built here", allow_module_level=True)


def _assert_same(path: Path, container: str, monkeypatch: pytest.MonkeyPatch) -> int:
    return assert_same_as_reference(path, container, monkeypatch, native=True)


def _envelope(payload: bytes) -> str:
    return json.dumps({"awslogs": {"data": base64.b64encode(gzip.compress(payload)).decode()}})


def _write(path: Path, container: str, payloads: list[bytes]) -> None:
    if container == "subscription":
        path.write_text("".join(_envelope(p) + "\n" for p in payloads))
    else:
        path.write_bytes(b"".join(gzip.compress(p) for p in payloads))


@pytest.mark.parametrize("container", ["subscription", "firehose"])
def test_generated_payloads_match_the_reference_without_python_decoding(
    payload_files: dict[str, Path], container: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = payload_files[container]
    assert _assert_same(big, container, monkeypatch) > 50_000

    def refuse(*args: object) -> None:
        raise AssertionError("a generated payload went to Python")

    monkeypatch.setattr(payload_reference, "payload_events", refuse)
    got, _ = run_reader(big, container, monkeypatch, native=True, bulk=False)
    assert sum(b.num_rows for b in got) > 50_000


_DATA = '{"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/f", "logStream": "s", '


def _events(*events: str, head: str = _DATA) -> str:
    return head + '"logEvents": [' + ", ".join(events) + "]}"


def _event(message: str = '"m"', ts: str = "1714521600474", event_id: str = '"7"') -> str:
    return f'{{"id": {event_id}, "timestamp": {ts}, "message": {message}}}'


_HOSTILE = [
    # messages: every escape, UTF-8, trailing newlines cut, NUL
    _events(_event(r'"tab\tnl\nq\" bs\\ sl\/ \b\f\r \u00e9\u20ac \ud83d\ude00 é€😀"')),
    _events(_event(r'"ends with newlines\n\n"'), _event(r'"\n"'), _event('""')),
    _events(_event(r'"nul \u0000 and \u001f and \u007f"')),
    _events(_event(r'"pair \uD83D\uDE00 upper hex"')),
    _events(_event(r'"lone high \ud83d then A \u0041"')),
    _events(_event(r'"lone low \ude00"')),
    _events(_event(r'"high then high \ud83d\ud83d\ude00"')),
    _events(_event(r'"bad escape \x41"')),
    _events(_event(r'"bad hex \u12G4"')),
    _events(_event('"raw\ttab"')),
    # timestamps
    _events(*(_event(ts=t) for t in ("-5", "0", "-0", str(2**63 - 1), str(-(2**63))))),
    _events(_event(ts="9223372036854775808"), _event(ts="-9223372036854775809")),
    _events(_event(ts="1" + "0" * 30)),
    _events(_event(ts="1e3")),
    _events(_event(ts="17145216004.5")),
    _events(*(_event(ts=t) for t in ("true", "false", "null", "{}", "[]", '{"a": [1]}'))),
    _events(_event(ts='"2024-05-01T02:01:17.736Z"')),
    _events(_event(ts="01")),
    _events(_event(ts="-")),
    _events(_event(ts="NaN")),
    _events(_event(ts="1.")),
    # ids, groups, streams
    _events(_event(event_id="5"), _event(event_id="null"), _event(event_id=r'"e\u0301"')),
    _events(_event(), head='{"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/", '),
    _events(_event(), head='{"messageType": "DATA_MESSAGE", "logGroup": 5, "logStream": [1], '),
    _events(_event(), head=r'{"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/f\u00e9", '),
    _events(_event(), head=r'{"messageType": "DATA_MESSAGE", "logStream": "a\"b", '),
    # keys
    _events('{"mess\\u0061ge": "escaped key"}'),
    _events(_event(), head=r'{"messageType": "DATA_MESSAGE", "log\u0047roup": "/aws/lambda/x", '),
    _events(_event(), head='{"messageType": "DATA_MESSAGE", "logGroup": "a", "logGroup": "b", '),
    _events('{"id": "1", "id": "2", "message": "m"}'),
    _events('{"timestamp": 1, "timestamp": 2, "message": "m"}'),
    _events(_event(), head='{"messageType": "DATA\\u005fMESSAGE", '),
    _events(_event(), head='{"messageType": 5, '),
    _events(_event(), head='{"messageType": "CONTROL_MESSAGE", '),
    _events("null", "5", '"s"', "[]", "{}", '{"message": null}', _event(), head=_DATA),
    _events("1", head='{"messageType": "CONTROL_MESSAGE", '),
    # logEvents of other types
    *(_DATA + f'"logEvents": {v}}}' for v in ("[]", "null", "{}", '""', "0", '"abc"', "5", "true")),
    '{"logEvents": [' + _event() + '], "messageType": "DATA_MESSAGE"}',  # type comes last
    '{"messageType": "CONTROL_MESSAGE", "logEvents": {"a": 1}}',
    # nesting and numbers anywhere
    _events(_event(), head=_DATA + '"x": ' + "[" * 61 + "]" * 61 + ", "),
    _events(_event(), head=_DATA + '"x": ' + "[" * 62 + "]" * 62 + ", "),
    _events(_event(), head=_DATA + '"x": ' + "[" * 70 + "]" * 70 + ", "),
    _events(_event(), head=_DATA + '"x": ' + "9" * 3990 + ", "),
    _events(_event(), head=_DATA + '"x": ' + "9" * 4400 + ", "),
    _events(_event(), head=_DATA + '"x": 1.' + "5" * 5000 + ", "),
    _events(_event(), head=_DATA + '"x": [1e400, -1E-3, 0.0, tru], '),
    _events(_event(), head=_DATA + '"x": Infinity, '),
    # whitespace, several objects, literals, encodings
    " \t\r\n" + _events(_event()).replace(", ", " ,\r\n\t") + " \n",
    _events(_event()) + " x",
    _events(_event()) + _events(_event()),
    "",
    "   ",
    "null",
    "[]",
    "\ufeff" + _events(_event()),
]

_BYTES_HOSTILE = [
    _events(_event('"invalid \xff utf-8"')).encode("latin-1"),
    _events(_event('"overlong \xc0\x80"')).encode("latin-1"),
    _events(_event('"encoded surrogate \xed\xa0\x80"')).encode("latin-1"),
    _events(_event('"cut \xe2\x82"')).encode("latin-1"),
    _events(_event('"4 bytes \xf0\x9f\x98\x80 and \xf4\x90\x80\x80"')).encode("latin-1"),
    _events(_event('"key"'), head=_DATA + '"k\xff": 1, ').encode("latin-1"),
]


def _good() -> bytes:
    return _events(_event('"START RequestId: 1 Version: $LATEST"'), _event()).encode()


@pytest.mark.parametrize("odd", range(len(_HOSTILE) + len(_BYTES_HOSTILE) + len(_PAYLOADS)))
@pytest.mark.parametrize("container", ["subscription", "firehose"])
def test_hostile_payloads_match_the_reference(
    tmp_path: Path, container: str, odd: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = [p.encode() for p in _HOSTILE] + _BYTES_HOSTILE + [p.encode() for p in _PAYLOADS]
    path = tmp_path / "in"
    _write(path, container, [_good(), every[odd], _good()])
    _assert_same(path, container, monkeypatch)


def test_envelopes_blank_lines_and_damaged_data_match_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _envelope(_good())
    data = base64.b64encode(gzip.compress(_good())).decode()
    split = _good()
    members = base64.b64encode(gzip.compress(split[:40]) + gzip.compress(split[40:])).decode()
    lines = [
        good,
        "",
        " \t\x0b\x0c",
        good + "\r",
        '{"awslogs": {"data": "' + data + '", "more": [1, {"a": null}]}, "x": 1}',
        '{ "awslogs" : { "data" : "' + data + '" } }',
        '{"awslogs": {"data": "' + data.replace("/", "\\/") + '"}}',  # escaped slashes
        '{"awslogs": [1]}',
        '{"awslogs": {"data": 5}}',
        '{"awslogs": {}}',
        "{}",
        '{"awslogs": {"data": "' + data + '"}, "awslogs": {"data": "' + data + '"}}',
        '{"awslogs": {"data": "!!"}}',
        '{"awslogs": {"data": "' + data[:-8] + '"}}',  # truncated gzip
        '{"awslogs": {"data": "' + base64.b64encode(b"not gzip").decode() + '"}}',
        '{"awslogs": {"data": "' + data[:10] + " \n"[0] + data[10:] + '"}}',  # a space inside
        '{"awslogs": {"data": "' + data + '=="}}',  # excess padding
        '{"awslogs": {"data": "' + data.rstrip("=") + '"}}',  # padding left out
        '{"awslogs": {"data": "' + data[:8] + "=" + data[9:] + '"}}',  # padding inside
        '{"awslogs": {"data": "' + data[:8] + "*" + data[9:] + '"}}',  # no base64 character
        '{"awslogs": {"data": "' + members + '"}}',  # one payload in two gzip members
        '{"awslogs": {"data": "' + data + '"}} trailing',
        "not json",
        '{"awslogs": {"data": "' + data + '"',
        good,
    ]
    path = tmp_path / "in"
    path.write_text("\n".join(lines) + "\n")
    assert _assert_same(path, "subscription", monkeypatch) == 20  # ten payloads read


def test_a_payload_over_the_limit_matches_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = gzip.compress(b" " * (33 * 1024 * 1024) + _good())
    path = tmp_path / "in"
    line = json.dumps({"awslogs": {"data": base64.b64encode(huge).decode()}})
    path.write_text(_envelope(_good()) + "\n" + line + "\n" + _envelope(_good()) + "\n")
    _assert_same(path, "subscription", monkeypatch)


_FIREHOSE_TEXT = [
    b"\n".join([_good(), _good(), _good()]) + b"\n",  # newline-delimited records
    _good() + _good() + b"\r\n" + _good(),  # back to back, CRLF
    _good() + b" x " + _good(),  # junk between payloads
    _good() + b"[1, 2]" + _good(),  # a value that is no object
    _good() + b'"text"' + _good(),
    _good() + b'{"messageType": }' + _good(),  # a break in the middle
    _good() + b'{"messageType": "DATA_MESSAGE", "logEvents": [{"message": "\\ud800"}]}' + _good(),
    _good() + b"{" * 70 + b"}" * 70 + _good(),
    _good() + _good()[:-5],  # broken off at the end
    _good() + b"}",
    b"\xef\xbb\xbf" + _good(),
    _good() + b"\x00\x00\x00",
]


@pytest.mark.parametrize("text", range(len(_FIREHOSE_TEXT)))
@pytest.mark.parametrize("compressed", [True, False])
def test_firehose_objects_match_the_reference(
    tmp_path: Path, text: int, compressed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "in"
    body = _FIREHOSE_TEXT[text]
    path.write_bytes(gzip.compress(body) if compressed else body)
    _assert_same(path, "firehose", monkeypatch)


def test_damaged_gzip_members_match_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = b"".join(gzip.compress(_good()) for _ in range(5))
    path = tmp_path / "in"
    for damaged in (
        members[:-30],  # truncated inside the last member
        members + b"trailing junk",
        members[:100] + bytes(50) + members[150:],  # corrupt deflate data
        members + b"\x00" * 16,  # zero padding after the last member
    ):
        path.write_bytes(damaged)
        _assert_same(path, "firehose", monkeypatch)


def test_many_small_payloads_and_events_fill_the_outputs_and_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The extractor's outputs are sized for usual payloads; denser input stops it ("full")
    # and the reader calls it again from there.
    tiny = b'{"messageType": "CONTROL_MESSAGE"}'
    small = _events('{"message":""}', '{"message":""}').encode()
    path = tmp_path / "in"
    path.write_bytes(gzip.compress(b"".join([tiny] * 40_000 + [small] * 30_000 + [_good()])))
    assert _assert_same(path, "firehose", monkeypatch) == 60_002
    many = _events(*(['{"message":""}'] * 70_000)).encode()
    _write(path, "subscription", [tiny] * 3000 + [many, _good()])
    assert _assert_same(path, "subscription", monkeypatch) == 70_002


_PIECES = ['"', "\\", "\\u", "\\ud83d", "{", "}", "[", "]", ",", ":", " ", "0", "-", "e"]
_PIECES += ["é", "\x00"]


def test_random_mutations_match_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = _events(
        _event(r'"[INFO]\t2024-05-01T00:00:00.263Z\tid\tReceived {\"a\": \"\u00e9\"}"'),
        _event(ts="1714521600475", event_id='"8"'),
        head=_DATA + '"owner": "1", "subscriptionFilters": ["f"], ',
    )
    rng = random.Random(13)
    path = tmp_path / "in"
    for trial in range(150):
        text = seed
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text))
            cut = rng.choice([0, 0, 1, 2])
            text = text[:at] + rng.choice([*_PIECES, ""]) + text[at + cut :]
        container = "firehose" if trial % 2 else "subscription"
        _write(path, container, [_good(), text.encode("utf-8", "surrogatepass"), _good()])
        _assert_same(path, container, monkeypatch)


def test_groups_stopped_at_the_payload_that_fills_a_batch_match_the_reference(
    payload_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small groups: the extractor stops at the payload that fills the open batch many
    # times, and the payloads after it wait for the next call, across text blocks, around
    # a line Python reads and a payload it decodes.
    lines = payload_files["subscription"].read_bytes().splitlines(keepends=True)
    lone = _events(_event(r'"\udc00 lone"')).encode()
    middle = [b'{"not": "an envelope"}\n', (_envelope(lone) + "\n").encode()]
    path = tmp_path / "in"
    path.write_bytes(b"".join(lines[: len(lines) // 2] + middle + lines[len(lines) // 2 :]))
    monkeypatch.setattr(payload_native, "GROUP_BYTES", 64 * 1024)
    stops: list[int] = []
    extract = payload_native._extract

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = extract(*args, **kwargs)
        stops.append(found.stop)
        return found

    monkeypatch.setattr(payload_native, "_extract", spy)
    assert _assert_same(path, "subscription", monkeypatch) > 50_000
    assert payload_native._LIMIT in stops


def test_firehose_objects_cut_between_inflated_chunks_match_the_reference(
    payload_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 1000 bytes: nearly every payload runs on into the next chunk (and some
    # over several), with a payload Python decodes among them.
    data = gzip.decompress(payload_files["firehose"].read_bytes())[:3_000_000]
    lone = _events(_event(r'"\udc00 lone"')).encode()
    cut = data.rfind(b"}{", 0, 1_500_000) + 1
    path = tmp_path / "in"
    path.write_bytes(gzip.compress(data[:cut] + lone + b"\n" + data[cut : data.rfind(b"}") + 1]))
    monkeypatch.setattr(ingest, "MAX_INFLATE_CHUNK", 1000)
    assert _assert_same(path, "firehose", monkeypatch) > 5000
