"""Markdown reporter: a compact summary for pull-request comments.

A heading, the totals line, a table by severity, the most severe findings (at most
``max_findings``, then "... and N more"), and the diagnostics folded in ``<details>``.
Cell text is escaped so a ``|`` or a ``<tag>`` in a message cannot break the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from faasguard.findings import Report
from faasguard.report.common import (
    SEVERITIES_DESCENDING,
    by_severity_then_place,
    place,
    plural,
    rules_by_id,
    severity_counts,
    sorted_diagnostics,
    totals_line,
)
from faasguard.rules.base import Rule

DEFAULT_MAX_FINDINGS = 50


def escape_cell(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell (pipes, HTML, line breaks)."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )
    # A newline would end the table row; <br> keeps the break visible inside the cell.
    return "<br>".join(line.strip() for line in escaped.strip().splitlines())


def _code(text: str) -> str:
    """``text`` as inline code in a table cell (backticks and pipes cannot be escaped inside)."""
    if not text:
        return ""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def render(
    report: Report,
    *,
    rules: Sequence[Rule] | None = None,
    max_findings: int = DEFAULT_MAX_FINDINGS,
) -> str:
    """Render ``report`` as Markdown for a pull-request comment.

    When ``rules`` is given, rule ids link to their documentation.
    """
    known = rules_by_id(rules)
    lines: list[str] = []
    total = len(report.findings)
    heading = "faasguard: " + (plural(total, "finding") if total else "no findings")
    lines += [f"## {heading}", "", totals_line(report), ""]

    if total:
        counts = severity_counts(report.findings)
        lines += ["| Severity | Findings |", "| --- | ---: |"]
        lines += [f"| {s.label} | {counts[s]} |" for s in SEVERITIES_DESCENDING]
        lines += [f"| **total** | **{total}** |", ""]

        shown = by_severity_then_place(report)[: max(max_findings, 0)]
        lines += [
            "| Severity | Rule | Finding | Location |",
            "| --- | --- | --- | --- |",
        ]
        for finding in shown:
            rule_cell = escape_cell(finding.rule_id)
            if finding.rule_id in known:
                rule_cell = f"[{rule_cell}]({known[finding.rule_id].help_uri})"
            subject = finding.function or finding.resource
            where = place(finding.location, report.root)
            location = _code(str(where))
            if subject:
                location += f"<br>{escape_cell(finding.app)} / {escape_cell(subject)}"
            elif finding.app:
                location += f"<br>{escape_cell(finding.app)}"
            text = f"**{escape_cell(finding.title)}**<br>{escape_cell(finding.message)}"
            lines.append(f"| {finding.severity.label} | {rule_cell} | {text} | {location} |")
        if total > len(shown):
            lines.append("")
            lines.append(f"… and {total - len(shown)} more")
        lines.append("")

    if report.diagnostics:
        lines += [
            "<details>",
            f"<summary>{plural(len(report.diagnostics), 'diagnostic')}</summary>",
            "",
            "| Level | Location | Message |",
            "| --- | --- | --- |",
        ]
        for diagnostic in sorted_diagnostics(report):
            at = _code(str(place(diagnostic.location, report.root))) if diagnostic.location else ""
            lines.append(f"| {diagnostic.level} | {at} | {escape_cell(diagnostic.message)} |")
        lines += ["", "</details>", ""]

    return "\n".join(lines).rstrip("\n") + "\n"
