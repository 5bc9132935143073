"""Tiny builders for model objects in rule unit tests (no loader involved)."""

from __future__ import annotations

from typing import Any

from faasguard.findings import Hit
from faasguard.model import App, Function, HttpSettings, Location, Trigger, TriggerKind
from faasguard.rules import get_rule


def loc(line: int) -> Location:
    """A location on ``line`` of the fake template."""
    return Location(file="template.yaml", line=line)


def fn(ref: str = "Fn", line: int = 10, **fields: Any) -> Function:
    """A function declared on ``line``; ``field_lines`` maps field names to lines."""
    field_lines: dict[str, int] = fields.pop("field_lines", {})
    return Function(
        ref=ref,
        location=loc(line),
        field_locations={name: loc(n) for name, n in field_lines.items()},
        **fields,
    )


def http(kind: TriggerKind = TriggerKind.API_REST, line: int = 20, **settings: Any) -> Trigger:
    """An HTTP trigger on ``line``."""
    settings.setdefault("method", "get")
    settings.setdefault("path", "/orders")
    return Trigger(kind=kind, name="Api", http=HttpSettings(**settings), location=loc(line))


def trigger(kind: TriggerKind, source: Any = None, line: int = 30) -> Trigger:
    """A non-HTTP trigger on ``line``."""
    return Trigger(kind=kind, name=kind.value, source=source, location=loc(line))


def app(*functions: Function, resources: tuple[Any, ...] = (), fmt: str = "sam") -> App:
    """An app of the given functions and resources."""
    return App(
        name="app",
        format=fmt,
        root_file="template.yaml",
        functions=functions,
        resources=resources,
    )


def run(rule_id: str, application: App, **kwargs: Any) -> list[Hit]:
    """The hits of one rule on ``application``."""
    registered = get_rule(rule_id)
    assert registered is not None, rule_id
    check: Any = registered.check
    return list(check(application, **kwargs))
