"""Walking a Lambda event: which trigger sent it, and every string leaf and key in it.

Values that carry another document are decoded before they are walked, with the decoding
added to the path: a string that holds a JSON object or array (SQS/SNS bodies, EventBridge
details, API Gateway bodies) continues as ``<json>``, Kinesis data and DynamoDB binary
attributes as ``<base64>``, API Gateway bodies with ``isBase64Encoded`` as ``<base64>``, and
S3 object keys (URL-encoded in S3 notifications) as ``<url>``. Walking is bounded in depth,
leaves and decoded size, so a hostile event cannot make it run long.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from faasguard.payloads import EventHit

#: Nesting depth walked (JSON in JSON counts as one more level).
MAX_DEPTH = 32
#: String leaves and keys scanned per event.
MAX_LEAVES = 20_000
#: Largest embedded document decoded (characters).
MAX_EMBEDDED = 1024 * 1024

_RECORD_SOURCES = {
    "aws:s3": "s3",
    "aws:sqs": "sqs",
    "aws:sns": "sns",
    "aws:kinesis": "kinesis",
    "aws:dynamodb": "dynamodb",
}


def detect_trigger(event: object) -> str:
    """The kind of trigger that sent ``event`` (``unknown`` when none fits)."""
    if not isinstance(event, dict):
        return "unknown"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        source = first.get("eventSource") or first.get("EventSource")
        if isinstance(source, str) and source in _RECORD_SOURCES:
            return _RECORD_SOURCES[source]
        if "s3" in first:
            return "s3"
        if "Sns" in first:
            return "sns"
        return "unknown"
    context = event.get("requestContext")
    context = context if isinstance(context, dict) else {}
    if "elb" in context:
        return "alb"
    if event.get("version") == "2.0" and "routeKey" in event:
        domain = context.get("domainName")
        if isinstance(domain, str) and ".lambda-url." in domain:
            return "function-url"
        return "apigw-v2"
    if "httpMethod" in event and ("resource" in event or "resourcePath" in context):
        return "apigw-v1"
    if "triggerSource" in event and "userPoolId" in event:
        return "cognito"
    if "detail-type" in event and "source" in event:
        if event.get("detail-type") == "Scheduled Event":
            return "schedule"
        return "eventbridge"
    return "unknown"


def scan_event(event: object, trigger: str | None = None) -> list[EventHit]:
    """Every detection in ``event``'s string leaves and keys, in walking order."""
    from faasguard.payloads import EventHit, detect  # noqa: PLC0415

    kind = trigger if trigger is not None else detect_trigger(event)
    hits: list[EventHit] = []
    for path, value in _Walker(kind).strings(event):
        hits.extend(EventHit(path, value, found) for found in detect(value))
    return hits


class _Walker:
    def __init__(self, trigger: str) -> None:
        self.trigger = trigger
        self.leaves = 0

    def strings(self, node: object, path: str = "$", depth: int = 0) -> Iterator[tuple[str, str]]:
        if depth > MAX_DEPTH or self.leaves >= MAX_LEAVES:
            return
        if isinstance(node, dict):
            base64_body = node.get("isBase64Encoded") is True
            for key, child in node.items():
                key_text = str(key)
                child_path = f"{path}.{key_text}" if _plain(key_text) else f"{path}[{key_text!r}]"
                self.leaves += 1
                yield f"{child_path}<key>", key_text
                if isinstance(child, str):
                    yield from self._leaf(key_text, child, child_path, depth, base64_body)
                else:
                    yield from self.strings(child, child_path, depth + 1)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                child_path = f"{path}[{index}]"
                if isinstance(child, str):
                    yield from self._leaf("", child, child_path, depth, False)
                else:
                    yield from self.strings(child, child_path, depth + 1)
        elif isinstance(node, str):
            yield from self._leaf("", node, path, depth, False)

    def _leaf(
        self, key: str, value: str, path: str, depth: int, base64_body: bool
    ) -> Iterator[tuple[str, str]]:
        if self.leaves >= MAX_LEAVES:
            return
        decoded = self._decoded(key, value, path, base64_body)
        if decoded is not None:
            suffix, text = decoded
            yield from self._leaf("", text, path + suffix, depth + 1, False)
            return
        embedded = _embedded_json(value)
        if embedded is not None:
            yield from self.strings(embedded, path + "<json>", depth + 1)
            return
        self.leaves += 1
        yield path, value

    def _decoded(
        self, key: str, value: str, path: str, base64_body: bool
    ) -> tuple[str, str] | None:
        if "<" in path[path.rfind(".") :]:
            return None  # already decoded once at this leaf
        if (key == "body" and base64_body) or (
            (self.trigger == "kinesis" and key == "data")
            or (self.trigger == "dynamodb" and key == "B")
        ):
            text = _base64(value)
            return ("<base64>", text) if text is not None else None
        if self.trigger == "s3" and key == "key" and ".s3.object" in path:
            return ("<url>", unquote_plus(value)) if "%" in value or "+" in value else None
        return None


def _plain(key: str) -> bool:
    return key.replace("_", "a").replace("-", "a").isalnum()


def _base64(value: str) -> str | None:
    if len(value) > MAX_EMBEDDED * 4 // 3 + 4:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _embedded_json(value: str) -> object | None:
    text = value.strip()
    if len(text) < 2 or len(text) > MAX_EMBEDDED or text[0] + text[-1] not in ("{}", "[]"):
        return None
    try:
        parsed: object = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None
