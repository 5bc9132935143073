"""JUnit XML reporter, for the test-report views of GitLab, Jenkins, Azure DevOps.

One ``<testsuite>`` per rule that ran, one ``<testcase>`` per finding (a ``<failure>``
whose type is the severity), and one passing ``<testcase>`` for each rule without
findings, so a CI view shows what was checked as well as what failed. Deterministic: the
canonical finding order, no timestamp.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from faasguard.findings import Finding, Report
from faasguard.report.common import place, printable, sorted_findings
from faasguard.rules.base import Rule


def render(report: Report, *, rules: Sequence[Rule] | None = None) -> str:
    """Render ``report`` as a JUnit XML document."""
    by_rule: dict[str, list[Finding]] = {r.id: [] for r in rules or ()}
    titles = {r.id: r.title for r in rules or ()}
    for finding in sorted_findings(report):
        by_rule.setdefault(finding.rule_id, []).append(finding)
        titles.setdefault(finding.rule_id, finding.title)
    root = ET.Element(
        "testsuites",
        name="faasguard",
        tests=str(sum(max(1, len(found)) for found in by_rule.values())),
        failures=str(len(report.findings)),
    )
    for rule_id in sorted(by_rule):
        found = by_rule[rule_id]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{rule_id} {titles[rule_id]}",
            tests=str(max(1, len(found))),
            failures=str(len(found)),
        )
        if not found:
            ET.SubElement(suite, "testcase", classname=rule_id, name=titles[rule_id])
        for finding in found:
            where = place(finding.location, report.root)
            case = ET.SubElement(
                suite,
                "testcase",
                classname=rule_id,
                name=_clean(f"{where} {finding.function or finding.resource or finding.app}"),
                file=where.file,
                line=str(where.line),
            )
            failure = ET.SubElement(
                case,
                "failure",
                type=finding.severity.label,
                message=_clean(finding.message),
            )
            failure.text = _clean(
                f"{finding.severity.label.upper()} {rule_id} {finding.title}\n"
                f"{finding.message}\n{where}\nfingerprint {finding.fingerprint}"
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _clean(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot hold (shown escaped)."""
    return printable(text).replace("\x7f", "\\x7f")
