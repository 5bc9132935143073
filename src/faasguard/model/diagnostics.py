"""Diagnostics: messages about the input or the analysis itself (not security findings)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from faasguard.model.location import Location

__all__ = ["Diagnostic", "DiagnosticLevel"]


class DiagnosticLevel(enum.StrEnum):
    """How bad a diagnostic is: an ``error`` means part of the input was not analysed."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """A message about the input or the analysis itself (not a security finding)."""

    level: DiagnosticLevel
    message: str
    location: Location | None = None
    code: str = ""
