"""``faasguard deps``: each function's shipped dependencies, their reach and known
vulnerabilities; and the audits ``deps`` and ``sbom`` share.

Heavy modules are imported inside the commands so building the CLI stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from faasguard.cli.common import Db, ExitCode, FunctionOption, fail, require_paths, targets

if TYPE_CHECKING:
    from faasguard.deps.audit import FunctionAudit
    from faasguard.model import Diagnostic


def audits(
    paths: list[Path] | None, function: str | None, db: Path | None
) -> tuple[list[tuple[str, list[FunctionAudit]]], list[Diagnostic]]:
    """Load the apps below ``paths`` and audit their functions (or the one named)."""
    from faasguard.config import LoadOptions, ScanConfig  # noqa: PLC0415 - start-up speed
    from faasguard.context import collecting_notes, using_config  # noqa: PLC0415 - start-up speed
    from faasguard.deps.audit import audit_function  # noqa: PLC0415 - start-up speed
    from faasguard.engine import load_all, scan_root  # noqa: PLC0415 - start-up speed
    from faasguard.loaders.discovery import discover  # noqa: PLC0415 - start-up speed

    audited = targets(paths)
    require_paths(audited)
    root = scan_root(audited)
    # the root bounds what requirements includes may read (never outside the audited tree)
    config = ScanConfig(db_path=str(db) if db else None, load=LoadOptions(root=root))
    apps = load_all(discover(audited), config, root=root)
    results: list[tuple[str, list[FunctionAudit]]] = []
    diagnostics: list[Diagnostic] = []
    with collecting_notes() as notes, using_config(config):
        for app in apps:
            diagnostics.extend(app.diagnostics)
            found = []
            for fn in app.functions:
                if function and function not in (fn.ref, fn.display_name):
                    continue
                audit = audit_function(app, fn)
                if audit is not None:
                    found.append(audit)
            if found:
                results.append((app.name, found))
    diagnostics.extend(notes)
    if function and not results:
        raise fail(f"no function '{function}' with local code found below {', '.join(audited)}")
    return results, diagnostics


def show_diagnostics(diagnostics: list[Diagnostic]) -> None:
    """Every diagnostic on standard error, with its level and place."""
    for diagnostic in diagnostics:
        where = f"{diagnostic.location}: " if diagnostic.location else ""
        typer.echo(f"faasguard: {diagnostic.level}: {where}{diagnostic.message}", err=True)


def deps(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories to audit (default: .).")
    ] = None,
    function: FunctionOption = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    db: Db = None,
) -> None:
    """List each function's shipped dependencies, their reach and known vulnerabilities.

    Exits 1 when a shipped dependency has a known vulnerability or is malicious.
    """
    from faasguard.report import dependencies as report  # noqa: PLC0415 - start-up speed

    if output_format not in ("text", "json"):
        raise fail(f"unknown --format '{output_format}' (expected text or json)")
    results, diagnostics = audits(paths, function, db)
    show_diagnostics(diagnostics)
    vulnerable = report.vulnerable_count(results)
    document = report.deps_document(results)
    if output_format == "json":
        typer.echo(report.render_deps_json(document), nl=False)
    else:
        typer.echo(report.render_deps_text(document, vulnerable), nl=False)
    raise typer.Exit(ExitCode.FINDINGS if vulnerable else ExitCode.CLEAN)
