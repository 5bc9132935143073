"""Run a command and measure wall time and the peak resident memory of its process tree.

Peak memory is sampled from ``/proc`` every 20 ms over the whole process tree (faasguard
loads on every core with worker processes, so the tree is what a user pays for).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """Wall-clock seconds, peak RSS of the process tree in MiB, and the exit code."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str


def _children(pid: int) -> list[int]:
    result = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            result.extend(int(p) for p in text.split())
    except OSError:
        pass
    return result


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss_kib(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kib(pid)
        stack.extend(_children(pid))
    return total


def measure(command: list[str], *, env: dict[str, str] | None = None) -> Measurement:
    """Run ``command`` to completion and measure it."""
    # Output goes to a temporary file: reading a pipe while sampling would add our own
    # latency to the measured process.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        started = time.perf_counter()
        with subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        ) as process:
            peak = 0
            while process.poll() is None:
                peak = max(peak, _tree_rss_kib(process.pid))
                time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        return Measurement(seconds, peak / 1024, process.returncode, out.read())
