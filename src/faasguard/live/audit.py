"""``faasguard audit``: a snapshot of the live account, checked with every rule of ``scan``
and against what the templates and the signed manifest say should be deployed.

Layer: above the engine (it runs the engine's rules on the apps built from a snapshot),
below the command line.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from faasguard.config import ScanConfig
from faasguard.engine import RULE_ERROR, run_rules
from faasguard.findings import AppSummary, Report
from faasguard.live.snapshot import snapshot_app
from faasguard.manifest.signing import Trust, verify
from faasguard.model import (
    App,
    DeclaredFunction,
    Diagnostic,
    DiagnosticLevel,
    Location,
    PinnedFunction,
)
from faasguard.rules import all_rules
from faasguard.rules.base import LOG_SOURCES

__all__ = ["RULE_ERROR", "audit", "declared_functions", "manifest_pins"]


def declared_functions(apps: Sequence[App]) -> list[DeclaredFunction]:
    """Every function the templates declare, with its static name when it has one."""
    return [
        DeclaredFunction(
            ref=fn.ref, name=fn.name if isinstance(fn.name, str) else None, location=fn.location
        )
        for app in apps
        for fn in app.functions
    ]


def manifest_pins(
    data: Mapping[str, Any], source: str, trust: Trust | None, now: dt.datetime
) -> tuple[list[PinnedFunction], list[Diagnostic]]:
    """The functions a manifest pins: a signed one is verified with ``trust`` first (and
    :class:`~faasguard.manifest.signing.ManifestInvalidError` raised when it does not hold);
    an unsigned one is used with a warning."""
    diagnostics: list[Diagnostic] = []
    if "payloadType" in data:
        if trust is None:
            raise ValueError(f"{source} is signed: give --trusted-key to verify it")
        document = verify(dict(data), trust, now).get("predicate", {})
    else:
        document = data
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.WARNING,
                message=(
                    f"{source} is not signed: drift is checked against it, but nothing proves "
                    "who approved it; sign it with 'faasguard manifest sign'"
                ),
                location=Location(file=source),
            )
        )
    pins = [
        PinnedFunction(
            ref=str(entry.get("ref") or entry.get("name")),
            name=str(entry.get("name")),
            code_sha256=(entry.get("artifact") or {}).get("codeSha256"),
            config=dict(entry.get("config") or {}),
            manifest=source,
        )
        for entry in document.get("functions", [])
        if isinstance(entry, Mapping)
    ]
    return pins, diagnostics


def audit(
    snapshot: Mapping[str, Any],
    source: str,
    config: ScanConfig,
    *,
    declared: Sequence[DeclaredFunction] = (),
    pinned: Sequence[PinnedFunction] = (),
    inventory: bool = False,
    manifest: str = "",
) -> Report:
    """The report of every rule on every account and region of ``snapshot``."""
    started = time.perf_counter()
    report = Report(root=".")
    rules = [r for r in all_rules() if r.source not in LOG_SOURCES and config.rule_enabled(r.id)]
    report.rules_run = len(rules)
    for region in snapshot.get("accounts", []):
        app = snapshot_app(region, source)
        if app.live is not None:
            live = replace(
                app.live,
                declared=tuple(declared),
                pinned=tuple(pinned),
                inventory=inventory,
                manifest=manifest,
            )
            app = replace(app, live=live)
        report.apps.append(
            AppSummary(
                name=app.name, format=app.format, root_file=source, functions=len(app.functions)
            )
        )
        report.diagnostics.extend(app.diagnostics)
        diagnostics: list[Diagnostic] = []
        report.findings.extend(run_rules(app, rules, config, ".", diagnostics))
        report.diagnostics.extend(d for d in diagnostics if d not in report.diagnostics)
    report.findings.sort(key=lambda f: (f.app, f.location.file, f.rule_id, f.fingerprint))
    report.duration_seconds = time.perf_counter() - started
    return report
