"""Where ``faasguard logs watch`` sends alerts: terminal, JSON lines file, webhook, SNS.

A sink's :meth:`Sink.send` returns only once the alert is acknowledged (written and
``fsync``-ed, a 2xx answer, an SNS MessageId) and raises :class:`SinkError` otherwise, so the
watcher records an alert as sent only after its sink has it. The JSON lines sink also
reports the alert ids already in its file (:meth:`Sink.already_sent`), which closes the last
gap: an alert written just before a crash, but not yet recorded in the checkpoint, is not
written again.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol

from faasguard.logs.aws_logs import AwsOptions, client, publish

SINK_KINDS = ("terminal", "jsonl:FILE", "webhook:URL", "sns:TOPIC_ARN")
_WEBHOOK_TIMEOUT_S = 10


class SinkError(RuntimeError):
    """The sink did not acknowledge an alert."""


class Sink(Protocol):
    """Delivers alert records (see :func:`faasguard.logs.watch.alert_record`)."""

    name: str

    def already_sent(self) -> set[str]:
        """Alert ids the sink itself holds (empty when it cannot tell)."""
        ...

    def send(self, record: dict[str, Any]) -> None:
        """Deliver one alert; return once acknowledged, else raise :class:`SinkError`."""
        ...


def headline(record: dict[str, Any]) -> str:
    """One line for people: severity, rule, function, window and message."""
    return (
        f"[{str(record['severity']).upper()}] {record['rule_id']} {record['function']} "
        f"{record['start']}..{record['end']}: {record['message']}"
    )


class TerminalSink:
    """Prints one line per alert on standard output."""

    name = "terminal"

    def already_sent(self) -> set[str]:
        """The terminal keeps nothing."""
        return set()

    def send(self, record: dict[str, Any]) -> None:
        """Print the alert's headline and flush."""
        sys.stdout.write(headline(record) + "\n")
        sys.stdout.flush()


class JsonLinesSink:
    """Appends one JSON object per alert to a file, ``fsync``-ed before acknowledging."""

    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._repair()

    def _repair(self) -> None:
        # A crash in the middle of a write leaves a last line without its newline: cut it,
        # the alert was not acknowledged and will be written again.
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)
                handle.flush()
                os.fsync(handle.fileno())

    def already_sent(self) -> set[str]:
        """Ids of the alerts already in the file."""
        if not self.path.exists():
            return set()
        ids = set()
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line someone else wrote: not ours to judge
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                ids.add(record["id"])
        return ids

    def send(self, record: dict[str, Any]) -> None:
        """Append, flush and ``fsync`` one line."""
        line = (json.dumps(record, sort_keys=True) + "\n").encode()
        try:
            with self.path.open("ab") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise SinkError(f"cannot write {self.path}: {exc}") from exc


class WebhookSink:
    """POSTs a Slack-compatible ``{"text": ...}`` payload (plus the alert) to a URL."""

    name = "webhook"

    def __init__(self, url: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s), got '{url}'")
        self.url = url

    def already_sent(self) -> set[str]:
        """A webhook keeps nothing we can read back."""
        return set()

    def send(self, record: dict[str, Any]) -> None:
        """POST the alert; any 2xx answer acknowledges it."""
        body = json.dumps({"text": headline(record), "faasguard": record}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=_WEBHOOK_TIMEOUT_S) as response:
                status = int(response.status)
        except (urllib.error.URLError, OSError) as exc:
            raise SinkError(f"webhook {self.url}: {exc}") from exc
        if not 200 <= status < 300:
            raise SinkError(f"webhook {self.url} answered {status}")


class SnsSink:
    """Publishes each alert to an SNS topic (subject: the headline; message: the JSON)."""

    name = "sns"

    def __init__(self, topic_arn: str, options: AwsOptions) -> None:
        self.topic_arn = topic_arn
        self.sns = client("sns", options)

    def already_sent(self) -> set[str]:
        """SNS keeps nothing we can read back."""
        return set()

    def send(self, record: dict[str, Any]) -> None:
        """Publish; the returned MessageId acknowledges it."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - loaded on first use (start-up speed)

        subject = f"faasguard {record['rule_id']} {record['function']}"
        try:
            publish(self.sns, self.topic_arn, subject, json.dumps(record, sort_keys=True))
        except (BotoCoreError, ClientError) as exc:
            raise SinkError(f"SNS {self.topic_arn}: {exc}") from exc


def parse_sink(spec: str, options: AwsOptions) -> Sink:
    """The sink of ``terminal``, ``jsonl:FILE``, ``webhook:URL`` or ``sns:TOPIC_ARN``."""
    kind, _, target = spec.partition(":")
    if kind == "terminal" and not target:
        return TerminalSink()
    if kind == "jsonl" and target:
        return JsonLinesSink(Path(target))
    if kind == "webhook" and target:
        return WebhookSink(target)
    if kind == "sns" and target.startswith("arn:"):
        return SnsSink(target, options)
    raise ValueError(f"unknown sink '{spec}' (expected one of: {', '.join(SINK_KINDS)})")
