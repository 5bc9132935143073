"""``faasguard logs``: analyze, suggest and generate (log analytics, practices P5/P6).

Heavy modules (pyarrow, duckdb, drain3) are imported inside the commands so building the
CLI stays cheap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from faasguard.cli.common import (
    ExitCode,
    check_output_file,
    fail,
    require_paths,
    usage_errors,
    write_output,
)

if TYPE_CHECKING:
    from faasguard.logs.analyze import AnalyzeConfig

logs_app = typer.Typer(
    name="logs",
    help="Analyse Lambda and CloudTrail logs, right-size timeouts, generate test logs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _epoch_ms(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"{option} must be an ISO date or time, got '{text}'") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return int(value.timestamp() * 1000)


def _config(
    since: str | None,
    until: str | None,
    function: list[str] | None,
    function_name: str | None,
    history: Path | None,
    no_history: bool,
    jobs: int,
    region: str | None,
    architecture: str | None,
) -> AnalyzeConfig:
    from faasguard.logs.analyze import AnalyzeConfig  # noqa: PLC0415 - start-up speed
    from faasguard.logs.pipeline import Options  # noqa: PLC0415 - start-up speed

    options = Options(
        function_name=function_name,
        since_ms=_epoch_ms(since, "--since"),
        until_ms=_epoch_ms(until, "--until"),
        functions=tuple(function or ()),
    )
    return AnalyzeConfig(
        deployers=_deployers(),
        jobs=jobs,
        history=None if no_history else str(history or Path(".faasguard") / "logs.duckdb"),
        options=options,
        region=region,
        architecture=architecture,
    )


def _deployers() -> Any:
    """``[logs.deployers]`` of the faasguard.toml found from the working directory."""
    from faasguard.config import find_config_file, read_config_file  # noqa: PLC0415 - start-up speed
    from faasguard.logs.deployers import Deployers  # noqa: PLC0415 - start-up speed

    path = find_config_file(Path.cwd())
    if path is None:
        return Deployers()
    with usage_errors():
        logs = read_config_file(path).get("logs", {})
        table = logs.get("deployers", {}) if isinstance(logs, dict) else {}
        if not isinstance(table, dict):
            raise fail(f"{path}: [logs.deployers] must be a table")
        return Deployers.from_table(table, str(path))


Sources = Annotated[list[Path], typer.Argument(help="Log files or directories.")]
Since = Annotated[str | None, typer.Option(help="Only events at or after this ISO time.")]
Until = Annotated[str | None, typer.Option(help="Only events before this ISO time.")]
FunctionOpt = Annotated[
    list[str] | None, typer.Option("--function", help="Only these functions (repeatable).")
]
FunctionName = Annotated[
    str | None,
    typer.Option(help="Function name for files whose path and records name none."),
]
HistoryOpt = Annotated[
    Path | None, typer.Option("--history", help="History database (.faasguard/logs.duckdb).")
]
NoHistory = Annotated[
    bool, typer.Option("--no-history", help="Neither read nor write the history database.")
]
Jobs = Annotated[int, typer.Option(help="Worker processes (0: one per core).")]
Region = Annotated[str | None, typer.Option(help="AWS region for prices (default us-east-1).")]
Arch = Annotated[str | None, typer.Option(help="x86_64 or arm64 for prices.")]


def _progress() -> Any:
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import Progress  # noqa: PLC0415 - start-up speed

    bar = Progress(transient=True)
    task = bar.add_task("reading logs", total=None)
    bar.start()

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


@logs_app.command()
def analyze(
    sources: Sources,
    app_path: Annotated[
        Path | None,
        typer.Option("--app", help="Serverless app: configured timeouts for LOG019."),
    ] = None,
    since: Since = None,
    until: Until = None,
    function: FunctionOpt = None,
    function_name: FunctionName = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, sarif or markdown.")
    ] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    fail_on: Annotated[str, typer.Option(help="Exit 1 at or above this severity.")] = "low",
    history: HistoryOpt = None,
    no_history: NoHistory = False,
    jobs: Jobs = 0,
    region: Region = None,
    architecture: Arch = None,
    engine: Annotated[
        str, typer.Option(help="embedded (default) or spark (needs 'faasguard[spark]').")
    ] = "embedded",
    master: Annotated[
        str | None,
        typer.Option(help="Spark master: local[2], spark://HOST:7077, yarn (--engine spark)."),
    ] = None,
    endpoint_url: EndpointUrl = None,
) -> None:
    """Detect incidents in Lambda and CloudTrail logs and report them like 'scan' does.

    SOURCES may be s3://bucket/prefix (a CloudWatch Logs export), read with the standard
    AWS credential chain.
    """
    from faasguard.rules import log_rules  # noqa: PLC0415 - start-up speed

    if engine == "embedded":
        from faasguard.logs.pipeline import start_compiling  # noqa: PLC0415 - start-up speed

        start_compiling()  # without the GIL, while the imports and discovery below run
    from faasguard.findings import Severity  # noqa: PLC0415 - start-up speed
    from faasguard.report import FORMATS, render  # noqa: PLC0415 - start-up speed
    from faasguard.report.log_functions import render_function_summary  # noqa: PLC0415 - start-up speed

    if output_format not in FORMATS:
        raise fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    if engine not in ("embedded", "spark"):
        raise fail(f"unknown --engine '{engine}' (expected embedded or spark)")
    require_paths(p for p in sources if not _is_s3(p))
    check_output_file(output, "--output")
    with usage_errors():
        threshold = Severity.parse(fail_on)
    if app_path is not None:
        require_paths([app_path], "--app path")
    if not no_history:
        _state_directory(history or Path(".faasguard") / "logs.duckdb", "--history")
    config = _config(
        since, until, function, function_name, history, no_history, jobs, region, architecture
    )
    apps = tuple(_load_apps(app_path)) if app_path is not None else ()
    config = dataclasses.replace(config, engine=engine, master=master, apps=apps)
    result = _analyze(sources, config, endpoint_url)
    if output_format == "json":
        from faasguard.report.json import to_dict  # noqa: PLC0415 - start-up speed

        body = to_dict(result.report)
        body["functions"] = result.summary
        text = json.dumps(body, indent=2) + "\n"
    else:
        color = output is None and sys.stdout.isatty()
        text = render(output_format, result.report, rules=list(log_rules()), color=color)
        if output_format in ("text", "markdown"):
            markdown = output_format == "markdown"
            text += render_function_summary(result.summary, markdown=markdown)
    write_output(text, output, f"{len(result.report.findings)} finding(s)")
    from faasguard.engine import exit_status  # noqa: PLC0415 - start-up speed

    # A source that could not be read (a FIFO, a permission error) is exit 2 as in 'scan':
    # the report shows everything that was read, but the answer is not complete.
    raise typer.Exit(exit_status(result.report, threshold))


def _analyze(sources: list[Path], config: AnalyzeConfig, endpoint_url: str | None) -> Any:
    """The analysis of local and ``s3://`` sources (downloaded to a temporary directory and
    shown under their ``s3://`` names), with a progress bar on an interactive terminal."""
    import tempfile  # noqa: PLC0415 - start-up speed

    from faasguard.logs.analyze import analyze as run  # noqa: PLC0415 - start-up speed
    from faasguard.rules import log_rules  # noqa: PLC0415 - start-up speed

    remote = [_s3_uri(p) for p in sources if _is_s3(p)]
    bar, update = _progress()
    with tempfile.TemporaryDirectory(prefix="faasguard-s3-") as download:
        local = {str(p): str(p) for p in sources if not _is_s3(p)}  # shown name -> path
        if remote:
            local.update(_download(remote, Path(download), endpoint_url))
        try:
            result = run(list(local.values()), config, update, rules=log_rules)
        except RuntimeError as exc:  # SparkUnavailableError: no PySpark, no Java
            raise fail(str(exc)) from None
        finally:
            if bar is not None:
                bar.stop()
        if remote:
            _show_s3_names(result.report, {v: k for k, v in local.items() if k in remote})
    return result


