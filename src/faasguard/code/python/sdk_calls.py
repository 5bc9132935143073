"""Python front end: parse handler modules with :mod:`ast` and find every AWS SDK call.

:func:`parse_module` gives a :class:`PyModule` (the tree plus its imports) that later
analyses (taint tracking) reuse. :func:`analyse` follows the handler file and every module
it imports inside the code directory, and runs a small flow-insensitive abstract
interpreter over them until nothing changes:

- values are sets of abstract values (:class:`Client`, :class:`ServiceResource`,
  :class:`ResourceObject`, ... and strings as :class:`~faasguard.code.values.SymStr`);
- names are bound per function scope (with closures), per module (globals, ``global``),
  per class (class attributes, ``self.x`` written in any method), across modules
  (``from store import table``, ``import store; store.table``);
- calls to functions and classes of the code bind their parameters at every call site and
  return what their ``return`` statements return, so clients passed to helpers and built
  by factories are followed;
- boto3: ``boto3.client``/``resource``, sessions, resource objects and sub-resources,
  collections (``bucket.objects.filter``), batch writers, ``load``/attribute loads,
  paginators, waiters, presigned URLs; the operations of resource objects come from
  boto3's resource models (:mod:`faasguard.sdk`).

The code is never imported or executed. What the interpreter cannot follow — a service
name or method name computed at run time, a syntax error, a library known to call AWS on
the code's behalf — is reported as a :class:`~faasguard.code.values.Gap`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from faasguard.code.modules import resolve_python_import
from faasguard.code.python.index import (
    ClassTable,
    parse_module,
    walk_defs,
)
from faasguard.code.python.sdk_scope import Scope
from faasguard.code.python.sdk_values import (
    AWS_WRAPPER_LIBRARIES,
    EMPTY,
    HARMLESS_WRAPPERS,
    MAX_PASSES,
    MAX_VALUES,
    Func,
    Instance,
    Klass,
    ModuleState,
    Paginator,
    Str,
    Unit,
    Value,
    Values,
    concat,
    iterate,
)
from faasguard.code.values import (
    Gap,
    SdkCallsFound,
    SymStr,
    by_site,
    reachable_from,
    recorded_call,
)


@dataclass(slots=True)
class _Result:
    calls: dict[tuple[str, int, int, str, str, str], dict[str, set[SymStr]]]
    gaps: dict[tuple[str, int, str], Gap]


class Interpreter:
    """The abstract interpreter over the modules of one code directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: dict[str, ModuleState] = {}
        self.units: dict[str, Unit] = {}
        self.class_attrs: dict[str, dict[str, Values]] = {}
        self.classes = ClassTable()
        self.changed = False
        self.result = _Result(calls={}, gaps={})
        self.paginated: set[tuple[str, int, int]] = set()
        self.pending_paginators: dict[Paginator, tuple[str, int, int]] = {}
        self.current_file = ""
        #: Calls are recorded in the last pass only, when every binding is final (an early
        #: pass sees a helper's parameters before its callers bind them).
        self.recording = False
        #: The unit being evaluated ("" for module bodies, which run at import) and the
        #: units each one calls or passes as a callback: what the handler can reach.
        self.current_unit = ""
        self.edges: dict[str, set[str]] = {}
        self.call_units: dict[tuple[str, int, int, str, str, str], set[str]] = {}
        #: Units where a gap was met: a gap in code the handler cannot reach does not count.
        #: Gaps met while loading (syntax errors, wrapper libraries) have none: they count.
        self.gap_units: dict[tuple[str, int, str], set[str]] = {}
        self.evaluating = False

    # ----------------------------------------------------------- module loading

    def load(self, path: Path) -> ModuleState | None:
        """Parse ``path`` and, recursively, the modules of the code it imports."""
        key = str(path)
        found = self.modules.get(key)
        if found is not None:
            return found
        parsed = parse_module(path)
        if isinstance(parsed, Gap):
            self.gap(parsed)
            return None
        state = ModuleState(module=parsed, key=key)
        self.modules[key] = state
        self._register(state, parsed.tree.body, None, None, "")
        for imp in parsed.imports:
            if imp.level == 0 and imp.module.split(".")[0] in AWS_WRAPPER_LIBRARIES:
                top = imp.module.split(".")[0]
                if top not in HARMLESS_WRAPPERS:
                    self.gap(
                        Gap(
                            f"imports {imp.module}, which calls AWS on the code's behalf; "
                            "those calls are not analysed",
                            key,
                            imp.line,
                        )
                    )
            for name in {imp.name, None}:
                target = resolve_python_import(self.root, path, imp.module, imp.level, name)
                if target is not None:
                    self.load(target)
        return state

    def _register(
        self,
        state: ModuleState,
        body: list[ast.stmt],
        parent: str | None,
        klass: str | None,
        prefix: str,
    ) -> None:
        """Create units for every function and method (nested ones too)."""
        for node in walk_defs(body):
            if isinstance(node, ast.ClassDef):
                key = f"{state.key}::{prefix}{node.name}"
                self.class_attrs.setdefault(key, {})
                self.classes.define(key)
                self._register(state, node.body, parent, key, f"{prefix}{node.name}.")
            else:
                key = f"{state.key}::{prefix}{node.name}"
                static = any(
                    isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list
                )
                self.units[key] = Unit(
                    key=key,
                    module=state.key,
                    node=node,
                    parent=parent,
                    klass=klass,
                    is_static=static,
                )
                if klass is not None:
                    self.classes.add_method(klass, node.name, key)
                self._register(state, node.body, key, None, f"{prefix}{node.name}.<locals>.")

    # ----------------------------------------------------------- driver

    def run(self) -> None:
        """Evaluate every module and function until no binding changes."""
        for _ in range(MAX_PASSES):
            self.changed = False
            self._pass()
            if not self.changed:
                break
        self.recording = True
        self._pass()
        for paginator, site in self.pending_paginators.items():
            if paginator.site not in self.paginated:
                self.record(paginator.service, paginator.operation, {}, site, "paginator")

    def _pass(self) -> None:
        """Evaluate every module body, then every function body, once."""
        self.evaluating = True
        for state in list(self.modules.values()):
            self.current_file = state.key
            self.current_unit = ""
            self._exec_block(state.module.tree.body, Scope(self, state, None, None))
        for unit in list(self.units.values()):
            state = self.modules[unit.module]
            self.current_file = state.key
            self.current_unit = unit.key
            scope = Scope(self, state, unit, unit.klass)
            self._bind_defaults(unit, scope)
            if isinstance(unit.node, ast.Lambda):
                self._add_return(unit, scope.eval(unit.node.body))
            else:
                self._exec_block(unit.node.body, scope)

    def _bind_defaults(self, unit: Unit, scope: Scope) -> None:
        args = unit.node.args
        positional = [*args.posonlyargs, *args.args]
        if unit.klass is not None and positional and not unit.is_static:
            first = positional[0].arg
            is_classmethod = isinstance(unit.node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                isinstance(d, ast.Name) and d.id == "classmethod" for d in unit.node.decorator_list
            )
            own: Value = Klass(unit.klass) if is_classmethod else Instance(unit.klass)
            self.merge_into(unit.params, first, frozenset({own}))
        defaults = list(args.defaults)
        for param, default in zip(
            positional[len(positional) - len(defaults) :], defaults, strict=False
        ):
            self.merge_into(unit.params, param.arg, scope.eval(default))
        for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            if kw_default is not None:
                self.merge_into(unit.params, param.arg, scope.eval(kw_default))

    # ----------------------------------------------------------- state updates

    def merge_into(self, table: dict[str, Values], name: str, values: Values) -> None:
        if not values:
            return
        old = table.get(name, EMPTY)
        new = old | values
        if len(new) > MAX_VALUES:
            new = frozenset(list(new)[:MAX_VALUES])
        if new != old:
            table[name] = new
            self.changed = True

    def _add_return(self, unit: Unit, values: Values) -> None:
        new = unit.returns | values
        if new != unit.returns and len(new) <= MAX_VALUES:
            unit.returns = new
            self.changed = True

    def gap(self, gap: Gap) -> None:
        """Record something the analysis could not follow."""
        key = (gap.file, gap.line, gap.message)
        self.result.gaps.setdefault(key, gap)
        if self.evaluating:
            self.gap_units.setdefault(key, set()).add(self.current_unit)

    def record(
        self,
        service: str,
        operation: str,
        params: dict[str, Values],
        site: tuple[str, int, int],
        via: str = "",
    ) -> None:
        """Record an SDK call at ``site`` with its string-valued parameters."""
        if not self.recording:
            return
        key = (*site, service, operation, via)
        self.call_units.setdefault(key, set()).add(self.current_unit)
        slot = self.result.calls.setdefault(key, {})
        for name, values in params.items():
            strings = {v.value for v in values if isinstance(v, Str)}
            if not strings:
                strings = {SymStr.opaque(name)}
            slot.setdefault(name, set()).update(strings)

    # ----------------------------------------------------------- statements

    def _exec_block(self, body: Iterable[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self._exec(stmt, scope)

    def _exec(self, stmt: ast.stmt, scope: Scope) -> None:  # noqa: C901 - over the limit before it came in; may only shrink
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in stmt.decorator_list:
                scope.eval(decorator)
            key = scope.def_key(stmt.name)
            if scope.class_body:
                return  # methods are bound through their class
            scope.assign_name(stmt.name, frozenset({Func(key)}))
        elif isinstance(stmt, ast.ClassDef):
            key = scope.def_key(stmt.name)
            for base in stmt.bases:
                for value in scope.eval(base):
                    if isinstance(value, Klass):
                        self.classes.add_base(key, value.key)
            class_scope = Scope(self, scope.state, scope.unit, key, class_body=True)
            self._exec_block(stmt.body, class_scope)
            scope.assign_name(stmt.name, frozenset({Klass(key)}))
        elif isinstance(stmt, ast.Assign):
            values = scope.eval(stmt.value)
            for target in stmt.targets:
                scope.assign(target, values)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                scope.assign(stmt.target, scope.eval(stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            current = scope.eval(stmt.target)
            added = scope.eval(stmt.value)
            if isinstance(stmt.op, ast.Add):
                scope.assign(stmt.target, concat(current, added))
        elif isinstance(stmt, ast.Return):
            if stmt.value is not None and scope.unit is not None:
                self._add_return(scope.unit, scope.eval(stmt.value))
        elif isinstance(stmt, ast.Expr):
            scope.eval(stmt.value)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            iterated = scope.eval(stmt.iter)
            scope.assign(stmt.target, iterate(iterated))
            self._exec_block(stmt.body, scope)
            self._exec_block(stmt.orelse, scope)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                values = scope.eval(item.context_expr)
                if item.optional_vars is not None:
                    scope.assign(item.optional_vars, values)
            self._exec_block(stmt.body, scope)
        elif isinstance(stmt, ast.If | ast.While):
            scope.eval(stmt.test)
            self._exec_block(stmt.body, scope)
            self._exec_block(stmt.orelse, scope)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            self._exec_block(stmt.body, scope)
            for handler in stmt.handlers:
                self._exec_block(handler.body, scope)
            self._exec_block(stmt.orelse, scope)
            self._exec_block(stmt.finalbody, scope)
        elif isinstance(stmt, ast.Match):
            scope.eval(stmt.subject)
            for case in stmt.cases:
                self._exec_block(case.body, scope)
        elif isinstance(stmt, ast.Global | ast.Nonlocal):
            scope.declare_global(stmt.names, nonlocal_=isinstance(stmt, ast.Nonlocal))
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            scope.bind_import(stmt)
        elif isinstance(stmt, ast.Raise | ast.Assert | ast.Delete):
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    scope.eval(child)

    # ----------------------------------------------------------- calls into the code

    def call_unit(self, key: str, args: list[Values], kwargs: dict[str, Values]) -> Values:
        """Bind the parameters of unit ``key`` and return what it returns."""
        unit = self.units.get(key)
        if unit is None:
            return EMPTY
        self.edges.setdefault(self.current_unit, set()).add(key)
        spec = unit.node.args
        positional = [p.arg for p in (*spec.posonlyargs, *spec.args)]
        for name, values in zip(positional, args, strict=False):
            self.merge_into(unit.params, name, values)
        if spec.vararg is not None and len(args) > len(positional):
            pass  # *args: the values are not followed into the tuple
        for name, values in kwargs.items():
            if name in positional or any(p.arg == name for p in spec.kwonlyargs):
                self.merge_into(unit.params, name, values)
        return unit.returns

    def method_of(self, klass: str, name: str) -> str | None:
        """The unit implementing ``klass.name`` (following base classes of the code)."""
        return self.classes.method_of(klass, name)

    def class_attr(self, klass: str, name: str) -> Values:
        """Values assigned to ``name`` on the class or its instances (and bases)."""
        result: set[Value] = set()
        for current in self.classes.lineage(klass):
            result |= self.class_attrs.get(current, {}).get(name, EMPTY)
        return frozenset(result)


# ---------------------------------------------------------------------------- entry point


def _reachable(interp: Interpreter, entry: Path, export: str | None) -> set[str] | None:
    """Units the handler function ``export`` can run (module bodies always run), or
    ``None`` (everything) when the handler function is not found."""
    if export is None:
        return None
    state = interp.modules.get(str(entry))
    roots = {
        v.unit
        for v in (state.globals.get(export, EMPTY) if state else EMPTY)
        if isinstance(v, Func)
    }
    if not roots:
        interp.gap(Gap(f"handler function {export} not found at module level", str(entry)))
        return None
    children: dict[str | None, list[str]] = {}
    for key, unit in interp.units.items():
        children.setdefault(unit.parent, []).append(key)

    def successors(unit: str) -> list[str]:
        # Functions defined inside a reachable function are reachable (callbacks, closures).
        return [*interp.edges.get(unit, ()), *children.get(unit, ())]

    return reachable_from(["", *roots], successors)


def analyse(root: Path, entry: Path, export: str | None = None) -> SdkCallsFound:
    """Find the SDK calls the handler function ``export`` of file ``entry`` can make,
    through every module of ``root`` it imports (every function when ``export`` is None)."""
    interp = Interpreter(root)
    interp.load(entry)
    interp.run()
    reachable = _reachable(interp, entry, export)
    gaps = [
        gap
        for key, gap in interp.result.gaps.items()
        if reachable is None or key not in interp.gap_units or interp.gap_units[key] & reachable
    ]
    calls = [
        recorded_call("boto3", key[:5], key[5], params)
        for key, params in interp.result.calls.items()
        if reachable is None or interp.call_units.get(key, set()) & reachable
    ]
    return SdkCallsFound(
        calls=by_site(calls),
        files=tuple(sorted(interp.modules)),
        gaps=tuple(gaps),
    )


__all__ = ["AWS_WRAPPER_LIBRARIES", "analyse"]
