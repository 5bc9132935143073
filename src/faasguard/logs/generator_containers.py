"""The container formats ``faasguard logs generate`` writes one function-hour of log events in
(plain text, gzip, S3 export, subscription payloads, FilterLogEvents pages, JSON lines,
Firehose)."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import zlib
from collections.abc import Callable

from faasguard.logs.generator_world import (
    ACCOUNT,
    START,
    FunctionSpec,
    GeneratorState,
    iso_ms,
)


def write_container(
    gen: GeneratorState, container: str, fn: FunctionSpec, hour: int, events: list[tuple[int, str]]
) -> None:
    stamp = (START + dt.timedelta(hours=hour)).strftime("%Y-%m-%d-%H")
    group = f"aws/lambda/{fn.name}"
    stream = gen.stream_name(fn, hour)
    writers: dict[str, Callable[[], None]] = {}

    def text_bytes() -> bytes:
        return "".join(f"{iso_ms(ts)} {msg}\n" for ts, msg in events).encode()

    def plain() -> None:
        gen.emit(gen.out / group / f"{stamp}.log", text_bytes())

    def gz() -> None:
        gen.emit(gen.out / group / f"{stamp}.log.gz", text_bytes(), compress=True)

    def s3_export() -> None:
        task = f"{zlib.crc32(fn.name.encode()):08x}-export"
        gen.emit(
            gen.out / "s3-export" / group / task / stream / "000000.gz",
            text_bytes(),
            compress=True,
        )

    def payloads() -> list[bytes]:
        """CloudWatch Logs subscription payloads of 200 events (JSON)."""
        out = []
        for chunk_start in range(0, len(events), 200):
            chunk = events[chunk_start : chunk_start + 200]
            body = {
                "messageType": "DATA_MESSAGE",
                "owner": ACCOUNT,
                "logGroup": f"/{group}",
                "logStream": stream,
                "subscriptionFilters": ["faasguard"],
                "logEvents": [
                    {"id": gen.event_id(), "timestamp": ts, "message": msg} for ts, msg in chunk
                ],
            }
            out.append(json.dumps(body).encode())
        return out

    def subscription() -> None:
        lines = []
        for body in payloads():
            data = base64.b64encode(gzip.compress(body, mtime=0))
            lines.append(json.dumps({"awslogs": {"data": data.decode()}}))
        gen.emit(
            gen.out / "subscription" / fn.name / f"{stamp}.json",
            ("\n".join(lines) + "\n").encode(),
        )

    def firehose() -> None:
        # Firehose delivers the (gzip) payload records back to back into one object,
        # named <prefix>/YYYY/MM/DD/HH/<stream>-<version>-<time>-<id>, no extension.
        when = START + dt.timedelta(hours=hour)
        name = f"faasguard-cwl-1-{when:%Y-%m-%d-%H}-00-00-{zlib.crc32(group.encode()):08x}"
        gen.emit(
            gen.out / "firehose" / f"{when:%Y/%m/%d/%H}" / name,
            b"".join(gzip.compress(body, mtime=0) for body in payloads()),
        )

    def filter_log_events() -> None:
        body = {
            "events": [
                {
                    "logStreamName": stream,
                    "timestamp": ts,
                    "message": msg,
                    "ingestionTime": ts + 200,
                    "eventId": gen.event_id(),
                }
                for ts, msg in events
            ],
            "searchedLogStreams": [{"logStreamName": stream, "searchedCompletely": True}],
        }
        gen.emit(
            gen.out / "filter-log-events" / group / f"{stamp}.json",
            json.dumps(body, indent=1).encode(),
        )

    def jsonl() -> None:
        text = "".join(
            json.dumps(
                {
                    "logGroup": f"/{group}",
                    "logStream": stream,
                    "id": gen.event_id(),
                    "timestamp": ts,
                    "message": msg,
                }
            )
            + "\n"
            for ts, msg in events
        )
        gen.emit(gen.out / "jsonl" / f"{fn.name}-{stamp}.jsonl", text.encode())

    writers = {
        "plain": plain,
        "gzip": gz,
        "s3-export": s3_export,
        "subscription": subscription,
        "firehose": firehose,
        "filter-log-events": filter_log_events,
        "jsonl": jsonl,
    }
    writers[container]()
