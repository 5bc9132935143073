"""``faasguard logs``: analyze, suggest and generate (log analytics, practices P5/P6).

Heavy modules (pyarrow, duckdb, drain3) are imported inside the commands so building the
CLI stays cheap.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from faasguard.logs.analyze import AnalyzeConfig

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

logs_app = typer.Typer(
    name="logs",
    help="Analyse Lambda and CloudTrail logs, right-size timeouts, generate test logs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add the ``logs`` command group to the main CLI."""
    app.add_typer(logs_app, name="logs")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"faasguard: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def _epoch_ms(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    import datetime as dt  # noqa: PLC0415

    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"{option} must be an ISO date or time, got '{text}'") from None
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
    from faasguard.logs.analyze import AnalyzeConfig  # noqa: PLC0415
    from faasguard.logs.pipeline import Options  # noqa: PLC0415

    options = Options(
        function_name=function_name,
        since_ms=_epoch_ms(since, "--since"),
        until_ms=_epoch_ms(until, "--until"),
        functions=tuple(function or ()),
    )
    return AnalyzeConfig(
        jobs=jobs,
        history=None if no_history else str(history or Path(".faasguard") / "logs.duckdb"),
        options=options,
        region=region,
        architecture=architecture,
    )


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
    from rich.progress import Progress  # noqa: PLC0415

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
    import json  # noqa: PLC0415

    from faasguard.logs.analyze import analyze as run  # noqa: PLC0415
    from faasguard.rules import log_rules  # noqa: PLC0415

    if engine == "embedded":
        from faasguard.logs.pipeline import start_compiling  # noqa: PLC0415

        start_compiling()  # without the GIL, while the imports and discovery below run
    from faasguard.findings import Severity  # noqa: PLC0415
    from faasguard.report import FORMATS, render  # noqa: PLC0415

    if output_format not in FORMATS:
        raise _fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    if engine not in ("embedded", "spark"):
        raise _fail(f"unknown --engine '{engine}' (expected embedded or spark)")
    remote = [_s3_uri(p) for p in sources if _is_s3(p)]
    missing = [str(p) for p in sources if not _is_s3(p) and not p.exists()]
    if missing:
        raise _fail(f"path not found: {', '.join(missing)}")
    try:
        threshold = Severity.parse(fail_on)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if app_path is not None and not app_path.exists():
        raise _fail(f"--app path not found: {app_path}")
    import dataclasses  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    config = _config(
        since, until, function, function_name, history, no_history, jobs, region, architecture
    )
    apps = tuple(_load_apps(app_path)) if app_path is not None else ()
    config = dataclasses.replace(config, engine=engine, master=master, apps=apps)
    bar, update = _progress()
    with tempfile.TemporaryDirectory(prefix="faasguard-s3-") as download:
        local = {str(p): str(p) for p in sources if not _is_s3(p)}  # shown name -> path
        if remote:
            local.update(_download(remote, Path(download), endpoint_url))
        try:
            result = run(list(local.values()), config, update, rules=log_rules)
        except RuntimeError as exc:  # SparkUnavailableError: no PySpark, no Java
            raise _fail(str(exc)) from None
        finally:
            if bar is not None:
                bar.stop()
        if remote:
            _show_s3_names(result.report, {v: k for k, v in local.items() if k in remote})
    rules = list(log_rules())
    if output_format == "json":
        from faasguard.report.json import to_dict  # noqa: PLC0415

        body = to_dict(result.report)
        body["functions"] = result.summary
        text = json.dumps(body, indent=2) + "\n"
    else:
        text = render(
            output_format, result.report, rules=rules, color=output is None and sys.stdout.isatty()
        )
        if output_format in ("text", "markdown"):
            text += _summary_table(result.summary, markdown=output_format == "markdown")
    if output is not None:
        output.write_text(text, encoding="utf-8")
        typer.echo(
            f"faasguard: {len(result.report.findings)} finding(s) written to {output}", err=True
        )
    else:
        sys.stdout.write(text)
    if any(f.severity >= threshold for f in result.report.findings):
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_CLEAN)


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
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from faasguard.logs.aws_logs import AwsOptions, download_prefix  # noqa: PLC0415

    options = AwsOptions(endpoint_url=endpoint_url)
    local = {}
    for uri in uris:
        try:
            local[uri] = str(download_prefix(uri, into, options))
        except (BotoCoreError, ClientError, ValueError) as exc:
            raise _fail(f"cannot read {uri}: {exc}") from None
    return local


