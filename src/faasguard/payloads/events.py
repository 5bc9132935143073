"""Walking a Lambda event: which trigger sent it, and every string leaf and key in it.

Values that carry another document are decoded before they are walked, with the decoding
added to the path: a string that holds a JSON object or array (SQS/SNS bodies, EventBridge
details, API Gateway bodies) continues as ``<json>``, Kinesis data and DynamoDB binary
attributes as ``<base64>``, API Gateway bodies with ``isBase64Encoded`` as ``<base64>``, and
S3 object keys (URL-encoded in S3 notifications) as ``<url>``. Walking is bounded in depth,
leaves and decoded size, so a hostile event cannot make it run long.
"""

from __future__ import annotations

import gc
import json
from typing import TYPE_CHECKING, Any

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
    from faasguard.payloads import EventHit, detect_many  # noqa: PLC0415 - a cycle

    # The walk makes a tuple per leaf and the engine a few objects per value, all freed by
    # reference counting; the cyclic collector finds nothing in them, but tens of thousands of
    # allocations set it off several times per large event (a third of a 256 KB event's time).
    # It is off for the scan, and back on after it if it was on.
    collecting = gc.isenabled()
    gc.disable()
    try:
        kind = trigger if trigger is not None else detect_trigger(event)
        values = _values(event, kind)
        # each distinct value once (keys repeat in every record, values often do): detect()
        # is a function of the value alone, so the hits are the same as leaf by leaf
        distinct = list(dict.fromkeys(values))
        found = {v: hit for v, hit in zip(distinct, detect_many(distinct), strict=True) if hit}
    finally:
        if collecting:
            gc.enable()
    hits: list[EventHit] = []
    if not found:  # most events: nothing more to do
        return hits
    located = _Walker(kind, places=True)  # the same walk again, now noting where each leaf is
    located.walk(event, None, 0)
    for index, value in enumerate(located.values):
        detections = found.get(value)
        if detections:
            path = _path(located.places[index])
            hits.extend(EventHit(path, value, detection) for detection in detections)
    return hits


def event_values(event: object, trigger: str | None = None) -> list[str]:
    """The string leaves and keys :func:`scan_event` reads in ``event``, decoded as it decodes
    them, in walking order: ``scan_event(event)`` finds nothing when ``detect`` finds nothing
    in any of them (a caller reading many events can look at all their values at once)."""
    return _values(event, trigger if trigger is not None else detect_trigger(event))


def _values(event: object, kind: str) -> list[str]:
    walker = _Walker(kind, places=False)
    walker.walk(event, None, 0)
    return walker.values


#: Where a leaf is: ``None`` (the event itself) or ``(parent, step, kind)``; the JSON path
#: is written out (:func:`_path`) only for the leaves that hit.
_Place = tuple[Any, "str | int", int] | None
_KEY, _INDEX, _MARK, _KEY_LEAF = 0, 1, 2, 3  # _KEY_LEAF: the key itself (``<key>``)
#: Keys whose string value may be decoded before it is walked (see ``_Walker._decoded``).
_DECODED_KEYS = frozenset({"body", "data", "B", "key"})
#: A string starting with one of these (or with white space) may hold a document.
_DOCUMENT = frozenset({"", "{", "["})
_CONTAINERS = (dict, list)


def _path(place: _Place) -> str:
    """The JSON path of ``place`` (``$.Records[0].body<json>.q``)."""
    parts: list[str] = []
    while place is not None:
        place, step, kind = place
        if kind in (_KEY, _KEY_LEAF):
            key = str(step)
            parts.append(f".{key}" if _plain(key) else f"[{key!r}]")
            if kind == _KEY_LEAF:
                parts[-1] += "<key>"
        else:
            parts.append(f"[{step}]" if kind == _INDEX else str(step))
    parts.append("$")
    return "".join(reversed(parts))


