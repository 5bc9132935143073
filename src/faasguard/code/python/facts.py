"""Python facts for the code pattern rules: one parsed file with its import names, its
function scopes (with the names that play the event, context and exception), the per-spec
label flows of each scope and the places where values leave a function.

Files are parsed by the front end (:func:`faasguard.code.python.parse_module`), never
imported or run, and once per app scan (:func:`python_file` keeps them in the scan's memo).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from faasguard.code.facts import (
    CONTEXT_NAMES,
    EMPTY,
    EVENT_NAMES,
    LOG_METHODS,
    STRING_METHODS,
    TRANSPARENT_CALLS,
    Labels,
    LabelSpec,
    NameFlow,
    ScopeInfo,
    Sink,
    scope_flow,
)
from faasguard.code.modules import installed_packages, resolve_python_import
from faasguard.code.parsecache import per_scan
from faasguard.code.python import PyImport, parse_module
from faasguard.code.values import Gap
from faasguard.loaders.frameworks.python_web import web_module

# ---------------------------------------------------------------------------- node helpers


def source_text(node: ast.AST) -> str:
    """The source text of an expression (``<expression>`` for trees ast cannot unparse)."""
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError, AttributeError):  # pragma: no cover - odd trees
        return "<expression>"


def const_str(node: ast.AST | None) -> str | None:
    """The value of a string constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_false(node: ast.AST | None) -> bool:
    """True for the constants ``False`` and ``0``."""
    return isinstance(node, ast.Constant) and node.value in (False, 0) and node.value is not None


