"""faasguard's taint rules vs Bandit vs Semgrep on the same handler fixtures, side by side.

    python benchmarks/code_peers.py [--write]

Input: the annotated handler fixtures of issue 4 — ``tests/fixtures/sam/code-*/`` (Python;
the ``code-js-*`` projects are Node.js). Ground truth comes from the annotations on the sink
lines: ``# expect: CODE00x`` is a vulnerable line of that sink family, ``# ok: CODE00x`` a
safe one (sanitised, constant, unreachable, or a source the function's trigger does not
deliver). A tool's report counts when it names the same file, line and sink family; on an
``expect`` line it is a true positive, on an ``ok`` line a false positive; an ``expect`` line
without a report is a false negative. Reports on lines without an annotation are counted
separately ("other lines"): they are not scored (most are import-level warnings).

- faasguard: ``faasguard scan DIRS --select CODE001..CODE011 --format json --no-cache``,
  one process over all fixture projects (it reads the templates: trigger-aware sources).
- Bandit (``benchmarks/.venv-bandit``, ``pip install bandit``): ``bandit -r DIRS -f json``;
  its test ids are mapped to sink families (``B602``/``B605``... command, ``B307`` eval,
  ``B301``/``B506`` deserialization, ``B608`` SQL, ``B310`` URL open, ``B313``-``B320`` XML,
  ``B701``/``B702`` templates, ``B108`` /tmp paths). Bandit has no NoSQL, redirect or ReDoS
  checks.
- Semgrep (``benchmarks/.venv-semgrep``, ``pip install semgrep``), offline with locally
  written taint rules (``benchmarks/semgrep/python-taint.yml``, one rule per family, the
  handler's whole ``event`` as source since Semgrep cannot read triggers),
  ``semgrep scan --metrics off --disable-version-check``. Semgrep skips ``tests/``
  directories by default, so the fixture files are copied to a temporary directory first
  (same bytes, same relative paths).

Times are wall-clock seconds of each tool's process (``time.perf_counter`` around
``subprocess.run``), best of three runs.

Speed check (issue 4): a generated 30-function SAM app with about 3,600 lines of handler code
(a handler, a helper module and a data-access module per function, with injection flows
through helpers); faasguard's analysis time (``flows_for`` over every function,
in-process, cold) and the ``faasguard scan --select CODE0`` wall time.

``--write`` records the tables in BENCHMARKS.md between the ``code_peers`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
FIXTURES = REPO / "tests" / "fixtures" / "sam"
BEGIN, END = "<!-- code_peers:begin -->", "<!-- code_peers:end -->"
FAMILIES = (
    "command-injection",
    "code-injection",
    "deserialization",
    "sql-injection",
    "nosql-injection",
    "path-traversal",
    "ssrf",
    "xxe",
    "template-injection",
    "open-redirect",
    "redos",
)
RULE_FAMILY = {f"CODE{n:03d}": family for n, family in enumerate(FAMILIES, start=1)}
_MARK = re.compile(r"#\s*(expect|ok):\s*([A-Z]+\d{3}(?:\s*,\s*[A-Z]+\d{3})*)")
BANDIT_FAMILY = {
    **dict.fromkeys(("B602", "B603", "B604", "B605", "B606", "B607", "B609"), "command-injection"),
    **dict.fromkeys(("B102", "B307"), "code-injection"),
    **dict.fromkeys(("B301", "B302", "B506"), "deserialization"),
    "B608": "sql-injection",
    "B310": "ssrf",
    **dict.fromkeys(("B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320"), "xxe"),
    **dict.fromkeys(("B701", "B702", "B704"), "template-injection"),
    "B108": "path-traversal",
}

Key = tuple[str, int, str]  # (path relative to tests/fixtures/sam, line, family)


@dataclass
class Score:
    """Confusion counts of one tool on the annotated lines."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    other: int = 0
    seconds: float = 0.0
    per_family: dict[str, Counter[str]] = field(default_factory=dict)
    note: str = ""

    @property
    def precision(self) -> float:
        """TP / (TP + FP)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def fixture_dirs() -> list[Path]:
    """The Python taint fixture projects."""
    return sorted(
        d for d in FIXTURES.iterdir() if d.name.startswith("code-") and "-js-" not in d.name
    )


def ground_truth(dirs: list[Path]) -> tuple[set[Key], set[Key]]:
    """(positives, negatives) from the annotations of the Python files."""
    positives: set[Key] = set()
    negatives: set[Key] = set()
    for directory in dirs:
        for path in sorted(directory.rglob("*.py")):
            rel = path.relative_to(FIXTURES).as_posix()
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                for kind, ids in _MARK.findall(line):
                    for rule_id in (i.strip() for i in ids.split(",")):
                        family = RULE_FAMILY.get(rule_id)
                        if family:
                            (positives if kind == "expect" else negatives).add(
                                (rel, number, family)
                            )
    return positives, negatives


def score(found: set[Key], positives: set[Key], negatives: set[Key], seconds: float) -> Score:
    """Compare a tool's reports with the ground truth."""
    result = Score(seconds=seconds)
    for key in positives | negatives | found:
        family = key[2]
        counts = result.per_family.setdefault(family, Counter())
        if key in positives and key in found:
            result.tp += 1
            counts["tp"] += 1
        elif key in positives:
            result.fn += 1
            counts["fn"] += 1
        elif key in negatives and key in found:
            result.fp += 1
            counts["fp"] += 1
        elif key in found:
            result.other += 1
    return result