class _Walker:
    """Collects the string leaves and keys of an event in walking order (``values``) and,
    with ``places``, where each one is: plain calls, no generators, no path strings. Most
    events have no hit, so the first walk notes no places (a tuple per leaf); an event with
    a hit is walked again with them, in the same order."""

    def __init__(self, trigger: str, places: bool = True) -> None:
        self.trigger = trigger
        self.values: list[str] = []
        self.places: list[_Place] = []
        self.record = places

    def walk(self, node: object, place: _Place, depth: int) -> None:
        if depth > MAX_DEPTH or len(self.values) >= MAX_LEAVES:
            return
        if isinstance(node, dict):
            self._dict(node, place, depth)
        elif isinstance(node, list):
            self._list(node, place, depth)
        elif isinstance(node, str):
            self._leaf("", node, place, depth, False)

    def _dict(self, node: dict[Any, Any], place: _Place, depth: int) -> None:
        base64_body = node.get("isBase64Encoded") is True
        values, places, record = self.values, self.places, self.record
        for key, child in node.items():
            key_text = key if type(key) is str else str(key)
            # a key counts as a leaf even past the limit (the walk stops below it)
            values.append(key_text)
            if record:
                places.append((place, key_text, _KEY_LEAF))
            if isinstance(child, str):
                first = child[:1]
                if key_text in _DECODED_KEYS or first in _DOCUMENT or first.isspace():
                    self._leaf(key_text, child, (place, key_text, _KEY), depth, base64_body)
                elif len(values) < MAX_LEAVES:  # the common leaf, without a call
                    values.append(child)
                    if record:
                        places.append((place, key_text, _KEY))
            elif isinstance(child, dict):
                if depth < MAX_DEPTH and len(values) < MAX_LEAVES:  # walk(), without a call
                    self._dict(child, (place, key_text, _KEY), depth + 1)
            elif isinstance(child, list) and depth < MAX_DEPTH and len(values) < MAX_LEAVES:
                self._list(child, (place, key_text, _KEY), depth + 1)

    def _list(self, node: list[Any], place: _Place, depth: int) -> None:
        values, places, record = self.values, self.places, self.record
        for index, child in enumerate(node):
            if isinstance(child, str):
                first = child[:1]
                if first in _DOCUMENT or first.isspace():
                    self._leaf("", child, (place, index, _INDEX), depth, False)
                elif len(values) < MAX_LEAVES:
                    values.append(child)
                    if record:
                        places.append((place, index, _INDEX))
            elif isinstance(child, dict):
                if depth < MAX_DEPTH and len(values) < MAX_LEAVES:
                    self._dict(child, (place, index, _INDEX), depth + 1)
            elif isinstance(child, list) and depth < MAX_DEPTH and len(values) < MAX_LEAVES:
                self._list(child, (place, index, _INDEX), depth + 1)

    def _leaf(self, key: str, value: str, place: _Place, depth: int, base64_body: bool) -> None:
        if len(self.values) >= MAX_LEAVES:
            return
        if key in _DECODED_KEYS:
            decoded = self._decoded(key, value, _path(place), base64_body)
            if decoded is not None:
                suffix, text = decoded
                self._leaf("", text, (place, suffix, _MARK), depth + 1, False)
                return
        embedded = _embedded_json(value)
        if embedded is not None:
            self.walk(embedded, (place, "<json>", _MARK), depth + 1)
            return
        self.values.append(value)
        if self.record:
            self.places.append(place)

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
            from urllib.parse import unquote_plus  # noqa: PLC0415 - start-up speed

            return ("<url>", unquote_plus(value)) if "%" in value or "+" in value else None
        return None


def _plain(key: str) -> bool:
    return key.replace("_", "a").replace("-", "a").isalnum()


def _base64(value: str) -> str | None:
    if len(value) > MAX_EMBEDDED * 4 // 3 + 4:
        return None
    import base64  # noqa: PLC0415 - start-up speed: only stream records and base64 bodies
    import binascii  # noqa: PLC0415

    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _embedded_json(value: str) -> object | None:
    if len(value) < 2 or (value[0] not in "{[" and not value[0].isspace()):
        return None  # most leaves: no document starts here (the test below, cheaply)
    text = value.strip()
    if len(text) < 2 or len(text) > MAX_EMBEDDED or text[0] + text[-1] not in ("{}", "[]"):
        return None
    try:
        parsed: object = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None
