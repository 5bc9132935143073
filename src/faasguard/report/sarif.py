"""SARIF 2.1.0 reporter, for GitHub code scanning and every SARIF viewer.

The log validates against the official OASIS schema (checked in the tests). Choices made
for GitHub code scanning (see ``docs/output.md``):

- ``tool.driver.rules`` carries the full metadata of every rule passed in (title, the
  "What it finds" text, the whole documentation as text and Markdown, the help URI, the
  default level) and ``properties.security-severity``, the number GitHub turns into its
  critical/high/medium/low label;
- results point at files relative to ``%SRCROOT%``; the base itself is left to the viewer
  (``originalUriBaseIds`` describes it without an absolute path), so the file is the same
  on every machine;
- ``partialFingerprints["faasguard/v1"]`` is faasguard's line-independent fingerprint, so
  alerts follow code that moves;
- ``codeFlows`` carry data-flow paths (taint findings);
- error and warning diagnostics become ``toolExecutionNotifications``; an error marks the
  invocation as not fully successful.

There is no timestamp in the output: two scans of the same tree give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import faasguard
from faasguard.findings import Finding, Report, Severity
from faasguard.model import Diagnostic, DiagnosticLevel, Location
from faasguard.report.common import (
    is_uri,
    place,
    rule_description,
    rule_help_markdown,
    rule_help_text,
    rules_by_id,
    sorted_diagnostics,
    sorted_findings,
)
from faasguard.rules.base import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/faasguard/faasguard"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "faasguard/v1"

#: SARIF ``level`` per severity: SARIF has only error / warning / note.
LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

#: GitHub maps security-severity > 9.0 to critical, >= 7.0 high, >= 4.0 medium, else low.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

_NOTIFICATION_LEVELS: dict[DiagnosticLevel, str] = {
    DiagnosticLevel.ERROR: "error",
    DiagnosticLevel.WARNING: "warning",
}


def render(report: Report, *, rules: Sequence[Rule] | None = None) -> str:
    """Render ``report`` as a SARIF 2.1.0 log (JSON text with a trailing newline)."""
    return json.dumps(to_sarif(report, rules=rules), indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: Report, *, rules: Sequence[Rule] | None = None) -> dict[str, Any]:
    """The SARIF log as Python data (what :func:`render` serialises)."""
    findings = sorted_findings(report)
    descriptors, index = _rule_descriptors(rules, findings)
    diagnostics = sorted_diagnostics(report)
    notifications = [
        _notification(d, report.root) for d in diagnostics if d.level in _NOTIFICATION_LEVELS
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": not any(d.level == DiagnosticLevel.ERROR for d in diagnostics),
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "faasguard",
                "version": faasguard.__version__,
                "semanticVersion": faasguard.__version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "originalUriBaseIds": {
            SRCROOT: {
                "description": {
                    "text": "The directory faasguard scanned; result paths are relative to it."
                }
            }
        },
        "invocations": [invocation],
        "results": [_result(f, index, report.root) for f in findings],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "suppressed": report.suppressed,
            "baselined": report.baselined,
            "rulesRun": report.rules_run,
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _rule_descriptors(
    rules: Sequence[Rule] | None, findings: Sequence[Finding]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Descriptors for the rules passed in, plus a minimal one per unknown finding rule.

    A finding whose rule was not passed (a plugin, a stale baseline) still gets a
    descriptor, so every result has a valid ``ruleIndex``.
    """
    known = rules_by_id(rules)
    descriptors = [_descriptor(registered) for registered in known.values()]
    index = {rule_id: position for position, rule_id in enumerate(known)}
    for finding in findings:
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append(_minimal_descriptor(finding))
    return descriptors, index


def _tags(practice: str, cwe: Sequence[str]) -> list[str]:
    # "external/cwe/cwe-NNN" is the spelling GitHub code scanning recognises for CWE tags.
    cwe_tags = [f"external/cwe/{c.lower()}" for c in cwe]
    return ["security", practice, *cwe_tags]


