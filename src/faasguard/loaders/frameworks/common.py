"""What the framework loaders share: reading settings files and Python modules safely."""

from __future__ import annotations

import ast
import os
import warnings
from collections.abc import Callable, Iterable

from faasguard.config import LoadOptions
from faasguard.errors import LoadError
from faasguard.loaders.documents import Document, load_json, load_yaml
from faasguard.loaders.files import UnreadableFileError, read_regular_text
from faasguard.model import (
    App,
    Diagnostic,
    DiagnosticLevel,
    Function,
    Location,
    Policy,
    Role,
    Statement,
    Unknown,
)


def error(path: str, message: str, line: int = 0, column: int = 0) -> Diagnostic:
    """An error diagnostic at ``path:line``."""
    return Diagnostic(
        level=DiagnosticLevel.ERROR,
        message=message,
        location=Location(file=path, line=line, column=column),
        code="load-error",
    )


def warning(path: str, message: str, line: int = 0) -> Diagnostic:
    """A warning diagnostic at ``path:line``."""
    return Diagnostic(
        level=DiagnosticLevel.WARNING,
        message=message,
        location=Location(file=path, line=line),
        code="framework",
    )


def read_document(path: str) -> Document | Diagnostic:
    """A JSON or YAML settings file with line numbers, or why it cannot be read."""
    try:
        text = read_regular_text(path)
    except UnreadableFileError as exc:
        return error(path, exc.message)
    try:
        return load_json(text, path) if path.lower().endswith(".json") else load_yaml(text, path)
    except LoadError as exc:
        return error(path, exc.message, exc.line, exc.column)


def parse_python(source: str | bytes, filename: str) -> ast.Module:
    """``ast.parse`` of scanned code without the ``SyntaxWarning`` Python prints for odd
    but valid code (``1if x``: "invalid decimal literal") on the user's terminal: the code is
    somebody else's, and what faasguard cannot read is a diagnostic, not a warning.

    ``warnings.catch_warnings`` swaps process-wide filters; faasguard parses in one thread
    per process (scan workers are processes), so the swap cannot race another parse."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(source, filename=filename)


def read_python(path: str) -> ast.Module | Diagnostic:
    """The parsed module at ``path`` (never run), or why it cannot be read."""
    try:
        text = read_regular_text(path)
    except UnreadableFileError as exc:
        return error(path, exc.message)
    try:
        return parse_python(text, path)
    except SyntaxError as exc:
        return error(path, f"syntax error: {exc.msg}", exc.lineno or 0, exc.offset or 0)
    except (ValueError, RecursionError, MemoryError) as exc:
        return error(path, f"cannot parse: {exc!r}")


def failed(path: str, fmt: str, *diagnostics: Diagnostic) -> App:
    """An app with nothing but the diagnostics that say why."""
    return App(
        name=os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path)))) or path,
        format=fmt,
        root_file=path,
        diagnostics=tuple(diagnostics),
        files=(path,) if os.path.isfile(path) else (),
    )


def unique_roles(functions: Iterable[Function]) -> tuple[Role, ...]:
    """The functions' roles, each once (by ref), in order."""
    roles: dict[str, Role] = {}
    for fn in functions:
        if fn.role is not None:
            roles.setdefault(fn.role.ref, fn.role)
    return tuple(roles.values())


class FrameworkLoader:
    """A :class:`faasguard.loaders.base.Loader` for one framework's settings file: runs
    ``read`` and turns anything it raises into an error diagnostic (never aborts a scan)."""

    def __init__(self, fmt: str, title: str, read: Callable[[str, LoadOptions], App]) -> None:
        self.formats = frozenset({fmt})
        self._fmt = fmt
        self._title = title
        self._read = read

    def load(self, path: str, options: LoadOptions, *, fmt: str = "") -> App:
        """Load the project whose settings file is ``path``; never raises."""
        del fmt
        try:
            return self._read(path, options)
        except Exception as exc:  # a loader must never abort the scan
            message = f"internal error in the {self._title} loader: {exc!r}"
            return failed(path, self._fmt, error(path, message))

    def warm_up(self) -> None:
        """Nothing to prepare."""


def policy_file(path: str, diagnostics: list[Diagnostic], files: list[str]) -> Policy:
    """The IAM policy document in the JSON/YAML file ``path``, statement by statement (each
    located at its line); an unreadable file is an unresolved policy and a diagnostic."""
    name = os.path.basename(path)
    document = read_document(path)
    if isinstance(document, Diagnostic):
        diagnostics.append(document)
        return Policy(
            name=name,
            unresolved=Unknown(name, reason="policy file not readable"),
            location=Location(file=path),
        )
    files.append(path)
    statements: list[Statement] = []
    raw = document.data.get("Statement") if isinstance(document.data, dict) else None
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    for index, item in enumerate(items):
        pointer = f"/Statement/{index}" if isinstance(raw, list) else "/Statement"
        line, column = document.line_of(pointer)
        built = Statement.from_document(item, Location(file=path, line=line, column=column))
        if isinstance(built, Diagnostic):
            diagnostics.append(built)
        else:
            statements.append(built)
    return Policy(name=name, statements=tuple(statements), location=Location(file=path, line=1))
