"""Text reporter (Rich): what a person reads in a terminal or a CI log.

Findings are grouped by app, then by function (findings about an app's other resources
come first, directly under the app), most severe first; then diagnostics; then a summary
table by practice (P1-P7) and severity, and a one-line totals footer.

With ``color=False`` the output is plain text without escape codes, and in both modes its
layout depends only on ``width``, never on the terminal the process runs in, so it is
stable enough for golden files.
"""

from __future__ import annotations

import dataclasses
import enum
import io
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

import faasguard
from faasguard.findings import AppSummary, Finding, Report, Severity
from faasguard.model import DiagnosticLevel
from faasguard.report.common import (
    PRACTICES,
    SEVERITIES_DESCENDING,
    finding_sort_key,
    place,
    plural,
    practice_severity_counts,
    printable,
    relative_path,
    sorted_diagnostics,
    totals_line,
)
from faasguard.rules.base import Rule

SEVERITY_STYLES: dict[Severity, str] = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

DIAGNOSTIC_STYLES: dict[DiagnosticLevel, str] = {
    DiagnosticLevel.ERROR: "bold red",
    DiagnosticLevel.WARNING: "yellow",
    DiagnosticLevel.INFO: "dim",
}

_T = TypeVar("_T")
_SEVERITY_WIDTH = max(len(s.label) for s in Severity)
_INDENT = 2


def render(
    report: Report,
    *,
    rules: Sequence[Rule] | None = None,
    color: bool = False,
    width: int = 100,
) -> str:
    """Render ``report`` for a terminal; ``color=False`` gives plain text.

    ``rules`` is accepted for a uniform reporter signature; findings carry their titles.
    """
    del rules
    report = _printable(report)
    buffer = io.StringIO()
    # Every terminal-dependent input is pinned (size, colour, terminal detection, legacy
    # Windows, Jupyter) so COLUMNS, FORCE_COLOR or a real TTY cannot change the output.
    console = Console(
        file=buffer,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        color_system="standard" if color else None,
        no_color=not color,
        width=width,
        height=25,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )
    for renderable in _renderables(report):
        console.print(renderable)
    # Table cells are padded with spaces; trailing blanks only make golden files fragile.
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    return "\n".join(lines).rstrip("\n") + "\n"


def _printable(value: _T) -> _T:
    """``value`` (the report, and recursively everything in it) with every string made
    :func:`printable`: names and messages come from scanned files, and an ESC, CSI or OSC
    sequence in them must reach the terminal as text, not as a command, with or without
    colour. The one place the text output is cleaned, before any layout."""
    cleaned: Any
    if isinstance(value, enum.Enum):
        return value
    if isinstance(value, str):
        cleaned = printable(value)
    elif isinstance(value, list | tuple):
        cleaned = type(value)(_printable(item) for item in value)
    elif isinstance(value, Mapping):
        cleaned = {_printable(key): _printable(item) for key, item in value.items()}
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _printable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        cleaned = dataclasses.replace(value, **changes)
    else:
        return value
    return cast("_T", cleaned)


def _renderables(report: Report) -> list[RenderableType]:
    parts: list[RenderableType] = [
        Text.assemble(
            (f"faasguard {faasguard.__version__}", "bold"),
            f" - {plural(len(report.findings), 'finding')}",
        ),
        Text(""),
    ]
    if report.findings:
        for app_key, findings in _by_app(report):
            parts.extend(_app_section(report, app_key, findings))
    else:
        parts.extend([Text("No findings.", style="green"), Text("")])
    if report.diagnostics:
        parts.extend(_diagnostics_section(report))
    parts.append(_summary_table(report))
    parts.append(Text(totals_line(report), style="bold"))
    if report.rules_run or report.duration_seconds:
        parts.append(
            Text(
                f"Ran {plural(report.rules_run, 'rule')} in {report.duration_seconds:.2f} s",
                style="dim",
            )
        )
    return parts


def _by_app(report: Report) -> list[tuple[tuple[str, str], list[Finding]]]:
    """Findings per app, an app being its root file (apps of one name stay apart): apps in
    the order of their root file, findings of no app last."""
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        grouped.setdefault((finding.app_file, finding.app), []).append(finding)

    def order(key: tuple[str, str]) -> tuple[bool, str, str]:
        summary = _app_summary(report, key)
        file = relative_path(summary.root_file, report.root) if summary else key[0]
        return (not file, file, key[1])

    return sorted(grouped.items(), key=lambda item: order(item[0]))


def _app_summary(report: Report, key: tuple[str, str]) -> AppSummary | None:
    app_file, name = key
    for app in report.apps:
        if app.name == name and (
            not app_file or relative_path(app.root_file, report.root) == app_file
        ):
            return app
    return None


