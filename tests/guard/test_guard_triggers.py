"""Event inspection on every trigger kind, block and monitor modes, and the answer per
trigger kind (403 JSON, partial batch failure, typed error)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from guard_events import Context, alb, apigw_v1, apigw_v2, eventbridge, kinesis, s3, sqs

from faasguard.guard import GuardBlockedError, guard

SQLI = "1' OR '1'='1"
TRAVERSAL = "../../../../etc/passwd"


def _echo(calls: list[Any]) -> Any:
    def handler(event: Any, context: Any) -> Any:
        calls.append(event)
        return {"statusCode": 200, "body": "ok"}

    return handler


def _guarded(calls: list[Any], **policy: Any) -> Any:
    policy.setdefault("redaction", "off")
    return guard(**policy)(_echo(calls))


@pytest.mark.parametrize(
    ("event", "trigger"),
    [
        (apigw_v1(SQLI), "apigw-v1"),
        (apigw_v2(SQLI), "apigw-v2"),
        (apigw_v2(SQLI, url=True), "function-url"),
        (alb(SQLI), "alb"),
    ],
)
def test_http_attack_gets_a_clean_403_json_and_the_handler_never_runs(
    security_events: Any, event: dict[str, Any], trigger: str
) -> None:
    calls: list[Any] = []
    response = _guarded(calls)(event, Context())
    assert calls == []
    assert response["statusCode"] == 403
    assert json.loads(response["body"]) == {"message": "Forbidden", "reason": "request blocked"}
    assert "Traceback" not in response["body"] and SQLI not in response["body"]
    (logged,) = security_events.all()
    assert logged["faasguard"]["event"] == "injection"
    assert logged["faasguard"]["action"] == "blocked"
    assert logged["faasguard"]["trigger"] == trigger
    assert logged["faasguard"]["path"] == "$.queryStringParameters.q"
    assert "sqli" in logged["faasguard"]["classes"]
    assert logged["requestId"] == "req-1"
    assert SQLI not in json.dumps(logged)  # the value itself is never logged


def test_alb_answer_has_the_status_description_alb_needs(security_events: Any) -> None:
    response = _guarded([])(alb(SQLI), Context())
    assert response["statusDescription"] == "403 Forbidden"
    assert response["headers"]["Content-Type"] == "application/json"


def test_rest_api_with_multi_value_headers_gets_them_back(security_events: Any) -> None:
    response = _guarded([])(apigw_v1(SQLI), Context())
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]


def test_benign_http_request_reaches_the_handler(security_events: Any) -> None:
    calls: list[Any] = []
    response = _guarded(calls)(apigw_v2("blue running shoes"), Context())
    assert response == {"statusCode": 200, "body": "ok"}
    assert len(calls) == 1
    assert security_events.all() == []


def test_monitor_mode_logs_and_lets_the_request_through(security_events: Any) -> None:
    calls: list[Any] = []
    response = _guarded(calls, inspect="monitor")(apigw_v2(SQLI), Context())
    assert response["statusCode"] == 200 and len(calls) == 1
    assert security_events.kinds() == [("injection", "monitored")]


def test_sqs_bad_record_is_a_partial_batch_failure_and_good_records_are_processed(
    security_events: Any,
) -> None:
    calls: list[Any] = []
    event = sqs('{"name": "ann"}', json.dumps({"name": SQLI}), '{"name": "bob"}')
    result = _guarded(calls)(event, Context())
    assert result == {
        "statusCode": 200,
        "body": "ok",
        "batchItemFailures": [{"itemIdentifier": "m1"}],
    }
    (given,) = calls
    assert [r["messageId"] for r in given["Records"]] == ["m0", "m2"]
    (logged,) = security_events.all()
    assert logged["faasguard"]["path"] == "$.Records[1].body<json>.name"


def test_sqs_handler_failures_are_kept_next_to_the_guards(security_events: Any) -> None:
    def handler(event: Any, context: Any) -> Any:
        return {"batchItemFailures": [{"itemIdentifier": "m0"}]}

    event = sqs("fine", TRAVERSAL)
    result = guard(redaction="off")(handler)(event, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


def test_sqs_batch_of_only_bad_records_does_not_call_the_handler(security_events: Any) -> None:
    calls: list[Any] = []
    result = _guarded(calls)(sqs(SQLI, TRAVERSAL), Context())
    assert calls == []
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


def test_kinesis_base64_record_is_reported_by_sequence_number(security_events: Any) -> None:
    calls: list[Any] = []
    result = _guarded(calls)(kinesis({"user": "ann"}, {"user": SQLI}), Context())
    assert result["batchItemFailures"] == [{"itemIdentifier": "s1"}]
    assert [r["kinesis"]["sequenceNumber"] for r in calls[0]["Records"]] == ["s0"]


@pytest.mark.parametrize(
    "event",
    [s3("uploads/..%2F..%2F..%2F..%2Fetc%2Fpasswd"), eventbridge({"orderId": SQLI})],
)
def test_async_trigger_attack_raises_a_typed_error(security_events: Any, event: Any) -> None:
    calls: list[Any] = []
    with pytest.raises(GuardBlockedError, match="event blocked"):
        _guarded(calls)(event, Context())
    assert calls == []
    assert security_events.kinds() == [("injection", "blocked")]


def test_ignored_paths_and_confidence_threshold_are_honoured(security_events: Any) -> None:
    calls: list[Any] = []
    handler = _guarded(calls, inspect={"ignore_paths": ["$.queryStringParameters"]})
    assert handler(apigw_v2(SQLI), Context())["statusCode"] == 200
    handler = _guarded(calls, inspect={"min_confidence": 1.01})
    assert handler(apigw_v2(SQLI), Context())["statusCode"] == 200
    assert security_events.all() == []


def test_unexpected_trigger_kind_is_reported(security_events: Any) -> None:
    _guarded([], triggers=["sqs"])(apigw_v2("shoes"), Context())
    (logged,) = security_events.all()
    assert logged["faasguard"]["event"] == "trigger"
    assert logged["faasguard"]["expected"] == "sqs"


def test_guard_without_parentheses_is_the_default_guard(
    security_events: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # redaction would stay installed in the test process (it is tested in a child process)
    monkeypatch.setattr("faasguard.guard.redact.install", lambda: None)

    @guard
    def handler(event: Any, context: Any) -> Any:
        return "ran"

    assert handler(apigw_v2(SQLI), Context())["statusCode"] == 403
    assert handler(apigw_v2("shoes"), Context()) == "ran"
