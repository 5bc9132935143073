"""scan_event's walker against the leaf-by-leaf walk it replaced: the same EventHit list, in
the same order, on generated events of every trigger kind (nested JSON in JSON, base64
Kinesis/DynamoDB data, URL-encoded S3 keys, keys with odd characters, the depth and leaf
limits)."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import pytest

from faasguard.payloads import EventHit, detect, detect_trigger, events, scan_event

ATTACKS = [
    "1' OR '1'='1",
    "<img src=x onerror=alert(1)>",
    "../../../../etc/passwd",
    "; cat /etc/shadow",
    "http://169.254.169.254/latest/meta-data/",
    "${${lower:j}ndi:ldap://x.test/a}",
    '{"user": {"$ne": null}}',
    "%0d%0aSet-Cookie:%20session=evil",
]
BENIGN = ["O'Brien", "hello world", "SKU-00042", "", " ", "café ☕", "2026-12-07T21:40:00Z", "42"]
ODD_KEYS = [
    "a.b<x",
    "s3.object",
    "it's",
    'say "hi"',
    "ключ",
    "",
    "1 2",
    "<json>",
    "x.s3",
    "key",
    "body",
    "data",
    "B",
    "objects",
    "../etc",
]


class _Reference:
    """The generator walk of faasguard 0.x (one JSON path string per leaf), kept as the
    oracle: the faster walker must give the same leaves, paths and order."""

    def __init__(self, trigger: str) -> None:
        self.trigger = trigger
        self.leaves = 0

    def strings(self, node: object, path: str = "$", depth: int = 0) -> Iterator[tuple[str, str]]:
        if depth > events.MAX_DEPTH or self.leaves >= events.MAX_LEAVES:
            return
        if isinstance(node, dict):
            base64_body = node.get("isBase64Encoded") is True
            for key, child in node.items():
                text = str(key)
                child_path = f"{path}.{text}" if events._plain(text) else f"{path}[{text!r}]"
                self.leaves += 1
                yield f"{child_path}<key>", text
                if isinstance(child, str):
                    yield from self.leaf(text, child, child_path, depth, base64_body)
                else:
                    yield from self.strings(child, child_path, depth + 1)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                if isinstance(child, str):
                    yield from self.leaf("", child, f"{path}[{index}]", depth, False)
                else:
                    yield from self.strings(child, f"{path}[{index}]", depth + 1)
        elif isinstance(node, str):
            yield from self.leaf("", node, path, depth, False)

    def leaf(
        self, key: str, value: str, path: str, depth: int, base64_body: bool
    ) -> Iterator[tuple[str, str]]:
        if self.leaves >= events.MAX_LEAVES:
            return
        decoded = self.decoded(key, value, path, base64_body)
        if decoded is not None:
            yield from self.leaf("", decoded[1], path + decoded[0], depth + 1, False)
            return
        embedded = events._embedded_json(value)
        if embedded is not None:
            yield from self.strings(embedded, path + "<json>", depth + 1)
            return
        self.leaves += 1
        yield path, value

    def decoded(self, key: str, value: str, path: str, base64_body: bool) -> Any:
        if "<" in path[path.rfind(".") :]:
            return None
        if (key == "body" and base64_body) or (self.trigger, key) in (
            ("kinesis", "data"),
            ("dynamodb", "B"),
        ):
            text = events._base64(value)
            return ("<base64>", text) if text is not None else None
        if self.trigger == "s3" and key == "key" and ".s3.object" in path:
            return ("<url>", unquote_plus(value)) if "%" in value or "+" in value else None
        return None


def reference_scan(event: object) -> list[EventHit]:
    walk = _Reference(detect_trigger(event)).strings(event)
    return [EventHit(path, value, found) for path, value in walk for found in detect(value)]


class _Events:
    """Random events of every trigger kind, from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def text(self, depth: int = 0) -> str:
        roll = self.rng.random()
        if roll < 0.12 and depth < 3:  # JSON in JSON
            return json.dumps(self.tree(depth + 1))
        if roll < 0.2:
            return base64.b64encode(self.text(depth + 1).encode()).decode()
        if roll < 0.25:
            return quote_plus(self.rng.choice(ATTACKS + BENIGN))
        if roll < 0.3:
            return "  " + json.dumps([self.rng.choice(ATTACKS)]) + "\n"
        return self.rng.choice(ATTACKS if roll < 0.55 else BENIGN)

    def key(self) -> str:
        return self.rng.choice(ODD_KEYS if self.rng.random() < 0.3 else ["q", "name", "note"])

    def value(self, depth: int) -> Any:
        roll = self.rng.random()
        if roll < 0.15 and depth < 6:
            return self.tree(depth + 1)
        if roll < 0.25:
            return self.rng.choice([1, 2.5, None, True, False])
        return self.text(depth)

    def tree(self, depth: int = 0) -> Any:
        if self.rng.random() < 0.3:
            return [self.value(depth) for _ in range(self.rng.randrange(4))]
        return {self.key(): self.value(depth) for _ in range(self.rng.randrange(1, 5))}

    def b64(self) -> str:
        if self.rng.random() < 0.2:
            return "not base64!"
        return base64.b64encode(self.text(1).encode()).decode()

    def event(self) -> Any:
        makers = [
            self._apigw_v1,
            self._apigw_v2,
            self._alb,
            self._s3,
            lambda: self._queue(self.rng.choice(["aws:sqs", "aws:sns"])),
            lambda: self._stream(self.rng.choice(["aws:kinesis", "aws:dynamodb"])),
            self._other,
        ]
        return self.rng.choice(makers)()

    def _apigw_v1(self) -> Any:
        body = self.text()
        b64 = self.rng.random() < 0.3
        return {
            "resource": "/x",
            "httpMethod": "POST",
            "queryStringParameters": {self.key(): self.text()},
            "headers": {"User-Agent": self.text()},
            "isBase64Encoded": b64,
            "body": base64.b64encode(body.encode()).decode() if b64 else body,
        }

    def _apigw_v2(self) -> Any:
        domain = "abc.lambda-url.us-east-1.on.aws" if self.rng.random() < 0.3 else "api.test"
        return {
            "version": "2.0",
            "routeKey": "POST /x",
            "rawQueryString": self.text(),
            "requestContext": {"domainName": domain, "http": {"path": self.text()}},
            "body": self.text(),
            "isBase64Encoded": False,
        }

    def _alb(self) -> Any:
        return {"requestContext": {"elb": {"targetGroupArn": "arn"}}, "path": self.text()}

    def _s3(self) -> Any:
        key = quote_plus(self.rng.choice(ATTACKS + BENIGN) + "/" + self.rng.choice(BENIGN))
        record = {"eventSource": "aws:s3", "s3": {"object": {"key": key, "size": 3}}}
        if self.rng.random() < 0.3:
            record["s3"][self.key()] = {"key": key}  # a key outside .s3.object
        return {"Records": [record for _ in range(self.rng.randrange(1, 3))]}

    def _queue(self, source: str) -> Any:
        field = {"aws:sqs": "body", "aws:sns": "Sns"}[source]
        body = self.text()
        message: Any = {"Message": body} if field == "Sns" else body
        return {"Records": [{"eventSource": source, field: message, self.key(): self.text()}]}

    def _stream(self, source: str) -> Any:
        if source == "aws:kinesis":
            return {"Records": [{"eventSource": source, "kinesis": {"data": self.b64()}}]}
        image = {self.key(): {"S": self.text()}, "blob": {"B": self.b64()}}
        return {"Records": [{"eventSource": source, "dynamodb": {"NewImage": image}}]}

    def _other(self) -> Any:
        return self.rng.choice(
            [
                {"source": "app", "detail-type": "Order", "detail": self.tree()},
                {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
                {"triggerSource": "PreSignUp", "userPoolId": "p", "request": self.tree()},
                self.tree(),
                [self.tree(), self.text()],
                self.text(),
            ]
        )


def test_generated_events_give_the_same_hits_as_the_leaf_by_leaf_walk() -> None:
    generated = _Events(15)
    kinds: set[str] = set()
    hits = 0
    for _ in range(400):
        event = generated.event()
        kinds.add(detect_trigger(event))
        expected = reference_scan(event)
        assert scan_event(event) == expected, event
        hits += len(expected)
    assert hits > 300
    assert kinds >= {"apigw-v1", "apigw-v2", "function-url", "alb", "s3", "sqs", "sns"}
    assert kinds >= {"kinesis", "dynamodb", "eventbridge", "schedule", "cognito", "unknown"}


@pytest.mark.parametrize(("leaves", "depth"), [(7, 32), (40, 3), (1, 0), (0, 32)])
def test_the_limits_cut_the_walk_at_the_same_leaf(
    monkeypatch: pytest.MonkeyPatch, leaves: int, depth: int
) -> None:
    monkeypatch.setattr(events, "MAX_LEAVES", leaves)
    monkeypatch.setattr(events, "MAX_DEPTH", depth)
    generated = _Events(16)
    for _ in range(150):
        event = generated.event()
        assert scan_event(event) == reference_scan(event), event


def test_deep_and_wide_events_past_the_real_limits() -> None:
    deep: Any = "1' OR '1'='1"
    for level in range(events.MAX_DEPTH + 5):
        deep = {f"k{level}": deep, "q": "<script>alert(1)</script>"} if level % 2 else [deep]
    wide = {"Records": [{"eventSource": "aws:sqs", "body": "' OR 1=1--"}] * 7000}
    nested = json.dumps({"a": json.dumps({"b": json.dumps({"c": "../../etc/passwd"})})})
    for event in (deep, wide, {"body": nested}):
        expected = reference_scan(event)
        assert expected
        assert scan_event(event) == expected
