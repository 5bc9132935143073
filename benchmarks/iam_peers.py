"""faasguard vs Cloudsplaining vs Parliament on the same IAM policies, side by side.

    python benchmarks/iam_peers.py [--write]

Input: every execution role of the PERM fixture projects (``tests/fixtures/*/perm*``, SAM,
Serverless Framework and Terraform). Each role's policies (inline, customer managed and the
AWS managed ones it attaches) are merged into one JSON policy document per role, written to
a temporary directory, and given to the peers one file at a time
(``cloudsplaining scan-policy-file -i FILE``, ``parliament --file FILE --json
--include-community-auditors``). faasguard scans the fixture projects themselves
(``faasguard scan DIRS --select PERM --format json --no-cache``, one process), which is the
same set of policies plus what only the templates say (which functions use which role,
which roles are administrators for chains).

What each tool detects is mapped to the categories escalation / admin / exfil / exposure /
credentials / infrastructure / typos, and compared with what the fixtures expect: the
``# expect: PERMxxx`` annotations on the statements of each role (PERM004 escalation,
PERM001 admin, PERM005 exfil, PERM006 exposure, PERM007 credentials, PERM008 infra,
PERM010 typos). The peers need their own virtual environments (``pip install
cloudsplaining`` in ``benchmarks/.venv-cloudsplaining``, ``pip install parliament`` in
``benchmarks/.venv-parliament``); a missing peer is reported as such.

Times are wall-clock seconds of the tools' processes, measured here with
``time.perf_counter`` around each ``subprocess.run``: for the peers the sum over all policy
files (one process per file, as their CLIs work), for faasguard one process for all.
``--write`` records the table in BENCHMARKS.md between the ``iam_peers`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
FIXTURES = REPO / "tests" / "fixtures"
BEGIN, END = "<!-- iam_peers:begin -->", "<!-- iam_peers:end -->"
CATEGORIES = ("escalation", "admin", "exfil", "exposure", "creds", "infra", "typos")
RULE_CATEGORY = {
    "PERM004": "escalation",
    "PERM001": "admin",
    "PERM005": "exfil",
    "PERM006": "exposure",
    "PERM007": "creds",
    "PERM008": "infra",
    "PERM010": "typos",
}
CLOUDSPLAINING = {
    "Privilege Escalation": "escalation",
    "Data Exfiltration": "exfil",
    "Resource Exposure": "exposure",
    "return credentials": "creds",
    "Infrastructure Modification": "infra",
}
_MARK = re.compile(r"#\s*expect:\s*([A-Z]+\d{3}(?:\s*,\s*[A-Z]+\d{3})*)")


@dataclass
class RolePolicy:
    """One execution role of a fixture, as a policy file for the peers."""

    label: str
    fixture: Path
    role_ref: str
    document: dict[str, Any]
    statement_lines: set[tuple[str, int]]
    expected: set[str] = field(default_factory=set)
    found: dict[str, set[str]] = field(default_factory=dict)


def _raw(value: object) -> object:
    """A model value as JSON: unknown Terraform references become placeholder ARNs."""
    text = str(value)
    match = re.match(r"<unknown: (aws_\w+)\.([\w-]+)", text)
    if match is None:
        return text
    kind, name = match.groups()
    if kind == "aws_iam_role":
        return f"arn:aws:iam::123456789012:role/{name}"
    if kind == "aws_lambda_function":
        return f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
    if kind == "aws_dynamodb_table":
        return f"arn:aws:dynamodb:eu-west-1:123456789012:table/{name}"
    return "*"


def _statement(statement: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": statement.effect}
    for key, values in (
        ("Action", statement.actions),
        ("NotAction", statement.not_actions),
        ("Resource", statement.resources),
        ("NotResource", statement.not_resources),
    ):
        if values:
            out[key] = [_raw(v) for v in values]
    if statement.conditions:
        out["Condition"] = {
            op: {k: [str(v) for v in vs] for k, vs in entries.items()}
            for op, entries in statement.conditions.items()
        }
    return out


def collect() -> list[RolePolicy]:
    """Every execution role of the PERM fixtures, with the categories its lines expect."""
    from faasguard.config import ScanConfig  # noqa: PLC0415
    from faasguard.engine import load_all  # noqa: PLC0415
    from faasguard.iam.effective import resolve_policy_arn  # noqa: PLC0415
    from faasguard.loaders.discovery import discover  # noqa: PLC0415

    roles: list[RolePolicy] = []
    for fixture in sorted(p.resolve() for p in FIXTURES.glob("*/perm*")):
        apps = load_all(discover([str(fixture)]), ScanConfig(jobs=1), root=str(fixture))
        expect: dict[tuple[str, int], set[str]] = {}
        for path in fixture.rglob("*"):
            if path.suffix in (".yml", ".yaml", ".tf"):
                text = path.read_text(encoding="utf-8").splitlines()
                for number, line in enumerate(text, start=1):
                    for ids in _MARK.findall(line):
                        rules = {i.strip() for i in ids.split(",")}
                        expect[(str(path.resolve()), number)] = rules
        for app in apps:
            seen: set[str] = set()
            for function in app.functions:
                role = function.role
                if role is None or role.ref in seen:
                    continue
                seen.add(role.ref)
                policies = list(role.policies)
                for arn in role.managed_policy_arns:
                    managed = resolve_policy_arn(arn, app) if isinstance(arn, str) else None
                    if managed is not None and managed not in policies:
                        policies.append(managed)
                statements = [s for p in policies for s in p.statements]
                lines = {
                    (str(Path(s.location.file).resolve()), s.location.line) for s in statements
                }
                item = RolePolicy(
                    label=f"{fixture.parent.name}/{fixture.name}: {role.ref}",
                    fixture=fixture,
                    role_ref=role.ref,
                    document={
                        "Version": "2012-10-17",
                        "Statement": [_statement(s) for s in statements],
                    },
                    statement_lines=lines,
                )
                # Attaching AdministratorAccess makes an administrator by definition.
                if any(
                    str(a).endswith(":policy/AdministratorAccess") for a in role.managed_policy_arns
                ):
                    item.expected.add("admin")
                for key in lines:
                    for rule_id in expect.get(key, set()):
                        if rule_id in RULE_CATEGORY:
                            item.expected.add(RULE_CATEGORY[rule_id])
                roles.append(item)
    return roles


def _timed(command: list[str], stdin: int | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, stdin=stdin, check=False)
    return time.perf_counter() - started, result.stdout


def run_faasguard(roles: list[RolePolicy]) -> float:
    """One faasguard process over every fixture; findings mapped back to roles."""
    fixtures = sorted({str(r.fixture) for r in roles})
    exe = str(Path(sys.executable).with_name("faasguard"))
    command = [exe, "scan", *fixtures, "--select", "PERM", "--format", "json", "--no-cache"]
    seconds, out = _timed(command)
    from faasguard.engine import scan_root  # noqa: PLC0415

    root = Path(scan_root(fixtures))
    report = json.loads(out)
    for role in roles:
        role.found["faasguard"] = set()
    for finding in report["findings"]:
        category = RULE_CATEGORY.get(finding["rule_id"])
        if category is None:
            continue
        where = (root / finding["location"]["file"]).resolve()
        for role in roles:
            if finding.get("resource") == role.role_ref and where.is_relative_to(role.fixture):
                role.found["faasguard"].add(category)
    return seconds


def run_cloudsplaining(roles: list[RolePolicy], files: list[Path]) -> float | None:
    """``cloudsplaining scan-policy-file`` per policy; its risk headings mapped."""
    exe = BENCH / ".venv-cloudsplaining" / "bin" / "cloudsplaining"
    if not exe.exists():
        return None
    total = 0.0
    for role, path in zip(roles, files, strict=True):
        seconds, out = _timed([str(exe), "scan-policy-file", "-i", str(path)])
        total += seconds
        found = role.found.setdefault("cloudsplaining", set())
        for heading, category in CLOUDSPLAINING.items():
            if heading in out:
                found.add(category)
    return total


def run_parliament(roles: list[RolePolicy], files: list[Path]) -> float | None:
    """``parliament --file`` per policy; its issue codes mapped."""
    exe = BENCH / ".venv-parliament" / "bin" / "parliament"
    if not exe.exists():
        return None
    # parliament refuses --file unless standard input is a terminal: give it a pseudo one.
    _, terminal = os.openpty()
    total = 0.0
    for role, path in zip(roles, files, strict=True):
        command = [str(exe), "--file", str(path), "--json", "--include-community-auditors"]
        seconds, out = _timed(command, stdin=terminal)
        total += seconds
        found = role.found.setdefault("parliament", set())
        for line in out.splitlines():
            issue = json.loads(line).get("issue", "") if line.startswith("{") else ""
            if issue in ("UNKNOWN_ACTION", "UNKNOWN_PREFIX"):
                found.add("typos")
            elif "PRIVILEGE_ESCALATION" in issue:
                found.add("escalation")
            elif "CREDENTIALS" in issue:
                found.add("creds")
            elif "SENSITIVE" in issue:
                found.add("exfil")
            elif "PERMISSIONS_MANAGEMENT" in issue:
                found.add("exposure")
    os.close(terminal)
    return total


def _cell(role: RolePolicy, tool: str) -> str:
    found = role.found.get(tool)
    if found is None:
        return "n/a"
    return " ".join(c for c in CATEGORIES if c in found) or "-"


def _score(roles: Iterable[RolePolicy], tool: str) -> str:
    """Per category: expected detections found / expected, and unexpected detections.

    Roles expected to be administrators are left out of the other categories (an
    administrator can do everything; faasguard reports it once as admin).
    """
    parts = []
    for category in CATEGORIES:
        hit = missed = extra = 0
        for role in roles:
            if category != "admin" and "admin" in role.expected:
                continue
            found = category in role.found.get(tool, set())
            wanted = category in role.expected
            hit += found and wanted
            missed += wanted and not found
            extra += found and not wanted
        parts.append(f"{category} {hit}/{hit + missed}" + (f" (+{extra})" if extra else ""))
    return ", ".join(parts)


def main() -> int:
    """Run the three tools and print (and optionally record) the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()

    roles = collect()
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for index, role in enumerate(roles):
            path = Path(tmp) / f"policy{index:02d}.json"
            path.write_text(json.dumps(role.document, indent=2), encoding="utf-8")
            files.append(path)
        times = {
            "faasguard": run_faasguard(roles),
            "cloudsplaining": run_cloudsplaining(roles, files),
            "parliament": run_parliament(roles, files),
        }
    tools = ("faasguard", "cloudsplaining", "parliament")
    lines = [
        f"Input: {len(roles)} execution-role policies of the PERM fixtures "
        f"(`tests/fixtures/*/perm*`, SAM, Serverless, Terraform). Machine: "
        f"{platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores shared with other work.",
        "",
        "| policy (fixture: role) | expected | faasguard | Cloudsplaining | Parliament |",
        "|---|---|---|---|---|",
    ]
    for role in roles:
        expected = " ".join(c for c in CATEGORIES if c in role.expected) or "-"
        cells = " | ".join(_cell(role, t) for t in tools)
        lines.append(f"| {role.label} | {expected} | {cells} |")
    lines += [
        "",
        "| tool | found / expected per category (+ detections not expected) | wall time (s) |",
        "|---|---|---|",
    ]
    for tool in tools:
        seconds = times[tool]
        shown = "not installed" if seconds is None else f"{seconds:.2f}"
        lines.append(f"| {tool} | {_score(roles, tool)} | {shown} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        target = REPO / "BENCHMARKS.md"
        content = target.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{text}\n{END}"
        if BEGIN in content:
            content = re.sub(
                re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, content, flags=re.S
            )
        else:
            content = content.rstrip() + "\n\n## IAM rules vs Cloudsplaining and Parliament\n\n"
            content += block + "\n"
        target.write_text(content, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