def _timed(
    command: list[str], runs: int = 3, env: dict[str, str] | None = None
) -> tuple[str, float]:
    best = float("inf")
    out = ""
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        best = min(best, time.perf_counter() - started)
        out = proc.stdout
    return out, best


def run_faasguard(dirs: list[Path]) -> tuple[set[Key], float]:
    """faasguard's CODE001-CODE011 findings on the fixture projects."""
    select = ",".join(RULE_FAMILY)
    exe = str(REPO / ".venv" / "bin" / "faasguard")
    command = [exe, "scan", *map(str, dirs), "--select", select, "--format", "json", "--no-cache"]
    out, seconds = _timed(command)
    report = json.loads(out)
    root = Path(report["root"]) if Path(report["root"]).is_absolute() else FIXTURES
    found: set[Key] = set()
    for finding in report["findings"]:
        path = (root / finding["location"]["file"]).resolve()
        rel = path.relative_to(FIXTURES).as_posix()
        found.add((rel, finding["location"]["line"], RULE_FAMILY[finding["rule_id"]]))
    return found, seconds


def run_bandit(dirs: list[Path]) -> tuple[set[Key] | None, float]:
    """Bandit's results mapped to sink families (``None`` when Bandit is not installed)."""
    exe = BENCH / ".venv-bandit" / "bin" / "bandit"
    if not exe.exists():
        return None, 0.0
    out, seconds = _timed([str(exe), "-r", *map(str, dirs), "-f", "json", "-q"])
    found: set[Key] = set()
    for result in json.loads(out)["results"]:
        family = BANDIT_FAMILY.get(result["test_id"], "other:" + result["test_id"])
        rel = Path(result["filename"]).resolve().relative_to(FIXTURES).as_posix()
        found.add((rel, result["line_number"], family))
    return found, seconds


def run_semgrep(dirs: list[Path]) -> tuple[set[Key] | None, float, str]:
    """Semgrep with the local rules, offline (``None`` when it is not installed)."""
    exe = BENCH / ".venv-semgrep" / "bin" / "semgrep"
    if not exe.exists():
        return None, 0.0, "not installed"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "fixtures"
        for directory in dirs:
            shutil.copytree(directory, copy / directory.name)
        rules = BENCH / "semgrep" / "python-taint.yml"
        command = [
            str(exe),
            "scan",
            "--metrics",
            "off",
            "--disable-version-check",
            "--config",
            str(rules),
            "--json",
            str(copy),
        ]
        env = {**os.environ, "SEMGREP_SEND_METRICS": "off"}
        out, seconds = _timed(command, env=env)
        data = json.loads(out)
        found: set[Key] = set()
        for result in data["results"]:
            rel = Path(result["path"]).resolve().relative_to(copy.resolve()).as_posix()
            family = result["check_id"].rsplit(".", 1)[-1]
            found.add((rel, result["start"]["line"], family))
        command = [str(exe), "--version"]
        version = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    return found, seconds, version.strip()


# ---------------------------------------------------------------------------- speed


