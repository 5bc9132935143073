"""Privilege-escalation paths: faasguard and Cloudsplaining side by side on the same policies.

    python benchmarks/iam_escalation.py [--write]

Input: the escalation case set of ``tests/rules/perm/test_perm_principals.py``, one IAM user
per case, each holding two policies (the method's first step in one, the other steps in
the other): for every documented method of ``faasguard/data/iam_escalation.json`` (except
the trust-policy one, which needs a second principal) a positive case, and its look-alikes
that must not fire: the first step denied in the other policy, under a condition that
cannot hold today (``DateLessThan aws:TokenIssueTime`` 2020), on a resource the action
cannot act on, and for policy versioning on AWS managed policy ARNs.

faasguard scans the Terraform project of all cases in one process (``faasguard scan
--select PERM004 --format json --no-cache --jobs 1``). Cloudsplaining (0.9.1, in
``benchmarks/.venv-cloudsplaining``: ``pip install cloudsplaining``) gets each user's two
policies merged into one document, as its ``scan-policy-file`` takes them; all documents
go through its own ``PolicyDocument.allows_privilege_escalation`` in one process (the
library call behind the CLI, so interpreter start-up is paid once, as for faasguard).

Scored the same way for both: a positive case counts as found when the tool reports an
escalation for it; a look-alike counts as a false positive when the tool reports an
escalation that uses the neutralised first-step action. "Method named" is faasguard's
method id equal to the case's (Cloudsplaining names methods its own way). Times are
wall-clock seconds around each process (``time.perf_counter``). ``--write`` records the
table in BENCHMARKS.md between the ``iam_escalation`` markers.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _measure import faasguard_command

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
BEGIN, END = "<!-- iam_escalation:begin -->", "<!-- iam_escalation:end -->"
CASES = ROOT / "tests" / "rules" / "perm" / "test_perm_principals.py"

PEER_SCRIPT = """
import json, sys
from cloudsplaining.scan.policy_document import PolicyDocument
out = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    out[path] = [sorted(m["actions"]) for m in PolicyDocument(document).allows_privilege_escalation]
print(json.dumps(out))
"""


def _cases_module() -> Any:
    spec = importlib.util.spec_from_file_location("escalation_cases", CASES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _faasguard(project: Path) -> tuple[float, dict[str, list[tuple[str, list[str]]]]]:
    command = faasguard_command(
        "scan", str(project), "--select", "PERM004", "--format", "json", "--no-cache"
    )
    command += ["--jobs", "1"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for finding in json.loads(done.stdout)["findings"]:
        name = finding["principal"]["name"]
        props = finding["properties"]
        found.setdefault(name, []).append((props["method"], [s.lower() for s in props["steps"]]))
    return seconds, found


def _cloudsplaining(files: list[Path]) -> tuple[float, dict[str, list[list[str]]]] | None:
    python = BENCH / ".venv-cloudsplaining" / "bin" / "python"
    if not python.exists():
        return None
    started = time.perf_counter()
    done = subprocess.run(
        [str(python), "-c", PEER_SCRIPT, *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    result: dict[str, list[list[str]]] = json.loads(done.stdout)
    return seconds, result


def main() -> None:
    """Run both tools, print the table, and with ``--write`` record it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    cases_module = _cases_module()
    methods = cases_module._escalating()
    cases = [("positive", m) for m in methods]
    cases += [(variant, m) for m in methods for variant in cases_module._variants(m)]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "tf"
        project.mkdir()
        cases_module._project(project, "terraform", cases_module._tf_user, cases)
        files = []
        for variant, method in cases:
            first, second = cases_module._policies(method, variant)
            path = Path(tmp) / f"{cases_module._name('terraform', variant, method)}.json"
            path.write_text(json.dumps({"Version": "2012-10-17", "Statement": first + second}))
            files.append(path)
        ours_seconds, ours = _faasguard(project)
        peer = _cloudsplaining(files)
    rows = _score(cases_module, cases, ours, peer, files)
    table = "\n".join(
        [
            f"Input: {len(methods)} methods, {len(methods)} positive cases and "
            f"{len(cases) - len(methods)} look-alikes, one IAM user each (Terraform for "
            f"faasguard, one merged JSON policy per user for Cloudsplaining). Machine: "
            f"{platform.machine()}, Python {platform.python_version()}, 2 cores shared.",
            "",
            "| tool | paths found | method named | false positives on look-alikes | wall s |",
            "|---|---:|---:|---:|---:|",
            rows[0].format(seconds=ours_seconds),
            rows[1].format(seconds=peer[0]) if peer else "| cloudsplaining | not installed | | | |",
        ]
    )
    print(table)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        text = path.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        path.write_text(head + f"{BEGIN}\n{table}\n{END}" + rest.split(END, 1)[1])


def _score(
    cases_module: Any,
    cases: list[tuple[str, Any]],
    ours: dict[str, list[tuple[str, list[str]]]],
    peer: tuple[float, dict[str, list[list[str]]]] | None,
    files: list[Path],
) -> list[str]:
    positives = sum(1 for variant, _ in cases if variant == "positive")
    negatives = len(cases) - positives
    counts = {"ours": [0, 0, 0], "peer": [0, 0, 0]}
    for (variant, method), file in zip(cases, files, strict=True):
        name = f"aws_iam_user.{cases_module._name('terraform', variant, method)}"
        first = method.requires[0][0].lower()
        ours_paths = ours.get(name, [])
        peer_paths = peer[1].get(str(file), []) if peer else []
        if variant == "positive":
            counts["ours"][0] += bool(ours_paths)
            counts["ours"][1] += any(m == method.id for m, _ in ours_paths)
            counts["peer"][0] += bool(peer_paths)
        else:
            counts["ours"][2] += any(first in steps for _, steps in ours_paths)
            counts["peer"][2] += any(first in actions for actions in peer_paths)
    ours_row = (
        f"| faasguard | {counts['ours'][0]}/{positives} | {counts['ours'][1]}/{positives} | "
        f"{counts['ours'][2]}/{negatives} | {{seconds:.2f}} |"
    )
    peer_row = (
        f"| cloudsplaining | {counts['peer'][0]}/{positives} | - | "
        f"{counts['peer'][2]}/{negatives} | {{seconds:.2f}} |"
    )
    return [ours_row, peer_row]


if __name__ == "__main__":
    main()