def _state_directory(path: Path, option: str) -> None:
    """Make sure the directory of a database ``path`` exists: faasguard's own ``.faasguard``
    is created (and said so); any other missing directory is an error, never created."""
    check_output_file(path if path.parent.name != ".faasguard" else None, option)
    if not path.parent.is_dir():
        if not path.parent.parent.is_dir():
            raise fail(f"{option} {path}: directory {path.parent.parent} does not exist")
        path.parent.mkdir()
        typer.echo(f"faasguard: created {path.parent} for {path.name}", err=True)


EndpointUrl = Annotated[
    str | None,
    typer.Option(help="Another AWS API endpoint (moto, LocalStack, a VPC endpoint)."),
]


def _is_s3(path: Path) -> bool:
    # Typer hands over a Path, which folds 's3://b/k' into 's3:/b/k'.
    return str(path).startswith("s3:/")


def _s3_uri(path: Path) -> str:
    return "s3://" + str(path)[len("s3:") :].lstrip("/")


def _download(uris: list[str], into: Path, endpoint_url: str | None) -> dict[str, str]:
    """Each ``s3://`` source copied below ``into``: source URI -> local directory."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - start-up speed

    from faasguard.logs.aws_logs import AwsOptions, download_prefix  # noqa: PLC0415 - start-up speed

    options = AwsOptions(endpoint_url=endpoint_url)
    local = {}
    for uri in uris:
        try:
            local[uri] = str(download_prefix(uri, into, options))
        except (BotoCoreError, ClientError, ValueError) as exc:
            raise fail(f"cannot read {uri}: {exc}") from None
    return local


def _show_s3_names(report: Any, uri_of: dict[str, str]) -> None:
    """Findings and diagnostics name ``s3://bucket/key``, not the temporary download."""

    def rename(text: str) -> str:
        for local, uri in uri_of.items():
            if text.startswith(local):
                return uri.rstrip("/") + text[len(local) :]
        return text

    report.findings = [
        dataclasses.replace(
            f,
            location=dataclasses.replace(f.location, file=rename(f.location.file)),
            properties={
                **f.properties,
                "evidence": [
                    {**e, "source": rename(str(e.get("source", "")))}
                    for e in f.properties.get("evidence", [])
                ],
            },
        )
        for f in report.findings
    ]
    report.diagnostics = [
        dataclasses.replace(
            d, location=dataclasses.replace(d.location, file=rename(d.location.file))
        )
        if d.location is not None
        else d
        for d in report.diagnostics
    ]
    report.root = "."


