"""``faasguard scan``: options → :meth:`ScanConfig.from_options` → engine → reporter → exit code.

Heavy modules are imported inside the command so ``faasguard --version`` stays instant.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from faasguard.cli.common import (
    ConfigFile,
    Db,
    ExitCode,
    Ignore,
    Jobs,
    NoCache,
    Param,
    ScanPaths,
    Select,
    Stage,
    Var,
    check_output_file,
    fail,
    targets,
    usage_errors,
    write_output,
)
from faasguard.cli.report import HistoryOption, LogsOption

if TYPE_CHECKING:
    from rich.progress import Progress

    from faasguard.config import ScanConfig
    from faasguard.findings import Report


def scan(
    paths: ScanPaths = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, sarif, markdown or html.")
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
    select: Select = None,
    ignore: Ignore = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help="Hide findings recorded in this baseline; only new ones fail."),
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option(help="Record the current findings as a baseline file.")
    ] = None,
    stage: Stage = None,
    var: Var = None,
    param: Param = None,
    config_file: ConfigFile = None,
    strict: Annotated[
        bool, typer.Option(help="Exit 2 when a rule failed or a warning diagnostic was raised.")
    ] = False,
    no_cache: NoCache = False,
    jobs: Jobs = 0,
    db: Db = None,
    color: Annotated[
        bool | None, typer.Option("--color/--no-color", help="Force colours on or off.")
    ] = None,
    logs: LogsOption = None,
    history: HistoryOption = None,
) -> None:
    """Discover every serverless app below PATHS, run every rule, and report."""
    from faasguard.config import ScanConfig  # noqa: PLC0415 - lazy imports keep --version instant
    from faasguard.engine import exit_code, scan_root  # noqa: PLC0415 - start-up speed
    from faasguard.engine import write_baseline as save_baseline  # noqa: PLC0415 - start-up speed
    from faasguard.report import FORMATS  # noqa: PLC0415 - start-up speed
    from faasguard.rules import all_rules  # noqa: PLC0415 - start-up speed

    if output_format not in FORMATS:
        raise fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    if (logs or history) and output_format != "html":
        raise fail("--logs and --history go with --format html (or 'faasguard report')")
    check_output_file(output, "--output")
    check_output_file(write_baseline, "--write-baseline")
    scanned = targets(paths)
    with usage_errors():
        config = ScanConfig.from_options(
            scan_root(scanned),
            config_file=config_file,
            cache=not no_cache,
            fail_on=fail_on,
            select=select,
            ignore=ignore,
            baseline=None if baseline is None else str(baseline),
            db_path=None if db is None else str(db),
            stage=stage,
            variables=var,
            parameters=param,
            strict=strict,
            jobs=jobs,
            rule_ids={r.id for r in all_rules()},
        )
        report = _run(scanned, config, show_progress=output_format == "text")
    if output_format == "html":  # the full page: function cards need the loaded apps
        from faasguard.cli.report import html_report  # noqa: PLC0415 - start-up speed

        text = html_report(report, scanned, config, logs=logs, history=history)
    else:
        text = _render(report, config, output_format, output, color)
    write_output(text, output, f"{len(report.findings)} finding(s)")
    if write_baseline is not None:
        with usage_errors():
            save_baseline(report, str(write_baseline))
        typer.echo(
            f"faasguard: baseline with {len(report.findings)} finding(s) written to "
            f"{write_baseline}",
            err=True,
        )
        raise typer.Exit(ExitCode.CLEAN)  # recording a baseline accepts today's findings
    raise typer.Exit(exit_code(report, config))


def _run(scanned: list[str], config: ScanConfig, *, show_progress: bool) -> Report:
    """The engine's report, with a progress bar on an interactive terminal."""
    from faasguard.engine import scan as run_scan  # noqa: PLC0415 - start-up speed

    progress = _progress_bar() if show_progress and sys.stderr.isatty() else None
    try:
        return run_scan(scanned, config, progress=progress[1] if progress else None)
    finally:
        if progress:
            progress[0].stop()


def _render(
    report: Report, config: ScanConfig, output_format: str, output: Path | None, color: bool | None
) -> str:
    """The report in ``output_format``: coloured and as wide as the terminal when shown on one."""
    from faasguard.report import render  # noqa: PLC0415 - start-up speed
    from faasguard.rules import all_rules  # noqa: PLC0415 - start-up speed

    rules = [r for r in all_rules() if config.rule_enabled(r.id)]
    use_color = color if color is not None else (output is None and sys.stdout.isatty())
    width = 100 if output is not None or not sys.stdout.isatty() else _terminal_width()
    return render(output_format, report, rules=rules, color=use_color, width=width)


def _terminal_width() -> int:
    return max(80, min(160, shutil.get_terminal_size((100, 24)).columns))


def _progress_bar() -> tuple[Progress, Callable[[int, int], None]]:
    from rich.progress import Progress  # noqa: PLC0415 - start-up speed: Rich is heavy

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
