"""Exceptions faasguard raises for bad input, and the exit codes of the command line.

Each exception carries the file and line it is about.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What a faasguard command's exit status means (the same for every command)."""

    #: nothing at or above the threshold
    CLEAN = 0
    #: findings (vulnerable packages, alerts) at or above the threshold
    FINDINGS = 1
    #: wrong usage, or an input that could not be loaded
    ERROR = 2


class FaasguardError(Exception):
    """Base of every faasguard error."""


class LoadError(FaasguardError):
    """Input that cannot be read: malformed YAML/JSON/HCL, too large, unsafe, ...

    ``line`` and ``column`` are 1-based, 0 when unknown.
    """

    def __init__(self, message: str, file: str, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")


class UsageError(FaasguardError):
    """Wrong command-line usage or configuration (exit code 2)."""