def _show_s3_names(report: Any, uri_of: dict[str, str]) -> None:
    """Findings and diagnostics name ``s3://bucket/key``, not the temporary download."""
    import dataclasses  # noqa: PLC0415

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


def _summary_table(rows: list[dict[str, Any]], *, markdown: bool) -> str:
    header = (
        "function",
        "invocations",
        "errors",
        "timeouts",
        "cold",
        "p50 ms",
        "p99 ms",
        "max ms",
        "cost $",
    )
    data = [
        (
            r["function"],
            str(r["invocations"]),
            str(r["errors"]),
            str(r["timeouts"]),
            str(r["cold_starts"]),
            str(r["p50_ms"]),
            str(r["p99_ms"]),
            str(r["max_ms"]),
            f"{r['cost_usd']:.4f}",
        )
        for r in rows
    ]
    if markdown:
        lines = [
            "",
            "## Functions",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        lines += ["| " + " | ".join(row) + " |" for row in data]
        return "\n".join(lines) + "\n"
    widths = [
        max(len(h), *(len(row[i]) for row in data)) if data else len(h)
        for i, h in enumerate(header)
    ]
    lines = [
        "",
        "Functions:",
        "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
    ]
    lines += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in data
    ]
    return "\n".join(lines) + "\n"


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
    import json  # noqa: PLC0415

    from faasguard.logs.diagnostics import DiagnosticCounter  # noqa: PLC0415
    from faasguard.logs.engines import get_engine  # noqa: PLC0415
    from faasguard.logs.ingest import discover  # noqa: PLC0415
    from faasguard.logs.suggest import render_patch, render_text  # noqa: PLC0415
    from faasguard.logs.suggest import suggest as compute  # noqa: PLC0415

    if output_format not in ("text", "json", "sam", "serverless", "terraform"):
        raise _fail(
            f"unknown --format '{output_format}' (expected text, json, sam, "
            "serverless or terraform)"
        )
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise _fail(f"path not found: {', '.join(missing)}")
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
    from faasguard.config import ScanConfig  # noqa: PLC0415
    from faasguard.engine import load_all, scan_root  # noqa: PLC0415
    from faasguard.loaders.discovery import discover  # noqa: PLC0415

    if not path.exists():
        raise _fail(f"--app path not found: {path}")
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
    from faasguard.logs.generator import FORMATS, parse_size  # noqa: PLC0415
    from faasguard.logs.generator import generate as run  # noqa: PLC0415

    if output_format not in FORMATS:
        raise _fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    try:
        size_bytes = parse_size(size)
    except ValueError:
        raise _fail(f"--size must look like 100MB or 1GB, got '{size}'") from None
    truth = run(out, size=size_bytes, seed=seed, container=output_format)
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
    import signal  # noqa: PLC0415

    from faasguard.logs.aws_logs import AwsOptions  # noqa: PLC0415
    from faasguard.logs.sinks import parse_sink  # noqa: PLC0415
    from faasguard.logs.watch import WatchConfig, Watcher, stderr_log  # noqa: PLC0415
    from faasguard.rules import log_rules  # noqa: PLC0415

    if poll <= 0 or retain <= 0:
        raise _fail("--poll and --retain must be positive")
    aws = AwsOptions(region=region, endpoint_url=endpoint_url)
    try:
        target = parse_sink(sink, aws)
    except ValueError as exc:
        raise _fail(str(exc)) from None
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
        raise _fail(f"cannot open {state}: {exc}") from None
    try:
        sent = watcher.run(once=once, stop=lambda: bool(stopping))
    finally:
        watcher.close()
    if watcher.errors and once:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if once and sent else EXIT_CLEAN)
