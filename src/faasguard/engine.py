"""The scan engine: discover → load (in parallel, cached) → run rules → suppress → report.

Analysis is isolated: a loader or rule that raises becomes an error diagnostic in the report
and the rest of the scan goes on.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import multiprocessing
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from faasguard.config import LoadOptions, ScanConfig, rule_matches, skipped
from faasguard.context import collecting_notes, using_config
from faasguard.errors import ExitCode, UsageError
from faasguard.findings import AppSummary, Finding, FlowStep, Hit, Report, Severity, fingerprint
from faasguard.loaders import Candidate, load, prepare
from faasguard.loaders.discovery import discover
from faasguard.memo import memo_scope
from faasguard.model import (
    App,
    Diagnostic,
    DiagnosticLevel,
    Location,
    Suppression,
    relative_text,
)
from faasguard.rules import all_rules
from faasguard.rules.base import LOG_SOURCES, Rule

#: Diagnostic codes :func:`exit_code` tells apart.
LOAD_ERROR = "load-error"
RULE_ERROR = "rule-error"
CACHE_UNAVAILABLE = "cache-unavailable"

_SUPPRESS_COMMENT = re.compile(
    r"(?:#|//)\s*faasguard:\s*ignore\[(?P<ids>[^\]]*)\](?P<reason>[^\n]*)", re.IGNORECASE
)
_PARALLEL_THRESHOLD = 6

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class _Job:
    candidate: Candidate
    options: LoadOptions
    #: With rule ids and a config, the worker also runs the rules (in parallel with the
    #: other workers) and returns their findings; without, it only loads.
    rule_ids: tuple[str, ...] | None = None
    config: ScanConfig | None = None
    root: str = ""


@dataclass(frozen=True, slots=True)
class _Result:
    """What a worker sends back. During a scan the model itself stays in the worker (it is
    large and the parent needs only the summary), so ``app`` is ``None`` there."""

    summary: AppSummary
    app: App | None = None
    app_diagnostics: tuple[Diagnostic, ...] = ()
    #: unsuppressed findings (baselines are applied by the parent)
    findings: tuple[Finding, ...] = ()
    #: rule notes and failures, suppression warnings
    diagnostics: tuple[Diagnostic, ...] = ()
    suppressed: int = 0


def scan_root(paths: Sequence[str]) -> str:
    """The directory report paths are relative to: the scanned directory, or the common one."""
    dirs = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths]
    if not dirs:
        return os.getcwd()
    return os.path.commonpath(dirs)


def scan(
    paths: Sequence[str],
    config: ScanConfig | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> Report:
    """Scan every serverless app below ``paths`` and return the report."""
    config = config or ScanConfig()
    started = time.perf_counter()
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError(f"path not found: {', '.join(missing)}")
    root = scan_root(paths)
    report = Report(root=root)
    candidates = [c for c in discover(paths) if not skipped(c.path, root, config.skip_paths)]
    if config.load.root is None:
        config = replace(config, load=replace(config.load, root=root))
    # Log detections (Source.LAMBDA_LOGS, CLOUDTRAIL) run in `faasguard logs`, not on apps.
    rules = [r for r in all_rules() if r.source not in LOG_SOURCES and config.rule_enabled(r.id)]
    report.rules_run = len(rules)
    baseline = read_baseline(config.baseline) if config.baseline else frozenset()
    today = config.today or _today()
    if config.today is None:
        config = replace(config, today=today)  # one date for every worker
    config, cache_problem = _usable_cache(config, root)
    if cache_problem is not None:
        report.diagnostics.append(cache_problem)
    results = _run(candidates, config, root=root, rules=rules, progress=progress)
    for ignore in config.ignores:
        if ignore.expired(today):
            report.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message=(
                        f"ignore of {ignore.rule} in {ignore.source} expired on "
                        f"{ignore.expires}; it no longer applies"
                    ),
                )
            )
    for result in results:
        report.apps.append(result.summary)
        report.diagnostics.extend(result.app_diagnostics)
        # A note raised for several apps (no vulnerability data installed) is shown once.
        report.diagnostics.extend(d for d in result.diagnostics if d not in report.diagnostics)
        report.suppressed += result.suppressed
        for finding in result.findings:
            if finding.fingerprint in baseline:
                report.baselined += 1
            else:
                report.findings.append(finding)
    report.findings.sort(key=lambda f: (f.location.file, f.location.line, f.rule_id, f.fingerprint))
    report.duration_seconds = time.perf_counter() - started
    return report


def exit_code(report: Report, config: ScanConfig) -> ExitCode:
    """The exit status of a scan (see :func:`exit_status`)."""
    return exit_status(report, config.fail_on, strict=config.strict)


def exit_status(report: Report, fail_on: Severity, *, strict: bool = False) -> ExitCode:
    """The exit status of a report, for ``scan`` and ``logs analyze`` alike:
    :attr:`~ExitCode.ERROR` when an input could not be loaded or read, or (``strict``) when a
    rule failed or a warning was raised; otherwise :attr:`~ExitCode.FINDINGS` when a finding
    is at or above ``fail_on``; else clean."""
    if any(d.level is DiagnosticLevel.ERROR and d.code != RULE_ERROR for d in report.diagnostics):
        return ExitCode.ERROR
    if strict and any(
        d.level in (DiagnosticLevel.ERROR, DiagnosticLevel.WARNING) for d in report.diagnostics
    ):
        return ExitCode.ERROR
    if any(f.severity >= fail_on for f in report.findings):
        return ExitCode.FINDINGS
    return ExitCode.CLEAN


def _today() -> dt.date:
    return dt.date.today()


def load_all(
    candidates: Sequence[Candidate],
    config: ScanConfig,
    *,
    root: str,
    progress: ProgressCallback | None = None,
) -> list[App]:
    """Load every candidate, from the cache when unchanged, using all cores for the rest."""
    config, _ = _usable_cache(config, root)  # without a report to tell: quietly uncached
    results = _run(candidates, config, root=root, rules=None, progress=progress)
    return [r.app for r in results if r.app is not None]


def _usable_cache(config: ScanConfig, root: str) -> tuple[ScanConfig, Diagnostic | None]:
    """``config`` as it is when its cache can be used safely (creating the user key now, before
    any worker needs it), else without a cache and with a warning that says why."""
    from faasguard.cache import CacheUnavailableError, ModelCache  # noqa: PLC0415 - only when caching is on

    if not config.cache_dir:
        return config, None
    try:
        ModelCache(config.cache_dir, root=root).check()
    except CacheUnavailableError as exc:
        warning = Diagnostic(
            level=DiagnosticLevel.WARNING,
            message=f"not using the model cache: {exc}; scanning without it",
            code=CACHE_UNAVAILABLE,
        )
        return replace(config, cache_dir=None), warning
    return config, None


def _run(
    candidates: Sequence[Candidate],
    config: ScanConfig,
    *,
    root: str,
    rules: Sequence[Rule] | None,
    progress: ProgressCallback | None,
) -> list[_Result]:
    """Load (and, with ``rules``, check) every candidate in worker processes, one per core.

    Each worker first tries the model cache and writes the entries of what it had to load,
    so cold and warm scans both use every core.
    """
    rule_ids = None if rules is None else tuple(r.id for r in rules)
    jobs = [_Job(candidate, config.load, rule_ids, config, root) for candidate in candidates]
    results: list[_Result] = []
    if progress:
        progress(0, len(candidates))
    workers = config.jobs or (os.cpu_count() or 1)
    if len(jobs) >= _PARALLEL_THRESHOLD and workers > 1:
        # fork: workers inherit the imported loaders, rules and the warmed-up SAM translator.
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        if context.get_start_method() == "fork":
            if not _mostly_cached(config, len(candidates)):
                # Worth it only when most apps must be loaded: a warm cache needs no loader.
                prepare({candidate.format for candidate in candidates})
            _warm_up_rules(rules or ())
        chunk = max(1, len(jobs) // (workers * 8))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            try:
                for outcome in pool.map(_work_in_worker, jobs, chunksize=chunk):
                    results.append(outcome)
                    if progress:
                        progress(len(results), len(candidates))
            except BrokenProcessPool:
                pass  # a worker was killed (OOM killer, a signal): the rest go one by one below
        # Which app killed the worker is unknown, so each unfinished one gets a process of its
        # own: the others are scanned, and the one that kills its process too is reported.
        for job in jobs[len(results) :]:
            results.append(_work_alone(job, context))
            if progress:
                progress(len(results), len(candidates))
    else:
        for job in jobs:
            results.append(_work(job))
            if progress:
                progress(len(results), len(candidates))
    return results


def _mostly_cached(config: ScanConfig, apps: int) -> bool:
    """True when the cache directory holds entries for at least most of ``apps`` (a cheap
    guess from the entry count; the workers check each entry properly)."""
    if not config.cache_dir:
        return False
    try:
        entries = sum(1 for name in os.listdir(config.cache_dir) if name.endswith(".bin"))
    except OSError:
        return False
    return entries * 2 >= apps


def _warm_up_rules(rules: Sequence[Rule]) -> None:
    """Let rule modules load their data (a ``warm_up()`` function) before workers fork."""
    for module_name in sorted({r.module for r in rules}):
        warm_up = getattr(sys.modules.get(module_name), "warm_up", None)
        if callable(warm_up):
            warm_up()


#: Test hook, only for the tests of a killed worker (tests/hostile/test_writes.py); never set
#: it otherwise: a worker process given an app with a path component of this name kills itself
#: with SIGKILL, as the OOM killer would.
TEST_KILL_WORKER_ENV = "FAASGUARD_TEST_KILL_WORKER"


def _work_in_worker(job: _Job) -> _Result:
    """:func:`_work` in a worker process (where the test hook above applies)."""
    doomed = os.environ.get(TEST_KILL_WORKER_ENV)
    if doomed and doomed in Path(job.candidate.path).parts:
        os.kill(os.getpid(), signal.SIGKILL)
    return _work(job)


def _work_alone(job: _Job, context: BaseContext) -> _Result:
    """``job`` in a process of its own; when that process dies too, the app is reported as
    an error (its findings missing) instead of ending the scan without a report."""
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(_work_in_worker, job).result()
        except BrokenProcessPool:
            pass
    app = _error_app(
        job.candidate,
        f"the process scanning the app in {job.candidate.path} died (killed by a signal; "
        "out of memory?); its findings are missing",
    )
    summary = AppSummary(name=app.name, format=app.format, root_file=app.root_file, functions=0)
    return _Result(
        summary, app=app if job.rule_ids is None else None, app_diagnostics=app.diagnostics
    )


def _work(job: _Job) -> _Result:
    """Worker entry point: the model from the cache or the loader, then (during a scan) the
    rules and the suppressions, returning only what the report needs."""
    from faasguard.cache import ModelCache  # noqa: PLC0415 - only when caching is on

    config = job.config or ScanConfig()
    cache = ModelCache(config.cache_dir, root=job.root) if config.cache_dir else None
    app = cache.get(job.candidate, job.options) if cache else None
    if app is None:
        app = _load_one(job)
        if cache and not any(
            d.level is DiagnosticLevel.ERROR and d.code == LOAD_ERROR for d in app.diagnostics
        ):
            cache.put(job.candidate, job.options, app)
    summary = AppSummary(
        name=app.name, format=app.format, root_file=app.root_file, functions=len(app.functions)
    )
    if job.rule_ids is None:
        return _Result(summary, app=app, app_diagnostics=app.diagnostics)
    wanted = set(job.rule_ids)
    rules = [r for r in all_rules() if r.id in wanted]
    diagnostics: list[Diagnostic] = []
    findings = run_rules(app, rules, config, job.root, diagnostics)
    suppressions = list(app.suppressions) + list(_comment_suppressions(app, diagnostics))
    today = config.today or _today()
    kept = [f for f in findings if not _suppressed(f, app, suppressions, config, job.root, today)]
    return _Result(
        summary,
        app_diagnostics=app.diagnostics,
        findings=tuple(kept),
        diagnostics=tuple(diagnostics),
        suppressed=len(findings) - len(kept),
    )


def _load_one(job: _Job) -> App:
    """Load one candidate; a loader crash becomes an error diagnostic, never an exception."""
    try:
        return load(job.candidate, job.options)
    except Exception as exc:
        return _error_app(
            job.candidate,
            f"internal error while loading ({type(exc).__name__}: {exc}); "
            "please report it with this file",
        )


def _error_app(candidate: Candidate, message: str) -> App:
    """An empty app for ``candidate`` that carries ``message`` as a load error."""
    return App(
        name=Path(candidate.path).name,
        format=candidate.format,
        root_file=candidate.path,
        files=(candidate.path,),
        diagnostics=(
            Diagnostic(
                level=DiagnosticLevel.ERROR,
                message=message,
                location=Location(file=candidate.path),
                code=LOAD_ERROR,
            ),
        ),
    )


def run_rules(
    app: App,
    rules: Sequence[Rule],
    config: ScanConfig,
    root: str,
    diagnostics: list[Diagnostic],
) -> list[Finding]:
    """Every finding of ``rules`` on ``app``; a rule that raises becomes a diagnostic."""
    findings: list[Finding] = []
    app_file = _relative(app.root_file, root)
    # Rules report diagnostics about the analysis itself (no vulnerability data, a broken
    # manifest) through rules.base.note; identical notes are kept once.
    with collecting_notes() as notes, memo_scope():
        findings.extend(_check_all(app, rules, config, app_file, diagnostics))
    diagnostics.extend(n for n in notes if n not in diagnostics)
    return findings


def _check_all(
    app: App,
    rules: Sequence[Rule],
    config: ScanConfig,
    app_file: str,
    diagnostics: list[Diagnostic],
) -> list[Finding]:
    findings: list[Finding] = []
    for registered in rules:
        if registered.check is None:
            continue
        try:
            with using_config(config):
                hits = list(registered.check(app))
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=(
                        f"rule {registered.id} failed on app {app.name}: "
                        f"{type(exc).__name__}: {exc} ({Path(frame.filename).name}:"
                        f"{frame.lineno}); its findings are missing"
                    ),
                    location=Location(file=app.root_file),
                    code=RULE_ERROR,
                )
            )
            continue
        for hit in merge_shared_causes(hits, app):
            findings.append(_finding(registered, hit, app, app_file, config))
    return findings


def merge_shared_causes(hits: list[Hit], app: App) -> list[Hit]:
    """One hit per cause: hits of one rule at the same place, with the same key, message
    and severity, on several functions (a manifest or an artifact they share) become one
    hit on the first function naming all of them (``properties["functions"]``), the others'
    declarations as related locations. Hits that differ in anything but the function stay
    apart."""
    groups: dict[tuple[Any, ...], list[Hit]] = {}
    for hit in hits:
        where = hit.location
        cause: tuple[Any, ...] = (where.file, where.line, where.column, hit.key, hit.message)
        cause += (hit.severity,)
        cause += (hit.resource,) if hit.function else (id(hit),)
        groups.setdefault(cause, []).append(hit)
    merged: list[Hit] = []
    for group in groups.values():
        functions = sorted({h.function for h in group if h.function})
        if len(functions) < 2:
            merged.extend(group)
            continue
        first = next(h for h in group if h.function == functions[0])
        declared = {fn.ref: fn for fn in app.functions}
        names = [declared[f].display_name if f in declared else f for f in functions]
        merged.append(
            replace(
                first,
                message=f"{first.message} (one cause shared by functions {', '.join(names)})",
                properties={**first.properties, "functions": functions},
                related=tuple(
                    FlowStep(location=declared[f].location, message=f"function {name}")
                    for f, name in zip(functions[1:], names[1:], strict=True)
                    if f in declared
                ),
            )
        )
    return merged


def _finding(registered: Rule, hit: Hit, app: App, app_file: str, config: ScanConfig) -> Finding:
    severity = config.severity_overrides.get(
        registered.id, hit.severity if hit.severity is not None else registered.severity
    )
    subject = hit.function or hit.resource or ""
    root = config.load.root or ""
    flow = tuple(replace(s, message=relative_text(s.message, root)) for s in hit.flow)
    return Finding(
        rule_id=registered.id,
        title=registered.title,
        severity=severity,
        practice=registered.practice,
        message=relative_text(hit.message, root),
        app=app.name,
        location=hit.location,
        function=hit.function,
        resource=hit.resource,
        fingerprint=fingerprint(registered.id, app_file, subject, hit.key),
        flow=flow,
        properties=hit.properties,
        principal=hit.principal,
        app_file=app_file,
        related=hit.related,
    )


def _relative(path: str, root: str) -> str:
    try:
        return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def _comment_suppressions(app: App, diagnostics: list[Diagnostic]) -> Iterable[Suppression]:
    """``# faasguard: ignore[ID, ID] reason`` comments in every file the app was read from.

    A trailing comment applies to its own line; a comment alone on a line applies to the
    next line that is not blank or a comment (and so to the function or resource declared
    there, with all its findings).
    """
    for file in app.files:
        try:
            text = Path(file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "faasguard" not in text:
            continue
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            match = _SUPPRESS_COMMENT.search(line)
            if not match:
                continue
            target = number
            if not line[: match.start()].strip():
                for following in range(number, len(lines)):
                    stripped = lines[following].strip()
                    if stripped and not stripped.startswith(("#", "//")):
                        target = following + 1
                        break
            reason = match.group("reason").strip().lstrip("-—:").strip()
            ids = [i.strip().upper() for i in match.group("ids").split(",") if i.strip()]
            if not reason:
                diagnostics.append(
                    Diagnostic(
                        level=DiagnosticLevel.WARNING,
                        message=(
                            "suppression without a reason is not applied; write "
                            "'# faasguard: ignore[ID] why this is acceptable'"
                        ),
                        location=Location(file=file, line=number, column=match.start() + 1),
                    )
                )
                continue
            for rule_id in ids:
                yield Suppression(
                    rule_id=rule_id, reason=reason, location=Location(file=file, line=target)
                )


def _suppressed(
    finding: Finding,
    app: App,
    suppressions: Sequence[Suppression],
    config: ScanConfig,
    root: str,
    today: dt.date,
) -> bool:
    # A finding for one cause shared by several functions is hidden only when every one of
    # them is suppressed (or the cause's own line is): suppressing one must not hide others.
    subjects: list[str | None] = list(finding.properties.get("functions") or ())
    subjects = subjects or [finding.function or finding.resource]
    matching = [s for s in suppressions if s.rule_id in (finding.rule_id, "*")]
    for suppression in matching:
        if (
            suppression.target is None
            and _same_file(suppression.location.file, finding.location.file)
            and suppression.location.line == finding.location.line
        ):
            return True
    if all(any(_covers(s, app, subject) for s in matching) for subject in subjects):
        return True
    functions = list(finding.properties.get("functions") or ()) or [finding.function]
    relative = _relative(finding.location.file, root)
    for ignore in config.ignores:
        if not rule_matches(ignore.rule, finding.rule_id):
            continue
        if ignore.expired(today):
            continue
        if ignore.paths and not any(fnmatch.fnmatch(relative, p) for p in ignore.paths):
            continue
        if ignore.functions and not all(
            _names(app, subject).intersection(ignore.functions) for subject in functions
        ):
            continue
        return True
    return False


def _covers(suppression: Suppression, app: App, subject: str | None) -> bool:
    """Whether ``suppression`` is attached to ``subject`` (by target or declaration line)."""
    if suppression.target is not None:
        return suppression.target == subject
    declared = _declaration(app, subject)
    return (
        declared is not None
        and _same_file(declared.file, suppression.location.file)
        and declared.line == suppression.location.line
    )


def _names(app: App, subject: str | None) -> set[object]:
    function = app.function(subject) if subject else None
    return {subject, function.name if function else None}


def _declaration(app: App, ref: str | None) -> Location | None:
    if ref is None:
        return None
    function = app.function(ref)
    if function is not None:
        return function.location
    resource = app.resource(ref)
    return resource.location if resource is not None else None


def _same_file(a: str, b: str) -> bool:
    return a == b or os.path.abspath(a) == os.path.abspath(b)


def read_baseline(path: str) -> frozenset[str]:
    """Fingerprints recorded by ``--write-baseline``; :class:`UsageError` when unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read baseline: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid baseline JSON: {exc.msg}") from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"{path}: not a faasguard baseline (no 'findings' list)")
    return frozenset(
        str(e["fingerprint"]) for e in entries if isinstance(e, dict) and "fingerprint" in e
    )


def write_baseline(report: Report, path: str) -> None:
    """Record the fingerprints of every current finding, with enough context to review;
    :class:`UsageError` when the file cannot be written."""
    entries = [
        {
            "fingerprint": f.fingerprint,
            "rule_id": f.rule_id,
            "file": _relative(f.location.file, report.root),
            "function": f.function,
            "resource": f.resource,
        }
        for f in report.findings
    ]
    document = {"tool": "faasguard", "baseline_version": 1, "findings": entries}
    try:
        Path(path).write_text(
            json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
