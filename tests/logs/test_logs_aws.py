"""The AWS edge of ``faasguard logs``: S3 exports, webhook and SNS sinks (moto on 127.0.0.1)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from moto_support import moto_endpoint
from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.logs.aws_logs import AwsOptions, client
from faasguard.logs.generator import generate
from faasguard.logs.sinks import SinkError, SnsSink, WebhookSink, parse_sink

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

runner = CliRunner()
RECORD: dict[str, Any] = {
    "id": "abc",
    "rule_id": "LOG010",
    "severity": "high",
    "function": "checkout",
    "start": "2024-05-01T10:00:00Z",
    "end": "2024-05-01T10:05:00Z",
    "message": "checkout: 3 invocations timed out",
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto in server mode on 127.0.0.1, with dummy credentials in the environment."""
    with moto_endpoint("us-east-1") as url:
        yield url


def test_analyze_reads_a_cloudwatch_export_from_s3(endpoint: str, tmp_path: Path) -> None:
    local = tmp_path / "gen"
    generate(local, size=400_000, seed=5, container="s3-export")
    s3 = client("s3", AwsOptions(endpoint_url=endpoint))
    s3.create_bucket(Bucket="log-archive")
    for file in sorted((local / "s3-export").rglob("*.gz")):
        key = "exports/" + file.relative_to(local / "s3-export").as_posix()
        s3.upload_file(str(file), "log-archive", key)

    args = ["logs", "analyze", "--no-history", "--format", "json", "--jobs", "1"]
    remote = runner.invoke(app, [*args, "s3://log-archive/exports", "--endpoint-url", endpoint])
    assert remote.exit_code == 1, remote.output
    here = runner.invoke(app, [*args, str(local / "s3-export")])
    remote_findings = json.loads(remote.stdout)["findings"]
    local_findings = json.loads(here.stdout)["findings"]
    assert [(f["rule_id"], f["function"], f["message"]) for f in remote_findings] == [
        (f["rule_id"], f["function"], f["message"]) for f in local_findings
    ]
    timeout = next(f for f in remote_findings if f["rule_id"] == "LOG010")
    assert timeout["location"]["file"].startswith("s3://log-archive/exports/aws/lambda/")
    assert timeout["location"]["file"].endswith("/000000.gz")


def test_analyze_s3_without_the_bucket_is_a_usage_error(endpoint: str) -> None:
    result = runner.invoke(
        app, ["logs", "analyze", "s3://no-such-bucket/x", "--endpoint-url", endpoint]
    )
    assert result.exit_code == 2
    assert "cannot read s3://no-such-bucket/x" in result.stderr


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    status: ClassVar[int] = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def webhook() -> Iterator[type[_Hook]]:
    """A tiny HTTP server on 127.0.0.1 that records what it is sent."""
    _Hook.received, _Hook.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.url = f"http://127.0.0.1:{server.server_address[1]}/hook"  # type: ignore[attr-defined]
    try:
        yield _Hook
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_sink_posts_a_slack_payload_and_fails_on_errors(
    webhook: type[_Hook],
) -> None:
    sink = parse_sink(f"webhook:{webhook.url}", AwsOptions())  # type: ignore[attr-defined]
    assert isinstance(sink, WebhookSink)
    sink.send(RECORD)
    assert webhook.received[0]["text"].startswith("[HIGH] LOG010 checkout 2024-05-01T10:00:00Z")
    assert webhook.received[0]["faasguard"]["id"] == "abc"
    webhook.status = 500
    with pytest.raises(SinkError, match="500"):
        sink.send(RECORD)


def test_sns_sink_publishes_the_alert(endpoint: str) -> None:
    options = AwsOptions(endpoint_url=endpoint)
    sns, sqs = client("sns", options), client("sqs", options)
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sink = parse_sink(f"sns:{topic}", options)
    assert isinstance(sink, SnsSink)
    sink.send(RECORD)
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    envelope = json.loads(messages[0]["Body"])
    assert envelope["Subject"] == "faasguard LOG010 checkout"
    assert json.loads(envelope["Message"])["id"] == "abc"
    with pytest.raises(SinkError):
        SnsSink("arn:aws:sns:us-east-1:123456789012:missing", options).send(RECORD)


def test_jsonl_sink_cuts_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    path.write_text(json.dumps({"id": "one"}) + "\n" + '{"id": "tw')
    sink = parse_sink(f"jsonl:{path}", AwsOptions())
    assert sink.already_sent() == {"one"}
    sink.send({**RECORD, "id": "two"})
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["one", "two"]


def test_unknown_sink_is_a_usage_error() -> None:
    result = runner.invoke(app, ["logs", "watch", "--log-group", "/aws/lambda/x", "--sink", "ftp"])
    assert result.exit_code == 2
    assert "unknown sink 'ftp'" in result.stderr