HANDLER = '''
"""Function {i}: generated for the taint speed benchmark."""
import json
import os
import subprocess

from helpers{i} import normalise, build_command, describe
from store{i} import Store

ALLOWED = {{"csv", "json", "xml"}}


def handler(event, context):
    results = []
    for record in event.get("Records", []):
        body = json.loads(record["body"])
        name = normalise(body.get("name", ""))
        store = Store(body.get("table", "orders"))
        rows = store.find(name)
        fmt = body.get("format", "csv")
        if fmt not in ALLOWED:
            continue
        subprocess.run(build_command(fmt, name), shell=True)
        results.append(describe(rows, fmt))
    return {{"statusCode": 200, "body": json.dumps(results)}}
'''


def _helpers(i: int, size: int) -> str:
    funcs = [
        f'''
def step{j}(value, count={j}):
    text = str(value).strip()
    if count > 3:
        text = text.lower()
    parts = [p for p in text.split("/") if p]
    return "/".join(parts) + "{j}"
'''
        for j in range(size)
    ]
    chain = "".join(f"    value = step{j}(value)\n" for j in range(size))
    return (
        f'"""Helpers of function {i}."""\n'
        + "".join(funcs)
        + f"\n\ndef normalise(value):\n{chain}    return value\n"
        + '\n\ndef build_command(fmt, name):\n    return f"export --format {fmt} --name {name}"\n'
        + '\n\ndef describe(rows, fmt):\n    return {"rows": len(rows), "format": fmt}\n'
    )


STORE = '''
"""Data access of function {i}."""
import sqlite3


class Store:
    def __init__(self, table):
        self.table = table
        self.conn = sqlite3.connect("/tmp/db{i}")

    def find(self, name):
        query = "SELECT * FROM " + self.table + " WHERE name = ?"
        return self.conn.execute(query, (name,)).fetchall()

    def count(self):
        return self.conn.execute("SELECT COUNT(*) FROM orders").fetchone()
'''


def generate_app(root: Path, functions: int = 30, helpers: int = 12) -> int:
    """A SAM app with ``functions`` SQS-triggered Python functions; returns its line count."""
    lines = 0
    resources = []
    for i in range(functions):
        directory = root / "src" / f"fn{i}"
        directory.mkdir(parents=True)
        files = {
            "app.py": HANDLER.format(i=i),
            f"helpers{i}.py": _helpers(i, helpers),
            f"store{i}.py": STORE.format(i=i),
        }
        for name, text in files.items():
            (directory / name).write_text(text)
            lines += text.count("\n")
        resources.append(
            f"  Fn{i}:\n"
            "    Type: AWS::Serverless::Function\n"
            "    Properties:\n"
            f"      CodeUri: src/fn{i}/\n"
            "      Handler: app.handler\n"
            "      Runtime: python3.12\n"
            "      Events:\n"
            "        Queue:\n"
            "          Type: SQS\n"
            "          Properties:\n"
            "            Queue: !GetAtt Queue.Arn\n"
        )
    template = (
        'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n" + "".join(resources)
    )
    (root / "template.yaml").write_text(template)
    return lines


