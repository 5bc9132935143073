"""Spark local-mode throughput of ``faasguard logs analyze`` beside the embedded engine.

Usage::

    .venv/bin/python benchmarks/logs_spark.py --size 300MB [--master local[2]] [--write]

Generates seeded gzip Lambda logs plus CloudTrail (``faasguard logs generate --format gzip``)
under ``benchmarks/.work/logs-spark-SIZE`` and runs, one after the other on the same files,
``faasguard logs analyze --no-history --format json`` with ``--engine embedded`` and with
``--engine spark --master local[2]``. Both are end to end, process start (and for Spark the
JVM start) included; the Spark run's JVM start alone is measured too. It checks that both
engines report the same findings. ``--write`` replaces the ``logs_spark`` section of
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import measure

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
BIN = ROOT / ".venv" / "bin"

_JVM_START = (
    "import time; t = time.perf_counter()\n"
    "from faasguard.logs.engines.spark import spark_session\n"
    "s = spark_session('{master}'); s.sparkContext.parallelize([1]).count()\n"
    "print(time.perf_counter() - t); s.stop()\n"
)


def main() -> None:
    """Generate, run both engines, print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="300MB")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    data = WORK / f"logs-spark-{args.size}"
    if not (data / "ground_truth.json").exists():
        subprocess.run(
            [
                str(BIN / "faasguard"),
                "logs",
                "generate",
                "--out",
                str(data),
                "--size",
                args.size,
                "--seed",
                "1",
                "--format",
                "gzip",
            ],
            check=True,
        )
    truth = json.loads((data / "ground_truth.json").read_text())
    size_mb = truth["bytes"] / 1e6
    base = [str(BIN / "faasguard"), "logs", "analyze", str(data), "--no-history", "-f", "json"]
    env = {**os.environ, "PYSPARK_PYTHON": str(BIN / "python")}
    runs = {
        "embedded (2 processes)": measure(base),
        f"spark {args.master}": measure(
            [*base, "--engine", "spark", "--master", args.master], env=env
        ),
    }
    jvm = subprocess.run(
        [str(BIN / "python"), "-c", _JVM_START.format(master=args.master)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    jvm_seconds = float(jvm.stdout.strip().splitlines()[-1])
    findings = {
        name: [
            (f["rule_id"], f["function"], f["message"]) for f in json.loads(m.stdout)["findings"]
        ]
        for name, m in runs.items()
    }
    same = len({json.dumps(v) for v in findings.values()}) == 1
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores, "
        f"Python {platform.python_version()}), `python benchmarks/logs_spark.py --size "
        f"{args.size} --write`: {size_mb:,.0f} MB of generated gzip Lambda logs (seed 1) plus "
        "CloudTrail, `faasguard logs analyze --no-history -f json` end to end (process and "
        "JVM start included). Memory is the peak of the process tree (JVM included), as "
        f"summed RSS and summed PSS. Load average at the end: {os.getloadavg()[0]:.1f} (the "
        "2 cores are shared with other work).",
        "",
        "| engine | seconds | MB/s | peak RSS MiB | peak PSS MiB | findings |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m in runs.items():
        lines.append(
            f"| {name} | {m.seconds:.1f} | {size_mb / m.seconds:.1f} | {m.peak_mib:,.0f} | "
            f"{m.peak_pss_mib:,.0f} | {len(findings[name])} |"
        )
    lines += [
        "",
        f"Spark session start alone (JVM, local mode, one trivial job): {jvm_seconds:.1f} s. "
        f"Both engines report the same findings: {'yes' if same else 'NO'}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        bench = ROOT / "BENCHMARKS.md"
        current = bench.read_text()
        begin, end = "<!-- logs_spark:begin -->", "<!-- logs_spark:end -->"
        if begin in current:
            head, rest = current.split(begin, 1)
            current = head + begin + "\n" + text + end + rest.split(end, 1)[1]
        else:
            current += f"\n## Log analytics on Spark (local mode)\n\n{begin}\n{text}{end}\n"
        bench.write_text(current)


if __name__ == "__main__":
    main()
