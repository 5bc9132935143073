"""Run a command and measure wall time and the peak memory of its process tree.

Memory is sampled from ``/proc`` every 20 ms over the whole process tree (faasguard loads on
every core with forked worker processes, so the tree is what a user pays for). Two figures:
the sum of RSS, which counts pages shared between forked processes once per process (an
overestimate), and the sum of PSS (proportional set size, ``/proc/PID/smaps_rollup``), which
splits each shared page between its sharers — the standard measure for a process tree.
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
    peak_pss_mib: float = 0.0
    #: user + system CPU seconds of the command and the children it waited for (workers)
    cpu_seconds: float = 0.0


def _children(pid: int) -> list[int]:
    result: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            result.extend(int(p) for p in text.split())
    except OSError:
        pass
    return result


def _memory_kib(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def _tree_memory_kib(root: int) -> tuple[int, int]:
    rss_total = pss_total = 0
    stack, seen = [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        rss, pss = _memory_kib(pid)
        rss_total += rss
        pss_total += pss
        stack.extend(_children(pid))
    return rss_total, pss_total


def measure(command: list[str], *, env: dict[str, str] | None = None) -> Measurement:
    """Run ``command`` to completion and measure it."""
    # Output goes to a temporary file: reading a pipe while sampling would add our own
    # latency to the measured process.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        peak = peak_pss = 0
        while True:
            # wait4 gives the rusage of the command including its waited-for workers, so
            # CPU seconds are comparable whatever else the machine is doing.
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            rss, pss = _tree_memory_kib(process.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        returncode = os.waitstatus_to_exitcode(status)
        process.returncode = returncode
        cpu = usage.ru_utime + usage.ru_stime
        out.seek(0)
        return Measurement(seconds, peak / 1024, returncode, out.read(), peak_pss / 1024, cpu)


def write_section(path: Path, name: str, title: str, text: str) -> None:
    """Replace the text between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in the
    Markdown file ``path``; append it under ``## title`` when the markers are absent."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    current = path.read_text()
    block = f"{begin}\n{text}\n{end}"
    if begin in current and end in current:
        current = current[: current.index(begin)] + block + current[current.index(end) + len(end) :]
    else:
        current = current.rstrip("\n") + f"\n\n## {title}\n\n{block}\n"
    path.write_text(current)