def own_nodes(roots: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node under ``roots`` in source order. Nested functions are yielded (so they can
    be found) but not entered, except for their decorators and defaults, which run in the
    enclosing scope."""
    stack = list(roots)[::-1]
    while stack:
        node = stack.pop()
        yield node
        children: list[ast.AST]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args
            children = [
                *node.decorator_list,
                *arguments.defaults,
                *(d for d in arguments.kw_defaults if d is not None),
            ]
        elif isinstance(node, ast.Lambda):
            children = []
        else:
            children = list(ast.iter_child_nodes(node))
        stack.extend(reversed(children))


def response_dict(node: ast.AST) -> ast.expr | None:
    """The ``body`` value of an API-shaped response dict literal."""
    if not isinstance(node, ast.Dict):
        return None
    keys = {const_str(k): v for k, v in zip(node.keys, node.values, strict=True)}
    if "body" in keys and ("statusCode" in keys or "headers" in keys or len(keys) <= 3):
        return keys["body"]
    return None


# ---------------------------------------------------------------------------- file and scopes


@dataclass
class PyScope:
    """The module or one function: its own nodes and the names with a role in it."""

    node: ast.AST | None  # None for the module
    body: list[ast.AST]
    info: ScopeInfo
    parent: PyScope | None
    top: str | None  # the top-level function name around it (an export candidate)
    is_top_function: bool = False
    _nodes: list[ast.AST] | None = None
    _sinks: list[Sink] | None = None

    @property
    def nodes(self) -> list[ast.AST]:
        """The scope's own nodes (computed once: every rule walks them)."""
        if self._nodes is None:
            self._nodes = list(own_nodes(self.body))
        return self._nodes


def _import_names(imports: Iterable[PyImport]) -> dict[str, str]:
    """Local name -> dotted name it is bound to (``jwt`` -> ``jwt``, ``decode`` ->
    ``jwt.decode``); ``from . import x`` binds nothing nameable."""
    names: dict[str, str] = {}
    for imported in imports:
        if imported.local.startswith("\0"):
            continue  # the front end's marker for ``import a.b`` (binds ``a``)
        if imported.name is None:
            names[imported.local] = imported.module
        elif imported.module:
            names[imported.local] = f"{imported.module}.{imported.name}"
    return names


class PyFile:
    """One parsed Python file with its imports, scopes and top-level functions."""

    def __init__(self, path: Path, tree: ast.Module, imports: dict[str, str]) -> None:
        self.path = path
        self.tree = tree
        self.imports = imports
        self.scopes: list[PyScope] = []
        self.exports: dict[str, tuple[int, int]] = {}
        #: web framework app objects and route views (Flask, Chalice, FastAPI, Powertools)
        self.web = web_module(tree)
        self.views = frozenset(h.function for h in self.web.handlers if h.kind == "route")
        self._flows: dict[LabelSpec, dict[int, PyFlow]] = {}
        module = PyScope(None, list(tree.body), ScopeInfo(), None, None)
        self.scopes.append(module)
        self._collect(module)

    def _collect(self, scope: PyScope) -> None:
        for node in scope.nodes:
            if isinstance(node, ast.ExceptHandler) and node.name:
                scope.info.exceptions.add(node.name)
        for node in scope.nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._collect(self._function(node, scope))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, parent: PyScope) -> PyScope:
        is_top = parent.node is None and node in self.tree.body
        if is_top:
            self.exports[node.name] = (node.lineno, node.end_lineno or node.lineno)
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        info = ScopeInfo(events=set(parent.info.events), contexts=set(parent.info.contexts))
        if len(params) >= 2 and params[1] in CONTEXT_NAMES:
            info.events.add(params[0])
            info.contexts.add(params[1])
        info.events.update(p for p in params if p in EVENT_NAMES)
        info.contexts.update(p for p in params if p in CONTEXT_NAMES)
        top = node.name if parent.top is None else parent.top
        scope = PyScope(node, list(node.body), info, parent, top, is_top)
        self.scopes.append(scope)
        return scope

    def qual(self, node: ast.AST) -> str | None:
        """The dotted name of an expression through the file's imports (``jwt.decode``)."""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qual(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            base = self.qual(node.func)
            return f"{base}()" if base else None
        return None

    def flow(self, scope: PyScope, spec: LabelSpec) -> PyFlow:
        """The labels of ``scope``'s names for ``spec`` (every scope's computed once)."""
        return scope_flow(
            self._flows,
            self.scopes,
            scope,
            spec,
            lambda each, parent: PyFlow(self, each, spec, parent),
        )

    def sinks(self, scope: PyScope) -> list[Sink]:
        """Returns (response-shaped or plain) and log-call arguments of one scope."""
        if scope._sinks is None:
            scope._sinks = list(self._find_sinks(scope))
        return scope._sinks

    def _find_sinks(self, scope: PyScope) -> Iterator[Sink]:
        response_names: set[str] = set()
        for node in scope.nodes:
            if isinstance(node, ast.Assign) and response_dict(node.value) is not None:
                response_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for node in scope.nodes:
            if isinstance(node, ast.Return) and node.value is not None:
                body = response_dict(node.value)
                if body is not None:
                    yield Sink("response", node, body.lineno, body.col_offset + 1, body)
                elif isinstance(node.value, ast.Name) and node.value.id in response_names:
                    yield Sink("response", node, node.lineno, node.col_offset + 1, node.value)
                elif scope.is_top_function and scope.top in self.views:
                    # What a route view returns is the HTTP response.
                    yield Sink("response", node, node.lineno, node.col_offset + 1, node.value)
                else:
                    export = scope.top if scope.is_top_function else None
                    yield Sink("return", node, node.lineno, node.col_offset + 1, node.value, export)
            elif isinstance(node, ast.Call) and self.is_log_call(node):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    yield Sink("log", node, node.lineno, node.col_offset + 1, arg)

    def is_log_call(self, call: ast.Call) -> bool:
        """``print``, ``sys.stdout.write``, ``pprint`` or a logger method."""
        func = call.func
        if isinstance(func, ast.Name):
            return func.id == "print"
        if not isinstance(func, ast.Attribute):
            return False
        qual = self.qual(func) or ""
        if qual in ("sys.stdout.write", "sys.stderr.write", "pprint.pprint"):
            return True
        if func.attr not in LOG_METHODS:
            return False
        receiver = func.value
        name = (
            receiver.id
            if isinstance(receiver, ast.Name)
            else receiver.attr
            if isinstance(receiver, ast.Attribute)
            else source_text(receiver)
        )
        return qual.startswith("logging.") or "log" in name.lower()


# ---------------------------------------------------------------------------- flows


#: The ``if`` arms a node lies in: ``(id(if_node), 0 for the body | 1 for else/elif, ends)``
#: where ``ends`` says that the arm always returns or raises.
Arms = tuple[tuple[int, int, bool], ...]

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_OWN_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _ends(statements: list[ast.stmt]) -> bool:
    """Whether a statement list always leaves the function (``return`` or ``raise`` last)."""
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return isinstance(last, ast.If) and _ends(last.body) and _ends(last.orelse)


def branch_arms(body: list[ast.AST]) -> dict[int, Arms]:
    """The ``if`` arms of every node of a function body (by ``id``), nested scopes excluded.

    A value bound in one arm of an ``if``/``elif`` chain cannot reach a use in a sibling
    arm, nor, when the arm always returns or raises, any use after the ``if``. Ifs inside
    a loop are not recorded: the next iteration can carry a binding from one arm into
    another.
    """
    arms: dict[int, Arms] = {}

    def visit(node: ast.AST, path: Arms, in_loop: bool) -> None:
        arms[id(node)] = path
        if isinstance(node, ast.If) and not in_loop:
            visit(node.test, path, in_loop)
            for arm, statements in enumerate((node.body, node.orelse)):
                inner = (*path, (id(node), arm, _ends(statements)))
                for statement in statements:
                    visit(statement, inner, in_loop)
            return
        loop = in_loop or isinstance(node, _LOOPS)
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, _OWN_SCOPES):
                visit(child, path, loop)

    for statement in body:
        if not isinstance(statement, _OWN_SCOPES):
            visit(statement, (), False)
    return arms


