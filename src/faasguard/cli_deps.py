"""Command-line commands of the dependency audit: ``db update|info``, ``deps`` and ``sbom``.

Heavy modules are imported inside the commands so building the CLI stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from faasguard.deps.audit import FunctionAudit
    from faasguard.model import Diagnostic

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

_DB_OPTION = typer.Option(
    "--db",
    envvar="FAASGUARD_DB",
    help="Vulnerability store (default: the user cache directory); env FAASGUARD_DB.",
)

db_app = typer.Typer(
    name="db",
    help="Manage the offline vulnerability store (OSV data).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"faasguard: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


@db_app.command("update")
def db_update(
    source: Annotated[
        Path,
        typer.Option(
            "--from",
            help="OSV export: an all.zip, a directory of zips (osv-scanner cache) or JSON records.",
        ),
    ],
    db: Annotated[Path | None, _DB_OPTION] = None,
) -> None:
    """Import OSV advisories (PyPI and npm) into the store; unchanged records are skipped."""
    from faasguard.deps.store import Store, StoreError, resolve_path  # noqa: PLC0415

    path = resolve_path(str(db) if db else None)
    try:
        store = Store.create(path)
        stats = store.import_from(source)
        info = store.info()
        store.close()
    except StoreError as exc:
        raise _fail(str(exc)) from None
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
    typer.echo(f"store {info.path}: {info.advisories} advisories, newest {info.newest_modified}")


@db_app.command("info")
def db_info(
    db: Annotated[Path | None, _DB_OPTION] = None,
    max_age_days: Annotated[
        int, typer.Option(help="Warn (exit 1) when the newest advisory is older than this.")
    ] = 7,
) -> None:
    """Show the store's location, advisory counts and the date of its newest advisory."""
    import datetime as dt  # noqa: PLC0415

    from faasguard.deps.store import Store, StoreError, resolve_path  # noqa: PLC0415

    path = resolve_path(str(db) if db else None)
    try:
        store = Store.open(path)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    if store is None:
        typer.echo(
            f"no vulnerability store at {path}; create one with 'faasguard db update --from'"
        )
        raise typer.Exit(EXIT_FINDINGS)
    info = store.info()
    typer.echo(f"store:       {info.path}")
    typer.echo(f"advisories:  {info.advisories} ({info.malicious} malicious packages)")
    for ecosystem, count in info.by_ecosystem.items():
        typer.echo(f"  {ecosystem:<10} {count}")
    typer.echo(f"newest:      {info.newest_modified}")
    typer.echo(f"imported at: {info.imported_at}")
    age = info.age_days(dt.date.today())
    if age is not None and age > max_age_days:
        typer.echo(f"warning: the data is {age} days old; run 'faasguard db update'", err=True)
        raise typer.Exit(EXIT_FINDINGS)


def _audits(
    paths: list[Path] | None, function: str | None, db: Path | None
) -> tuple[list[tuple[str, list[FunctionAudit]]], list[Diagnostic]]:
    """Load the apps below ``paths`` and audit their functions (or the one named)."""
    from faasguard.config import ScanConfig  # noqa: PLC0415
    from faasguard.context import collecting_notes, using_config  # noqa: PLC0415
    from faasguard.deps.audit import audit_function  # noqa: PLC0415
    from faasguard.engine import load_all, scan_root  # noqa: PLC0415
    from faasguard.loaders.discovery import discover  # noqa: PLC0415

    targets = [str(p) for p in (paths or [Path(".")])]
    missing = [t for t in targets if not Path(t).exists()]
    if missing:
        raise _fail(f"path not found: {', '.join(missing)}")
    root = scan_root(targets)
    config = ScanConfig(db_path=str(db) if db else None)
    apps = load_all(discover(targets), config, root=root)
    results: list[tuple[str, list[FunctionAudit]]] = []
    diagnostics: list[Diagnostic] = []
    with collecting_notes() as notes, using_config(config):
        for app in apps:
            diagnostics.extend(app.diagnostics)
            audits = []
            for fn in app.functions:
                if function and function not in (fn.ref, fn.display_name):
                    continue
                audit = audit_function(app, fn)
                if audit is not None:
                    audits.append(audit)
            if audits:
                results.append((app.name, audits))
    diagnostics.extend(notes)
    if function and not results:
        raise _fail(f"no function '{function}' with local code found below {', '.join(targets)}")
    return results, diagnostics


def _show_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        where = f"{diagnostic.location}: " if diagnostic.location else ""
        typer.echo(f"faasguard: {diagnostic.level}: {where}{diagnostic.message}", err=True)


