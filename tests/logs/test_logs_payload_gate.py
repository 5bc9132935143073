"""LOG017's line gate keeps every log line the payload engine flags, and little else.

The equivalence check places labelled values of ``../shared/payloads/values.tsv`` (attacks
and benign values, nobody here wrote them) in four log layouts: a logged API Gateway event
in a text line, the same event inside a JSON log line (JSON in JSON), a sentence and the
bare value as the whole message. Every line the engine flags (``message_hits``) must be
among the lines the gate keeps, with both matcher backends.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from faasguard.logs import payload_gate
from faasguard.logs.patterns import Matcher, hyperscan_available
from faasguard.logs.payload_gate import checked_rows, gate, row_starts
from faasguard.logs.payload_hits import message_hits
from faasguard.logs.payload_literals import marked, necessary, weak_alternatives
from faasguard.payloads.grammar import ALTERNATIVES

VALUES = Path(__file__).parents[2].parent / "shared" / "payloads" / "values.tsv"
needs_values = pytest.mark.skipif(not VALUES.exists(), reason="../shared/payloads not beside")
needs_hyperscan = pytest.mark.skipif(not hyperscan_available(), reason="no hyperscan wheel")
_ESCAPE = re.compile(r"\\(\\|t|n|r|x[0-9a-fA-F]{2})")


def _value(escaped: str) -> str:
    """A value of values.tsv with its escaping (README: ``\\\\ \\t \\n \\r \\xHH``) undone."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(code) or chr(int(code[1:], 16))

    return _ESCAPE.sub(one, escaped)


def _values(step: int) -> list[str]:
    rows = VALUES.read_text(encoding="utf-8").splitlines()[1::step]
    return [_value(row.split("\t", 2)[2]) for row in rows]


def _layouts(value: str) -> list[str]:
    event = {"httpMethod": "POST", "path": "/orders", "queryStringParameters": {"q": value}}
    event["body"] = value
    logged = "Received event: " + json.dumps(event)
    return [
        logged,
        json.dumps({"level": "INFO", "message": logged, "requestId": "4f1c"}),
        "user input: " + value.replace("\n", " "),
        value.replace("\n", " "),
    ]


def _kept(messages: list[str], backend: str) -> set[int]:
    matcher = Matcher(backend=backend)
    injection = np.asarray([p.kind == "injection" for p in matcher.patterns])
    rows, ids, starting = matcher.scan_rows(
        pa.array(messages, pa.string()), np.ones(len(messages), dtype=bool), checked_rows
    )
    return set(rows[injection[ids]].tolist()) | set(starting.tolist())


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no log line holds one
        return False
    return True


@needs_values
@pytest.mark.parametrize(
    ("backend", "step"),
    [
        pytest.param("hyperscan", 29, marks=needs_hyperscan),
        ("re", 97),
    ],
)
def test_no_line_the_engine_flags_is_dropped(backend: str, step: int) -> None:
    lines = [line for v in _values(step) for line in _layouts(v) if _encodable(line)]
    kept = _kept(lines, backend)
    flagged = [i for i, line in enumerate(lines) if message_hits(line)]
    assert len(flagged) > 200  # the set has attacks to find, in every layout
    assert [lines[i] for i in flagged if i not in kept] == []


#: Lines as Lambda functions log them, none holding a payload. (A URL, or a JSON value that
#: starts with "or"/"and", is kept: the engine reads such lines and finds nothing.)
LOGGED = [
    "processed item 72219 for tenant t-25",
    'Received event: {"httpMethod": "GET", "path": "/products?page=2", "body": null}',
    '{"timestamp":"2024-05-01T08:50:18.658Z","level":"INFO","message":"Received event: '
    '{\\"httpMethod\\": \\"GET\\", \\"path\\": \\"/orders/1042\\", \\"body\\": null}",'
    '"logger":"root","requestId":"c981d68b-2543-4671-b7b4-820a96b18fb1"}',
    '{"level":"INFO","location":"handler:31","message":"payment 42 captured",'
    '"service":"payments","cold_start":false,"function_name":"payments"}',
    "cache miss for key user-42, ttl 300 s",
    "config loaded from /var/task/config.json",
]


@pytest.mark.parametrize("backend", [pytest.param("hyperscan", marks=needs_hyperscan), "re"])
def test_ordinary_log_lines_are_not_kept(backend: str) -> None:
    assert _kept(LOGGED, backend) == set()
    assert [message_hits(line) for line in LOGGED] == [[]] * len(LOGGED)


