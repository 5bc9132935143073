"""``faasguard logs watch``: tail CloudWatch Logs log groups, alert once, survive ``kill -9``.

State lives in one embedded DuckDB file (``.faasguard/watch.duckdb`` by default), the same
kind of file as the analysis history, and holds it too (baselines, seen error types):

- ``watch_streams``: per log stream the GetLogEvents forward token, the start time the token
  is relative to, and how many events were read (which numbers the events: event ids are
  ``<stream>#<n>``, stable across restarts);
- ``watch_events``: the retained raw events (``--retain`` minutes before the newest one);
- ``watch_sent``: the id of every alert a sink acknowledged.

DuckDB rather than a JSON file: the history the detectors compare against is already a
DuckDB file, transactions are atomic and durable (its write-ahead log is replayed after a
crash), and its lock keeps a second watcher off the same state.

One cycle:

1. read every stream from its committed token (nothing is written yet);
2. analyse the retained events plus the new ones with the shared pipeline
   (:func:`faasguard.logs.parse.parse_events` → :class:`PartialState` → ``all_alerts``): the
   same detectors as ``logs analyze``, over the same kind of batches;
3. send every alert whose id is not in ``watch_sent`` (nor in the sink's own record); after
   each acknowledgement its id is committed;
4. in one transaction: the new events, the new stream positions, the history, pruning.

A crash before 4 re-reads the same events on restart (none lost); alerts already
acknowledged are in ``watch_sent`` (none sent twice). The one remaining gap, a crash between
a sink's acknowledgement and step 3's commit, is closed by the JSON lines sink, which reads
back the ids in its file; a webhook or SNS can in that instant receive an alert twice.

An alert's id is its finding fingerprint: rule, function and the alert's window key (the
window start, or the hour bucket for event detectors). The evidence is left out on purpose:
an incident gains evidence lines while it goes on, and must not be re-sent for each.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.alerts import Alert, iso
from faasguard.logs.analyze import to_findings
from faasguard.logs.aws_logs import AwsOptions, client, list_streams, read_stream
from faasguard.logs.detectors import PartialState
from faasguard.logs.facts import LogRule
from faasguard.logs.finish import all_alerts, save_history
from faasguard.logs.ingest import function_from_group
from faasguard.logs.parse import parse_events
from faasguard.logs.patterns import Matcher
from faasguard.logs.pricing import price
from faasguard.logs.sinks import Sink, SinkError
from faasguard.logs.store import History

_EVENTS_PER_BATCH = 50_000

_WATCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS watch_streams (
    log_group VARCHAR, stream VARCHAR, token VARCHAR, start_ms BIGINT, events BIGINT,
    last_ms BIGINT, PRIMARY KEY (log_group, stream));
CREATE TABLE IF NOT EXISTS watch_events (
    log_group VARCHAR, stream VARCHAR, seq BIGINT, ts BIGINT, message VARCHAR,
    PRIMARY KEY (log_group, stream, seq));
CREATE TABLE IF NOT EXISTS watch_sent (
    alert_id VARCHAR PRIMARY KEY, rule_id VARCHAR, function VARCHAR, sent_at TIMESTAMP);
"""