def _app_section(
    report: Report, key: tuple[str, str], findings: list[Finding]
) -> list[RenderableType]:
    name = key[1]
    header = Text.assemble(("app ", "dim"), (name or "(no app)", "bold"))
    summary = _app_summary(report, key)
    if summary is not None:
        header.append(
            f" ({summary.format}, {relative_path(summary.root_file, report.root)})", style="dim"
        )
    parts: list[RenderableType] = [header]
    app_level = [f for f in findings if not f.function]
    if app_level:
        parts.append(Padding(_findings_grid(report, app_level), (0, 0, 0, _INDENT)))
    functions = sorted({f.function for f in findings if f.function})
    for function in functions:
        in_function = [f for f in findings if f.function == function]
        parts.append(
            Padding(
                Text.assemble(("function ", "dim"), (function, "bold")),
                (0, 0, 0, _INDENT),
            )
        )
        parts.append(Padding(_findings_grid(report, in_function), (0, 0, 0, 2 * _INDENT)))
    parts.append(Text(""))
    return parts


def _findings_grid(report: Report, findings: list[Finding]) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=_SEVERITY_WIDTH, no_wrap=True)
    # One rule-id width for the whole report keeps every group's columns aligned.
    grid.add_column(width=max(len(f.rule_id) for f in report.findings), no_wrap=True)
    grid.add_column(ratio=1)
    ordered = sorted(findings, key=lambda f: (-int(f.severity), *finding_sort_key(f, report.root)))
    for finding in ordered:
        # fold, never "…": a location is only useful whole
        where = Text(str(place(finding.location, report.root)), style="dim", overflow="fold")
        if finding.resource and not finding.function:
            where = Text.assemble(("resource ", "dim"), finding.resource, ("  ", "dim"), where)
        body = Group(
            Text(finding.title, style="bold"),
            Text(finding.message),
            where,
            *_flow_lines(report, finding),
        )
        grid.add_row(
            Text(finding.severity.label.upper(), style=SEVERITY_STYLES[finding.severity]),
            Text(finding.rule_id),
            body,
        )
    return grid


def _flow_lines(report: Report, finding: Finding) -> list[Text]:
    """The data-flow path of a taint finding, source first, one step per line."""
    if not finding.flow:
        return []
    lines = [Text("path:", style="dim")]
    last = len(finding.flow) - 1
    for index, step in enumerate(finding.flow):
        marker = "source" if index == 0 else "sink" if index == last else "step"
        line = Text.assemble(
            (f"  {marker:<6} ", "dim"),
            (str(place(step.location, report.root)), "dim"),
            "  ",
            step.message,
        )
        line.overflow = "fold"
        lines.append(line)
    return lines


def _diagnostics_section(report: Report) -> list[RenderableType]:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=len("warning"), no_wrap=True)
    grid.add_column(ratio=1)
    for diagnostic in sorted_diagnostics(report):
        where = str(place(diagnostic.location, report.root)) if diagnostic.location else ""
        body = Text.assemble((where + "  ", "dim") if where else "", diagnostic.message)
        grid.add_row(
            Text(str(diagnostic.level), style=DIAGNOSTIC_STYLES.get(diagnostic.level, "")),
            body,
        )
    return [Text("Diagnostics", style="bold"), Padding(grid, (0, 0, 0, _INDENT)), Text("")]


def _summary_table(report: Report) -> Table:
    matrix = practice_severity_counts(report.findings)
    table = Table(
        title="Findings by practice",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_footer=True,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Practice", footer="Total", no_wrap=True)
    table.add_column("")
    totals = dict.fromkeys(SEVERITIES_DESCENDING, 0)
    for practice in PRACTICES:
        for severity, count in matrix[practice].items():
            totals[severity] += count
    for severity in SEVERITIES_DESCENDING:
        table.add_column(
            severity.label.capitalize(),
            footer=str(totals[severity]),
            justify="right",
            header_style=SEVERITY_STYLES[severity],
            no_wrap=True,
        )
    table.add_column("Total", footer=str(len(report.findings)), justify="right", no_wrap=True)
    for practice in PRACTICES:
        row = matrix[practice]
        table.add_row(
            practice.value,
            practice.title,
            *(_count_cell(row[severity], severity) for severity in SEVERITIES_DESCENDING),
            str(sum(row.values())),
        )
    return table


def _count_cell(count: int, severity: Severity) -> Text:
    if count == 0:
        return Text("0", style="dim")
    return Text(str(count), style=SEVERITY_STYLES[severity])
