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
import sys
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


def measure(
    command: list[str], *, env: dict[str, str] | None = None, sample: bool = True
) -> Measurement:
    """Run ``command`` to completion and measure it.

    ``sample=False`` leaves memory unmeasured (0): reading ``smaps_rollup`` of a large
    process tree every 20 ms walks its page tables under their lock and slows a
    multi-process command measurably (~0.9 s of 4.7 s for ``logs analyze`` on 1 GB), so
    timing runs of such commands go unsampled and memory is taken from a run of its own.
    """
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
            if sample:
                rss, pss = _tree_memory_kib(process.pid)
                peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        returncode = os.waitstatus_to_exitcode(status)
        process.returncode = returncode
        cpu = usage.ru_utime + usage.ru_stime
        out.seek(0)
        return Measurement(seconds, peak / 1024, returncode, out.read(), peak_pss / 1024, cpu)


def write_section(benchmarks_md: Path, name: str, body: str, title: str = "") -> None:
    """Replace the text between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->`` in
    BENCHMARKS.md with ``body``; when the markers are missing, append them (under
    ``## title`` when one is given)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = benchmarks_md.read_text(encoding="utf-8") if benchmarks_md.exists() else ""
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + block + tail
    elif title:
        text = text.rstrip("\n") + f"\n\n## {title}\n\n{block}\n"
    else:
        text += f"\n{block}\n"
    benchmarks_md.write_text(text, encoding="utf-8")


def faasguard_command(*args: str) -> list[str]:
    """``faasguard ARGS`` run by this interpreter (the tree ``PYTHONPATH`` selects)."""
    main = "import sys; from faasguard.cli import main; sys.argv[0] = 'faasguard'; main()"
    return [sys.executable, "-c", main, *args]
