"""Engine isolation: a rule that raises becomes a diagnostic, the others still report."""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.config import ScanConfig
from faasguard.engine import RULE_ERROR, run_rules
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Diagnostic, Function, Location
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