@pytest.mark.parametrize("backend", [pytest.param("hyperscan", marks=needs_hyperscan), "re"])
@pytest.mark.parametrize(
    "line",
    [
        "q=%2e%2e%2fetc",  # URL encoding
        '{"q": "\\u0027 or 1=1"}',  # a JSON escape
        "name=${lower:j}ndi",  # a Log4j lookup
        "caf\u00e9 <",  # beyond ASCII
        "a\x00b",  # a control character
        '{"isBase64Encoded": true, "body": "JyBvciAxPTE="}',  # a body the walker decodes
        "it's",  # libinjection's punctuation
        "//evil.example.com/",  # a weak alternative anchored at the message's start
    ],
)
def test_marked_lines_are_kept(backend: str, line: str) -> None:
    assert _kept(["ordinary line", line], backend) == {1}


def test_the_grammar_reduces_to_literals_or_weak_alternatives() -> None:
    # every alternative has necessary literals (or needs a mark); the weak ones are few
    for alternatives in ALTERNATIVES.values():
        for alternative in alternatives:
            necessary(alternative)
    assert len(weak_alternatives()) < 40
    assert all(expression for _, expression in gate())
    packed, first_bytes, _ = row_starts()
    assert not first_bytes.all()  # message starts are compared, not every row matched
    assert sum(len(heads) for _, heads in packed) > 0


def test_the_packaged_gate_is_the_one_the_grammar_builds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # a grammar or builder change must come with `python -m faasguard.logs.payload_gate`
    assert payload_gate.main(["--check"]) == 0, capsys.readouterr().out
    stored = payload_gate._stored()
    assert stored["fingerprint"] == payload_gate.fingerprint()
    assert [tuple(item) for item in stored["gate"]] == list(payload_gate._build_gate())


def test_a_stale_packaged_gate_is_rebuilt_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = payload_gate.built()
    stale = {**fresh, "fingerprint": "0" * 64, "gate": [["gate:marks", "nothing"]]}
    monkeypatch.setattr(payload_gate, "load_json", lambda name: stale)
    payload_gate._stored.cache_clear()
    try:
        assert payload_gate._stored()["gate"] == fresh["gate"]
    finally:
        payload_gate._stored.cache_clear()


@needs_values
def test_literals_are_in_every_match_and_survive_json_escaping() -> None:
    """Wherever an alternative matches a value, one of its necessary literals is in the
    value as a JSON log line shows it, or the value holds a mark."""
    values = [v for v in _values(37) if _encodable(v) and not marked(v)]
    misses = []
    for pid, alternatives in ALTERNATIVES.items():
        for index, alternative in enumerate(alternatives):
            literals = necessary(alternative)
            pattern = re.compile(alternative.encode(), re.IGNORECASE)
            for value in values:
                if pattern.search(value.encode()) is None:
                    continue
                shown = (value.lower(), json.dumps(value).lower(), json.dumps(json.dumps(value)))
                if not any(all(t in s.lower() for s in shown) for t in literals):
                    misses.append((pid, index, value))
    assert misses == []


@pytest.mark.parametrize("seed", range(3))
def test_marked_rows_native_and_numpy_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    # mostly plain ASCII, with marked bytes sprinkled in; empty and long rows too
    data = bytes(rng.choice(np.frombuffer(b'abc {}:,"-_/=.0123', np.uint8), 20_000))
    data = bytearray(data)
    for at in rng.integers(0, len(data), 40):
        data[int(at)] = int(rng.choice([0x28, 0x3B, 0x27, 0x01, 0x7F, 0xC3, 0xFF, 0x26]))
    cuts = np.sort(rng.integers(0, len(data), 600))
    offsets = np.concatenate([[0], cuts, [len(data)]]).astype(np.int64)
    expected = [
        i
        for i in range(len(offsets) - 1)
        if any(payload_gate.mark_bytes()[b] for b in data[offsets[i] : offsets[i + 1]])
    ]
    assert payload_gate.marked_rows(bytes(data), offsets).tolist() == expected
    monkeypatch.setattr(payload_gate, "_native", None)
    assert payload_gate.marked_rows(bytes(data), offsets).tolist() == expected


def test_the_byte_marks_are_checked_outside_the_database() -> None:
    # one byte of each kind keeps its line; the database holds no one-byte class
    lines = ["plain words only", "a (call)", "caf\u00e9", "bell \x07", "x; y", "ok"]
    assert _kept(lines, "re") == {1, 2, 3, 4}
    marks = dict(gate())["gate:marks"]
    assert "\\x80-\\xff" not in marks and "['`;#()<>&|*]" not in marks


def test_without_the_builders_source_the_gate_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    # a frozen or source-stripped install: no fingerprint to trust, so no stored gate either
    packaged = payload_gate.load_json(payload_gate.GATE_FILE)
    monkeypatch.setattr(payload_gate.payload_literals, "__file__", None)
    assert payload_gate.fingerprint() != packaged["fingerprint"]
    payload_gate._stored.cache_clear()
    try:
        assert payload_gate._stored()["gate"] == payload_gate.built()["gate"]
    finally:
        payload_gate._stored.cache_clear()
