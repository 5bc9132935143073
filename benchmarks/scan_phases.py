"""Where a cold scan of the corpus spends its CPU, phase by phase, in one process.

    python benchmarks/scan_phases.py [--corpus ../shared/corpus/serverless-patterns] [--write]

Loads every app (timed per format, SAM translation included), then runs every rule family
over all apps (timed per family). Complements scan_corpus.py, whose figures include
process start-up, imports and both cores.
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

from faasguard.config import LoadOptions, ScanConfig
from faasguard.engine import run_rules
from faasguard.loaders import load, prepare
from faasguard.loaders.discovery import discover
from faasguard.rules import all_rules

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "serverless-patterns"
BEGIN, END = "<!-- scan_phases:begin -->", "<!-- scan_phases:end -->"


def main() -> int:
    """Measure and print (and optionally record) the phases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    candidates = discover([args.corpus])
    started = time.process_time()
    prepare({c.format for c in candidates})
    rules = all_rules()
    warm_up = time.process_time() - started
    load_cpu: collections.Counter[str] = collections.Counter()
    apps = []
    for candidate in candidates:
        before = time.process_time()
        app = load(candidate, LoadOptions())
        load_cpu[app.format] += time.process_time() - before
        apps.append(app)
    rule_cpu: collections.Counter[str] = collections.Counter()
    for registered in rules:
        before = time.process_time()
        for app in apps:
            run_rules(app, [registered], ScanConfig(), str(args.corpus), [])
        rule_cpu[registered.family] += time.process_time() - before
    total = warm_up + sum(load_cpu.values()) + sum(rule_cpu.values())
    lines = [
        f"Input: {len(apps)} apps of `{args.corpus.name}`; CPU seconds in one process "
        f"(`time.process_time`); total {total:.2f} s.",
        "",
        "| phase | CPU (s) | share |",
        "|---|---:|---:|",
        f"| imports + SAM translator + rule registry warm-up | {warm_up:.2f} "
        f"| {warm_up / total:.0%} |",
    ]
    for fmt, cpu in load_cpu.most_common():
        lines.append(f"| load {fmt} | {cpu:.2f} | {cpu / total:.0%} |")
    for family, cpu in rule_cpu.most_common():
        lines.append(f"| rules {family} | {cpu:.2f} | {cpu / total:.0%} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        path = REPO / "BENCHMARKS.md"
        text = path.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{table}\n{END}"
        if BEGIN in text and END in text:
            head, _, rest = text.partition(BEGIN)
            _, _, tail = rest.partition(END)
            text = head + block + tail
        else:
            text = text.replace(
                "## IAM effective permissions", f"{block}\n\n## IAM effective permissions", 1
            )
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
