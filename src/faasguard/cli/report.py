"""``faasguard report``: the scan as one self-contained HTML file (also ``scan --format html``).

Besides the findings the page shows what only the loaded model knows (triggers, effective
versus needed permissions), code excerpts of taint paths, and optionally what the logs say
(``--logs``) and how the findings changed across scans (``--history``). Heavy modules are
imported inside the functions so building the command line stays instant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from faasguard.cli.common import (
    ConfigFile,
    Db,
    Ignore,
    Jobs,
    NoCache,
    Param,
    ScanPaths,
    Select,
    Stage,
    Var,
    fail,
    require_paths,
    usage_errors,
)

if TYPE_CHECKING:
    from faasguard.config import ScanConfig
    from faasguard.findings import Report
    from faasguard.model import App

LogsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--logs",
        help="Lambda/CloudTrail log files or directories: durations, cost and log findings.",
    ),
]
HistoryOption = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="Directory keeping one snapshot per report: trends, new and fixed findings.",
    ),
]


def report(
    paths: ScanPaths = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "faasguard-report.html"
    ),
    logs: LogsOption = None,
    history: HistoryOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option(help="Exit 1 when a finding has at least this severity (as 'scan')."),
    ] = None,
    select: Select = None,
    ignore: Ignore = None,
    stage: Stage = None,
    var: Var = None,
    param: Param = None,
    config_file: ConfigFile = None,
    no_cache: NoCache = False,
    jobs: Jobs = 0,
    db: Db = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even with findings (not on errors).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No 'written to' note.")] = False,
) -> None:
    """Scan PATHS and write one self-contained HTML report that works offline (the same
    as 'scan --format html -o FILE'; the same exit codes)."""
    from faasguard.cli.scan import scan  # noqa: PLC0415 - scan imports this module

    scan(
        paths,
        output_format="html",
        output=output,
        fail_on=fail_on,
        select=select,
        ignore=ignore,
        baseline=None,
        write_baseline=None,
        stage=stage,
        var=var,
        param=param,
        config_file=config_file,
        strict=False,
        no_cache=no_cache,
        jobs=jobs,
        db=db,
        color=None,
        logs=logs,
        history=history,
        exit_zero=exit_zero,
        quiet=quiet,
    )


def html_report(
    report: Report,
    scanned: list[str],
    config: ScanConfig,
    *,
    logs: list[Path] | None = None,
    history: Path | None = None,
) -> str:
    """The HTML page of ``report``: the apps below ``scanned`` are loaded again (from the
    cache the scan just filled) for the function cards."""
    from faasguard.config import skipped  # noqa: PLC0415 - start-up speed
    from faasguard.engine import load_all  # noqa: PLC0415 - start-up speed
    from faasguard.loaders.discovery import discover  # noqa: PLC0415 - start-up speed
    from faasguard.report import html, html_facts  # noqa: PLC0415 - start-up speed
    from faasguard.rules import all_rules  # noqa: PLC0415 - start-up speed

    found = [c for c in discover(scanned) if not skipped(c.path, report.root, config.skip_paths)]
    apps = load_all(found, config, root=report.root)
    log_data = _logs(report, apps, logs, config.jobs) if logs else None
    trend = _history(report, history) if history is not None else None
    return html.render(
        report,
        rules=list(all_rules()),
        cards=html_facts.function_cards(apps, report.root),
        excerpts=html_facts.excerpts(report.findings, report.root),
        logs=log_data,
        history=trend,
        title=f"faasguard report: {Path(report.root).name or report.root}",
    )


def _logs(report: Report, apps: list[App], sources: list[Path], jobs: int) -> dict[str, Any]:
    """Analyse ``sources`` like ``faasguard logs analyze`` (no history database): its
    findings join the report, filed under the app function deployed under that name."""
    from faasguard.logs.analyze import AnalyzeConfig, analyze  # noqa: PLC0415 - start-up speed
    from faasguard.logs.suggest import match_function  # noqa: PLC0415 - start-up speed
    from faasguard.logs.suggest import suggest as right_size  # noqa: PLC0415 - start-up speed
    from faasguard.report.common import relative_path  # noqa: PLC0415 - start-up speed
    from faasguard.rules import log_rules  # noqa: PLC0415 - start-up speed

    require_paths(sources, "--logs path")
    config = AnalyzeConfig(jobs=jobs, history=None, apps=tuple(apps))
    analysis = analyze([str(p) for p in sources], config, rules=log_rules)
    owner = {fn.display_name: (app, fn) for app in apps for fn in app.functions}
    for finding in analysis.report.findings:
        found = owner.get(finding.function or "")
        if found is None and finding.function:
            fn = match_function(apps, finding.function)
            found = next(((a, fn) for a in apps if fn in a.functions), None)
        report.findings.append(
            finding
            if found is None
            else dataclasses.replace(
                finding,
                app=found[0].name,
                app_file=relative_path(found[0].root_file, report.root),
                function=found[1].ref,
            )
        )
    report.diagnostics.extend(analysis.report.diagnostics)
    suggestions = right_size(analysis.state, apps)
    return {
        "functions": analysis.summary,
        "suggestions": {s.function: s.to_dict() for s in suggestions},
        "series": _series(analysis.state),
    }


def _series(state: Any) -> list[dict[str, Any]]:
    """Invocations and errors of every function together, per 5-minute window."""
    table = state.window_table()
    totals: dict[int, list[int]] = {}
    for window, invocations, errors in zip(
        table.column("window").to_pylist(),
        table.column("invocations").to_pylist(),
        table.column("errors").to_pylist(),
        strict=True,
    ):
        slot = totals.setdefault(int(window), [0, 0])
        slot[0] += invocations
        slot[1] += errors
    return [
        {
            "time": dt.datetime.fromtimestamp(window / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M"),
            "invocations": counts[0],
            "errors": counts[1],
        }
        for window, counts in sorted(totals.items())
    ]


def _history(report: Report, directory: Path) -> dict[str, Any]:
    """The trend up to this scan, which is recorded in ``directory`` (created when only
    the directory itself is missing, and said so; a missing parent is an error)."""
    from faasguard.report import history  # noqa: PLC0415 - start-up speed

    if directory.exists() and not directory.is_dir():
        raise fail(f"--history {directory} is not a directory")
    if not directory.exists():
        if not directory.parent.is_dir():
            raise fail(f"--history {directory}: directory {directory.parent} does not exist")
        directory.mkdir()
        typer.echo(f"faasguard: created history directory {directory}", err=True)
    previous, notes = history.load(directory)
    for note in notes:
        typer.echo(f"faasguard: {note}", err=True)
    current = history.snapshot(report, dt.datetime.now(dt.UTC))
    trend = history.trend(previous, current)
    with usage_errors():
        try:
            history.save(directory, current)
        except OSError as exc:
            raise ValueError(f"cannot write to --history {directory}: {exc.strerror}") from None
    return trend