def _descriptor(registered: Rule) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "tags": _tags(registered.practice.value, registered.cwe),
        "security-severity": SECURITY_SEVERITY[registered.severity],
        "severity": registered.severity.label,
        "practice": registered.practice.value,
        "practiceTitle": registered.practice.title,
    }
    if registered.cwe:
        properties["cwe"] = list(registered.cwe)
    if registered.owasp:
        properties["owasp"] = list(registered.owasp)
    if registered.thresholds:
        properties["thresholds"] = dict(registered.thresholds)
    return {
        "id": registered.id,
        "name": registered.name,
        "shortDescription": {"text": registered.title},
        "fullDescription": {"text": rule_description(registered)},
        "help": {
            "text": rule_help_text(registered),
            "markdown": rule_help_markdown(registered),
        },
        "helpUri": registered.help_uri,
        "defaultConfiguration": {"level": LEVELS[registered.severity]},
        "properties": properties,
    }


def _minimal_descriptor(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.rule_id,
        "shortDescription": {"text": finding.title or finding.rule_id},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {
            "tags": _tags(finding.practice.value, ()),
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "severity": finding.severity.label,
            "practice": finding.practice.value,
        },
    }


def _artifact_location(file: str) -> dict[str, Any]:
    # A relative path is a URI reference against %SRCROOT%; anything already carrying a
    # scheme (a live-account pseudo-file) or an ARN (faasguard audit) stands alone.
    if is_uri(file):
        return {"uri": file}
    return {"uri": quote(file, safe="/-._~"), "uriBaseId": SRCROOT}


def _physical_location(location: Location, root: str) -> dict[str, Any]:
    where = place(location, root)
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(where.file)}
    if where.line > 0:  # SARIF lines are 1-based; 0 means "the whole file": no region
        region: dict[str, Any] = {"startLine": where.line}
        if where.column > 0:
            region["startColumn"] = where.column
        physical["region"] = region
    return physical


def _location(location: Location, root: str, *, message: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"physicalLocation": _physical_location(location, root)}
    if message:
        entry["message"] = {"text": message}
    return entry


def _logical_locations(finding: Finding) -> list[dict[str, Any]]:
    if finding.principal is not None:
        name, kind = finding.principal.name, "resource"
    elif finding.function:
        name, kind = finding.function, "function"
    elif finding.resource:
        name, kind = finding.resource, "resource"
    else:
        return []
    return [{"name": name, "fullyQualifiedName": f"{finding.app}/{name}", "kind": kind}]


def _result(finding: Finding, index: dict[str, int], root: str) -> dict[str, Any]:
    location = _location(finding.location, root)
    logical = _logical_locations(finding)
    if logical:
        location["logicalLocations"] = logical
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index[finding.rule_id],
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "properties": {
            "severity": finding.severity.label,
            "practice": finding.practice.value,
            "app": finding.app,
        },
    }
    if finding.principal is not None:
        result["properties"]["principal"] = {
            "kind": finding.principal.kind,
            "name": finding.principal.name,
            "location": _location(finding.principal.location, root),
        }
    if finding.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.related:  # the other functions of one shared cause
        result["relatedLocations"] = [
            {"id": number, **_location(step.location, root, message=step.message)}
            for number, step in enumerate(finding.related, 1)
        ]
    if finding.flow:
        result["codeFlows"] = [
            {
                "threadFlows": [
                    {
                        "locations": [
                            {"location": _location(step.location, root, message=step.message)}
                            for step in finding.flow
                        ]
                    }
                ]
            }
        ]
    return result


def _notification(diagnostic: Diagnostic, root: str) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": _NOTIFICATION_LEVELS[diagnostic.level],
        "message": {"text": diagnostic.message},
    }
    if diagnostic.location is not None:
        notification["locations"] = [_location(diagnostic.location, root)]
    if diagnostic.code:
        notification["descriptor"] = {"id": diagnostic.code}
    return notification
