"""LOG021: logged stream and queue records processed long after they arrived."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from faasguard.logs.analyze import AnalyzeConfig, analyze
from faasguard.rules import log_rules

RID = "0f2a9c1e-0b7a-4d4e-9c51-7a0f3b2e9d11"
LINE_TIME = dt.datetime(2024, 5, 1, 10, 5, tzinfo=dt.UTC)
LINE_MS = int(LINE_TIME.timestamp() * 1000)


def _line(seconds: int, message: str) -> str:
    when = LINE_TIME + dt.timedelta(seconds=seconds)
    return f"{when.strftime('%Y-%m-%dT%H:%M:%S.000Z')} {message}\n"


def _late(root: Path) -> list[Any]:
    result = analyze([str(root)], AnalyzeConfig(history=None, jobs=1), rules=log_rules)
    return [a for a in result.alerts if a.rule_id == "LOG021"]


def test_records_a_minute_old_or_more_are_reported_with_the_oldest_age(tmp_path: Path) -> None:
    folder = tmp_path / "aws" / "lambda" / "consumer"
    folder.mkdir(parents=True)
    arrival_s = (LINE_MS - 95_500) / 1000  # 95.5 s before the first line
    lines = [
        # Kinesis, JSON: 95.5 s old.
        _line(
            0,
            '{"level":"INFO","message":"batch","event":{"Records":[{"kinesis":'
            f'{{"approximateArrivalTimestamp": {arrival_s:.3f},"data":"eA=="}}}}]}}}}',
        ),
        # DynamoDB Streams, Python repr: 30 s old, under the limit.
        _line(
            10,
            f"[INFO]\t2024-05-01T10:05:10.000Z\t{RID}\tReceived event: {{'Records': "
            f"[{{'dynamodb': {{'ApproximateCreationDateTime': {(LINE_MS - 20_000) // 1000}}}}}]}}",
        ),
        # SQS, escaped JSON inside a JSON message: exactly 60 s old (reported).
        _line(
            20,
            '{"level":"INFO","message":"{\\"Records\\":[{\\"attributes\\":'
            f'{{\\"SentTimestamp\\":\\"{LINE_MS + 20_000 - 60_000}\\"}}}}]}}"}}',
        ),
        # A platform line never counts, whatever it holds.
        _line(30, f"END RequestId: {RID} SentTimestamp: 1"),
    ]
    path = folder / "2024-05-01-10.log"
    path.write_text("".join(lines))
    (alert,) = _late(tmp_path)
    assert alert.function == "consumer"
    assert alert.properties["count"] == 2
    assert alert.properties["max_age_s"] == 95.5
    assert [e.line for e in alert.evidence] == [1, 3]
    assert {e.source for e in alert.evidence} == {str(path)}
    assert "processed 2 stream/queue record(s) at least 60 s after they arrived" in alert.message


def test_no_alert_when_records_are_fresh(tmp_path: Path) -> None:
    folder = tmp_path / "aws" / "lambda" / "consumer"
    folder.mkdir(parents=True)
    (folder / "x.log").write_text(
        _line(0, f'{{"Records":[{{"attributes":{{"SentTimestamp":"{LINE_MS - 59_999}"}}}}]}}')
    )
    assert _late(tmp_path) == []


def test_generated_backlog_is_found(generated: tuple[Path, dict[str, Any]]) -> None:
    root, truth = generated
    (incident,) = [i for i in truth["incidents"] if i["rule_id"] == "LOG021"]
    (alert,) = _late(root)
    assert alert.function == incident["function"] == "notify"
    assert incident["start"] <= alert.start.strftime("%Y-%m-%dT%H:%M:%SZ") < incident["end"]
    assert alert.properties["max_age_s"] >= 240
