"""LOG020: throttled Lambda invocations from CloudTrail Invoke data events."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from faasguard.logs import cloudtrail
from faasguard.logs.alerts import Alert
from faasguard.logs.analyze import Analysis, AnalyzeConfig, analyze
from faasguard.logs.detectors import PartialState
from faasguard.logs.diagnostics import DiagnosticCounter
from faasguard.logs.facts import LogFacts, detect_all
from faasguard.logs.pricing import price
from faasguard.logs.score import score
from faasguard.rules import log_rules

ACCOUNT = "111122223333"
ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/api/caller"


def _invoke(
    event_id: str,
    when: object,
    function: Any,
    *,
    throttled: bool = False,
    name: str = "Invoke",
    resources: Any = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "arn": CALLER, "accountId": ACCOUNT},
        "eventTime": when,
        "eventSource": "lambda.amazonaws.com",
        "eventName": name,
        "requestParameters": None if function is None else {"functionName": function},
        "responseElements": None,
        "eventID": event_id,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Data",
    }
    if resources is not None:
        record["resources"] = resources
    if throttled:
        record["errorCode"] = "TooManyRequestsException"
        record["errorMessage"] = "Rate Exceeded."
    return record


def _write(path: Path, records: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    return path


def _trail(root: Path) -> list[Path]:
    """Two files (the burst spans both), every naming form, noise and malformed records."""
    first = [
        # orders: 6 throttled in 10:00-10:05 (name, full ARN, qualified ARN, partial ARN,
        # name with qualifier, ARN only in resources), 4 successful ones.
        _invoke("t1", "2024-05-01T10:01:00Z", "orders", throttled=True),
        _invoke("t2", "2024-05-01T10:01:05Z", f"{ARN}orders", throttled=True),
        _invoke("t3", "2024-05-01T10:01:10Z", f"{ARN}orders:live", throttled=True),
        _invoke("ok1", "2024-05-01T10:00:30Z", "orders"),
        _invoke("ok2", "2024-05-01T10:02:30Z", f"{ARN}orders:7"),
        # payments: 4 throttled in 10:00-10:05, below the minimum of 5: no alert.
        _invoke("p1", "2024-05-01T10:00:01Z", "payments", throttled=True),
        _invoke("p2", "2024-05-01T10:00:02Z", "payments", throttled=True),
        _invoke("p3", "2024-05-01T10:03:02Z", f"{ARN}payments:$LATEST", throttled=True),
        _invoke("p4", "2024-05-01T10:04:59Z", "payments", throttled=True),
        # A 5th payments throttle in the next window does not join the 4 above.
        _invoke("p5", "2024-05-01T10:05:00Z", "payments", throttled=True),
        # Asynchronous execution records are not calls: never counted.
        _invoke("x1", "2024-05-01T10:01:00Z", "orders", throttled=True, name="InvokeExecution"),
        # Malformed records: no crash, counted where they cannot be used.
        "not a record",
        {"eventSource": ["lambda.amazonaws.com"], "eventName": "Invoke"},
        {"eventSource": "lambda.amazonaws.com", "eventName": 7},
        _invoke("m1", "2024-05-01T10:01:00Z", None),
        _invoke("m2", "2024-05-01T10:01:00Z", 12345, throttled=True),
        _invoke("m3", "2024-05-01T10:01:00Z", None, resources="arn"),
        _invoke("m4", "2024-05-01T10:01:00Z", None, resources=[7, {"ARN": None}]),
        _invoke("m5", "yesterday", "orders", throttled=True),
        _invoke("m6", 1714557660, "orders", throttled=True),
        {**_invoke("m7", "2024-05-01T10:01:00Z", "orders"), "userIdentity": "root"},
        {**_invoke("m8", "2024-05-01T10:01:00Z", "orders"), "requestParameters": [1, 2]},
        {
            "eventSource": "lambda.amazonaws.com",
            "eventName": "UpdateFunctionConfiguration20150331v2",
            "eventTime": "2024-05-01T10:01:00Z",
            "userIdentity": "odd",
            "requestParameters": {"functionName": "orders", "layers": 3},
        },
    ]
    second = [
        _invoke("t4", "2024-05-01T10:02:00Z", f"{ACCOUNT}:function:orders", throttled=True),
        _invoke("t5", "2024-05-01T10:02:01Z", "orders:live", throttled=True, name="Invoke20150331"),
        _invoke(
            "t6",
            "2024-05-01T10:04:00Z",
            None,
            throttled=True,
            name="InvokeWithResponseStream",
            resources=[{"type": "AWS::Lambda::Function", "ARN": f"{ARN}orders"}],
        ),
        _invoke("ok3", "2024-05-01T10:03:00Z", "orders", name="InvokeAsync"),
        _invoke("ok4", "2024-05-01T10:04:00Z", "orders"),
    ]
    return [
        _write(root / "trail" / "a.json.gz", first),
        _write(root / "trail" / "b.json.gz", second),
    ]


@pytest.fixture
def trail_analysis(tmp_path: Path) -> tuple[Path, Analysis]:
    """The hand-written trail analysed end to end on one process."""
    _trail(tmp_path)
    return tmp_path, analyze([str(tmp_path)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)


def test_function_names_reduce_to_the_name() -> None:
    for value in (
        "orders",
        "orders:live",
        f"{ACCOUNT}:function:orders",
        f"{ARN}orders",
        f"{ARN}orders:7",
    ):
        assert cloudtrail.function_name(value) == "orders", value
    bad: tuple[object, ...] = (
        "",
        None,
        7,
        "arn:aws:lambda:us-east-1:1:layer:x:1",
        "arn:aws:s3:::bucket",
    )
    for odd in bad:
        assert cloudtrail.function_name(odd) == "", odd


def test_throttle_burst_alerts_with_count_window_and_evidence(
    trail_analysis: tuple[Path, Analysis],
) -> None:
    root, analysis = trail_analysis
    alerts = [a for a in analysis.alerts if a.rule_id == "LOG020"]
    assert [a.function for a in alerts] == ["orders"]  # payments: 4, then 1: no alert
    alert = alerts[0]
    assert alert.start == dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)
    assert alert.end == dt.datetime(2024, 5, 1, 10, 5, tzinfo=dt.UTC)
    assert alert.properties["count"] == 6
    # 6 throttled + 5 successful (ok1-ok4, and m7 whose odd identity does not matter)
    assert alert.properties["invoke_calls"] == 11
    assert alert.properties["throttled_share"] == 0.5455
    assert alert.properties["error_messages"] == ["Rate Exceeded."]
    assert "6 invocation(s) of orders throttled" in alert.message
    assert "2024-05-01 10:00 and 10:05 UTC" in alert.message and "55% of the 11" in alert.message
    # The first five throttled calls by time, from both files, with file, record and id.
    assert [e.event_id for e in alert.evidence] == ["t1", "t2", "t3", "t4", "t5"]
    first = alert.evidence[0]
    assert first.source == str(root / "trail" / "a.json.gz")
    assert first.stream == "Records[0]" and first.timestamp == "2024-05-01T10:01:00Z"
    assert "TooManyRequestsException (Rate Exceeded.)" in first.text
    assert alert.evidence[3].source == str(root / "trail" / "b.json.gz")
    # The user-facing finding: rule metadata, practice, window and evidence pointer.
    finding = next(f for f in analysis.report.findings if f.rule_id == "LOG020")
    assert finding.function == "orders" and finding.practice.value == "P5"
    assert finding.title == "Lambda invocations throttled"
    assert finding.location.pointer == "Records[0]#t1"
    assert finding.properties["window"] == {
        "start": "2024-05-01T10:00:00Z",
        "end": "2024-05-01T10:05:00Z",
    }


def test_malformed_records_are_counted_not_fatal(trail_analysis: tuple[Path, Analysis]) -> None:
    _, analysis = trail_analysis
    diagnostics = analysis.state.diagnostics
    assert diagnostics.total("invalid-json") == 1  # the string record
    assert diagnostics.total("unknown-function") == 5  # m1-m4 and m8: no usable name
    assert diagnostics.total("bad-timestamp") == 2  # m5, m6
    # The odd management record still went through the CloudTrail detections.
    assert not [a for a in analysis.alerts if a.rule_id == "LOG033"]


def test_state_keeps_counts_not_records(tmp_path: Path) -> None:
    # 3000 successful calls in one window give one compact dict, not 3000.
    records = [
        _invoke(f"ok{i}", f"2024-05-01T10:0{i % 5}:{i % 60:02d}Z", "orders") for i in range(3000)
    ]
    records += [
        _invoke(f"t{i}", "2024-05-01T10:01:00Z", "orders", throttled=True) for i in range(400)
    ]
    path = _write(tmp_path / "big.json.gz", records)
    kept = cloudtrail.read(str(path), DiagnosticCounter())
    assert len(kept) == 1
    assert kept[0]["calls"] == 3400 and kept[0]["throttled"] == 400
    assert len(kept[0]["evidence"]) == 5
    assert len(pickle.dumps(kept)) < 3000


def _detect(events: list[dict[str, Any]]) -> list[Alert]:
    """Every alert of the LOG rules over CloudTrail events alone."""
    facts = LogFacts(
        state=PartialState(), trail=cloudtrail.trail_facts(events), price=price(None, None)
    )
    return detect_all(facts, log_rules())


def test_merge_order_does_not_change_the_alert(tmp_path: Path) -> None:
    a, b = _trail(tmp_path)
    parts = []
    for path in (a, b):
        state = PartialState()
        state.cloudtrail.extend(cloudtrail.read(str(path), state.diagnostics))
        parts.append(pickle.loads(pickle.dumps(state)))  # as workers and Spark send them
    forward = PartialState().merge(parts[0]).merge(parts[1])
    backward = PartialState().merge(parts[1]).merge(parts[0])
    assert _detect(forward.cloudtrail) == _detect(backward.cloudtrail)
    throttles = [a for a in _detect(forward.cloudtrail) if a.rule_id == "LOG020"]
    assert len(throttles) == 1 and throttles[0].properties["count"] == 6


def test_invoke_data_events_do_not_feed_management_detections(tmp_path: Path) -> None:
    # Invokes by a principal are not deployments: no deployer, no LOG030/LOG037 side effect.
    path = _write(
        tmp_path / "t.json.gz",
        [_invoke(f"ok{i}", "2024-05-01T10:01:00Z", "orders") for i in range(20)],
    )
    events = cloudtrail.read(str(path), DiagnosticCounter())
    assert cloudtrail.deployers(events) == set()
    assert _detect(events) == []


def test_generated_logs_give_exactly_the_injected_throttling(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    root, truth = generated
    incidents = [i for i in truth["incidents"] if i["rule_id"] == "LOG020"]
    assert len(incidents) == 1
    analysis = analyze([str(root)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)
    alerts = [a for a in analysis.alerts if a.rule_id == "LOG020"]
    assert len(alerts) == 1
    alert, incident = alerts[0], incidents[0]
    assert alert.function == incident["function"] == "payments"
    assert alert.start.strftime("%Y-%m-%dT%H:%M:%SZ") == incident["start"]
    assert alert.end.strftime("%Y-%m-%dT%H:%M:%SZ") == incident["end"]
    assert alert.properties["count"] == 30
    assert all("cloudtrail-data-events/" in e.source for e in alert.evidence)
    row = score(analysis.alerts, truth)["LOG020"]
    assert row["precision"] == 1.0 and row["recall"] == 1.0
