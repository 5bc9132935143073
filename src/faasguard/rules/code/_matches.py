"""What the code pattern rules (CODE020-CODE026) share: their matches attributed to functions.

Each rule module owns its matchers, one per language (facts from
:mod:`faasguard.code.python.facts` and :mod:`faasguard.code.javascript.facts` in,
:class:`~faasguard.code.facts.CodeMatch` out); :func:`pattern_hits` runs them over every
function's files and turns the matches into hits. A match inside the exported handler of
one function belongs to that function only; code shared by several functions (module
level, helpers, imported modules) is reported once, on the first of them, naming the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from faasguard.code.facts import CodeMatch
from faasguard.code.handler_files import (
    JavaScriptMatcher,
    PythonMatcher,
    file_matches,
    function_files,
)
from faasguard.code.values import Gap
from faasguard.context import note
from faasguard.findings import Hit
from faasguard.model import App, Diagnostic, DiagnosticLevel, Function, Location, TriggerKind


def pattern_hits(app: App, python: PythonMatcher, javascript: JavaScriptMatcher) -> Iterator[Hit]:
    """One hit per place in ``app``'s handler code that the matchers find (see the module
    docstring for which function a hit belongs to)."""
    per_function = [(fn, function_files(fn, app)) for fn in app.functions]
    used: dict[Path, set[str]] = {}
    for _, files in per_function:
        for path, _, export in files:
            if export is not None:
                used.setdefault(path.resolve(), set()).add(export)
    groups: dict[tuple[str, int, int, str], tuple[CodeMatch, list[Function]]] = {}
    for fn, files in per_function:
        for path, language, export in files:
            matches = file_matches(path, language, python, javascript)
            if isinstance(matches, Gap):
                note(_gap_diagnostic(matches))
                continue
            handlers = used.get(path.resolve(), set())
            for match in matches:
                if not _applies(match, fn, export, handlers):
                    continue
                group = groups.setdefault(
                    (match.file, match.line, match.column, match.key), (match, [])
                )
                if fn not in group[1]:
                    group[1].append(fn)
    for match, functions in groups.values():
        first = functions[0]
        message = match.message
        if len(functions) > 1:
            others = ", ".join(f.display_name for f in functions[1:])
            message += f" (code shared with {others})"
        yield Hit(
            message=message,
            location=Location(file=match.file, line=match.line, column=match.column),
            function=first.ref,
            key=match.key,
            severity=match.severity,
        )


def _gap_diagnostic(gap: Gap) -> Diagnostic:
    where = Location(file=str(gap.file), line=gap.line) if gap.file else None
    return Diagnostic(
        level=DiagnosticLevel.WARNING,
        message=f"handler code not checked by the CODE02x rules: {gap.message}",
        location=where,
    )


def _is_http(function: Function) -> bool:
    return function.url is not None or any(t.kind.is_http for t in function.triggers)


def _only_scheduled(function: Function) -> bool:
    return bool(function.triggers) and all(
        t.kind is TriggerKind.SCHEDULE for t in function.triggers
    )


def _applies(match: CodeMatch, fn: Function, export: str | None, handlers: set[str]) -> bool:
    """Whether a match in one of ``fn``'s files is ``fn``'s (see :func:`pattern_hits`)."""
    if (
        match.exports
        and not (export is not None and export in match.exports)
        and match.exports & handlers
    ):
        return False  # inside another function's handler
    if match.handler_return is not None and match.handler_return != export:
        return False
    if match.requires_http and not _is_http(fn):
        return False
    return not (match.needs_event_content and _only_scheduled(fn))
