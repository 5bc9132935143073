"""``faasguard rules``: the rule catalogue, or one rule's documentation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from faasguard.cli.common import fail

if TYPE_CHECKING:
    from faasguard.rules.base import Rule


def rules(
    rule_id: Annotated[str | None, typer.Argument(help="Show this rule's documentation.")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List every rule, or print the documentation of one."""
    from faasguard.report.common import rule_help_text  # noqa: PLC0415 - start-up speed
    from faasguard.rules import all_rules, get_rule  # noqa: PLC0415 - start-up speed

    if rule_id:
        found = get_rule(rule_id)
        if found is None:
            raise fail(f"no rule '{rule_id}' (see 'faasguard rules')")
        if output_format == "json":
            typer.echo(json.dumps(_rule_json(found), indent=2))
            return
        typer.echo(f"{found.id}  {found.name}  [{found.severity.label}, {found.practice}]")
        typer.echo("")
        typer.echo(rule_help_text(found))  # the docstring, then its thresholds
        refs = ", ".join(found.cwe + found.owasp)
        if refs:
            typer.echo("")
            typer.echo(f"Classification: {refs}")
        return
    registered = all_rules()
    if output_format == "json":
        typer.echo(json.dumps([_rule_json(r) for r in registered], indent=2))
        return
    for r in registered:
        typer.echo(f"{r.id:<10} {r.severity.label:<9} {r.practice}  {r.title}")
    typer.echo(f"\n{len(registered)} rules. 'faasguard rules ID' prints a rule's documentation.")


def _rule_json(r: Rule) -> dict[str, object]:
    return {
        "id": r.id,
        "name": r.name,
        "title": r.title,
        "severity": r.severity.label,
        "practice": str(r.practice),
        "cwe": list(r.cwe),
        "owasp": list(r.owasp),
        "formats": list(r.formats),
        "source": r.source.value,
        "thresholds": dict(r.thresholds),
        "help_uri": r.help_uri,
        "doc": r.doc,
    }
