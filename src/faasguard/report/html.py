"""HTML reporter: one self-contained file that works offline.

Everything is inlined: the style sheet and the report's script
(``faasguard/data/html/``), the plotting library (plotly.js's basic bundle, vendored
there too: no CDN), and the data as one JSON document in a
``<script type="application/json">`` element. The page builds itself from that data: an
overview by practice and severity, a card per function (most severe first, shown fifty at
a time so a thousand functions open quickly), filters, and plots. Text from scanned files
is only ever set as text, never parsed as HTML.

Pure like every reporter: what is not in the report (function cards, code excerpts, log
summaries, history) is handed in by the caller.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import faasguard
from faasguard.findings import PRACTICE_TITLES, Finding, Report, Severity
from faasguard.report.common import (
    json_safe,
    place,
    relative_path,
    sorted_diagnostics,
    sorted_findings,
    summary_counts,
)
from faasguard.report.html_facts import card_key
from faasguard.rules.base import Rule

#: Where the template takes the inlined parts.
_MARKER = re.compile(r"@(TITLE|STYLE|PLOTLY|DATA|SCRIPT)@")

#: Properties of dependency findings copied into the page (the rest stays in JSON/SARIF).
DEPENDENCY_KEYS = ("package", "ecosystem", "version", "advisories", "fixed_versions", "upgrade")


@cache
def _asset(name: str) -> str:
    return resources.files("faasguard.data").joinpath("html", name).read_text(encoding="utf-8")


def plotly_js() -> str:
    """plotly.js (its basic bundle: bar and scatter plots), vendored in
    ``faasguard/data/html`` (never fetched at run time)."""
    return _asset("plotly-basic.min.js")


def _script_safe(text: str) -> str:
    """``text`` that cannot end the ``<script>`` element holding it."""
    return text.replace("</", "<\\/")


def render(
    report: Report,
    *,
    rules: Sequence[Rule] | None = None,
    cards: Sequence[Mapping[str, Any]] = (),
    excerpts: Mapping[str, Any] | None = None,
    logs: Mapping[str, Any] | None = None,
    history: Mapping[str, Any] | None = None,
    title: str = "faasguard report",
) -> str:
    """The report as one HTML document.

    ``cards`` are the function cards of :func:`~faasguard.report.html_facts.function_cards`,
    ``excerpts`` the code lines of :func:`~faasguard.report.html_facts.excerpts`, ``logs``
    the log summary (``functions`` rows of ``faasguard logs analyze`` and a ``series`` of
    invocations and errors over time), ``history`` a
    :func:`~faasguard.report.history.trend`.
    """
    data = page_data(
        report, rules=rules, cards=cards, excerpts=excerpts, logs=logs, history=history
    )
    # "<" escaped inside JSON strings: no text from a scanned file can close the element.
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    values = {
        "TITLE": _escape(title),
        "STYLE": _asset("report.css"),
        "PLOTLY": _script_safe(plotly_js()),
        "DATA": payload,
        "SCRIPT": _script_safe(_asset("report.js")),
    }
    # One pass: a marker inside an inserted value is never replaced again.
    return _MARKER.sub(lambda m: values[m.group(1)], _asset("report.html"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def page_data(
    report: Report,
    *,
    rules: Sequence[Rule] | None,
    cards: Sequence[Mapping[str, Any]],
    excerpts: Mapping[str, Any] | None,
    logs: Mapping[str, Any] | None,
    history: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Everything the page shows, as JSON data."""
    findings = sorted_findings(report)
    known = {r.id: r for r in rules or ()}
    return {
        "tool": "faasguard",
        "version": faasguard.__version__,
        "summary": summary_counts(report),
        "severities": [s.label for s in sorted(Severity, reverse=True)],
        "practices": {p.value: title for p, title in PRACTICE_TITLES.items()},
        "rules": {
            rule_id: {
                "title": finding_title,
                "url": known[rule_id].help_uri if rule_id in known else None,
            }
            for rule_id, finding_title in sorted({(f.rule_id, f.title) for f in findings})
        },
        "findings": [_finding(f, report.root) for f in findings],
        "cards": list(cards),
        "excerpts": dict(excerpts or {}),
        "logs": dict(logs) if logs else None,
        "history": dict(history) if history else None,
        "diagnostics": [
            {
                "level": d.level.value,
                "message": d.message,
                "where": "" if d.location is None else str(place(d.location, report.root)),
            }
            for d in sorted_diagnostics(report)
        ],
    }


def _finding(finding: Finding, root: str) -> dict[str, Any]:
    where = place(finding.location, root)
    out: dict[str, Any] = {
        "rule": finding.rule_id,
        "severity": finding.severity.label,
        "practice": finding.practice.value,
        "message": finding.message,
        "card": (
            card_key(finding.app_file or finding.app, finding.function)
            if finding.function
            else None
        ),
        "app": finding.app,
        "function": finding.function,
        "resource": finding.resource,
        "file": where.file,
        "line": where.line,
        "fingerprint": finding.fingerprint,
    }
    if finding.flow:
        out["flow"] = [
            {
                "where": f"{relative_path(s.location.file, root)}:{max(s.location.line, 0)}",
                "message": s.message,
            }
            for s in finding.flow
        ]
    dependency = {k: finding.properties[k] for k in DEPENDENCY_KEYS if k in finding.properties}
    if "package" in dependency:
        out["dependency"] = json_safe(dependency)
    return out
