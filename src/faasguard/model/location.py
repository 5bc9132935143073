"""Where a model element came from, and the explicit ``Unknown`` value."""

from __future__ import annotations

import os
import re
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


def relative_text(text: str, root: str) -> str:
    """``text`` (a message) with every path under ``root`` written relative to it.

    Messages quote locations (``... at /home/me/app/serverless.yml:21:5``) in the form the
    loader had them: absolute after a cached run, relative to the working directory
    otherwise. Every output shows paths relative to the scanned root, so the root's
    absolute path, and its path relative to the working directory, are cut from the
    front of each path.
    """
    if not root:
        return text
    absolute = os.path.abspath(root)
    prefixes = [absolute + os.sep]
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        relative = "."
    if relative not in (".", os.curdir) and not relative.startswith(os.pardir):
        prefixes.append(relative + os.sep)
    for prefix in prefixes:
        if prefix in text:
            # only where a path starts: not inside a longer name ("workshop/" for "shop/")
            text = re.sub(r"(?<![\w./\\-])" + re.escape(prefix), "", text)
    return text
