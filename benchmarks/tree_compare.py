"""Two faasguard source trees side by side: is a refactoring as fast as what it replaced?

Usage::

    .venv/bin/python benchmarks/tree_compare.py --baseline-src /tmp/before/src \\
        [--baseline-label 3d6467f] [--repeats 5] [--write]

(``git archive REV src | tar -x -C /tmp/before`` gives an earlier tree; copy its built
``logs/_scan*.so`` in, or it runs the numpy path.) The tree under test is the one
``faasguard`` imports (this checkout when installed editable). Both trees run in the same
interpreter and virtual environment, through ``PYTHONPATH``, alternating run by run so that
machine noise falls on both alike; each workload reports the median wall time and CPU
seconds over ``--repeats`` runs and the ratio new/old.

Workloads (what a user runs; nothing is cached between runs, ``--no-cache``):

- ``scan corpus``: ``faasguard scan`` over the 933 apps of ``../shared/corpus``, every rule,
  one loader process per core (load + SAM transform + rules + reporting);
- ``scan corpus, 1 job``: the same in one process (no fork, so the CPU figure is exact);
- ``code rules, realworld``: ``faasguard scan --select CODE`` over ``../shared/realworld``
  (the 15 real apps with their handler code: code index, taint and pattern rules);
- ``scan examples``: the bundled example shop in its three formats.

Both trees must give the same findings: each run's JSON findings (rule, file, line, message,
fingerprint) are compared and a difference is printed. ``--write`` puts the table into
BENCHMARKS.md between the ``tree_compare`` markers. The log pipeline is compared by
``logs_throughput.py --baseline-src`` (it needs generated input).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import Measurement, measure

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BEGIN, END = "<!-- tree_compare:begin -->", "<!-- tree_compare:end -->"

WORKLOADS: list[tuple[str, list[str]]] = [
    ("scan corpus", ["scan", str(SHARED / "corpus")]),
    ("scan corpus, 1 job", ["scan", str(SHARED / "corpus"), "--jobs", "1"]),
    ("code rules, realworld", ["scan", str(SHARED / "realworld" / "apps"), "--select", "CODE"]),
    ("scan examples", ["scan", str(ROOT / "examples")]),
]


def _run(src: str | None, args: list[str], out: Path) -> Measurement:
    command = [
        sys.executable,
        "-c",
        "import sys; from faasguard.cli import main; sys.argv[0] = 'faasguard'; main()",
        *args,
        "--no-cache",
        "--format",
        "json",
        "--output",
        str(out),
    ]
    env = dict(os.environ)
    env["FAASGUARD_DB"] = str(out.parent / "no-db.sqlite")
    if src:
        env["PYTHONPATH"] = src
    return measure(command, env=env)


def _findings(path: Path) -> set[tuple[object, ...]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        (
            f["rule_id"],
            f["location"]["file"],
            f["location"]["line"],
            f["message"],
            f["fingerprint"],
        )
        for f in data["findings"]
    }


def main() -> None:
    """Run every workload on both trees and print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-src", required=True, help="the other faasguard src/ tree")
    parser.add_argument("--baseline-label", default="baseline", help="its name in the table")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()

    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, workload in WORKLOADS:
            times: dict[str, list[Measurement]] = {"old": [], "new": []}
            for _ in range(args.repeats):
                for side, src in (("old", args.baseline_src), ("new", None)):
                    result = _run(src, workload, work / f"{side}.json")
                    # 2 is expected where an input cannot be loaded (the corpus holds
                    # seven broken apps); both trees must agree on it.
                    if result.returncode not in (0, 1, 2):
                        sys.exit(f"{name} ({side}) exited {result.returncode}")
                    times[side].append(result)
            codes = {m.returncode for m in times["old"] + times["new"]}
            same = len(codes) == 1 and _findings(work / "old.json") == _findings(work / "new.json")
            old_wall = statistics.median(m.seconds for m in times["old"])
            new_wall = statistics.median(m.seconds for m in times["new"])
            old_cpu = statistics.median(m.cpu_seconds for m in times["old"])
            new_cpu = statistics.median(m.cpu_seconds for m in times["new"])
            old_pss = max(m.peak_pss_mib for m in times["old"])
            new_pss = max(m.peak_pss_mib for m in times["new"])
            rows.append(
                f"| {name} | {old_wall:.2f} s / {old_cpu:.2f} CPU s / {old_pss:.0f} MiB "
                f"| {new_wall:.2f} s / {new_cpu:.2f} CPU s / {new_pss:.0f} MiB "
                f"| {new_wall / old_wall:.2f} | {new_cpu / old_cpu:.2f} "
                f"| {'yes' if same else '**no**'} |"
            )
            print(rows[-1], flush=True)
    table = "\n".join(
        [
            f"Median of {args.repeats} alternating runs each, {platform.processor() or 'x86_64'}"
            f", {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"old = `{args.baseline_label}`, new = this tree. Wall time, CPU seconds of the "
            "process tree, peak PSS of the tree.",
            "",
            "| workload | old | new | wall new/old | CPU new/old | same findings |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        text = path.read_text(encoding="utf-8")
        if BEGIN in text:
            head, rest = text.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            text = f"{head}{BEGIN}\n{table}\n{END}{tail}"
        else:
            title = "## Old and new tree side by side (refactorings)"
            text += f"\n{title}\n\n{BEGIN}\n{table}\n{END}\n"
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
