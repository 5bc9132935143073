"""The dependency audit of each function, once per scan, shared by the DEP rules."""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.deps.audit import FunctionAudit, Source, audit_function
from faasguard.deps.model import Manifest
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