_EVENT_SCHEMA = pa.schema(
    [
        ("log_group", pa.string()),
        ("stream", pa.string()),
        ("seq", pa.int64()),
        ("ts", pa.int64()),
        ("message", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchConfig:
    """Settings of ``faasguard logs watch``."""

    log_groups: tuple[str, ...]
    state: str = ".faasguard/watch.duckdb"
    aws: AwsOptions = field(default_factory=AwsOptions)
    poll_seconds: float = 30.0
    #: Minutes of events kept for analysis (before the newest event); also how far back a
    #: stream seen for the first time is read.
    retain_minutes: int = 360
    region: str | None = None  # prices
    architecture: str | None = None


@dataclass(slots=True)
class CycleResult:
    """What one cycle did."""

    events: int = 0
    streams: int = 0
    alerts: int = 0
    sent: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Position:
    token: str | None
    start_ms: int | None
    events: int
    last_ms: int


def alert_id(alert: Alert, rules: Sequence[LogRule]) -> str:
    """The alert's stable id: its finding fingerprint (rule, function, window key)."""
    return to_findings([alert], rules)[0].fingerprint


def alert_record(alert: Alert, rules: Sequence[LogRule]) -> dict[str, Any]:
    """What a sink receives: the finding of ``alert`` as a flat JSON-ready dict."""
    finding = to_findings([alert], rules)[0]
    return {
        "id": finding.fingerprint,
        "rule_id": finding.rule_id,
        "severity": finding.severity.name.lower(),
        "practice": finding.practice.name,
        "title": finding.title,
        "function": finding.function,
        "start": iso(alert.start),
        "end": iso(alert.end),
        "message": finding.message,
        "evidence": [e.to_dict() for e in alert.evidence],
        "properties": {
            k: v for k, v in finding.properties.items() if k not in ("evidence", "window")
        },
    }


class Watcher:
    """Tails log groups into the shared detectors; one instance per state file."""

    def __init__(
        self,
        config: WatchConfig,
        sink: Sink,
        log: Callable[[str], None],
        rules: Sequence[LogRule],
    ) -> None:
        """Watch with the LOG ``rules`` (``faasguard.rules.log_rules()``)."""
        self.config = config
        self.rules = rules
        self.sink = sink
        self.log = log
        Path(config.state).parent.mkdir(parents=True, exist_ok=True)
        self.history = History(config.state)
        self.db = self.history.db
        self.db.execute(_WATCH_SCHEMA)
        self.logs = client("logs", config.aws)
        self.matcher = Matcher()
        self.rate = price(config.region, config.architecture)
        # Ids the sink holds but the checkpoint may not (a crash right after a write).
        self.sink_ids = sink.already_sent()
        self.errors = 0

    def close(self) -> None:
        """Close the state database."""
        self.history.close()

    # -- reading ------------------------------------------------------------------------------

    def _positions(self) -> dict[tuple[str, str], _Position]:
        rows = self.db.execute(
            "SELECT log_group, stream, token, start_ms, events, last_ms FROM watch_streams"
        ).fetchall()
        return {(str(r[0]), str(r[1])): _Position(r[2], r[3], int(r[4]), int(r[5])) for r in rows}

    def _read(
        self, positions: dict[tuple[str, str], _Position], result: CycleResult
    ) -> tuple[pa.Table, dict[tuple[str, str], _Position]]:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - loaded on first use (start-up speed)

        columns: dict[str, list[Any]] = {name: [] for name in _EVENT_SCHEMA.names}
        updated: dict[tuple[str, str], _Position] = {}
        first_read_ms = int(time.time() * 1000) - self.config.retain_minutes * 60_000
        for group in self.config.log_groups:
            try:
                streams = list_streams(self.logs, group)
            except (BotoCoreError, ClientError) as exc:
                result.errors.append(f"{group}: {exc}")
                continue
            for stream in streams:
                known = positions.get((group, stream))
                position = known or _Position(None, first_read_ms, 0, 0)
                try:
                    read = read_stream(self.logs, group, stream, position.token, position.start_ms)
                except ClientError as exc:
                    if "nextToken" not in str(exc) or position.token is None:
                        result.errors.append(f"{group} {stream}: {exc}")
                        continue
                    # An expired token: continue after the newest event read.
                    self.log(f"{group} {stream}: token no longer valid, reading by time")
                    position = _Position(None, position.last_ms + 1, position.events, 0)
                    read = read_stream(self.logs, group, stream, None, position.start_ms)
                except BotoCoreError as exc:
                    result.errors.append(f"{group} {stream}: {exc}")
                    continue
                result.streams += 1
                last_ms = position.last_ms
                for n, event in enumerate(read.events):
                    ts = int(event["timestamp"])
                    columns["log_group"].append(group)
                    columns["stream"].append(stream)
                    columns["seq"].append(position.events + n)
                    columns["ts"].append(ts)
                    columns["message"].append(str(event.get("message", "")))
                    last_ms = max(last_ms, ts)
                if read.events or read.next_token != position.token or known is None:
                    updated[(group, stream)] = _Position(
                        read.next_token,
                        position.start_ms,
                        position.events + len(read.events),
                        last_ms,
                    )
        new = pa.table(columns, schema=_EVENT_SCHEMA)
        result.events = new.num_rows
        return new, updated

    # -- analysing ----------------------------------------------------------------------------

    def _retained(self, new: pa.Table) -> tuple[pa.Table, int | None]:
        old = self.db.sql(
            "SELECT log_group, stream, seq, ts, message FROM watch_events"
        ).to_arrow_table()
        events = pa.concat_tables([old.cast(_EVENT_SCHEMA), new])
        if events.num_rows == 0:
            return events, None
        newest = int(pc.max(events.column("ts")).as_py())
        cutoff = newest - self.config.retain_minutes * 60_000
        events = events.filter(pc.greater_equal(events.column("ts"), cutoff))
        # One order whatever the polling rhythm was: evidence and "first seen" follow it.
        order = pc.sort_indices(
            events,
            sort_keys=[
                ("ts", "ascending"),
                ("log_group", "ascending"),
                ("stream", "ascending"),
                ("seq", "ascending"),
            ],
        )
        return events.take(order), cutoff

    def _state(self, events: pa.Table) -> PartialState:
        state = PartialState()
        # One log group is one function: folding group by group changes no per-function
        # state, and lets the evidence name the log group as its source.
        for group in sorted(set(events.column("log_group").to_pylist())):
            mine = events.filter(pc.equal(events.column("log_group"), group))
            function = function_from_group(group) or group
            for start in range(0, mine.num_rows, _EVENTS_PER_BATCH):
                chunk = mine.slice(start, _EVENTS_PER_BATCH)
                batch = parse_events(
                    functions=[function] * chunk.num_rows,
                    timestamps_ms=chunk.column("ts").to_pylist(),
                    messages=chunk.column("message").to_pylist(),
                    streams=chunk.column("stream").to_pylist(),
                    event_ids=[str(s) for s in chunk.column("seq").to_pylist()],
                    source=group,
                )
                state.update(batch, self.matcher)
        return state

    # -- one cycle ----------------------------------------------------------------------------

    def cycle(self) -> CycleResult:
        """Read, analyse, alert, checkpoint. Never raises for AWS or sink trouble."""
        result = CycleResult()
        positions = self._positions()
        new, updated = self._read(positions, result)
        events, cutoff = self._retained(new)
        state = self._state(events)
        memory = {n: s.memory_mb for n, s in state.functions.items()}
        alerts = all_alerts(state, self.history, self.rate, memory, self.rules)
        result.alerts = len(alerts)
        sent = {str(r[0]) for r in self.db.execute("SELECT alert_id FROM watch_sent").fetchall()}
        for alert in alerts:
            record = alert_record(alert, self.rules)
            if record["id"] in sent:
                continue
            if record["id"] not in self.sink_ids:
                try:
                    self.sink.send(record)
                except SinkError as exc:
                    # Keep the old positions: this cycle's events are read again next time
                    # and the unsent alerts are retried.
                    result.errors.append(str(exc))
                    return result
            self.db.execute(
                "INSERT OR IGNORE INTO watch_sent VALUES (?, ?, ?, ?)",
                [record["id"], alert.rule_id, alert.function, _now()],
            )
            sent.add(record["id"])
            result.sent += 1
        self._commit(new, updated, state, alerts, cutoff)
        return result

    def _commit(
        self,
        new: pa.Table,
        updated: dict[tuple[str, str], _Position],
        state: PartialState,
        alerts: list[Alert],
        cutoff: int | None,
    ) -> None:
        db = self.db
        db.execute("BEGIN TRANSACTION")
        try:
            if new.num_rows:
                db.register("new_events", new)
                db.execute("INSERT OR IGNORE INTO watch_events SELECT * FROM new_events")
                db.unregister("new_events")
            for (group, stream), position in updated.items():
                db.execute(
                    "INSERT OR REPLACE INTO watch_streams VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        group,
                        stream,
                        position.token,
                        position.start_ms,
                        position.events,
                        position.last_ms,
                    ],
                )
            if cutoff is not None:
                db.execute("DELETE FROM watch_events WHERE ts < ?", [cutoff])
            if new.num_rows:
                save_history(self.history, state, alerts)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def run(self, *, once: bool = False, stop: Callable[[], bool] = lambda: False) -> int:
        """Cycle until ``stop()`` (or once). Returns the number of alerts sent."""
        total = 0
        while True:
            started = time.monotonic()
            result = self.cycle()
            total += result.sent
            self.errors += len(result.errors)
            for error in result.errors:
                self.log(f"error: {error}")
            if result.events or result.sent or once:
                self.log(
                    f"read {result.events} new event(s) from {result.streams} stream(s); "
                    f"{result.sent} new alert(s) sent"
                )
            if once or stop():
                return total
            deadline = started + self.config.poll_seconds
            while time.monotonic() < deadline and not stop():
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            if stop():
                return total


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def stderr_log(message: str) -> None:
    """The watcher's status lines go to standard error (alerts go to the sink)."""
    sys.stderr.write(f"faasguard: watch: {message}\n")
    sys.stderr.flush()