def compatible_arms(bound: Arms, use: Arms) -> bool:
    """Whether a binding in arms ``bound`` can reach a use in arms ``use``."""
    taken = {node: arm for node, arm, _ in use}
    for node, arm, ends in bound:
        if node in taken:
            if taken[node] != arm:
                return False
        elif ends:
            return False
    return True


class PyFlow(NameFlow):
    """Labels of names in one Python function for one spec (see :mod:`faasguard.code.facts`)."""

    def __init__(self, file: PyFile, scope: PyScope, spec: LabelSpec, parent: PyFlow | None):
        self.file = file
        self.scope = scope
        self._arms = branch_arms(scope.body)
        #: name -> arms path of a binding -> labels bound there (see :func:`branch_arms`)
        self._by_arm: dict[str, dict[Arms, Labels]] = {}
        self._binding: Arms = ()
        super().__init__(spec, parent, scope.nodes)

    def _state(self) -> object:
        return dict(self.names), {name: dict(arms) for name, arms in self._by_arm.items()}

    def _bind(self, node: ast.AST) -> None:
        self._binding = self._arms.get(id(node), ())
        self._bind_node(node)

    def _target(self, target: ast.AST, labels: Labels) -> None:
        if isinstance(target, ast.Name):
            if labels:
                arms = self._by_arm.setdefault(target.id, {})
                arms[self._binding] = arms.get(self._binding, EMPTY) | labels
            self._add(target.id, labels)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element, self.spec.narrow(labels, "*", 0, 0))
        elif isinstance(target, ast.Starred):
            self._target(target.value, labels)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            # Writing into a container or object taints the container.
            root: ast.AST = target
            while isinstance(root, (ast.Subscript, ast.Attribute)):
                root = root.value
            if isinstance(root, ast.Name) and root.id not in ("self", "cls"):
                self._add(root.id, labels)

    def _bind_node(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            labels = self.labels(node.value)
            for target in node.targets:
                self._target(target, labels)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            if node.value is not None:
                self._target(node.target, self.labels(node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            self._target(node.target, self.spec.narrow(self.labels(node.iter), "*", 0, 0))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._target(node.optional_vars, self.labels(node.context_expr))

    def labels(self, node: ast.AST, through_compare: bool = False) -> Labels:
        """What the value of ``node`` carries (``through_compare``: also what a comparison
        looks at, for conditions)."""
        line, column = getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1
        qual = self.file.qual(node) if isinstance(node, (ast.Attribute, ast.Call)) else None
        found = self.spec.source(qual, node, line, column)
        if found is not None:
            return found
        if isinstance(node, ast.Name):
            return self._name(node) | self.spec.name(node.id, self.scope.info, line, column)
        if isinstance(node, ast.Subscript):
            key = const_str(node.slice)
            if key is None and isinstance(node.slice, ast.Constant):
                key = "*"
            return self.spec.narrow(self.labels(node.value), key, line, column)
        if isinstance(node, ast.Attribute):
            return self.spec.narrow(self.labels(node.value), node.attr, line, column)
        if isinstance(node, ast.Call):
            return self._call(node, qual, line, column)
        if isinstance(node, ast.Compare) and not through_compare:
            return EMPTY  # a boolean carries nothing
        if isinstance(node, (ast.Lambda, ast.Constant)):
            return EMPTY
        if isinstance(node, ast.Dict):
            return self.union(v for v in node.values if v is not None)
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        if isinstance(node, ast.JoinedStr | ast.FormattedValue):
            children = [
                c.value if isinstance(c, ast.FormattedValue) else c
                for c in (node.values if isinstance(node, ast.JoinedStr) else [node.value])
            ]
        return self.union(children, through_compare)

    def _name(self, node: ast.Name) -> Labels:
        """The labels of a use of a name: only the bindings on a branch that can reach it."""
        arms = self._by_arm.get(node.id)
        use = self._arms.get(id(node))
        if arms is None or use is None:
            return self.lookup(node.id)
        result = EMPTY
        for bound, labels in arms.items():
            if compatible_arms(bound, use):
                result |= labels
        return result

    def _call(self, node: ast.Call, qual: str | None, line: int, column: int) -> Labels:
        func = node.func
        if qual in ("os.getenv()", "os.environ.get()") or (
            isinstance(func, ast.Attribute) and func.attr == "get" and node.args
        ):
            base = (
                self.labels(func.value)
                if isinstance(func, ast.Attribute) and qual != "os.getenv()"
                else self.spec.source("os.environ", node, line, column) or EMPTY
            )
            key = const_str(node.args[0]) if node.args else None
            narrowed = self.spec.narrow(base, key, line, column)
            return narrowed | self.union(node.args[1:])
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if self.spec.precise_calls:
            name = func.attr if isinstance(func, ast.Attribute) else source_text(func)
            found = self.union(arguments) if name in TRANSPARENT_CALLS else EMPTY
            if isinstance(func, ast.Attribute) and name in STRING_METHODS:
                found |= self.labels(func.value)
            return found
        found = self.union(arguments)
        if isinstance(func, ast.Attribute):
            found |= self.labels(func.value)
        return found


# ---------------------------------------------------------------------------- files


def python_file(path: Path) -> PyFile | Gap:
    """``path`` parsed into its facts, once per app scan (a :class:`Gap` when it does not
    parse)."""
    return per_scan("python-facts", path, _python_file)


def _python_file(path: Path) -> PyFile | Gap:
    parsed = parse_module(path)
    if isinstance(parsed, Gap):
        return parsed
    return PyFile(path, parsed.tree, _import_names(parsed.imports))


def imported_files(root: Path, path: Path) -> Iterator[Path]:
    """The files under ``root`` that the module at ``path`` imports."""
    parsed = parse_module(path)
    vendored = installed_packages(root)
    for imported in getattr(parsed, "imports", ()):
        module = imported.module
        if imported.level == 0 and module.split(".")[0] in vendored:
            continue  # an installed library, not the function's own code
        target = None
        if imported.name is not None:
            target = resolve_python_import(root, path, module, imported.level, imported.name)
        target = target or resolve_python_import(root, path, module, imported.level)
        if target is not None:
            yield target
