"""``faasguard scan``: options → :meth:`ScanConfig.from_options` → engine → reporter → exit code.

Heavy modules are imported inside the command so ``faasguard --version`` stays instant.
"""

from __future__ import annotations

import os
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
    from faasguard.findings import Report, Severity


def scan(
    paths: ScanPaths = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, sarif, markdown, html, junit or csv.")
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
    severity: Annotated[
        str | None,
        typer.Option(
            help="Only show findings of these severities (comma-separated: high,critical); "
            "--fail-on still decides the exit code."
        ),
    ] = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even with findings (not on errors).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no 'written to' note.")
    ] = False,
    skip_path: Annotated[
        list[str] | None,
        typer.Option(
            "--skip-path",
            help="Do not scan apps below paths matching this glob (relative to the scanned "
            "root; repeatable; also skip-paths in the config file).",
        ),
    ] = None,
    width: Annotated[
        int | None,
        typer.Option(
            help="Width of the text report (default: the terminal, else $COLUMNS, else 100)."
        ),
    ] = None,
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
            skip_paths=skip_path,
        )
        shown = _severities(severity)
        report = _run(scanned, config, show_progress=output_format == "text" and not quiet)
    status = exit_code(report, config)
    # --severity is a display filter: the exit code and a baseline still see every finding
    view = report if shown is None else _only(report, shown)
    if output_format == "html":  # the full page: function cards need the loaded apps
        from faasguard.cli.report import html_report  # noqa: PLC0415 - start-up speed

        text = html_report(view, scanned, config, logs=logs, history=history)
    else:
        text = _render(view, config, output_format, output, color, width)
    write_output(text, output, None if quiet else f"{len(view.findings)} finding(s)")
    if write_baseline is not None:
        with usage_errors():
            save_baseline(report, str(write_baseline))
        typer.echo(
            f"faasguard: baseline with {len(report.findings)} finding(s) written to "
            f"{write_baseline}",
            err=True,
        )
        raise typer.Exit(ExitCode.CLEAN)  # recording a baseline accepts today's findings
    if exit_zero and status is ExitCode.FINDINGS:
        status = ExitCode.CLEAN
    raise typer.Exit(status)


def _run(scanned: list[str], config: ScanConfig, *, show_progress: bool) -> Report:
    """The engine's report, with a progress bar on an interactive terminal."""
    from faasguard.engine import scan as run_scan  # noqa: PLC0415 - start-up speed

    progress = _progress_bar() if show_progress and sys.stderr.isatty() else None
    try:
        return run_scan(scanned, config, progress=progress[1] if progress else None)
    finally:
        if progress:
            progress[0].stop()


def _severities(text: str | None) -> frozenset[Severity] | None:
    """The severities of ``--severity high,critical`` (``None``: every one)."""
    from faasguard.findings import Severity  # noqa: PLC0415 - start-up speed

    if text is None:
        return None
    return frozenset(Severity.parse(part) for part in text.split(",") if part.strip())


def _only(report: Report, severities: frozenset[Severity]) -> Report:
    """``report`` showing only the findings of ``severities``."""
    import dataclasses  # noqa: PLC0415 - start-up speed

    kept = [f for f in report.findings if f.severity in severities]
    return dataclasses.replace(report, findings=kept)


def _render(
    report: Report,
    config: ScanConfig,
    output_format: str,
    output: Path | None,
    color: bool | None,
    width: int | None = None,
) -> str:
    """The report in ``output_format``: coloured (unless ``NO_COLOR`` is set) and as wide as
    the terminal when shown on one; otherwise ``width``, ``$COLUMNS`` or 100 columns."""
    from faasguard.report import render  # noqa: PLC0415 - start-up speed
    from faasguard.rules import all_rules  # noqa: PLC0415 - start-up speed

    rules = [r for r in all_rules() if config.rule_enabled(r.id)]
    use_color = (
        color
        if color is not None
        else (output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    )
    if width is None:
        on_terminal = output is None and sys.stdout.isatty()
        width = _terminal_width() if on_terminal else _columns()
    return render(output_format, report, rules=rules, color=use_color, width=width)


def _columns() -> int:
    """``$COLUMNS`` when it is a sensible width, else 100."""
    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and 40 <= int(value) <= 1000 else 100


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
