"""Least-privilege policy synthesis: the policy each function's own code needs.

:func:`suggest` turns a function's :class:`~faasguard.iam.usage.FunctionUsage` into
statements: every needed action once, on the resources it is needed on (``*`` when one of
them could not be resolved, or the action supports no resource-level scoping), actions
with the same resources grouped into one statement. The CloudWatch Logs basics
(``logs:CreateLogGroup``, ``CreateLogStream``, ``PutLogEvents`` on the function's log
group) and what the Lambda service needs for the function's triggers, dead-letter target,
VPC and tracing are included: a role without them breaks logging or the event source.

:mod:`faasguard.report.iam_suggest` renders the suggestions in the app's own format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from faasguard.iam.usage import (
    STAR,
    FunctionUsage,
    ResourcePattern,
    Wild,
    usage_of,
)
from faasguard.model import App, Function


@dataclass(frozen=True, slots=True)
class SuggestedStatement:
    """One ``Allow`` statement: these actions on these resources."""

    actions: tuple[str, ...]
    resources: tuple[ResourcePattern, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The least-privilege policy of one function, and what the user must know about it."""

    app: App
    function: Function
    usage: FunctionUsage
    statements: tuple[SuggestedStatement, ...]
    notes: tuple[str, ...]

    @property
    def actions(self) -> frozenset[str]:
        """Every action the policy grants."""
        return frozenset(a for s in self.statements for a in s.actions)


def suggest(function: Function, app: App) -> Suggestion:
    """The least-privilege policy ``function``'s code and configuration need."""
    usage = usage_of(function, app)
    per_action: dict[str, list[ResourcePattern]] = {}
    notes: list[str] = []
    for need in usage.needs:
        patterns = per_action.setdefault(need.action, [])
        if need.resource not in patterns:
            patterns.append(need.resource)
        for reason in need.resource.reasons:
            note = f"{need.action} on * ({need.reason}): {reason}"
            if note not in notes:
                notes.append(note)
    grouped: dict[tuple[ResourcePattern, ...], list[str]] = {}
    for action, patterns in per_action.items():
        key = (STAR,) if any(p.is_star or _has_wild_only(p) for p in patterns) else tuple(patterns)
        grouped.setdefault(key, []).append(action)
    statements = [
        SuggestedStatement(tuple(sorted(actions, key=str.lower)), resources)
        for resources, actions in grouped.items()
    ]
    statements.sort(key=lambda s: (s.resources == (STAR,), s.actions[0].lower()))
    if not usage.complete:
        notes.insert(
            0,
            "the code analysis is incomplete, the function may need more: "
            + "; ".join(usage.incomplete_reasons()),
        )
    for call in usage.unknown_calls:
        notes.append(
            f"{call.service}.{call.operation} ({Path(call.file).name}:{call.line}) is not an "
            "SDK operation faasguard knows; no permission was derived for it"
        )
    return Suggestion(
        app=app,
        function=function,
        usage=usage,
        statements=tuple(statements),
        notes=tuple(notes),
    )


def _has_wild_only(pattern: ResourcePattern) -> bool:
    return all(isinstance(p, Wild) for p in pattern.parts)


def union_of(items: Sequence[Suggestion]) -> tuple[SuggestedStatement, ...]:
    """The statements granting everything any of ``items`` needs (for a role they share)."""
    per_action: dict[str, list[ResourcePattern]] = {}
    for item in items:
        for statement in item.statements:
            for action in statement.actions:
                patterns = per_action.setdefault(action, [])
                patterns.extend(r for r in statement.resources if r not in patterns)
    grouped: dict[tuple[ResourcePattern, ...], list[str]] = {}
    for action, patterns in per_action.items():
        key = (STAR,) if STAR in patterns else tuple(patterns)
        grouped.setdefault(key, []).append(action)
    result = [SuggestedStatement(tuple(sorted(a, key=str.lower)), r) for r, a in grouped.items()]
    result.sort(key=lambda s: (s.resources == (STAR,), s.actions[0].lower()))
    return tuple(result)


__all__ = [
    "SuggestedStatement",
    "Suggestion",
    "suggest",
    "union_of",
]
