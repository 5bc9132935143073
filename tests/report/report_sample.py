"""A hand-built report and rule set shared by the reporter tests (no scan involved)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path

from faasguard.findings import (
    AppSummary,
    Finding,
    FlowStep,
    Hit,
    Practice,
    Report,
    Severity,
    fingerprint,
)
from faasguard.model import App, Diagnostic, DiagnosticLevel, Location
from faasguard.rules.base import Rule

GOLDEN = Path(__file__).parent / "golden"
ROOT = "/srv/shop"
UPDATE_GOLDEN = os.environ.get("FAASGUARD_UPDATE_GOLDEN") == "1"


def _no_hits(app: App) -> Iterable[Hit]:
    return ()


def make_rule(
    rule_id: str,
    name: str,
    title: str,
    severity: Severity,
    practice: Practice,
    cwe: tuple[str, ...] = (),
) -> Rule:
    """A rule as the framework would register it, with a full documentation docstring."""
    doc = (
        f"{title}.\n\n"
        f"What it finds: {title} in SAM, Serverless and Terraform apps.\n\n"
        "Why it matters: attackers use it.\n\n"
        "Example:\n\n    Events:\n      Api: {Type: Api}\n\n"
        "How to fix: configure it.\n\n"
        "References: https://docs.aws.amazon.com/lambda/"
    )
    return Rule(
        id=rule_id,
        name=name,
        title=title,
        severity=severity,
        practice=practice,
        check=_no_hits,
        doc=doc,
        cwe=cwe,
        owasp=("A01:2021",) if cwe else (),
    )


RULES: tuple[Rule, ...] = (
    make_rule(
        "CODE003",
        "os-command-injection",
        "OS command built from event data",
        Severity.CRITICAL,
        Practice.P7,
        ("CWE-78",),
    ),
    make_rule(
        "CONF004",
        "bucket-public-write",
        "Triggering bucket allows public write",
        Severity.MEDIUM,
        Practice.P7,
        ("CWE-732",),
    ),
    make_rule(
        "LOG001", "log-retention", "Function log group without retention", Severity.LOW, Practice.P6
    ),
    make_rule(
        "TRIG001",
        "http-no-auth",
        "HTTP endpoint without authorization",
        Severity.HIGH,
        Practice.P2,
        ("CWE-306",),
    ),
    make_rule(
        "TRIG003", "waf-blind-triggers", "Triggers a WAF cannot see", Severity.INFO, Practice.P2
    ),
)  # TIME001 is deliberately missing: a finding whose rule was not passed in.


def _loc(file: str, line: int = 0, column: int = 0) -> Location:
    return Location(file=f"{ROOT}/{file}", line=line, column=column)


def _finding(
    rule_id: str,
    title: str,
    severity: Severity,
    practice: Practice,
    message: str,
    app: str,
    location: Location,
    *,
    function: str | None = None,
    resource: str | None = None,
    key: str = "",
    flow: tuple[FlowStep, ...] = (),
    properties: dict[str, object] | None = None,
) -> Finding:
    app_file = {"shop": "template.yaml", "legacy": "legacy/serverless.yml"}[app]
    return Finding(
        rule_id=rule_id,
        title=title,
        severity=severity,
        practice=practice,
        message=message,
        app=app,
        location=location,
        function=function,
        resource=resource,
        fingerprint=fingerprint(rule_id, app_file, function or resource or "", key),
        flow=flow,
        properties=properties or {},
    )


def sample_report() -> Report:
    """Six findings over two apps: every severity, a flow, a resource, a line-0 finding."""
    findings = [
        _finding(
            "TIME001",
            "Timeout above what the trigger allows",
            Severity.HIGH,
            Practice.P5,
            "Timeout 900 s exceeds the 29 s API Gateway integration limit",
            "legacy",
            _loc("legacy/serverless.yml", 9, 5),
            function="hello",
        ),
        _finding(
            "TRIG001",
            "HTTP endpoint without authorization",
            Severity.HIGH,
            Practice.P2,
            "GET /orders | POST /orders have no authorizer, API key or IAM auth",
            "shop",
            _loc("template.yaml", 24, 9),
            function="OrdersFunction",
            key="GetOrders",
        ),
        _finding(
            "CONF004",
            "Triggering bucket allows public write",
            Severity.MEDIUM,
            Practice.P7,
            "Bucket UploadBucket grants s3:PutObject to <everyone> (*)",
            "shop",
            _loc("template.yaml", 88, 5),
            resource="UploadBucket",
        ),
        _finding(
            "CODE003",
            "OS command built from event data",
            Severity.CRITICAL,
            Practice.P7,
            "event['body'] reaches os.system() without sanitisation",
            "shop",
            _loc("src/orders/app.py", 41, 5),
            function="OrdersFunction",
            key="os.system",
            flow=(
                FlowStep(
                    location=_loc("src/orders/app.py", 12, 15),
                    message="event['body'] enters the handler",
                ),
                FlowStep(location=_loc("src/orders/app.py", 30, 5), message="assigned to name"),
                FlowStep(
                    location=_loc("src/orders/app.py", 41, 5), message="passed to os.system()"
                ),
            ),
            properties={"sink": "os.system", "sources": ("event.body",)},
        ),
        _finding(
            "LOG001",
            "Function log group without retention",
            Severity.LOW,
            Practice.P6,
            "No log group with a retention period is defined for WorkerFunction",
            "shop",
            _loc("template.yaml"),
            function="WorkerFunction",
        ),
        _finding(
            "TRIG003",
            "Triggers a WAF cannot see",
            Severity.INFO,
            Practice.P2,
            "hello is invoked by s3, sqs: a WAF inspects none of these",
            "legacy",
            _loc("legacy/serverless.yml", 14, 7),
            function="hello",
        ),
    ]
    diagnostics = [
        Diagnostic(
            level=DiagnosticLevel.WARNING,
            message="serverless.ts configuration is not analysed; export it as YAML",
        ),
        Diagnostic(
            level=DiagnosticLevel.ERROR,
            message="cannot resolve ${file(./missing.yml):custom}: file not found",
            location=_loc("legacy/serverless.yml", 3, 11),
            code="SLS-FILE",
        ),
        Diagnostic(
            level=DiagnosticLevel.INFO,
            message="2 functions use container images",
            location=_loc("template.yaml", 60, 3),
        ),
    ]
    return Report(
        root=ROOT,
        findings=findings,
        diagnostics=diagnostics,
        apps=[
            AppSummary(name="shop", format="sam", root_file=f"{ROOT}/template.yaml", functions=3),
            AppSummary(
                name="legacy",
                format="serverless",
                root_file=f"{ROOT}/legacy/serverless.yml",
                functions=1,
            ),
        ],
        suppressed=1,
        baselined=2,
        rules_run=25,
        duration_seconds=1.234,
    )


def empty_report() -> Report:
    """A scan that loaded one app and found nothing."""
    return Report(
        root=ROOT,
        apps=[
            AppSummary(name="shop", format="sam", root_file=f"{ROOT}/template.yaml", functions=2)
        ],
        rules_run=25,
    )


def shift_lines(report: Report, delta: int) -> Report:
    """The same report with every finding moved ``delta`` lines down (code was inserted)."""

    def move(location: Location) -> Location:
        if location.line == 0:
            return location
        return dataclasses.replace(location, line=location.line + delta)

    findings = [
        dataclasses.replace(
            finding,
            location=move(finding.location),
            flow=tuple(
                dataclasses.replace(step, location=move(step.location)) for step in finding.flow
            ),
        )
        for finding in report.findings
    ]
    return dataclasses.replace(report, findings=findings)


def check_golden(name: str, actual: str) -> None:
    """Compare ``actual`` with ``golden/name``; FAASGUARD_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        path.write_text(actual, encoding="utf-8", newline="\n")
        if not UPDATE_GOLDEN:
            raise AssertionError(f"golden file {path} was missing and has been written")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{name} differs from its golden file; if the change is intended, rerun with "
        "FAASGUARD_UPDATE_GOLDEN=1 and review the diff"
    )
