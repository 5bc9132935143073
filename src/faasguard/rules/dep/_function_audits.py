"""The dependency audit of each function, once per scan, shared by the DEP rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from faasguard.deps.audit import FunctionAudit, Source, audit_function
from faasguard.deps.matcher import PackageResult, VulnMatch
from faasguard.deps.model import Dependency, Manifest
from faasguard.findings import Hit, Severity
from faasguard.memo import memo
from faasguard.model import App

#: Formats whose fixture projects exercise the DEP rules that need no vulnerability data:
#: the rules read code directories, not templates, so one format is enough.
DEP_FORMATS: tuple[str, ...] = ("sam",)


def audits(app: App, *, with_store: bool = False) -> Iterator[FunctionAudit]:
    """The audit of every function of ``app`` whose code is available locally."""
    cache = memo()
    for fn in app.functions:
        key = ("dep-audit", id(fn), with_store)
        if key not in cache:
            # every DEP rule audits the same functions: once per app and scan
            cache[key] = audit_function(app, fn, with_store=with_store)
        audit = cache[key]
        if isinstance(audit, FunctionAudit):
            yield audit


def version_text(version: str | None, spec: str) -> str:
    """``2.19.1``, or the spec when no exact version is known."""
    return version or spec or "(any version)"


def audit_manifests(audit: FunctionAudit) -> Iterator[tuple[Source, Manifest]]:
    """Every manifest and lockfile of the function's code and of its layers."""
    for source in audit.sources:
        for manifest in source.project.manifests:
            yield source, manifest


def advisories(
    app: App, selected: Callable[[VulnMatch], bool]
) -> Iterator[tuple[FunctionAudit, PackageResult, list[VulnMatch]]]:
    """Per function, each vulnerable package with the vulnerabilities ``selected`` keeps;
    packages left with none are skipped."""
    for audit in audits(app, with_store=True):
        for result in audit.vulnerable:
            kept = [v for v in result.vulnerabilities if selected(v)]
            if kept:
                yield audit, result, kept


def package_hit(
    audit: FunctionAudit,
    dep: Dependency,
    message: str,
    properties: Mapping[str, Any],
    severity: Severity | None = None,
) -> Hit:
    """A hit on one package of the function, at the line that declares it, keyed by
    ecosystem and normalised name."""
    return Hit(
        message=message,
        location=audit.declaration(dep),
        function=audit.function.ref,
        key=f"{dep.ecosystem}:{dep.key}",
        severity=severity,
        properties=properties,
    )
