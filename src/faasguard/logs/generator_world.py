"""The world of ``faasguard logs generate``: account, functions, incidents, the incident
plan and the state every writer shares (see :mod:`faasguard.logs.generator`)."""

from __future__ import annotations

import datetime as dt
import gzip
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
FUNCTIONS_BY_NAME = {f.name: f for f in FUNCTIONS}


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
            "start": iso_s(self.start),
            "end": iso_s(self.end),
            "detail": self.detail,
        }


@dataclass(slots=True)
class Plan:
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


def iso_ms(ms: int) -> str:
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


def iso_s(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def minute_time(m: int) -> dt.datetime:
    return START + dt.timedelta(minutes=m)


class GeneratorState:
    """What the planners and writers share: output, random stream, plan, ground truth."""

    plan: Plan

    def __init__(self, out: Path, size: int, seed: int, container: str) -> None:
        self.out = out
        self.size = size
        self.seed = seed
        self.rng = random.Random(seed)
        self.container = container
        self.hours = 6 if size < 64 * 10**6 else 24
        self.incidents: list[Incident] = []
        self.written = 0
        self.event_ids = 0

    def stream_name(self, fn: FunctionSpec, hour: int) -> str:
        """The log stream of ``fn`` in ``hour``."""
        day = (START + dt.timedelta(hours=hour)).strftime("%Y/%m/%d")
        return f"{day}/[$LATEST]{zlib.crc32(f'{fn.name}{hour}'.encode()):08x}{'0' * 24}"

    def event_id(self) -> str:
        """The next CloudWatch Logs event id."""
        self.event_ids += 1
        return f"{self.event_ids:056d}"

    def emit(self, path: Path, data: bytes, *, compress: bool = False) -> None:
        """Write one output file, counting its uncompressed bytes."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.written += len(data)
        if compress:
            data = gzip.compress(data, compresslevel=4, mtime=0)
        path.write_bytes(data)
