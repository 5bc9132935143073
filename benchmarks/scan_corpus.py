"""faasguard vs Checkov on the corpus's serverless-patterns folder, side by side in one run.

    python benchmarks/scan_corpus.py [--corpus ../shared/corpus/serverless-patterns]
        [--checkov benchmarks/.venv-checkov/bin/checkov] [--write]

Checkov lives in its own virtual environment (it pins dependencies faasguard does not want):

    python3 -m venv benchmarks/.venv-checkov
    benchmarks/.venv-checkov/bin/pip install checkov==3.3.30

Both tools scan the same directory for CloudFormation/SAM, Serverless and Terraform with
JSON output to a file. faasguard runs three ways: cold (``--no-cache``), then with a cold
cache (first run writes it) and a warm cache (unchanged tree). ``--write`` replaces the
section of BENCHMARKS.md between the markers with the new table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import Measurement, measure

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "serverless-patterns"
BEGIN, END = "<!-- scan_corpus:begin -->", "<!-- scan_corpus:end -->"


def _faasguard() -> list[str]:
    # Prefer a user-style install (``pip install .``, no test extras) so the figures show
    # what a user runs: python3 -m venv benchmarks/.venv-faasguard &&
    # benchmarks/.venv-faasguard/bin/pip install .
    user_install = REPO / "benchmarks" / ".venv-faasguard" / "bin" / "faasguard"
    if user_install.exists():
        return [str(user_install)]
    exe = shutil.which("faasguard", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "faasguard.cli"]


def main() -> int:
    """Run the benchmark and print (and optionally record) the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--checkov", default=str(REPO / "benchmarks" / ".venv-checkov" / "bin" / "checkov")
    )
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    templates = sum(1 for p in corpus.rglob("*") if p.suffix in {".yaml", ".yml", ".json", ".tf"})

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "corpus"
        shutil.copytree(corpus, work)  # the cache writes .faasguard/ below the scanned root
        base = [*_faasguard(), "scan", str(work), "--format", "json", "--fail-on", "critical"]
        cold = measure([*base, "--no-cache"])
        # The configuration rules alone: the same kind of checks Checkov runs here.
        config_only = measure([*base, "--no-cache", "--select", "TRIG,TIME,LOG0,DEPLOY,CONF"])
        first = measure(base)
        warm = measure(base)
    report = json.loads(cold.stdout)
    findings = len(report["findings"])
    apps = len(report["apps"])
    errors = sum(1 for d in report["diagnostics"] if d["level"] == "error")

    checkov: Measurement | None = None
    if Path(args.checkov).exists():
        checkov = measure(
            [
                args.checkov,
                "-d",
                str(corpus),
                "--framework",
                "cloudformation",
                "serverless",
                "terraform",
                "--quiet",
                "--compact",
                "-o",
                "json",
            ],
            env={"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
        )

    rows = [
        ("faasguard (no cache)", cold),
        ("faasguard (no cache, configuration rules only)", config_only),
        ("faasguard (cache being written)", first),
        ("faasguard (warm cache)", warm),
    ]
    if checkov is not None:
        rows.append(("Checkov 3.3.30", checkov))
    shown = corpus.relative_to(REPO.parent) if corpus.is_relative_to(REPO.parent) else corpus
    lines = [
        f"Input: `{shown}`"
        f" ({templates} YAML/JSON/TF files; faasguard loaded {apps} apps, {findings} findings,"
        f" {errors} load-error diagnostics).",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()},"
        f" {platform.system()} {platform.machine()}.",
        "",
        "| tool | wall time (s) | CPU time (s) | peak PSS of process tree (MiB) "
        "| peak RSS sum (MiB) | exit |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m in rows:
        lines.append(
            f"| {name} | {m.seconds:.2f} | {m.cpu_seconds:.2f} | {m.peak_pss_mib:.0f} "
            f"| {m.peak_mib:.0f} | {m.returncode} |"
        )
    if checkov is not None:
        lines.append("")
        lines.append(
            f"Ratio (Checkov / faasguard no cache): **{checkov.seconds / cold.seconds:.1f}x** "
            f"faster in wall time, **{checkov.cpu_seconds / cold.cpu_seconds:.1f}x** less CPU, "
            f"**{checkov.peak_pss_mib / cold.peak_pss_mib:.1f}x** less memory (PSS); "
            f"configuration rules only: **{checkov.seconds / config_only.seconds:.1f}x** "
            f"faster; warm cache: **{checkov.seconds / warm.seconds:.0f}x** faster."
        )
    else:
        lines.append("")
        lines.append("Checkov not installed: see the module docstring.")
    table = "\n".join(lines)
    print(table)
    if args.write:
        path = REPO / "BENCHMARKS.md"
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        block = f"{BEGIN}\n{table}\n{END}"
        if BEGIN in text and END in text:
            head, _, rest = text.partition(BEGIN)
            _, _, tail = rest.partition(END)
            text = head + block + tail
        else:
            text += f"\n{block}\n"
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
