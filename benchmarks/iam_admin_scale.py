"""IAM engine at scale: a template whose N functions each attach ``AdministratorAccess``.

Usage::

    .venv/bin/python benchmarks/iam_admin_scale.py [--functions 200] [--scale 2000] \\
        [--baseline-src /tmp/before/src --baseline-label REV] [--write]

A generated SAM template (N functions, each ``Policies: [AdministratorAccess]``: some
17,000 catalog actions per role) is scanned with the PERM rules (``--select PERM``, one
process, ``--no-cache``); the CPU seconds per function of this tree, and of an earlier
tree when ``--baseline-src`` is given (``git archive REV src | tar -x -C /tmp/before``), are
printed side by side; ``--scale N`` adds a run of this tree at N functions and the cost of
each function past the first ``--functions`` (CPU and peak RSS, start-up excluded);
``--write`` puts them into BENCHMARKS.md between the ``iam_admin_scale`` markers.
Not a test: the machine's load changes the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import Measurement, faasguard_command, measure

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- iam_admin_scale:begin -->", "<!-- iam_admin_scale:end -->"


def template(functions: int) -> str:
    """A SAM template with ``functions`` functions, each attaching AdministratorAccess."""
    lines = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        "Transform: AWS::Serverless-2016-10-31",
        "Resources:",
    ]
    for index in range(functions):
        lines += [
            f"  Fn{index}:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            "      Handler: app.handler",
            "      Runtime: python3.12",
            '      InlineCode: "def handler(e, c): pass"',
            "      Policies: [AdministratorAccess]",
        ]
    return "\n".join(lines) + "\n"


def run(src: str | None, project: Path) -> Measurement:
    """One ``faasguard scan --select PERM`` of ``project`` with the tree at ``src``."""
    command = faasguard_command("scan", str(project), "--select", "PERM", "--no-cache")
    command += ["--jobs", "1", "--format", "json"]
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    return measure(command, env=env)


def main() -> None:
    """Measure, print, and with ``--write`` record in BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--scale", type=int, help="also run this tree at this many functions")
    parser.add_argument("--baseline-src")
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    runs = [("this tree", str(ROOT / "src"), args.functions)]
    if args.baseline_src:
        runs.insert(0, (args.baseline_label, args.baseline_src, args.functions))
    if args.scale:
        runs.append(("this tree", str(ROOT / "src"), args.scale))
    rows = []
    results: list[Measurement] = []
    for label, src, functions in runs:
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            (project / "template.yaml").write_text(template(functions), encoding="utf-8")
            result = run(src, project)
        results.append(result)
        per = result.cpu_seconds / functions
        rows.append(
            f"| {label} | {functions} | {result.seconds:.1f} | "
            f"{result.cpu_seconds:.1f} | {per * 1000:.0f} ms | {result.peak_mib:.0f} |"
        )
    table = "\n".join(
        [
            "| tree | functions | wall s | CPU s | CPU per function | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
    if args.scale:
        small, large = results[-2], results[-1]
        extra = args.scale - args.functions
        table += (
            f"\n\nEach function past the first {args.functions} (this tree): "
            f"{(large.cpu_seconds - small.cpu_seconds) / extra * 1000:.1f} ms CPU and "
            f"{(large.peak_mib - small.peak_mib) / extra * 1024:.0f} KiB peak RSS."
        )
    print(table)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        text = path.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{table}\n{END}"
        if BEGIN in text:
            head, rest = text.split(BEGIN, 1)
            text = head + block + rest.split(END, 1)[1]
        else:
            text += (
                "\n## IAM at scale: functions with AdministratorAccess\n\n"
                "`benchmarks/iam_admin_scale.py`: a generated SAM template whose functions "
                "each attach AdministratorAccess, scanned with `--select PERM`, one process.\n\n"
                f"{block}\n"
            )
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