def speed() -> dict[str, float]:
    """Analysis time of the generated 30-function app (in-process and CLI)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lines = generate_app(root)
        code = (
            "import sys, time, json\n"
            "from faasguard.config import ScanConfig\n"
            "from faasguard.engine import load_all\n"
            "from faasguard.loaders.discovery import discover\n"
            "from faasguard.code.taint import flows_for\n"
            f"apps = load_all(discover([{str(root)!r}]), ScanConfig(), root={str(root)!r})\n"
            "started = time.perf_counter()\n"
            "flows = [f for app in apps for fn in app.functions for f in flows_for(fn, app)]\n"
            "elapsed = time.perf_counter() - started\n"
            "count = sum(len(a.functions) for a in apps)\n"
            "print(json.dumps({'seconds': elapsed, 'functions': count,"
            " 'flows': len(flows)}))\n"
        )
        python = str(REPO / ".venv" / "bin" / "python")
        inproc = json.loads(
            subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
        )
        exe = str(REPO / ".venv" / "bin" / "faasguard")
        select = ",".join(RULE_FAMILY)
        out, cli = _timed(
            [exe, "scan", str(root), "--select", select, "--format", "json", "--no-cache"]
        )
        findings = len(json.loads(out)["findings"])
    return {
        "lines": float(lines),
        "functions": float(inproc["functions"]),
        "analysis": float(inproc["seconds"]),
        "flows": float(inproc["flows"]),
        "cli": cli,
        "findings": float(findings),
    }


# ---------------------------------------------------------------------------- output


def table(
    scores: dict[str, Score], positives: set[Key], negatives: set[Key], figures: dict[str, float]
) -> str:
    """The BENCHMARKS.md section."""
    lines = [
        f"Ground truth: {len(positives)} vulnerable sink lines (`# expect:`) and {len(negatives)}"
        f" safe ones (`# ok:`) in {len(fixture_dirs())} Python fixture projects"
        " (`tests/fixtures/sam/code-*/`, 11 sink families, 11 trigger kinds and functions"
        " without a trigger).",
        "",
        "| tool | TP | FP | FN | precision | recall | time (s) | reports on other lines |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in scores.items():
        if s.note:
            lines.append(f"| {name} | - | - | - | - | - | - | {s.note} |")
            continue
        lines.append(
            f"| {name} | {s.tp} | {s.fp} | {s.fn} | {s.precision:.2f} | {s.recall:.2f} "
            f"| {s.seconds:.2f} | {s.other} |"
        )
    lines += ["", "Recall per sink family (TP / positives):", ""]
    names = [n for n, s in scores.items() if not s.note]
    lines.append("| family | positives | " + " | ".join(names) + " |")
    lines.append("|---|---:|" + "---:|" * len(names))
    for family in FAMILIES:
        total = sum(1 for k in positives if k[2] == family)
        cells = []
        for name in names:
            counts = scores[name].per_family.get(family, Counter())
            cells.append(f"{counts['tp']}/{total} (FP {counts['fp']})")
        lines.append(f"| {family} | {total} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Speed (issue 4 asks < 2 s): a generated app of {int(figures['functions'])} functions"
        f" and {int(figures['lines'])} lines of handler code (handler + helper module +"
        " data-access class per function): taint analysis of every function"
        f" {figures['analysis']:.2f} s in-process ({int(figures['flows'])} flows);"
        f" `faasguard scan --select CODE001..CODE011` wall time {figures['cli']:.2f} s including"
        f" start-up and template loading ({int(figures['findings'])} findings).",
        "",
        f"Measured on {platform.system()} {platform.machine()}, {os.cpu_count()} cores shared with"
        " other work, Python " + platform.python_version() + "; best of three runs. Reproduce:"
        " `python benchmarks/code_peers.py --write`.",
    ]
    return "\n".join(lines)


def write(section: str) -> None:
    """Replace the text between the markers in BENCHMARKS.md (append the section if absent)."""
    path = REPO / "BENCHMARKS.md"
    text = path.read_text()
    block = f"{BEGIN}\n{section}\n{END}"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = (
            text.rstrip("\n")
            + "\n\n## Handler code taint analysis vs Bandit and Semgrep\n\n"
            + block
            + "\n"
        )
    path.write_text(text)


def main() -> None:
    """Run every tool, print the table, optionally write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the results in BENCHMARKS.md")
    args = parser.parse_args()
    dirs = fixture_dirs()
    positives, negatives = ground_truth(dirs)
    scores: dict[str, Score] = {}
    found, seconds = run_faasguard(dirs)
    scores["faasguard"] = score(found, positives, negatives, seconds)
    bandit, seconds = run_bandit(dirs)
    if bandit is None:
        scores["Bandit"] = Score(note="not installed (benchmarks/.venv-bandit)")
    else:
        version = subprocess.run(
            [str(BENCH / ".venv-bandit" / "bin" / "bandit"), "--version"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()[1]
        scores[f"Bandit {version}"] = score(bandit, positives, negatives, seconds)
    semgrep, seconds, version = run_semgrep(dirs)
    if semgrep is None:
        scores["Semgrep"] = Score(note=version)
    else:
        scores[f"Semgrep {version} (local rules)"] = score(semgrep, positives, negatives, seconds)
    figures = speed()
    section = table(scores, positives, negatives, figures)
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    sys.exit(main())
