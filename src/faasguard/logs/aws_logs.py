"""The only part of ``faasguard logs`` that talks to AWS: CloudWatch Logs, S3 and SNS (boto3).

Credentials come from the standard boto3 chain (environment, shared config and credentials
files, SSO, instance or task role). ``endpoint_url`` points every client at another API
endpoint, for example moto in server mode on 127.0.0.1 in the tests.

Everything here returns plain values (lists of dicts, paths); analysis never sees a client.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Pages of GetLogEvents read from one stream in one call of :func:`read_stream`.
MAX_PAGES_PER_READ = 50


@dataclass(frozen=True, slots=True)
class AwsOptions:
    """Where to reach AWS: region and an optional endpoint (moto, LocalStack, a VPC endpoint)."""

    region: str | None = None
    endpoint_url: str | None = None


def client(service: str, options: AwsOptions) -> Any:
    """A boto3 client for ``service`` with the standard credential chain."""
    import boto3  # noqa: PLC0415 - keeps 'faasguard --version' fast
    from botocore.config import Config  # noqa: PLC0415 - loaded on first use (start-up speed)

    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10)
    return boto3.session.Session().client(
        service,
        region_name=options.region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        endpoint_url=options.endpoint_url,
        config=config,
    )


# -- S3: CloudWatch Logs exports ------------------------------------------------------------


def is_s3_uri(text: str) -> bool:
    """Whether ``text`` is an ``s3://bucket[/prefix]`` address."""
    return text.startswith("s3://")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``(bucket, prefix)`` of ``s3://bucket/prefix``; raises ``ValueError`` without a bucket."""
    rest = uri[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ValueError(f"'{uri}' names no bucket")
    return bucket, prefix


def download_prefix(uri: str, destination: Path, options: AwsOptions) -> Path:
    """Copy every object below ``s3://bucket/prefix`` to ``destination/bucket/key``.

    Keys keep their layout (``<prefix>/<task>/<stream>/000000.gz`` for a CloudWatch Logs
    export), so a function named by an ``aws/lambda/NAME`` key segment is found as for
    local files. Objects are streamed to disk one at a time: memory stays bounded, disk use
    is the compressed size of the prefix. Returns the local directory of the prefix.
    """
    bucket, prefix = split_s3_uri(uri)
    s3 = client("s3", options)
    root = destination / bucket
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents") or []:
            key = str(item["Key"])
            if key.endswith("/") or ".." in key.split("/"):
                continue  # folder placeholders; never write outside the destination
            target = root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, key, str(target))
    local = root / prefix if prefix else root
    return local if local.exists() else root


# -- CloudWatch Logs ------------------------------------------------------------------------


@dataclass(slots=True)
class StreamRead:
    """Events read from one log stream and the token to continue from."""

    events: list[dict[str, Any]] = field(default_factory=list)
    next_token: str | None = None
    complete: bool = True  # False when the page budget ran out before the end


def list_streams(logs: Any, group: str) -> list[str]:
    """Every log stream of ``group`` (DescribeLogStreams, all pages), sorted by name."""
    names: list[str] = []
    for page in logs.get_paginator("describe_log_streams").paginate(logGroupName=group):
        names.extend(str(s["logStreamName"]) for s in page.get("logStreams") or [])
    return sorted(names)


def read_stream(
    logs: Any,
    group: str,
    stream: str,
    token: str | None,
    start_ms: int | None,
    max_pages: int = MAX_PAGES_PER_READ,
) -> StreamRead:
    """Events after ``token`` (or from ``start_ms`` when there is none), oldest first.

    GetLogEvents with ``startFromHead``: a page whose forward token equals the token it was
    asked with is the end of the stream for now. ``start_ms`` is passed with every page so
    the token keeps meaning the same position.
    """
    read = StreamRead(next_token=token)
    for _ in range(max_pages):
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "logStreamName": stream,
            "startFromHead": True,
        }
        if read.next_token:
            kwargs["nextToken"] = read.next_token
        if start_ms is not None:
            kwargs["startTime"] = start_ms
        page = logs.get_log_events(**kwargs)
        events = page.get("events") or []
        read.events.extend(events)
        forward = page.get("nextForwardToken")
        # An empty page is not the end (CloudWatch may return those while it scans a
        # time range); the same token back is.
        if forward is None or forward == read.next_token:
            return read
        read.next_token = str(forward)
    read.complete = False
    return read


def put_events(logs: Any, group: str, stream: str, events: list[tuple[int, str]]) -> None:
    """Write ``(timestamp ms, message)`` events in PutLogEvents-sized chunks (tests, demos)."""
    for chunk in _chunks(sorted(events), 5000, 900_000):
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": ts, "message": message} for ts, message in chunk],
        )


def _chunks(
    events: list[tuple[int, str]], count: int, size: int
) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    used = 0
    for event in events:
        cost = len(event[1].encode()) + 26  # PutLogEvents counts 26 bytes per event
        if chunk and (len(chunk) >= count or used + cost > size):
            yield chunk
            chunk, used = [], 0
        chunk.append(event)
        used += cost
    if chunk:
        yield chunk


# -- SNS ------------------------------------------------------------------------------------


def publish(sns: Any, topic_arn: str, subject: str, message: str) -> str:
    """Publish one message; returns the MessageId SNS acknowledged it with."""
    response = sns.publish(TopicArn=topic_arn, Subject=subject[:100], Message=message)
    return str(response["MessageId"])
