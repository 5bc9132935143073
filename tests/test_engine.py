"""Engine isolation: a rule that raises becomes a diagnostic, the others still report."""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.config import ScanConfig
from faasguard.engine import LOAD_ERROR, RULE_ERROR, exit_code, run_rules
from faasguard.errors import ExitCode
from faasguard.findings import Finding, Hit, Practice, Report, Severity
from faasguard.model import App, Diagnostic, DiagnosticLevel, Function, Location
from faasguard.rules.base import Rule


def _broken(app: App) -> Iterator[Hit]:
    raise KeyError("Timeout")
    yield  # pragma: no cover


def _working(app: App) -> Iterator[Hit]:
    for fn in app.functions:
        yield Hit(message="seen", location=fn.location, function=fn.ref)


def _rule(rule_id: str, check: object) -> Rule:
    return Rule(
        id=rule_id,
        name="x",
        title="x",
        severity=Severity.LOW,
        practice=Practice.P7,
        check=check,  # type: ignore[arg-type]
        doc="x",
    )


def test_rule_crash_is_isolated() -> None:
    app = App(
        name="a",
        format="sam",
        root_file="/p/template.yaml",
        functions=(Function(ref="F", location=Location(file="/p/template.yaml", line=3)),),
    )
    diagnostics: list[Diagnostic] = []
    findings = run_rules(
        app,
        [_rule("CONF900", _broken), _rule("CONF901", _working)],
        ScanConfig(),
        "/p",
        diagnostics,
    )
    assert [f.rule_id for f in findings] == ["CONF901"]
    assert findings[0].location.line == 3
    assert len(diagnostics) == 1
    assert diagnostics[0].code == RULE_ERROR
    assert "CONF900" in diagnostics[0].message and "KeyError" in diagnostics[0].message


def test_severity_override_and_stable_fingerprint() -> None:
    loc_a = Location(file="/p/template.yaml", line=3)
    loc_b = Location(file="/p/template.yaml", line=30)
    app_a = App(
        name="a",
        format="sam",
        root_file="/p/template.yaml",
        functions=(Function(ref="F", location=loc_a),),
    )
    app_b = App(
        name="a",
        format="sam",
        root_file="/p/template.yaml",
        functions=(Function(ref="F", location=loc_b),),
    )
    config = ScanConfig(severity_overrides={"CONF901": Severity.HIGH})
    [a] = run_rules(app_a, [_rule("CONF901", _working)], config, "/p", [])
    [b] = run_rules(app_b, [_rule("CONF901", _working)], config, "/p", [])
    assert a.severity is Severity.HIGH
    assert a.fingerprint == b.fingerprint


def _report(*, severity: Severity | None = None, diagnostic: Diagnostic | None = None) -> Report:
    report = Report(root=".")
    if severity is not None:
        report.findings.append(
            Finding(
                rule_id="CONF001",
                title="x",
                severity=severity,
                practice=Practice.P7,
                message="x",
                app="a",
                location=Location(file="t.yaml", line=1),
            )
        )
    if diagnostic is not None:
        report.diagnostics.append(diagnostic)
    return report


def test_exit_code_policy() -> None:
    medium = ScanConfig(fail_on=Severity.MEDIUM)
    assert exit_code(_report(), medium) is ExitCode.CLEAN
    assert exit_code(_report(severity=Severity.LOW), medium) is ExitCode.CLEAN
    assert exit_code(_report(severity=Severity.HIGH), medium) is ExitCode.FINDINGS
    load_error = Diagnostic(level=DiagnosticLevel.ERROR, message="bad YAML", code=LOAD_ERROR)
    assert exit_code(_report(severity=Severity.HIGH, diagnostic=load_error), medium) == 2
    # A failed rule or a warning only fails the run with --strict.
    rule_error = Diagnostic(level=DiagnosticLevel.ERROR, message="boom", code=RULE_ERROR)
    warning = Diagnostic(level=DiagnosticLevel.WARNING, message="expired ignore")
    for diagnostic in (rule_error, warning):
        assert exit_code(_report(diagnostic=diagnostic), medium) is ExitCode.CLEAN
        strict = ScanConfig(fail_on=Severity.MEDIUM, strict=True)
        assert exit_code(_report(diagnostic=diagnostic), strict) is ExitCode.ERROR
