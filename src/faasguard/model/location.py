"""Where a model element came from, and the explicit ``Unknown`` value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A place in a file the user wrote.

    ``file`` is the path as discovered (absolute or relative to the working directory);
    reporters make it relative to the scanned root. ``line`` and ``column`` are 1-based;
    0 means "unknown" (the whole file). ``pointer`` is an RFC 6901 JSON pointer into the
    document (or a dotted Terraform address for HCL).
    """

    file: str
    line: int = 0
    column: int = 0
    pointer: str = ""

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value faasguard cannot resolve statically.

    ``expression`` is the source text (``${ssm:/db/password}``, ``{"Fn::ImportValue": ...}``,
    ``var.timeout``) so messages can say exactly what was not resolved. Rules treat unknown
    values conservatively and say so. ``literal_secret`` marks a secret the source file
    holds in plain text but faasguard keeps out of every value and message (the default of
    a CloudFormation ``NoEcho`` parameter), so secret rules still report it.
    """

    expression: str
    reason: str = ""
    literal_secret: bool = False

    def __str__(self) -> str:
        return f"<unknown: {self.expression}>"


def is_unknown(value: object) -> bool:
    """True when ``value`` is an :class:`Unknown` (or contains one at the top level of a str)."""
    return isinstance(value, Unknown)
