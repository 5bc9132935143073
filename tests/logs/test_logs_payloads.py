"""LOG017 on the payload engine: one alert per class and hour, counts are lines, and the
evidence is the payload (cut to 200 characters around it, secrets redacted) with its path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from faasguard.logs.analyze import AnalyzeConfig, analyze
from faasguard.logs.payload_hits import EVIDENCE_CHARS
from faasguard.rules import log_rules

RID = "0f2a9c1e-0b7a-4d4e-9c51-7a0f3b2e9d1{}"


def _line(second: int, n: int, message: str) -> str:
    # a CloudWatch export line: the event's timestamp, then a Node.js runtime message
    ts = f"2024-05-01T10:00:{second:02d}.000Z"
    return f"{ts} {ts}\t{RID.format(n)}\tINFO\t{message}\n"


def _event(body: object, **query: str) -> str:
    return "Received event: " + json.dumps(
        {"httpMethod": "POST", "path": "/orders", "queryStringParameters": query, "body": body}
    )


def _alerts(root: Path, lines: list[str]) -> list[Any]:
    folder = root / "aws" / "lambda" / "api"
    folder.mkdir(parents=True)
    (folder / "2024-05-01-10.log").write_text("".join(lines))
    result = analyze([str(root)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)
    return [a for a in result.alerts if a.rule_id == "LOG017"]


def test_payload_shown_with_its_path_and_lines_counted_once(tmp_path: Path) -> None:
    filler = "x" * 400
    alerts = _alerts(
        tmp_path,
        [
            # one line, two payloads of one class in two fields: one line counted
            _line(1, 1, _event("' OR 1=1 UNION SELECT password FROM users--", id="1 or 1=1")),
            # a long value: the evidence is cut around the payload, not at the line's start
            _line(2, 2, _event(filler + "<svg onload=alert(document.cookie)>" + filler)),
            _line(3, 3, _event('{"name": "ok"}', q="fine")),
            # a secret beside the payload is redacted in the evidence
            _line(4, 4, _event("token=AKIAIOSFODNN7EXAMPLQ ; cat /etc/shadow")),
        ],
    )
    by_class = {a.properties["category"]: a for a in alerts}
    assert set(by_class) == {"sqli", "xss", "cmdi"}
    sqli = by_class["sqli"]
    assert sqli.properties["count"] == 1
    assert sqli.message.startswith("sqli payload logged by api in 1 line(s) (found by: ")
    assert sqli.evidence[0].text == "sqli in $.body: ' OR 1=1 UNION SELECT password FROM users--"
    assert sqli.evidence[0].line == 1
    xss = by_class["xss"].evidence[0].text
    assert xss.startswith("xss in $.body: …x") and xss.endswith("x…")
    assert "<svg onload=alert(document.cookie)>" in xss and len(xss) <= EVIDENCE_CHARS
    cmdi = by_class["cmdi"].evidence[0].text
    assert cmdi == "cmdi in $.body: token=[redacted aws-access-key] ; cat /etc/shadow"


def test_clean_events_and_prose_give_no_alert(tmp_path: Path) -> None:
    alerts = _alerts(
        tmp_path,
        [
            _line(1, 1, _event("Select the best option from the list", q="O'Brien")),
            _line(2, 2, "user said: drop me a line; AT&T union of workers"),
            _line(3, 3, _event({"redirect": "https://app.example.com/callback?next=/home"})),
        ],
    )
    assert alerts == []


def test_nosql_operator_in_a_logged_json_body(tmp_path: Path) -> None:
    # the body is JSON: read leaf by leaf, the operator is a key (one line, one count)
    body = json.dumps({"username": {"$ne": None}, "password": {"$ne": None}})
    clean = json.dumps({"_id": {"$oid": "5f1d7a"}, "$schema": "x", "price": "$in stock"})
    alerts = _alerts(tmp_path, [_line(1, 1, _event(body)), _line(2, 2, _event(clean))])
    (alert,) = alerts
    assert alert.properties["category"] == "nosqli" and alert.properties["count"] == 1
    assert alert.evidence[0].text == "nosqli in $.body<json>.username['$ne']<key>: $ne"
