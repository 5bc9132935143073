"""CSV reporter: one row per finding, for spreadsheets and quick scripts.

Columns (a header row first): severity, rule_id, practice, title, message, app, function,
resource, file, line, column, fingerprint. Paths are relative to the scanned root, rows in
the canonical order. A cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``
first) gets a leading apostrophe: text from scanned files must not run in the reader's
spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from faasguard.findings import Report
from faasguard.report.common import place, sorted_findings
from faasguard.rules.base import Rule

COLUMNS = (
    "severity",
    "rule_id",
    "practice",
    "title",
    "message",
    "app",
    "function",
    "resource",
    "file",
    "line",
    "column",
    "fingerprint",
)


def render(report: Report, *, rules: Sequence[Rule] | None = None) -> str:
    """Render ``report`` as CSV text (RFC 4180 quoting, ``\\n`` line ends like every format)."""
    del rules  # every row carries its rule's title
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for finding in sorted_findings(report):
        where = place(finding.location, report.root)
        writer.writerow(
            [
                finding.severity.label,
                finding.rule_id,
                finding.practice.value,
                _cell(finding.title),
                _cell(finding.message),
                _cell(finding.app),
                _cell(finding.function or ""),
                _cell(finding.resource or ""),
                _cell(where.file),
                where.line,
                where.column,
                finding.fingerprint,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
