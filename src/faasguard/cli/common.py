"""What every command shares: errors and exit codes, output files, and common options.

Every command reports a usage error the same way (``faasguard: error: ...`` on standard
error, exit code 2, see :class:`~faasguard.errors.ExitCode`) through :func:`fail`. Only
light modules may be imported here: the whole CLI imports this module at start-up.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from faasguard.errors import ExitCode, UsageError

__all__ = [
    "ConfigFile",
    "Db",
    "ExitCode",
    "FunctionOption",
    "Ignore",
    "Jobs",
    "NoCache",
    "Param",
    "ScanPaths",
    "Select",
    "Stage",
    "Var",
    "check_output_file",
    "fail",
    "require_paths",
    "targets",
    "usage_errors",
    "write_output",
]

#: ``--stage``, ``--var``, ``--param``, ``--no-cache``, ``--jobs`` of the commands that load apps.
Stage = Annotated[
    str | None, typer.Option(help="Serverless Framework stage (${opt:stage}, ${sls:stage}).")
]
Var = Annotated[
    list[str] | None,
    typer.Option(
        help="NAME=VALUE for Serverless ${opt:}/${env:}/${param:} and Terraform variables."
    ),
]
Param = Annotated[
    list[str] | None, typer.Option(help="NAME=VALUE CloudFormation parameter override.")
]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write .faasguard/cache.")]
Jobs = Annotated[int, typer.Option(help="Parallel loader processes (0: one per core).")]
#: ``--db`` of every command that reads the offline vulnerability store.
Db = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="FAASGUARD_DB",
        help="Vulnerability store (default: the user cache directory); env FAASGUARD_DB.",
    ),
]
#: The arguments and rule options of the commands that scan (``scan``, ``report``).
ScanPaths = Annotated[
    list[Path] | None, typer.Argument(help="Files or directories to scan (default: .).")
]
Select = Annotated[
    list[str] | None,
    typer.Option(help="Only run these rules (ids or prefixes, comma-separated)."),
]
Ignore = Annotated[
    list[str] | None,
    typer.Option(help="Do not run these rules (ids or prefixes, comma-separated)."),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option("--config", help="faasguard.toml or pyproject.toml to use."),
]
#: ``--function`` of the commands that work on one function.
FunctionOption = Annotated[
    str | None, typer.Option("--function", help="Only this function (ref or name).")
]


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error and return the exit (code 2) to raise."""
    typer.echo(f"faasguard: error: {message}", err=True)
    return typer.Exit(ExitCode.ERROR)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Turn a :class:`UsageError` or ``ValueError`` (a bad option value) into :func:`fail`."""
    try:
        yield
    except (UsageError, ValueError) as exc:
        raise fail(str(exc)) from None


def targets(paths: list[Path] | None) -> list[str]:
    """The paths a command works on, as strings: the current directory when none is given."""
    return [str(p) for p in (paths or [Path(".")])]


def require_paths(paths: Iterable[Path | str], what: str = "path") -> None:
    """:func:`fail` naming every path that does not exist (``path not found: a, b``)."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise fail(f"{what} not found: {', '.join(missing)}")


def check_output_file(path: Path | None, option: str) -> None:
    """:func:`fail` before any work when ``path`` (given with ``option``) cannot be a file we
    write: an existing directory, or in a directory that does not exist."""
    if path is None:
        return
    if path.is_dir():
        raise fail(f"{option} {path} is a directory, not a file")
    parent = path.parent
    if not parent.is_dir():
        raise fail(f"{option} {path}: directory {parent} does not exist")


def write_output(text: str, output: Path | None, written: str | None) -> None:
    """``text`` to standard output, or to ``output`` followed by ``written`` on standard
    error (``faasguard: ... written to FILE``; nothing when ``written`` is ``None``)."""
    if output is None:
        sys.stdout.write(text)  # not typer.echo: it would strip colours forced with --color
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror}") from None
    if written is not None:
        typer.echo(f"faasguard: {written} written to {output}", err=True)
