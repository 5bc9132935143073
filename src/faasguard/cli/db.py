"""``faasguard db update|info``: the offline vulnerability store (OSV data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from faasguard.cli.common import Db, ExitCode, fail

db_app = typer.Typer(
    name="db",
    help="Manage the offline vulnerability store (OSV data).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@db_app.command("update")
def db_update(
    source: Annotated[
        Path,
        typer.Option(
            "--from",
            help="OSV export: an all.zip, a directory of zips (osv-scanner cache) or JSON records.",
        ),
    ],
    db: Db = None,
) -> None:
    """Import OSV advisories (PyPI and npm) into the store; unchanged records are skipped."""
    from faasguard.deps.store import StoreError, resolve_path, update  # noqa: PLC0415 - start-up speed

    path = resolve_path(str(db) if db else None)
    try:
        stats, info = update(path, source)
    except StoreError as exc:
        raise fail(str(exc)) from None
    for note in stats.notes:
        typer.echo(f"faasguard: warning: {note}", err=True)
    for problem in stats.invalid[:20]:
        typer.echo(f"faasguard: warning: {problem}", err=True)
    if len(stats.invalid) > 20:
        typer.echo(f"faasguard: warning: {len(stats.invalid) - 20} more invalid records", err=True)
    typer.echo(
        f"read {stats.records} records in {stats.seconds:.2f} s ({stats.rate:,.0f}/s): "
        f"{stats.imported} imported ({stats.withdrawn} withdrawn), {stats.unchanged} unchanged, "
        f"{stats.other_ecosystems} with nothing to match (other ecosystems, GIT-only ranges), "
        f"{len(stats.invalid)} invalid"
    )
    for file, count in stats.invalid_by_file.items():
        typer.echo(f"skipped {count} invalid record{'s' if count != 1 else ''} in {file}")
    typer.echo(f"store {info.path}: {info.advisories} advisories, newest {info.newest_modified}")


@db_app.command("info")
def db_info(
    db: Db = None,
    max_age_days: Annotated[
        int,
        typer.Option(help="Warn (exit 1) when the data was imported more than this many days ago."),
    ] = 7,
) -> None:
    """Show the store's location, advisory counts, its newest advisory and import date."""
    from faasguard.deps.store import Store, StoreError, resolve_path  # noqa: PLC0415 - start-up speed

    path = resolve_path(str(db) if db else None)
    try:
        store = Store.open(path)
    except StoreError as exc:
        raise fail(str(exc)) from None
    if store is None:
        typer.echo(
            f"no vulnerability store at {path}; create one with 'faasguard db update --from'"
        )
        raise typer.Exit(ExitCode.FINDINGS)
    info = store.info()
    typer.echo(f"store:       {info.path}")
    typer.echo(f"advisories:  {info.advisories} ({info.malicious} malicious packages)")
    for ecosystem, count in info.by_ecosystem.items():
        typer.echo(f"  {ecosystem:<10} {count}")
    typer.echo(f"newest:      {info.newest_modified}")
    typer.echo(f"imported at: {info.imported_at}")
    age = info.age_days(dt.date.today())
    if age is None:
        typer.echo(
            "warning: the data has no valid import date; run 'faasguard db update'", err=True
        )
        raise typer.Exit(ExitCode.FINDINGS)
    if age > max_age_days:
        typer.echo(
            f"warning: the data was imported {age} days ago; run 'faasguard db update'", err=True
        )
        raise typer.Exit(ExitCode.FINDINGS)
