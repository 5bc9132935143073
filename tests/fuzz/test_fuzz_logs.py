"""Fuzzing the log containers (``faasguard.logs.ingest``) and parsers (``logs.parse``).

Generated files in every container faasguard reads (text, JSON lines, subscription
payloads, ``filter-log-events`` output, Firehose, CloudTrail), plain or gzip, whole or
truncated, with hostile messages, timestamps and field types, are analysed end to end
(serially, no history store).

Property: an analysis returns a report for any input (bad input is a counted diagnostic),
within the deadline, writing nothing outside the example's directory.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from fuzz_support import HUGE_NUMBERS, fuzz_settings, odd_text, sandbox, text_values, time_limit
from hypothesis import given
from hypothesis import strategies as st

from faasguard.logs.analyze import AnalyzeConfig, analyze
from faasguard.logs.pipeline import Options, warm_up
from faasguard.rules import log_rules


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    """Pay the one-time start-up cost (the pattern database) before the deadline clock runs."""
    warm_up(Options())


_timestamps = st.one_of(
    st.sampled_from(
        (
            "2024-05-01T02:01:17.736Z",
            "2024-05-01T02:01:17",
            "0001-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
            "2024-13-45T99:99:99.999Z",
            "",
        )
    ),
    st.sampled_from(HUGE_NUMBERS),
    odd_text,
)
_messages = st.one_of(
    st.sampled_from(
        (
            "START RequestId: 1 Version: $LATEST",
            "END RequestId: 1",
            "REPORT RequestId: 1\tDuration: 1e309 ms\tBilled Duration: -5 ms\t"
            "Memory Size: 99999999999999999999 MB\tMax Memory Used: x MB\tInit Duration: 5 ms",
            "Task timed out after 3.00 seconds",
            "[ERROR] Runtime.ImportModuleError: x",
            "-----BEGIN RSA PRIVATE KEY-----MIIabc",
            "' OR 1=1 --",
            "../../etc/passwd",
            "<script>alert(1)</script>",
        )
    ),
    text_values,
)
_json_scalars = st.one_of(st.integers(), st.floats(), st.none(), st.booleans(), text_values)


def _text_file(lines: list[tuple[str, str]]) -> bytes:
    return "\n".join(f"{stamp} {message}" for stamp, message in lines).encode(
        "utf-8", "surrogatepass"
    )


def _jsonl(events: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(event) for event in events).encode()


def _subscription(events: list[dict[str, Any]], group: Any) -> bytes:
    payload = {"messageType": "DATA_MESSAGE", "logGroup": group, "logEvents": events}
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    return json.dumps({"awslogs": {"data": data}}).encode()


def _firehose(events: list[dict[str, Any]], group: Any) -> bytes:
    return json.dumps(
        {"messageType": "DATA_MESSAGE", "logGroup": group, "logEvents": events}
    ).encode()


def _filter_log_events(events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"events": events, "searchedLogStreams": []}).encode()


_events = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "message": st.one_of(_messages, _json_scalars),
            "timestamp": st.one_of(_timestamps, _json_scalars),
            "logGroup": st.one_of(st.just("/aws/lambda/f"), _json_scalars),
            "id": _json_scalars,
        },
    ),
    max_size=8,
)

_cloudtrail_records = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "eventName": st.one_of(
                st.sampled_from(("Invoke", "UpdateFunctionCode20150331v2", "AddPermission")),
                _json_scalars,
            ),
            "eventSource": st.one_of(st.just("lambda.amazonaws.com"), _json_scalars),
            "eventTime": st.one_of(_timestamps, _json_scalars),
            "userIdentity": st.one_of(
                st.fixed_dictionaries({"arn": text_values, "type": text_values}), _json_scalars
            ),
            "requestParameters": st.one_of(
                st.fixed_dictionaries({"functionName": st.one_of(text_values, _json_scalars)}),
                _json_scalars,
            ),
            "sourceIPAddress": _json_scalars,
        },
    ),
    max_size=6,
)


@st.composite
def _log_files(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(
        st.sampled_from(("text", "jsonl", "subscription", "firehose", "filter", "cloudtrail"))
    )
    events, records = draw(_events), draw(_cloudtrail_records)
    group = draw(st.one_of(st.just("/aws/lambda/f"), _json_scalars))
    if kind == "text":
        lines = draw(st.lists(st.tuples(_timestamps, _messages), max_size=10))
        name, data = "000000", _text_file(lines)
    elif kind == "jsonl":
        name, data = "events.jsonl", _jsonl(events)
    elif kind == "subscription":
        name, data = "payload.json", _subscription(events, group)
    elif kind == "firehose":
        name, data = "firehose", _firehose(events, group)
    elif kind == "filter":
        name, data = "filter.json", _filter_log_events(events)
    else:
        name, data = "trail.json", json.dumps({"Records": records}).encode()
    if draw(st.booleans()):
        data = gzip.compress(data)
        name += ".gz"
        if draw(st.booleans()):  # truncated download
            data = data[: draw(st.integers(0, len(data)))]
    return name, data


@fuzz_settings(weight=0.5)
@given(files=st.lists(_log_files(), min_size=1, max_size=3))
def test_any_log_container_analyses_to_a_report(files: list[tuple[str, bytes]]) -> None:
    with sandbox() as directory, time_limit():
        logs = directory / "aws" / "lambda" / "f"
        logs.mkdir(parents=True)
        for index, (name, data) in enumerate(files):
            (logs / f"{index}-{name}").write_bytes(data)
        analysis = analyze([str(directory)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)
    assert analysis.report is not None
