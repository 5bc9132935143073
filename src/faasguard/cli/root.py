"""The ``faasguard`` command: the root app, every command registered on it, and :func:`main`.

Each command lives in its own module of :mod:`faasguard.cli` and imports its heavy modules
inside the command, so building the whole command line stays instant.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from faasguard import __version__
from faasguard.cli import data, db, deps, guard, iam, logs, payloads, rules, sbom, scan
from faasguard.cli import report as report_command
from faasguard.cli.audit import audit
from faasguard.cli.manifest import manifest_app

app = typer.Typer(
    name="faasguard",
    help="Serverless security toolkit: finds the seven classic serverless mistakes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # -h as well as --help, on every command (sub-contexts inherit it)
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"faasguard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """faasguard: serverless security from template to runtime."""


# In the order ``faasguard --help`` lists them.
app.command()(scan.scan)
app.command("report")(report_command.report)
app.command()(rules.rules)
app.add_typer(iam.iam_app, name="iam")
app.add_typer(data.data_app, name="data")
app.add_typer(db.db_app, name="db")
app.command("deps")(deps.deps)
app.command("sbom")(sbom.sbom)
app.add_typer(logs.logs_app, name="logs")
app.add_typer(manifest_app, name="manifest")
app.command()(audit)
app.add_typer(payloads.payloads_app, name="payloads")
app.add_typer(guard.guard_app, name="guard")


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] in (["--version"], ["-V"]):
        sys.stdout.write(f"faasguard {__version__}\n")
        return
    app()