@logs_app.command()
def suggest(
    sources: Sources,
    app_path: Annotated[
        Path | None, typer.Option("--app", help="Serverless app for configured values.")
    ] = None,
    output_format: Annotated[
        str,
        typer.Option("--format", "-f", help="text, json, sam, serverless or terraform."),
    ] = "text",
    since: Since = None,
    until: Until = None,
    function: FunctionOpt = None,
    function_name: FunctionName = None,
    jobs: Jobs = 0,
    region: Region = None,
    architecture: Arch = None,
) -> None:
    """Right-size timeouts and memory and show the denial-of-wallet exposure."""

    from faasguard.logs.diagnostics import DiagnosticCounter  # noqa: PLC0415 - start-up speed
    from faasguard.logs.engines import get_engine  # noqa: PLC0415 - start-up speed
    from faasguard.logs.ingest import discover  # noqa: PLC0415 - start-up speed
    from faasguard.logs.suggest import render_patch, render_text  # noqa: PLC0415 - start-up speed
    from faasguard.logs.suggest import suggest as compute  # noqa: PLC0415 - start-up speed

    if output_format not in ("text", "json", "sam", "serverless", "terraform"):
        raise fail(
            f"unknown --format '{output_format}' (expected text, json, sam, "
            "serverless or terraform)"
        )
    require_paths(sources)
    apps = _load_apps(app_path) if app_path is not None else []
    config = _config(since, until, function, function_name, None, True, jobs, region, architecture)
    counter = DiagnosticCounter()
    found = discover([str(p) for p in sources], counter)
    state = get_engine("embedded", jobs=jobs).run(found, config.options)
    suggestions = compute(state, apps, region=region, architecture=architecture)
    if output_format == "json":
        body = {"functions": [s.to_dict() for s in suggestions]}
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
    elif output_format == "text":
        sys.stdout.write(render_text(suggestions))
    else:
        sys.stdout.write(render_patch(suggestions, output_format))


