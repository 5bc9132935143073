"""What a blocked invocation answers, per trigger kind.

- HTTP triggers (API Gateway v1/v2, ALB, function URL): a clean JSON response (403 for an
  attack, 400 for a bad shape, 503 when the timeout budget ran out), no stack trace and no
  detail an attacker could tune against.
- Batch triggers (SQS, Kinesis, DynamoDB streams): the offending records are reported as
  ``batchItemFailures`` (partial batch response), the handler sees only the good ones, so
  good records are not retried. The event source mapping must have
  ``ReportBatchItemFailures`` on; without it Lambda ignores the list and deletes the batch.
- Every other trigger (S3, SNS, EventBridge, Cognito, schedules, unknown): a typed error,
  which sends an asynchronous event to its retries and then its DLQ/on-failure destination
  and makes a synchronous caller (Cognito) fail the request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

HTTP_TRIGGERS = frozenset({"apigw-v1", "apigw-v2", "alb", "function-url"})
BATCH_TRIGGERS = frozenset({"sqs", "kinesis", "dynamodb"})

_REASONS = {400: "Bad Request", 403: "Forbidden", 503: "Service Unavailable"}
_RECORD = re.compile(r"^\$\.Records\[(\d+)\]")


class GuardError(Exception):
    """Base of the errors the guard raises to fail an invocation on purpose."""


class GuardBlockedError(GuardError):
    """An event was blocked (attack payload); Lambda retries it, then sends it to the DLQ."""


class GuardShapeError(GuardError):
    """An event does not have the shape the function's policy expects."""


class GuardTimeoutError(GuardError):
    """The invocation was aborted a margin before its deadline (timeout budget)."""


class GuardViolationError(PermissionError):
    """A behaviour limit in block mode: a connection, process, credential read or /tmp
    write the policy does not allow (raised where the operation was attempted)."""


def http_response(
    trigger: str, event: Mapping[str, Any], status: int, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """A JSON response in the shape ``trigger`` expects."""
    body = json.dumps({"message": _REASONS[status], **payload})
    response: dict[str, Any] = {"statusCode": status, "body": body, "isBase64Encoded": False}
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    if trigger == "alb":
        response["statusDescription"] = f"{status} {_REASONS[status]}"
    if "multiValueHeaders" in event and trigger in ("alb", "apigw-v1"):
        response["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    else:
        response["headers"] = headers
    return response


def record_index(path: str) -> int | None:
    """The index of the record a hit path is in (``$.Records[3].body`` → 3)."""
    match = _RECORD.match(path)
    return int(match.group(1)) if match else None


def item_identifier(trigger: str, record: Any) -> str | None:
    """The id Lambda expects for ``record`` in ``batchItemFailures``."""
    if not isinstance(record, Mapping):
        return None
    if trigger == "sqs":
        value = record.get("messageId")
    elif trigger == "kinesis":
        value = (record.get("kinesis") or {}).get("sequenceNumber")
    else:  # dynamodb
        value = (record.get("dynamodb") or {}).get("SequenceNumber")
    return value if isinstance(value, str) else None


def records(event: Any) -> list[Any]:
    """The ``Records`` list of a batch event (empty when there is none)."""
    if isinstance(event, Mapping) and isinstance(event.get("Records"), list):
        return list(event["Records"])
    return []


def without_records(event: Mapping[str, Any], bad: Iterable[int]) -> dict[str, Any]:
    """A shallow copy of ``event`` whose ``Records`` lack the indices in ``bad``."""
    dropped = set(bad)
    kept = [record for i, record in enumerate(event["Records"]) if i not in dropped]
    return {**event, "Records": kept}


def failures(trigger: str, event: Any, indices: Iterable[int]) -> list[dict[str, str]]:
    """``batchItemFailures`` entries for the records at ``indices``."""
    batch = records(event)
    out = []
    for index in sorted(set(indices)):
        identifier = item_identifier(trigger, batch[index]) if index < len(batch) else None
        if identifier is not None:
            out.append({"itemIdentifier": identifier})
    return out


def merge_failures(result: Any, ours: list[dict[str, str]]) -> Any:
    """The handler's result with our ``batchItemFailures`` added (its own kept)."""
    if not ours:
        return result
    if result is None:
        return {"batchItemFailures": ours}
    if isinstance(result, Mapping):
        theirs = result.get("batchItemFailures")
        merged = list(theirs) if isinstance(theirs, list) else []
        known = {entry.get("itemIdentifier") for entry in merged if isinstance(entry, Mapping)}
        merged.extend(entry for entry in ours if entry["itemIdentifier"] not in known)
        return {**result, "batchItemFailures": merged}
    # A handler that returns something else for a batch: Lambda would ignore it; the
    # failures are what matters for the records we held back.
    return {"batchItemFailures": ours}
