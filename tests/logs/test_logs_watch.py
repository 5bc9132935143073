"""``faasguard logs watch`` against CloudWatch Logs emulated by moto on 127.0.0.1.

Real HTTP and real boto3: moto runs in server mode on a free loopback port. The events are
the generator's (seeded, with injected incidents), shifted to end two minutes ago so
CloudWatch accepts them.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from moto_support import moto_endpoint
from typer.testing import CliRunner

from faasguard.cli import app
from faasguard.logs.analyze import AnalyzeConfig, analyze, to_findings
from faasguard.logs.aws_logs import AwsOptions, client, put_events
from faasguard.logs.generator import generate
from faasguard.rules import log_rules

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

runner = CliRunner()
Events = dict[str, dict[str, list[tuple[int, str]]]]  # group -> stream -> (ts, message)
EVENT_RULES = {"LOG010", "LOG011", "LOG017", "LOG018"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto in server mode on 127.0.0.1, with dummy credentials in the environment."""
    with moto_endpoint() as url:
        yield url


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Events:
    """Generated Lambda events per log group and stream, the newest two minutes old."""
    out = tmp_path_factory.mktemp("watchgen")
    generate(out, size=600_000, seed=11, container="jsonl")
    raw: list[dict[str, Any]] = []
    for file in sorted((out / "jsonl").iterdir()):
        raw.extend(json.loads(line) for line in file.read_text().splitlines())
    shift = int(time.time() * 1000) - 120_000 - max(r["timestamp"] for r in raw)
    grouped: Events = collections.defaultdict(lambda: collections.defaultdict(list))
    for record in raw:
        grouped[record["logGroup"]][record["logStream"]].append(
            (record["timestamp"] + shift, record["message"])
        )
    return {g: dict(s) for g, s in grouped.items()}


def _expected(events: Events, tmp: Path) -> dict[str, tuple[str, str, str]]:
    """What 'logs analyze' says about the same events: fingerprint -> (rule, function, start)."""
    files = []
    for group, streams in events.items():
        path = tmp / f"{group.rsplit('/', 1)[-1]}.jsonl"
        rows = sorted(
            (ts, stream, message) for stream, items in streams.items() for ts, message in items
        )
        path.write_text(
            "".join(
                json.dumps({"logGroup": group, "logStream": s, "timestamp": ts, "message": m})
                + "\n"
                for ts, s, m in rows
            )
        )
        files.append(str(path))
    result = analyze(files, AnalyzeConfig(history=None, jobs=1), rules=log_rules)
    return {
        f.fingerprint: (f.rule_id, str(f.function), f.properties["window"]["start"])
        for f in to_findings(result.alerts, log_rules())
    }


def _put(endpoint: str, events: Events, keep: Any = lambda ts: True) -> int:
    logs = client("logs", AwsOptions(endpoint_url=endpoint))
    existing = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    count = 0
    for group, streams in events.items():
        if group not in existing:
            logs.create_log_group(logGroupName=group)
        for stream, items in streams.items():
            chosen = [e for e in items if keep(e[0])]
            if not chosen:
                continue
            with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            put_events(logs, group, stream, chosen)
            count += len(chosen)
    return count


def _sink_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def _groups_args(events: Events) -> list[str]:
    return [arg for group in sorted(events) for arg in ("--log-group", group)]


def test_watch_once_alerts_like_analyze(
    endpoint: str, events: Events, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its own region keeps this test's log groups apart from the kill test's.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    put = _put(endpoint, events)
    sink = tmp_path / "alerts.jsonl"
    args = [
        "logs",
        "watch",
        *_groups_args(events),
        "--endpoint-url",
        endpoint,
        "--state",
        str(tmp_path / "watch.duckdb"),
        "--sink",
        f"jsonl:{sink}",
        "--retain",
        "480",
        "--once",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 1, first.output  # alerts were sent
    assert f"read {put} new event(s)" in first.stderr
    sent = _sink_lines(sink)
    expected = _expected(events, tmp_path)
    assert {r["id"]: (r["rule_id"], r["function"], r["start"]) for r in sent} == expected
    assert {r["rule_id"] for r in sent} >= {"LOG010", "LOG011", "LOG017", "LOG018"}
    timeout = next(r for r in sent if r["rule_id"] == "LOG010")
    assert timeout["evidence"][0]["source"].startswith("/aws/lambda/")
    assert "Task timed out" in timeout["evidence"][0]["text"]

    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output  # nothing new, nothing re-sent
    assert "read 0 new event(s)" in again.stderr
    assert len(_sink_lines(sink)) == len(sent)


def test_watch_survives_kill_without_loss_or_duplicates(
    endpoint: str, events: Events, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its own region keeps this test's log groups apart from the other test's.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    times = sorted(
        ts for streams in events.values() for items in streams.values() for ts, _ in items
    )
    first_cut, second_cut = times[len(times) // 2], times[len(times) * 3 // 4]
    put = _put(endpoint, events, lambda ts: ts < first_cut)
    sink = tmp_path / "alerts.jsonl"
    state = tmp_path / "watch.duckdb"
    command = [
        sys.executable,
        "-m",
        "faasguard.cli",
        "logs",
        "watch",
        *_groups_args(events),
        "--endpoint-url",
        endpoint,
        "--state",
        str(state),
        "--sink",
        f"jsonl:{sink}",
        "--retain",
        "480",
    ]
    with (tmp_path / "watch.log").open("wb") as log:
        watcher = subprocess.Popen([*command, "--poll", "0.2"], env=env, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while not _sink_lines(sink) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _sink_lines(sink), (tmp_path / "watch.log").read_text()
            put += _put(endpoint, events, lambda ts: first_cut <= ts < second_cut)
            time.sleep(0.3)  # kill it while it works on the second part (or just after)
        finally:
            watcher.send_signal(signal.SIGKILL)
            watcher.wait(timeout=30)
    put += _put(endpoint, events, lambda ts: ts >= second_cut)

    restart = subprocess.run(
        [*command, "--once"], env=env, capture_output=True, timeout=120, check=False
    )
    assert restart.returncode in (0, 1), restart.stderr.decode()
    final = subprocess.run(
        [*command, "--once"], env=env, capture_output=True, timeout=120, check=False
    )
    assert final.returncode == 0, final.stderr.decode()
    assert "read 0 new event(s)" in final.stderr.decode()

    sent = _sink_lines(sink)
    ids = collections.Counter(r["id"] for r in sent)
    assert ids and max(ids.values()) == 1, [i for i, n in ids.items() if n > 1]
    expected = _expected(events, tmp_path)
    must = {i for i, (rule, _, _) in expected.items() if rule in EVENT_RULES}
    assert must <= set(ids), sorted(expected[i] for i in must - set(ids))
    with duckdb.connect(str(state), read_only=True) as db:
        read = dict(
            db.execute("SELECT log_group || ' ' || stream, events FROM watch_streams").fetchall()
        )
    assert sum(read.values()) == put == len(times)
    assert read == {
        f"{g} {s}": len(items) for g, streams in events.items() for s, items in streams.items()
    }