def _load_apps(path: Path) -> list[Any]:
    from faasguard.config import ScanConfig  # noqa: PLC0415 - start-up speed
    from faasguard.engine import load_all, scan_root  # noqa: PLC0415 - start-up speed
    from faasguard.loaders.discovery import discover  # noqa: PLC0415 - start-up speed

    require_paths([path], "--app path")
    root = scan_root([str(path)])
    return load_all(discover([str(path)]), ScanConfig(cache_dir=None), root=root)


@logs_app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the logs to.")],
    size: Annotated[str, typer.Option(help="Approximate uncompressed size: 10MB, 1GB.")] = "10MB",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 0,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help=(
                "plain, gzip, s3-export, subscription, firehose, filter-log-events, jsonl or mixed."
            ),
        ),
    ] = "mixed",
) -> None:
    """Write realistic Lambda and CloudTrail logs with injected incidents (ground truth)."""
    from faasguard.logs.generator import FORMATS, parse_size  # noqa: PLC0415 - start-up speed
    from faasguard.logs.generator import generate as run  # noqa: PLC0415 - start-up speed

    if output_format not in FORMATS:
        raise fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    try:
        size_bytes = parse_size(size)
    except ValueError:
        raise fail(f"--size must look like 100MB or 1GB, got '{size}'") from None
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} exists and is not a directory")
    try:
        truth = run(out, size=size_bytes, seed=seed, container=output_format)
    except OSError as exc:
        raise fail(f"cannot write logs to {out}: {exc.strerror or exc}") from None
    typer.echo(
        f"faasguard: wrote {truth['bytes'] / 1e6:.1f} MB of logs and "
        f"{len(truth['incidents'])} incidents to {out} (ground truth: "
        f"{out / 'ground_truth.json'})",
        err=True,
    )


@logs_app.command()
def watch(
    log_group: Annotated[
        list[str],
        typer.Option("--log-group", help="CloudWatch Logs log group to tail (repeatable)."),
    ],
    region: Annotated[
        str | None, typer.Option(help="AWS region (default: the credential chain's).")
    ] = None,
    endpoint_url: EndpointUrl = None,
    state: Annotated[Path, typer.Option(help="Checkpoint and history database.")] = Path(
        ".faasguard"
    )
    / "watch.duckdb",
    sink: Annotated[
        str,
        typer.Option(help="terminal, jsonl:FILE, webhook:URL or sns:TOPIC_ARN."),
    ] = "terminal",
    poll: Annotated[float, typer.Option(help="Seconds between polls.")] = 30.0,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    retain: Annotated[
        int,
        typer.Option(help="Minutes of events kept for baselines (and read on first sight)."),
    ] = 360,
    architecture: Arch = None,
) -> None:
    """Tail log groups and alert as incidents happen; resumes after a crash without loss.

    Exit code with --once: 1 when alerts were sent, 0 when none, 2 on AWS or sink errors.
    """
    from faasguard.logs.aws_logs import AwsOptions  # noqa: PLC0415 - start-up speed
    from faasguard.logs.sinks import parse_sink  # noqa: PLC0415 - start-up speed
    from faasguard.logs.watch import WatchConfig, Watcher, stderr_log  # noqa: PLC0415 - start-up speed
    from faasguard.rules import log_rules  # noqa: PLC0415 - start-up speed

    if poll <= 0 or retain <= 0:
        raise fail("--poll and --retain must be positive")
    aws = AwsOptions(region=region, endpoint_url=endpoint_url)
    try:
        target = parse_sink(sink, aws)
    except ValueError as exc:
        raise fail(str(exc)) from None
    _state_directory(state, "--state")
    config = WatchConfig(
        log_groups=tuple(log_group),
        state=str(state),
        aws=aws,
        poll_seconds=poll,
        retain_minutes=retain,
        region=region,
        architecture=architecture,
    )
    stopping: list[int] = []

    def stop_on(signum: int, _frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop_on)
    signal.signal(signal.SIGINT, stop_on)
    try:
        watcher = Watcher(config, target, stderr_log, log_rules())
    except Exception as exc:  # duckdb lock held by another watcher, unreadable state
        raise fail(f"cannot open {state}: {exc}") from None
    try:
        sent = watcher.run(once=once, stop=lambda: bool(stopping))
    finally:
        watcher.close()
    if watcher.errors and once:
        raise typer.Exit(ExitCode.ERROR)
    raise typer.Exit(ExitCode.FINDINGS if once and sent else ExitCode.CLEAN)
