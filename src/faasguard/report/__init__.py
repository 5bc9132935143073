"""Reporters: pure functions from a :class:`~faasguard.findings.Report` to text.

Each format lives in its own module with a ``render(report, *, rules=None, ...)``
function; :func:`render` dispatches by format name. Reporters never compute findings.
Format modules are imported on demand so that choosing ``json`` does not load Rich.
"""

from __future__ import annotations

from collections.abc import Sequence

from faasguard.findings import Report
from faasguard.rules.base import Rule

#: Output formats, in the order the CLI lists them.
FORMATS: tuple[str, ...] = ("text", "json", "sarif", "markdown", "html", "junit", "csv")


def render(
    fmt: str,
    report: Report,
    *,
    rules: Sequence[Rule],
    color: bool = False,
    width: int = 100,
) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`).

    ``rules`` is the rule set that ran (for SARIF metadata and Markdown links); ``color``
    and ``width`` only affect the text format. Raises ``ValueError`` for an unknown format.
    """
    name = fmt.strip().lower()
    if name not in FORMATS:
        raise ValueError(f"unknown format '{fmt}' (expected one of: {', '.join(FORMATS)})")
    # Imports stay local so that one format never pays for another's dependencies.
    if name == "text":
        from faasguard.report import text  # noqa: PLC0415 - loaded on first use (start-up speed)

        return text.render(report, rules=rules, color=color, width=width)
    if name == "json":
        from faasguard.report import json  # noqa: PLC0415 - loaded on first use (start-up speed)

        return json.render(report, rules=rules)
    if name == "sarif":
        from faasguard.report import sarif  # noqa: PLC0415 - loaded on first use (start-up speed)

        return sarif.render(report, rules=rules)
    if name == "junit":
        from faasguard.report import junit  # noqa: PLC0415 - loaded on first use (start-up speed)

        return junit.render(report, rules=rules)
    if name == "csv":
        from faasguard.report import csv  # noqa: PLC0415 - loaded on first use (start-up speed)

        return csv.render(report, rules=rules)
    if name == "html":
        from faasguard.report import html  # noqa: PLC0415 - loaded on first use (start-up speed)

        return html.render(report, rules=rules)
    from faasguard.report import markdown  # noqa: PLC0415 - loaded on first use (start-up speed)

    return markdown.render(report, rules=rules)
