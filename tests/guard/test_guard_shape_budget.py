"""Event shape validation (JSON Schema and pydantic) and the timeout budget."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from guard_events import Context, apigw_v2, eventbridge, sqs
from pydantic import BaseModel

from faasguard.guard import GuardShapeError, GuardTimeoutError, guard

ORDER_SCHEMA = {
    "type": "object",
    "properties": {"item": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}},
    "required": ["item", "quantity"],
}


class Order(BaseModel):
    item: str
    quantity: int


def _ok(event: Any, context: Any) -> Any:
    return {"statusCode": 200, "body": "ok"}


def test_http_body_against_json_schema_gives_a_clean_400(security_events: Any) -> None:
    handler = guard(shape={"schema": ORDER_SCHEMA}, redaction="off")(_ok)
    response = handler(apigw_v2(body='{"item": "shoe", "quantity": "lots"}'), Context())
    assert response["statusCode"] == 400
    body = json.loads(response["body"])
    assert body["message"] == "Bad Request"
    assert body["errors"][0]["path"] == "$.quantity"
    assert "lots" not in response["body"] and "Traceback" not in response["body"]
    assert handler(apigw_v2(body='{"item": "shoe", "quantity": 2}'), Context())["statusCode"] == 200
    assert security_events.kinds() == [("shape", "blocked")]


def test_http_body_that_is_not_json_is_a_400(security_events: Any) -> None:
    handler = guard(shape={"schema": ORDER_SCHEMA}, redaction="off")(_ok)
    response = handler(apigw_v2(body="item=shoe"), Context())
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["errors"] == [
        {"path": "$", "error": "the body is not JSON"}
    ]


def test_pydantic_model_validates_each_sqs_record(security_events: Any) -> None:
    seen: list[Any] = []

    def handler(event: Any, context: Any) -> None:
        seen.extend(r["messageId"] for r in event["Records"])

    guarded = guard(shape={"model": Order}, redaction="off")(handler)
    good = json.dumps({"item": "shoe", "quantity": 1})
    result = guarded(sqs(good, '{"item": "shoe"}', good), Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert seen == ["m0", "m2"]
    (logged,) = security_events.all()
    assert logged["faasguard"]["problems"] == [{"path": "$.quantity", "error": "Field required"}]


def test_async_event_with_a_bad_shape_raises_a_typed_error(security_events: Any) -> None:
    handler = guard(shape={"schema": ORDER_SCHEMA}, redaction="off")(_ok)
    with pytest.raises(GuardShapeError, match=r"must contain \['item'\]"):
        handler(eventbridge({"quantity": 1}), Context())


def test_shape_in_monitor_mode_only_reports(security_events: Any) -> None:
    handler = guard(shape={"schema": ORDER_SCHEMA, "mode": "monitor"}, redaction="off")(_ok)
    assert handler(apigw_v2(body="{}"), Context())["statusCode"] == 200
    assert security_events.kinds() == [("shape", "monitored")]


def _slow(event: Any, context: Any) -> Any:
    time.sleep(5)
    return {"statusCode": 200, "body": "too late"}


def test_timeout_budget_aborts_an_http_invocation_with_503(security_events: Any) -> None:
    handler = guard(timeout={"margin_ms": 200}, redaction="off")(_slow)
    started = time.monotonic()
    response = handler(apigw_v2("shoes"), Context(remaining_ms=500))
    elapsed = time.monotonic() - started
    assert response["statusCode"] == 503
    assert 0.2 < elapsed < 1.5  # aborted ~300 ms in, long before the handler's 5 s
    (logged,) = security_events.all()
    assert logged["faasguard"]["event"] == "timeout" and logged["faasguard"]["margin_ms"] == 200


def test_timeout_budget_returns_every_sqs_record_to_the_queue(security_events: Any) -> None:
    handler = guard(timeout={"margin_ms": 200}, redaction="off")(_slow)
    result = handler(sqs("a", "b"), Context(remaining_ms=400))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


def test_timeout_budget_raises_a_typed_error_for_async_triggers(security_events: Any) -> None:
    handler = guard(timeout={"margin_ms": 200}, redaction="off")(_slow)
    with pytest.raises(GuardTimeoutError):
        handler(eventbridge({"id": 1}), Context(remaining_ms=400))


def test_timeout_budget_leaves_a_fast_handler_alone(security_events: Any) -> None:
    handler = guard(timeout={"margin_ms": 200}, redaction="off")(_ok)
    assert handler(apigw_v2("shoes"), Context(remaining_ms=2_000))["statusCode"] == 200
    time.sleep(0.1)
    assert security_events.all() == []
