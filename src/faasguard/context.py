"""Services every layer may use while a scan runs: its configuration and its notes.

The engine sets both for the rules it runs (:func:`using_config`, :func:`collecting_notes`);
analyses and rules read the configuration with :func:`current_config` and report what is not
a finding but must be known (no vulnerability data, a manifest that could not be parsed)
with :func:`note`. Context variables keep concurrent scans in one process apart.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from faasguard.config import ScanConfig
from faasguard.model import Diagnostic

_CURRENT_CONFIG: contextvars.ContextVar[ScanConfig | None] = contextvars.ContextVar(
    "faasguard_scan_config", default=None
)


def current_config() -> ScanConfig:
    """The configuration of the scan running the rule (defaults outside a scan).

    Rules stay pure functions of the model; the few that need scan-wide settings (the date
    for end-of-life checks, the vulnerability database path) read them here.
    """
    return _CURRENT_CONFIG.get() or ScanConfig()


@contextlib.contextmanager
def using_config(config: ScanConfig) -> Iterator[None]:
    """Make ``config`` the :func:`current_config` for the rules run inside the block."""
    token = _CURRENT_CONFIG.set(config)
    try:
        yield
    finally:
        _CURRENT_CONFIG.reset(token)


_NOTES: contextvars.ContextVar[list[Diagnostic] | None] = contextvars.ContextVar(
    "faasguard_scan_notes", default=None
)


def note(diagnostic: Diagnostic) -> None:
    """Add a diagnostic about the analysis itself to the running scan's report.

    For what is not a finding but the user must know (no vulnerability data installed,
    stale data, a manifest that could not be parsed). Identical notes are reported once per
    scan, however many rules or functions raise them. Outside a scan this does nothing.
    """
    notes = _NOTES.get()
    if notes is not None and diagnostic not in notes:
        notes.append(diagnostic)


@contextlib.contextmanager
def collecting_notes() -> Iterator[list[Diagnostic]]:
    """Collect the :func:`note` calls of the rules run inside the block."""
    notes: list[Diagnostic] = []
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)
