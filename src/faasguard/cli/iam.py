"""``faasguard iam show|suggest``: what each function's execution role really allows, and the
least-privilege policy derived from its code.

The reports are rendered by :mod:`faasguard.report.iam_show` and
:mod:`faasguard.report.iam_suggest`. Heavy modules (loaders, the IAM engine) are imported
inside the commands so building the CLI stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from faasguard.cli.common import (
    FunctionOption,
    Jobs,
    NoCache,
    Param,
    Stage,
    Var,
    fail,
    require_paths,
    usage_errors,
)

if TYPE_CHECKING:
    from faasguard.iam.suggest import Suggestion
    from faasguard.model import App, Function, Role

iam_app = typer.Typer(
    name="iam",
    help="IAM analysis: effective permissions of every function.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PathArgument = Annotated[Path, typer.Argument(help="File or directory to analyse.")]


def load_apps(
    path: Path,
    *,
    stage: str | None,
    var: list[str] | None,
    param: list[str] | None,
    no_cache: bool,
    jobs: int,
) -> tuple[str, list[App]]:
    """Discover and load every app below ``path`` the way ``scan`` does (without a config
    file); returns the root (paths in the output are relative to it) and the apps. Load
    diagnostics of level error go to standard error; the rest of the apps is still
    returned. Raises ``typer.Exit(2)`` on usage errors (shared by every ``iam`` command)."""
    from faasguard.config import ScanConfig  # noqa: PLC0415 - start-up speed
    from faasguard.engine import load_all, scan_root  # noqa: PLC0415 - start-up speed
    from faasguard.loaders.discovery import discover  # noqa: PLC0415 - start-up speed
    from faasguard.model import DiagnosticLevel  # noqa: PLC0415 - start-up speed

    require_paths([path])
    target = str(path)
    root = scan_root([target])
    with usage_errors():
        config = ScanConfig.from_options(
            root,
            find_config=False,
            cache=not no_cache,
            stage=stage,
            variables=var,
            parameters=param,
            jobs=jobs,
        )
    apps = load_all(discover([target]), config, root=root)
    for app in apps:
        for diagnostic in app.diagnostics:
            if diagnostic.level is DiagnosticLevel.ERROR:
                where = f"{diagnostic.location}: " if diagnostic.location else ""
                typer.echo(f"faasguard: {where}{diagnostic.message}", err=True)
    return root, apps


def select_functions(apps: list[App], name: str | None) -> list[tuple[App, Function]]:
    """Every function, or those whose ref or deployed name is ``name``. Raises
    ``typer.Exit(2)`` naming the available functions when none matches."""
    functions = [(app, fn) for app in apps for fn in app.functions]
    if name is None:
        return functions
    chosen = [(app, fn) for app, fn in functions if name in (fn.ref, fn.name)]
    if not chosen:
        raise _not_found("function", name, {fn.ref for _, fn in functions})
    return chosen


def _not_found(what: str, name: str, available: set[str]) -> typer.Exit:
    """The usage error for an unknown ``--function``/``--principal``, listing the names."""
    listing = ", ".join(sorted(available)) if available else f"none (no {what} was found)"
    return fail(f"no {what} '{name}'; available {what}s: {listing}")


def select_principals(apps: list[App], name: str | None, every: bool) -> list[tuple[App, Role]]:
    """The principals ``--principal NAME`` (ref or deployed name, any kind) or ``--all``
    (every one no function runs as) asks for. Raises ``typer.Exit(2)`` naming the
    available principals when none matches."""
    if name is None:
        if not every:
            return []
        used = {(app.name, fn.role.ref) for app in apps for fn in app.functions if fn.role}
        return [
            (app, role)
            for app in apps
            for role in app.roles
            if (app.name, role.ref) not in used and not role.external
        ]
    every_principal = [(app, role) for app in apps for role in app.roles if not role.external]
    chosen = [(app, role) for app, role in every_principal if name in (role.ref, role.name)]
    if not chosen:
        raise _not_found("principal", name, {role.ref for _, role in every_principal})
    return chosen


@iam_app.command("show")
def show(
    path: PathArgument = Path("."),
    function: FunctionOption = None,
    principal: Annotated[
        str | None,
        typer.Option(
            "--principal",
            help="Show one IAM principal (role, user, group or policy; ref or name) instead.",
        ),
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all", help="Also show every principal no function runs as (users, groups, ...)."
        ),
    ] = False,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    stage: Stage = None,
    var: Var = None,
    param: Param = None,
    no_cache: NoCache = False,
    jobs: Jobs = 0,
) -> None:
    """Print what each function's execution role (and, with --all or --principal, every
    other IAM principal of the app) really allows, by access level."""
    from faasguard.iam.effective import effective_permissions  # noqa: PLC0415 - start-up speed
    from faasguard.report import iam_show  # noqa: PLC0415 - start-up speed

    if output_format not in ("text", "json"):
        raise fail(f"unknown --format '{output_format}' (expected one of: text, json)")
    root, apps = load_apps(path, stage=stage, var=var, param=param, no_cache=no_cache, jobs=jobs)
    chosen = [] if principal is not None else select_functions(apps, function)
    results = [(app, fn, effective_permissions(fn.role, app=app)) for app, fn in chosen]
    others = [
        (app, role, effective_permissions(role, app=app))
        for app, role in select_principals(apps, principal, every)
    ]
    if output_format == "json":
        sys.stdout.write(iam_show.render_permissions_json(results, root, others))
        return
    if not results and not others:
        hidden = len(select_principals(apps, None, every=True))
        if hidden:
            sys.stdout.write(
                f"No functions found; {hidden} IAM principal(s) that no function runs as: "
                "faasguard iam show --all\n"
            )
            return
    sys.stdout.write(iam_show.render_permissions_text(results, root, others))


@iam_app.command("suggest")
def suggest_command(
    path: PathArgument = Path("."),
    function: FunctionOption = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="json, sam, serverless or terraform (default: the app's own)."
        ),
    ] = None,
    stage: Stage = None,
    var: Var = None,
    param: Param = None,
    no_cache: NoCache = False,
    jobs: Jobs = 0,
) -> None:
    """Print the least-privilege policy each function's own code needs, ready to paste."""
    from faasguard.iam.suggest import suggest  # noqa: PLC0415 - start-up speed
    from faasguard.report.iam_suggest import FORMATS, default_format, render  # noqa: PLC0415 - start-up speed

    if output_format is not None and output_format not in FORMATS:
        raise fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    root, apps = load_apps(path, stage=stage, var=var, param=param, no_cache=no_cache, jobs=jobs)
    chosen = select_functions(apps, function)
    suggestions = [suggest(fn, app) for app, fn in chosen]
    if output_format is not None:
        sys.stdout.write(render(output_format, suggestions, root))
        return
    # Each app in its own format (a directory may hold the SAM and Terraform variants).
    by_format: dict[str, list[Suggestion]] = {}
    for item in suggestions:
        by_format.setdefault(default_format(item.app), []).append(item)
    if not by_format:
        sys.stdout.write("No functions found.\n")
        return
    sys.stdout.write("\n".join(render(fmt, items, root) for fmt, items in by_format.items()))
