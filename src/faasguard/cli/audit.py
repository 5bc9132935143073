"""``faasguard audit``: the live account, read-only, checked like a template and for drift.

Options, report formats and exit codes are those of ``scan``. The endpoint and credentials
come from boto3's own configuration (``AWS_PROFILE``, ``AWS_ENDPOINT_URL``, ...).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from faasguard.cli.common import check_output_file, fail, usage_errors, write_output

if TYPE_CHECKING:
    from faasguard.config import ScanConfig
    from faasguard.model import DeclaredFunction, PinnedFunction


def _read_account(profiles: list[str], regions: list[str], jobs: int) -> dict[str, Any]:
    import boto3  # noqa: PLC0415 - start-up speed: boto3 only when auditing
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415 - start-up speed

    from faasguard.live.aws import read_accounts  # noqa: PLC0415 - start-up speed

    try:
        sessions = [(p, boto3.Session(profile_name=p)) for p in profiles] or [("", boto3.Session())]
    except BotoCoreError as exc:
        raise fail(str(exc)) from None
    wanted = regions or [sessions[0][1].region_name or ""]
    if not all(wanted):
        raise fail("no region: give --region or configure one (AWS_REGION, the profile)")
    bar = None
    if sys.stderr.isatty():
        from rich.progress import Progress  # noqa: PLC0415 - start-up speed

        bar = Progress(transient=True)
        task = bar.add_task("reading the account", total=None)
        bar.start()
    try:
        return read_accounts(
            sessions,
            wanted,
            workers=jobs,
            progress=(lambda done, total: bar.update(task, completed=done, total=total))
            if bar
            else None,
        )
    finally:
        if bar:
            bar.stop()


def _expectations(
    apps: list[Path], manifest: Path | None, trusted: list[Path]
) -> tuple[list[DeclaredFunction], list[PinnedFunction], list[Any]]:
    from faasguard.cli.manifest import load_apps  # noqa: PLC0415 - start-up speed
    from faasguard.live.audit import declared_functions, manifest_pins  # noqa: PLC0415
    from faasguard.manifest.signing import ManifestInvalidError, load_trust  # noqa: PLC0415

    declared = declared_functions(load_apps(apps)) if apps else []
    if manifest is None:
        return declared, [], []
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise fail(f"{manifest}: cannot read the manifest ({exc})") from None
    trust = load_trust(trusted) if trusted else None
    try:
        pins, notes = manifest_pins(data, str(manifest), trust, dt.datetime.now(dt.UTC))
    except ManifestInvalidError as exc:
        raise fail(f"{manifest}: the signed manifest does not verify: {exc}") from None
    return declared, pins, notes


def audit(
    profile: Annotated[
        list[str] | None, typer.Option("--profile", help="AWS profile (repeatable).")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", help="Region (repeatable).")
    ] = None,
    app: Annotated[
        list[Path] | None,
        typer.Option("--app", help="Templates that declare the functions (rogue detection)."),
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option(help="Signed manifest the deployment must match.")
    ] = None,
    trusted_key: Annotated[
        list[Path] | None,
        typer.Option("--trusted-key", help="Key or trust file to verify --manifest with."),
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Analyse this saved snapshot instead of the account.")
    ] = None,
    snapshot_out: Annotated[Path | None, typer.Option(help="Save the snapshot here.")] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, sarif or markdown.")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    fail_on: Annotated[
        str | None, typer.Option(help="Exit 1 at or above this severity (default: low).")
    ] = None,
    select: Annotated[list[str] | None, typer.Option(help="Only these rules.")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Not these rules.")] = None,
    strict: Annotated[
        bool, typer.Option(help="Exit 2 when a call was denied or a rule failed.")
    ] = False,
    jobs: Annotated[int, typer.Option(help="Accounts/regions read at once.")] = 4,
) -> None:
    """Audit the live account read-only: every scan rule, drift and rogue functions."""
    from faasguard.config import ScanConfig  # noqa: PLC0415 - start-up speed
    from faasguard.engine import exit_code  # noqa: PLC0415 - start-up speed
    from faasguard.live.audit import audit as run_audit  # noqa: PLC0415 - start-up speed
    from faasguard.live.snapshot import read_snapshot  # noqa: PLC0415 - start-up speed
    from faasguard.report import FORMATS  # noqa: PLC0415 - start-up speed

    if output_format not in FORMATS:
        raise fail(f"unknown --format '{output_format}' (expected one of: {', '.join(FORMATS)})")
    check_output_file(output, "--output")
    check_output_file(snapshot_out, "--snapshot-out")
    with usage_errors():
        config = ScanConfig.from_options(
            ".", cache=False, fail_on=fail_on, select=select, ignore=ignore, strict=strict
        )
        declared, pins, notes = _expectations(app or [], manifest, trusted_key or [])
        if snapshot is not None:
            data, source = read_snapshot(snapshot), str(snapshot)
        else:
            data, source = _read_account(profile or [], region or [], jobs), "live"
    if snapshot_out is not None:
        try:
            snapshot_out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")
        except OSError as exc:
            raise fail(f"cannot write {snapshot_out}: {exc.strerror}") from None
    report = run_audit(
        data,
        source,
        config,
        declared=declared,
        pinned=pins,
        inventory=bool(app) or manifest is not None,
        manifest=str(manifest or ""),
    )
    report.diagnostics[:0] = notes
    write_output(_render(report, config, output_format, output), output, "audit report")
    raise typer.Exit(exit_code(report, config))


def _render(report: Any, config: ScanConfig, output_format: str, output: Path | None) -> str:
    from faasguard.report import render  # noqa: PLC0415 - start-up speed
    from faasguard.rules import all_rules  # noqa: PLC0415 - start-up speed

    rules = [r for r in all_rules() if config.rule_enabled(r.id)]
    color = output is None and sys.stdout.isatty()
    return render(output_format, report, rules=rules, color=color, width=120)
