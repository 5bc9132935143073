"""Helpers every reporter shares: relative paths, ordering, counts and rule docs.

Everything here is pure: it reads a :class:`~faasguard.findings.Report` and returns values,
so that the four output formats agree on paths, order and totals.
"""

from __future__ import annotations

import functools
import math
import os
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath
from typing import Any

from faasguard.findings import Finding, Practice, Report, Severity
from faasguard.model import Diagnostic, DiagnosticLevel, Location
from faasguard.rules.base import Rule, ThresholdValue

#: Severities from the most to the least severe: the order every table uses.
SEVERITIES_DESCENDING: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))

#: The seven practices in their natural order.
PRACTICES: tuple[Practice, ...] = tuple(Practice)

#: Section headings of a rule's documentation (see :mod:`faasguard.rules.base`).
DOC_SECTIONS: tuple[str, ...] = (
    "What it finds",
    "Why it matters",
    "Example",
    "How to fix",
    "References",
)

# ... and ARNs, the locations of a live account's resources (``faasguard audit``)
_URI_SCHEME = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|arn:)")
_SECTION_LINE = re.compile(
    r"^(" + "|".join(re.escape(name) for name in DOC_SECTIONS) + r"):\s*(.*)$",
    re.IGNORECASE,
)


#: Characters a terminal acts on instead of showing: C0 controls but tab and newline (ESC
#: starts CSI/OSC sequences that move the cursor, retitle the window or forge hyperlinks),
#: DEL, C1 controls (CSI and OSC have one-byte forms) and the bidirectional overrides that
#: make text read differently from what it is.
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe for a terminal: every control character shown as its escape
    (``\\x1b``), so text from a scanned file can neither hide itself nor drive the
    terminal."""
    return _TERMINAL_CONTROLS.sub(lambda m: m.group(0).encode("unicode_escape").decode(), text)


def is_uri(file: str) -> bool:
    """True for a location that is a URI or an ARN (a live resource), not a file path."""
    return bool(_URI_SCHEME.match(file))


@functools.lru_cache(maxsize=65536)
def relative_path(file: str, root: str) -> str:
    """``file`` relative to ``root``, with POSIX separators, as every output shows it.

    Cached: a report repeats the same few hundred files across thousands of findings.

    Both may be absolute or relative to the working directory (as discovery produced them).
    URIs (``aws://...`` pseudo-files for live resources) pass through unchanged, and a file
    outside ``root`` keeps a ``../`` path rather than leaking the machine's absolute layout.
    """
    if not file:
        return ""
    if _URI_SCHEME.match(file):
        return file
    # abspath, not resolve: reporters must not touch the file system or follow symlinks.
    file_abs = os.path.abspath(file)
    root_abs = os.path.abspath(root or ".")
    try:
        relative = os.path.relpath(file_abs, root_abs)
    except ValueError:  # different drives on Windows: no relative path exists
        return PurePath(file_abs).as_posix()
    return PurePosixPath(*PurePath(relative).parts).as_posix()


@dataclass(frozen=True, slots=True)
class Place:
    """A location as shown to users: relative file, 1-based line and column (0 = unknown)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        if self.line > 0:
            return f"{self.file}:{self.line}"
        return self.file


def place(location: Location, root: str) -> Place:
    """The user-facing form of ``location`` under ``root`` (negative numbers become 0)."""
    return Place(
        file=relative_path(location.file, root),
        line=max(location.line, 0),
        column=max(location.column, 0),
    )


def finding_sort_key(finding: Finding, root: str) -> tuple[str, int, str, int, str, str]:
    """The canonical order of findings: file, line, rule id (then tie-breakers)."""
    where = place(finding.location, root)
    return (
        where.file,
        where.line,
        finding.rule_id,
        where.column,
        finding.fingerprint,
        finding.message,
    )


def sorted_findings(report: Report) -> list[Finding]:
    """The report's findings in the canonical order (file, line, rule id)."""
    return sorted(report.findings, key=lambda f: finding_sort_key(f, report.root))


def by_severity_then_place(report: Report) -> list[Finding]:
    """Findings from the most severe down, each severity in canonical order."""
    return sorted(
        report.findings,
        key=lambda f: (-int(f.severity), *finding_sort_key(f, report.root)),
    )


def sorted_diagnostics(report: Report) -> list[Diagnostic]:
    """Diagnostics ordered by level (errors first), then file, line and message."""
    level_rank = {DiagnosticLevel.ERROR: 0, DiagnosticLevel.WARNING: 1, DiagnosticLevel.INFO: 2}

    def key(diagnostic: Diagnostic) -> tuple[int, str, int, int, str]:
        where = place(diagnostic.location, report.root) if diagnostic.location else Place("", 0, 0)
        return (
            level_rank.get(diagnostic.level, 3),
            where.file,
            where.line,
            where.column,
            diagnostic.message,
        )

    return sorted(report.diagnostics, key=key)


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Count findings per severity; every severity is present (0 when none)."""
    counts = dict.fromkeys(SEVERITIES_DESCENDING, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def practice_counts(findings: Iterable[Finding]) -> dict[Practice, int]:
    """Count findings per practice; every practice is present (0 when none)."""
    counts = dict.fromkeys(PRACTICES, 0)
    for finding in findings:
        counts[finding.practice] += 1
    return counts


def practice_severity_counts(
    findings: Iterable[Finding],
) -> dict[Practice, dict[Severity, int]]:
    """The practice x severity matrix of the text summary table."""
    matrix = {practice: dict.fromkeys(SEVERITIES_DESCENDING, 0) for practice in PRACTICES}
    for finding in findings:
        matrix[finding.practice][finding.severity] += 1
    return matrix


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 finding"`` / ``"3 findings"``."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def function_count(report: Report) -> int:
    """How many functions the loaded apps define."""
    return sum(app.functions for app in report.apps)


def summary_counts(report: Report) -> dict[str, Any]:
    """The ``summary`` object of the JSON report (also the HTML report's overview)."""
    return {
        "findings": len(report.findings),
        "by_severity": {s.label: n for s, n in severity_counts(report.findings).items()},
        "by_practice": {p.value: n for p, n in practice_counts(report.findings).items()},
        "apps": len(report.apps),
        "functions": function_count(report),
        "diagnostics": len(report.diagnostics),
        "suppressed": report.suppressed,
        "baselined": report.baselined,
        "rules_run": report.rules_run,
    }


def totals_line(report: Report) -> str:
    """The one-line totals shared by the text and markdown reports."""
    apps = len(report.apps)
    return (
        f"{plural(len(report.findings), 'finding')} in {plural(apps, 'app')} "
        f"({plural(function_count(report), 'function')}); "
        f"{report.suppressed} suppressed; {report.baselined} baselined; "
        f"{plural(len(report.diagnostics), 'diagnostic')}"
    )


def rules_by_id(rules: Sequence[Rule] | None) -> dict[str, Rule]:
    """Index the rules passed to a reporter by id (later duplicates lose)."""
    index: dict[str, Rule] = {}
    for registered in rules or ():
        index.setdefault(registered.id, registered)
    return index


def doc_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its title and sections.

    Returns a mapping with the key ``"title"`` (the first line) and, for each section
    present, its canonical heading (``"What it finds"``, ...) mapped to its text with the
    original indentation (an indented block under ``Example:`` is code). Text between the
    title and the first heading is kept under ``"summary"``.
    """
    lines = doc.strip().splitlines()
    if not lines:
        return {"title": ""}
    sections: dict[str, list[str]] = {"summary": []}
    current = "summary"
    canonical = {name.lower(): name for name in DOC_SECTIONS}
    for line in lines[1:]:
        match = _SECTION_LINE.match(line.strip())
        if match:
            current = canonical[match.group(1).lower()]
            sections[current] = [match.group(2)] if match.group(2) else []
            continue
        sections[current].append(line.rstrip())
    result = {"title": lines[0].strip().rstrip(".")}
    for name, body in sections.items():
        text = "\n".join(body).strip("\n")
        if text.strip():
            result[name] = text
    return result


def _all_indented(text: str) -> bool:
    """True when every non-blank line is indented (a block under its heading)."""
    return all(line.startswith((" ", "\t")) for line in text.splitlines() if line.strip())


def rule_markdown(doc: str) -> str:
    """A rule's documentation as Markdown: sections become ``###`` headings.

    A section written wholly indented under its heading is prose (dedented), except
    ``Example``, where it is code and becomes a fenced block; a mix of prose and indented
    lines is kept as written (Markdown reads the indented lines as code).
    """
    sections = doc_sections(doc)
    parts = [f"**{sections['title']}**"] if sections.get("title") else []
    for name in ("summary", *DOC_SECTIONS):
        if name not in sections:
            continue
        body = sections[name]
        if _all_indented(body):
            body = textwrap.dedent(body)
            if name == "Example" and "```" not in body:
                body = f"```\n{body}\n```"
        parts.append(body if name == "summary" else f"### {name}\n\n{body}")
    return "\n\n".join(parts) + "\n" if parts else ""


def format_threshold(value: ThresholdValue) -> str:
    """A threshold value as shown to users: numbers as Python writes them, words verbatim."""
    return value if isinstance(value, str) else repr(value)


def rule_help_text(rule: Rule) -> str:
    """A rule's documentation as plain text, its thresholds appended (the docstring says
    "see Thresholds" and never repeats them)."""
    text = rule.doc.strip() or rule.title
    if not rule.thresholds:
        return text
    listed = "\n".join(f"  {k}: {format_threshold(v)}" for k, v in rule.thresholds.items())
    return f"{text}\n\nThresholds:\n{listed}"


def rule_help_markdown(rule: Rule) -> str:
    """:func:`rule_markdown` of the rule's docstring with a "Thresholds" section."""
    text = rule_markdown(rule.doc) or rule.title
    if not rule.thresholds:
        return text
    listed = "\n".join(f"- `{k}`: {format_threshold(v)}" for k, v in rule.thresholds.items())
    return f"{text.rstrip()}\n\n### Thresholds\n\n{listed}\n"


def rule_description(rule: Rule) -> str:
    """A one-paragraph description of a rule: its "What it finds" section or its title."""
    sections = doc_sections(rule.doc)
    text = sections.get("What it finds") or sections.get("summary") or rule.title
    return " ".join(text.split())


def json_safe(value: object) -> object:
    """Turn finding properties into JSON values deterministically (sets sorted, else str)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN/Infinity are not JSON
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((json_safe(v) for v in value), key=repr)
    return str(value)
