"""The Python code index: each file parsed once, its imports, and the classes of the code.

Both analyses of Python handler code — SDK-call extraction (:mod:`.sdk_calls`) and taint
tracking (:mod:`.taint`) — read files through :func:`parse_module`, which parses a file
once per content (keyed by path, size and modification time) however many analyses and
functions ask for it, and resolve methods through one :class:`ClassTable`.

Nothing here imports or runs the code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from faasguard.code.parsecache import ParseCache
from faasguard.code.values import Gap
from faasguard.loaders.frameworks.common import parse_python


@dataclass(frozen=True, slots=True)
class PyImport:
    """One imported name: ``local`` is bound to ``module`` (``from module import name``
    when ``name`` is set), with the relative ``level``."""

    local: str
    module: str
    name: str | None
    level: int
    line: int


@dataclass(frozen=True, slots=True)
class PyModule:
    """A parsed Python file."""

    path: Path
    tree: ast.Module
    imports: tuple[PyImport, ...]


def parse_module(path: Path) -> PyModule | Gap:
    """Parse ``path`` (never executed); a :class:`Gap` names the file and line on failure.

    A file is parsed once per content: later calls return the same :class:`PyModule`
    until the file's size or modification time changes.
    """
    return _PARSED.get(path)


def _parse(path: Path) -> PyModule | Gap:
    try:
        source = path.read_bytes()
        tree = parse_python(source, str(path))
    except SyntaxError as exc:
        return Gap(f"syntax error: {exc.msg}", str(path), exc.lineno or 0)
    except (OSError, ValueError) as exc:
        return Gap(f"cannot read: {exc}", str(path))
    imports: list[PyImport] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                module = alias.name if alias.asname else alias.name.split(".")[0]
                imports.append(PyImport(local, module, None, 0, node.lineno))
                if not alias.asname and "." in alias.name:
                    imports.append(PyImport(f"\0{alias.name}", alias.name, None, 0, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            imports.extend(parse_imports(node))
    return PyModule(path=path, tree=tree, imports=tuple(imports))


_PARSED: ParseCache[PyModule] = ParseCache(_parse)


def parse_imports(stmt: ast.Import | ast.ImportFrom) -> list[PyImport]:
    """The :class:`PyImport` entries of one import statement."""
    if isinstance(stmt, ast.Import):
        return [
            PyImport(
                a.asname or a.name.split(".")[0],
                a.name if a.asname else a.name.split(".")[0],
                None,
                0,
                stmt.lineno,
            )
            for a in stmt.names
        ]
    return [
        PyImport(a.asname or a.name, stmt.module or "", a.name, stmt.level, stmt.lineno)
        for a in stmt.names
    ]


def walk_defs(
    body: list[ast.stmt],
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """Function and class definitions directly in ``body`` (also inside if/try/with)."""
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield stmt
        elif isinstance(stmt, ast.If | ast.While | ast.For | ast.AsyncFor):
            yield from walk_defs(stmt.body)
            yield from walk_defs(stmt.orelse)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            yield from walk_defs(stmt.body)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            yield from walk_defs(stmt.body)
            for handler in stmt.handlers:
                yield from walk_defs(handler.body)
            yield from walk_defs(stmt.orelse)
            yield from walk_defs(stmt.finalbody)


def decorated_with(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, *names: str) -> bool:
    """Whether ``node`` carries a plain ``@name`` decorator for one of ``names``."""
    if isinstance(node, ast.Lambda):
        return False
    return any(isinstance(d, ast.Name) and d.id in names for d in node.decorator_list)


@dataclass(slots=True)
class ClassTable:
    """The classes of the code: their methods and the base classes defined in the code.

    Class and method keys are chosen by the analysis that fills the table; resolution
    (:meth:`method_of`, :meth:`lineage`) is the same for every analysis: the class first,
    then its bases breadth first, each class once.
    """

    methods: dict[str, dict[str, str]] = field(default_factory=dict)
    bases: dict[str, list[str]] = field(default_factory=dict)

    def define(self, klass: str, bases: Iterable[str] = ()) -> None:
        """Register ``klass`` with ``bases`` and no methods yet (again: start afresh)."""
        self.methods[klass] = {}
        self.bases[klass] = list(dict.fromkeys(bases))

    def add_method(self, klass: str, name: str, key: str) -> None:
        """``klass.name`` is the function ``key``."""
        self.methods.setdefault(klass, {})[name] = key

    def add_base(self, klass: str, base: str) -> None:
        """``klass`` derives from ``base`` (a class of the code)."""
        bases = self.bases.setdefault(klass, [])
        if base not in bases:
            bases.append(base)

    def lineage(self, klass: str) -> Iterator[str]:
        """``klass`` and its bases of the code, breadth first, each once."""
        seen: set[str] = set()
        pending = [klass]
        while pending:
            current = pending.pop(0)
            if current in seen:
                continue
            seen.add(current)
            yield current
            pending.extend(self.bases.get(current, ()))

    def method_of(self, klass: str, name: str) -> str | None:
        """The function implementing ``klass.name`` (following base classes of the code)."""
        for current in self.lineage(klass):
            found = self.methods.get(current, {}).get(name)
            if found is not None:
                return found
        return None