def deps(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories to audit (default: .).")
    ] = None,
    function: Annotated[
        str | None, typer.Option("--function", help="Only this function (ref or name).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    db: Annotated[Path | None, _DB_OPTION] = None,
) -> None:
    """List each function's shipped dependencies, their reach and known vulnerabilities.

    Exits 1 when a shipped dependency has a known vulnerability or is malicious.
    """
    import json  # noqa: PLC0415

    if output_format not in ("text", "json"):
        raise _fail(f"unknown --format '{output_format}' (expected text or json)")
    results, diagnostics = _audits(paths, function, db)
    _show_diagnostics(diagnostics)
    vulnerable = 0
    document: list[dict[str, object]] = []
    for app_name, audits in results:
        for audit in audits:
            flagged = {(r.dependency.ecosystem, r.dependency.key): r for r in audit.vulnerable}
            vulnerable += len(flagged)
            rows = []
            for dep in audit.shipped:
                result = flagged.get((dep.ecosystem, dep.key))
                reach = audit.reach_of(dep)
                origin = audit.source_of(dep)
                rows.append(
                    {
                        "name": dep.name,
                        "version": dep.version,
                        "spec": dep.spec,
                        "ecosystem": dep.ecosystem,
                        "direct": dep.direct,
                        "source": dep.source,
                        "declared_at": str(audit.declaration(dep)),
                        "shipped_by": origin.label if origin else "function code",
                        "installed_in": dep.artifact,
                        "reachability": reach.status,
                        "vulnerabilities": [
                            {
                                "ids": list(v.ids),
                                "severity": v.severity.label,
                                "fixed": list(v.fixed),
                                "malicious": v.malicious,
                            }
                            for v in (result.vulnerabilities if result else ())
                        ],
                        "upgrade": result.upgrade if result else None,
                    }
                )
            document.append(
                {
                    "app": app_name,
                    "function": audit.function.ref,
                    "project": audit.project.directory,
                    "manifests": [m.path for src in audit.sources for m in src.project.manifests],
                    "artifacts": [src.artifact.path for src in audit.sources if src.artifact],
                    "layers": [src.label for src in audit.sources if src.layer],
                    "dependencies": rows,
                }
            )
    if output_format == "json":
        typer.echo(json.dumps(document, indent=2))
    else:
        for entry in document:
            manifests = ", ".join(Path(str(m)).name for m in entry["manifests"])  # type: ignore[attr-defined]
            typer.echo(f"{entry['app']} / {entry['function']}  ({manifests or 'no manifest'})")
            for row in entry["dependencies"]:  # type: ignore[attr-defined]
                version = row["version"] or row["spec"] or "?"
                kind = "direct" if row["direct"] else "transitive"
                tags = f"{row['ecosystem']}, {kind}, {row['reachability']}"
                if row["shipped_by"] != "function code":
                    tags += f", {row['shipped_by']}"
                if row["installed_in"]:
                    tags += ", installed"
                line = f"  {row['name']} {version}  [{tags}]"
                for vuln in row["vulnerabilities"]:
                    fix = f"fixed in {vuln['fixed'][0]}" if vuln["fixed"] else "no fix"
                    tag = "MALICIOUS" if vuln["malicious"] else vuln["severity"]
                    line += f"\n      {tag}: {', '.join(vuln['ids'][:3])} ({fix})"
                if row["upgrade"]:
                    line += f"\n      -> upgrade to {row['upgrade']}"
                typer.echo(line)
        typer.echo(f"{vulnerable} vulnerable package(s) in {len(document)} function(s)")
    raise typer.Exit(EXIT_FINDINGS if vulnerable else EXIT_CLEAN)


def sbom(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories (default: .).")
    ] = None,
    function: Annotated[
        str | None, typer.Option("--function", help="Only this function (ref or name).")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="cyclonedx-json (default) or spdx-json.")
    ] = "cyclonedx-json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the SBOM to this file.")
    ] = None,
    reproducible: Annotated[
        bool,
        typer.Option(help="Fixed serial number and timestamp (SOURCE_DATE_EPOCH or 1970)."),
    ] = False,
    db: Annotated[Path | None, _DB_OPTION] = None,
) -> None:
    """Write a software bill of materials of the functions' shipped dependencies."""
    from faasguard.deps import sbom as sbom_module  # noqa: PLC0415

    if output_format not in sbom_module.FORMATS:
        raise _fail(
            f"unknown --format '{output_format}' (expected {' or '.join(sbom_module.FORMATS)})"
        )
    results, diagnostics = _audits(paths, function, db)
    _show_diagnostics(diagnostics)
    audits = [a for _, group in results for a in group]
    name = (
        results[0][0] if len(results) == 1 else Path(str((paths or [Path(".")])[0])).resolve().name
    )
    writer = (
        sbom_module.cyclonedx_json if output_format == "cyclonedx-json" else sbom_module.spdx_json
    )
    text = writer(name, audits, reproducible=reproducible)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot write {output}: {exc.strerror}") from None
        typer.echo(f"faasguard: SBOM of {len(audits)} function(s) written to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``db``, ``deps`` and ``sbom`` to the faasguard command line."""
    app.add_typer(db_app, name="db")
    app.command("deps")(deps)
    app.command("sbom")(sbom)
