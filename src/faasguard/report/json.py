"""JSON reporter: the stable, documented output contract other tools rely on.

Schema version 1 (also documented in ``docs/output.md``)::

    {
      "tool": "faasguard",
      "version": "0.1.0",                 # faasguard.__version__
      "schema_version": 1,                # bumped only on incompatible changes
      "root": ".",                        # every path below is relative to the scanned root
      "summary": {
        "findings": 3,
        "by_severity": {"critical": 0, "high": 1, "medium": 1, "low": 1, "info": 0},
        "by_practice": {"P1": 0, "P2": 2, ..., "P7": 1},
        "apps": 1, "functions": 2, "diagnostics": 1,
        "suppressed": 0, "baselined": 0, "rules_run": 25
      },
      "apps": [{"name": "shop", "format": "sam", "file": "template.yaml", "functions": 2}],
      "findings": [
        {
          "rule_id": "TRIG001", "severity": "high", "practice": "P2",
          "title": "...", "message": "...",
          "app": "shop", "function": "Orders" | null, "resource": "OrdersApi" | null,
          "location": {"file": "template.yaml", "line": 12, "column": 5},
          "fingerprint": "0123...",
          "flow": [{"location": {...}, "message": "..."}],   # only when non-empty
          "trace": [{"file": "...", "line": 9, "column": 5, "message": "..."}],  # with flow
          "related": [{"location": {...}, "message": "function B"}],  # one cause, several
                                                     # functions: the others (when any)
          "properties": {...},                               # only when non-empty
          "principal": {"kind": "user", "name": "CiUser",    # only for an IAM principal
                        "location": {...}}                   # that is not a function's
        }
      ],
      "diagnostics": [
        {"level": "error", "message": "...", "code": "..." (only when set),
         "location": {"file": "...", "line": 3, "column": 1} | null}
      ],
      "suppressed": 0,
      "baselined": 0
    }

Lines and columns are 1-based; 0 means unknown (the finding is about the whole file).
The bytes are deterministic: findings sorted by (file, line, rule_id), diagnostics by
(level, file, line), keys sorted, two-space indent, a trailing newline, and no timestamp
or duration, so two scans of the same tree produce the same file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import faasguard
from faasguard.findings import Finding, FlowStep, Report
from faasguard.model import Diagnostic, Location
from faasguard.report.common import (
    json_safe,
    place,
    relative_path,
    sorted_diagnostics,
    sorted_findings,
    summary_counts,
)
from faasguard.rules.base import Rule

#: Incremented only when a key is removed or changes meaning; new keys keep the version.
SCHEMA_VERSION = 1


def render(report: Report, *, rules: Sequence[Rule] | None = None) -> str:
    """Render ``report`` as JSON text (schema in the module docstring).

    ``rules`` is accepted for a uniform reporter signature; rule metadata is not repeated
    here because every finding already carries its title, severity and practice.
    """
    del rules  # the JSON contract is self-contained per finding
    return json.dumps(to_dict(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_dict(report: Report) -> dict[str, Any]:
    """The JSON document as Python data (what :func:`render` serialises)."""
    findings = sorted_findings(report)
    return {
        "tool": "faasguard",
        "version": faasguard.__version__,
        "schema_version": SCHEMA_VERSION,
        "root": ".",
        "summary": summary_counts(report),
        "apps": [
            {
                "name": app.name,
                "format": app.format,
                "file": relative_path(app.root_file, report.root),
                "functions": app.functions,
            }
            for app in sorted(
                report.apps,
                key=lambda a: (relative_path(a.root_file, report.root), a.name),
            )
        ],
        "findings": [_finding(finding, report.root) for finding in findings],
        "diagnostics": [_diagnostic(d, report.root) for d in sorted_diagnostics(report)],
        "suppressed": report.suppressed,
        "baselined": report.baselined,
    }


def _location(location: Location, root: str) -> dict[str, Any]:
    where = place(location, root)
    return {"file": where.file, "line": where.line, "column": where.column}


def _flow_step(step: FlowStep, root: str) -> dict[str, Any]:
    return {"location": _location(step.location, root), "message": step.message}


def _trace_step(step: FlowStep, root: str) -> dict[str, Any]:
    return {**_location(step.location, root), "message": step.message}


def _finding(finding: Finding, root: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule_id": finding.rule_id,
        "severity": finding.severity.label,
        "practice": finding.practice.value,
        "title": finding.title,
        "message": finding.message,
        "app": finding.app,
        "function": finding.function,
        "resource": finding.resource,
        "location": _location(finding.location, root),
        "fingerprint": finding.fingerprint,
    }
    # Optional keys are omitted rather than empty so the common case stays compact.
    if finding.flow:
        entry["flow"] = [_flow_step(step, root) for step in finding.flow]
        # The same path flattened for tools that want one location per step.
        entry["trace"] = [_trace_step(step, root) for step in finding.flow]
    if finding.related:  # the other places of one shared cause
        entry["related"] = [_flow_step(step, root) for step in finding.related]
    if finding.properties:
        entry["properties"] = json_safe(finding.properties)
    if finding.principal is not None:
        entry["principal"] = {
            "kind": finding.principal.kind,
            "name": finding.principal.name,
            "location": _location(finding.principal.location, root),
        }
    return entry


def _diagnostic(diagnostic: Diagnostic, root: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "level": str(diagnostic.level),
        "message": diagnostic.message,
        "location": _location(diagnostic.location, root) if diagnostic.location else None,
    }
    if diagnostic.code:
        entry["code"] = diagnostic.code
    return entry
