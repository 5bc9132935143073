"""The command line: arguments → config → engine → reporter → exit code.

Exit codes: 0 no finding at or above ``--fail-on``; 1 findings at or above it; 2 usage
error, or an input that could not be loaded (the report still shows everything else).
Heavy modules are imported inside the commands so ``faasguard --version`` stays instant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.progress import Progress

from faasguard import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

app = typer.Typer(
    name="faasguard",
    help="Serverless security toolkit: finds the seven classic serverless mistakes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
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


def _split_ids(values: list[str] | None) -> tuple[str, ...]:
    return tuple(
        part.strip().upper() for value in values or [] for part in value.split(",") if part.strip()
    )


def _fail(message: str) -> typer.Exit:
    typer.echo(f"faasguard: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


@app.command()
def scan(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories to scan (default: .).")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, sarif or markdown.")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            help="Exit 1 when a finding has at least this severity: "
            "info, low, medium, high, critical (default: low)."
        ),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(help="Only run these rules (ids or prefixes, comma-separated)."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="Do not run these rules (ids or prefixes, comma-separated)."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help="Hide findings recorded in this baseline; only new ones fail."),
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option(help="Record the current findings as a baseline file.")
    ] = None,
    stage: Annotated[
        str | None, typer.Option(help="Serverless Framework stage (${opt:stage}, ${sls:stage}).")
    ] = None,
    var: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=VALUE for Serverless ${opt:}/${env:}/${param:} and Terraform variables."
        ),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="NAME=VALUE CloudFormation parameter override.")
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="faasguard.toml or pyproject.toml to use."),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit 2 when a rule failed or a warning diagnostic was raised.")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write .faasguard/cache.")
    ] = False,
    jobs: Annotated[int, typer.Option(help="Parallel loader processes (0: one per core).")] = 0,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            envvar="FAASGUARD_DB",
            help="Offline vulnerability database (see 'faasguard db'); env FAASGUARD_DB.",
        ),
    ] = None,
    color: Annotated[
        bool | None, typer.Option("--color/--no-color", help="Force colours on or off.")
    ] = None,
) -> None:
    """Discover every serverless app below PATHS, run every rule, and report."""
    from dataclasses import replace  # noqa: PLC0415 - lazy imports keep --version instant

    from faasguard import config as cfg  # noqa: PLC0415
    from faasguard.config import LoadOptions  # noqa: PLC0415
    from faasguard.engine import RULE_ERROR, scan_root  # noqa: PLC0415
    from faasguard.engine import scan as run_scan  # noqa: PLC0415
    from faasguard.engine import write_baseline as save_baseline  # noqa: PLC0415
    from faasguard.errors import UsageError  # noqa: PLC0415
    from faasguard.findings import Severity  # noqa: PLC0415
    from faasguard.model import DiagnosticLevel  # noqa: PLC0415
    from faasguard.report import FORMATS, render  # noqa: PLC0415
    from faasguard.rules import all_rules  # noqa: PLC0415

    targets = [str(p) for p in (paths or [Path(".")])]
    if output_format not in FORMATS:
        raise _fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    try:
        root = scan_root(targets)
        config = cfg.ScanConfig(
            cache_dir=None if no_cache else str(Path(root) / ".faasguard" / "cache")
        )
        config_path = config_file or cfg.find_config_file(Path(root))
        if config_path is not None:
            if not config_path.is_file():
                raise UsageError(f"configuration file not found: {config_path}")
            config = cfg.apply_config_file(
                config, cfg.read_config_file(config_path), str(config_path)
            )
        updates: dict[str, object] = {
            "load": LoadOptions(
                stage=stage,
                variables=cfg.parse_assignments(var, "--var"),
                parameters=cfg.parse_assignments(param, "--param"),
            ),
            "strict": strict,
            "jobs": jobs,
        }
        if fail_on is not None:
            updates["fail_on"] = Severity.parse(fail_on)
        if select:
            updates["select"] = _split_ids(select)
        if ignore:
            updates["ignore_rules"] = config.ignore_rules + _split_ids(ignore)
        if baseline is not None:
            updates["baseline"] = str(baseline)
        if db is not None:
            updates["db_path"] = str(db)
        config = replace(config, **updates)  # type: ignore[arg-type]  # keys checked above
        progress = _progress_bar() if sys.stderr.isatty() and output_format == "text" else None
        try:
            report = run_scan(targets, config, progress=progress[1] if progress else None)
        finally:
            if progress:
                progress[0].stop()
    except (UsageError, ValueError) as exc:
        raise _fail(str(exc)) from None

    rules = [r for r in all_rules() if config.rule_enabled(r.id)]
    use_color = color if color is not None else (output is None and sys.stdout.isatty())
    width = 100 if output is not None or not sys.stdout.isatty() else _terminal_width()
    text = render(output_format, report, rules=rules, color=use_color, width=width)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot write {output}: {exc.strerror}") from None
        typer.echo(f"faasguard: {len(report.findings)} finding(s) written to {output}", err=True)
    else:
        sys.stdout.write(text)
    if write_baseline is not None:
        save_baseline(report, str(write_baseline))
        typer.echo(
            f"faasguard: baseline with {len(report.findings)} finding(s) written to "
            f"{write_baseline}",
            err=True,
        )
        raise typer.Exit(EXIT_CLEAN)

    load_errors = [
        d for d in report.diagnostics if d.level is DiagnosticLevel.ERROR and d.code != RULE_ERROR
    ]
    if load_errors:
        raise typer.Exit(EXIT_ERROR)
    if strict and any(
        d.level in (DiagnosticLevel.ERROR, DiagnosticLevel.WARNING) for d in report.diagnostics
    ):
        raise typer.Exit(EXIT_ERROR)
    if any(f.severity >= config.fail_on for f in report.findings):
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_CLEAN)


def _terminal_width() -> int:
    import shutil  # noqa: PLC0415

    return max(80, min(160, shutil.get_terminal_size((100, 24)).columns))


def _progress_bar() -> tuple[Progress, Callable[[int, int], None]]:
    from rich.progress import Progress  # noqa: PLC0415

    bar = Progress(transient=True)
    task = bar.add_task("loading apps", total=None)
    started = False

    def update(done: int, total: int) -> None:
        nonlocal started
        if total < 20:
            return
        if not started:
            bar.start()
            started = True
        bar.update(task, completed=done, total=total)

    return bar, update


@app.command()
def rules(
    rule_id: Annotated[str | None, typer.Argument(help="Show this rule's documentation.")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List every rule, or print the documentation of one."""
    import json  # noqa: PLC0415

    from faasguard.rules import all_rules, get_rule  # noqa: PLC0415

    if rule_id:
        found = get_rule(rule_id)
        if found is None:
            raise _fail(f"no rule '{rule_id}' (see 'faasguard rules')")
        if output_format == "json":
            typer.echo(json.dumps(_rule_json(found), indent=2))
            return
        typer.echo(f"{found.id}  {found.name}  [{found.severity.label}, {found.practice}]")
        typer.echo("")
        typer.echo(found.doc)
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


def _rule_json(r: object) -> dict[str, object]:
    from faasguard.rules.base import Rule  # noqa: PLC0415

    assert isinstance(r, Rule)
    return {
        "id": r.id,
        "name": r.name,
        "title": r.title,
        "severity": r.severity.label,
        "practice": str(r.practice),
        "cwe": list(r.cwe),
        "owasp": list(r.owasp),
        "formats": list(r.formats),
        "help_uri": r.help_uri,
        "doc": r.doc,
    }


#: Modules that add command groups; each exposes ``register(app: typer.Typer) -> None`` and
#: imports its heavy dependencies inside the commands, so building the CLI stays cheap.
SUBCOMMAND_MODULES = (
    "faasguard.cli_iam",
    "faasguard.cli_deps",
    "faasguard.cli_logs",
)


def _register_subcommands() -> None:
    import importlib  # noqa: PLC0415

    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(app)


_register_subcommands()


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] in (["--version"], ["-V"]):
        sys.stdout.write(f"faasguard {__version__}\n")
        return
    app()


if __name__ == "__main__":
    main()
