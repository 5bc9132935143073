"""Name resolution and expression evaluation of the Python SDK-call interpreter: one
:class:`Scope` per function body (or module body); the boto3 objects it meets are
resolved by :mod:`faasguard.code.python.sdk_objects`."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from faasguard.code.modules import resolve_python_import
from faasguard.code.python.index import PyImport, parse_imports
from faasguard.code.python.sdk_objects import (
    Interpreter,
    call_member,
    make_client,
    resource_attribute,
)
from faasguard.code.python.sdk_values import (
    BUILTINS,
    EMPTY,
    BatchWriter,
    Bound,
    Client,
    Collection,
    DictValue,
    Ext,
    Func,
    Instance,
    Klass,
    Member,
    Mod,
    ModuleState,
    Paginator,
    ResourceObject,
    ServiceResource,
    Session,
    Str,
    Unit,
    Value,
    Values,
    Waiter,
    canonical_ext,
    concat,
    env_lookup,
    has_str,
    iterate,
    printf,
)
from faasguard.code.values import Env, Gap, SymStr

# ---------------------------------------------------------------------------- scopes


class Scope:
    """Name resolution and expression evaluation for one unit (or a module body)."""

    def __init__(
        self,
        interp: Interpreter,
        state: ModuleState,
        unit: Unit | None,
        klass: str | None,
        *,
        class_body: bool = False,
    ) -> None:
        self.interp = interp
        self.state = state
        self.unit = unit
        self.klass = klass
        self.class_body = class_body
        self.globals_declared: set[str] = set()
        self.nonlocals_declared: set[str] = set()

    # ----------------------------------------------------------- names

    def def_key(self, name: str) -> str:
        """The unit/class key of a definition named ``name`` in this scope."""
        prefix = self.unit.key.split("::", 1)[1] + ".<locals>." if self.unit is not None else ""
        if self.class_body and self.klass is not None:
            prefix = self.klass.split("::", 1)[1] + "."
        return f"{self.state.key}::{prefix}{name}"

    def declare_global(self, names: list[str], *, nonlocal_: bool) -> None:
        """``global x`` / ``nonlocal x``: writes go to the module / enclosing function."""
        (self.nonlocals_declared if nonlocal_ else self.globals_declared).update(names)

    def assign_name(self, name: str, values: Values) -> None:
        """Bind ``name`` in the scope a Python assignment would write."""
        interp = self.interp
        if self.class_body and self.klass is not None and self.unit is None:
            interp.merge_into(interp.class_attrs.setdefault(self.klass, {}), name, values)
        elif self.unit is None or name in self.globals_declared:
            interp.merge_into(self.state.globals, name, values)
        elif name in self.nonlocals_declared and self.unit.parent is not None:
            parent = interp.units.get(self.unit.parent)
            if parent is not None:
                interp.merge_into(parent.locals, name, values)
        else:
            interp.merge_into(self.unit.locals, name, values)

    def lookup(self, name: str) -> Values:
        """Values of ``name``: locals, parameters, enclosing functions, module, builtins."""
        unit = self.unit
        if self.class_body and self.klass is not None:
            found = self.interp.class_attrs.get(self.klass, {}).get(name)
            if found:
                return found
        while unit is not None:
            found = unit.locals.get(name, EMPTY) | unit.params.get(name, EMPTY)
            if found:
                return found
            unit = self.interp.units.get(unit.parent) if unit.parent else None
        found = self.state.globals.get(name)
        if found:
            return found
        found = self._import_value(name)
        if not found and name in BUILTINS:
            return frozenset({Ext(name)})
        return found

    def _import_value(self, name: str) -> Values:
        for imp in self.state.module.imports:
            if imp.local == name:
                return self.import_values(imp)
        return EMPTY

    def import_values(self, imp: PyImport) -> Values:
        """What an import binds its local name to."""
        interp = self.interp
        path = Path(self.state.key)
        if imp.name is None:
            target = resolve_python_import(interp.root, path, imp.module, imp.level)
            if target is not None:
                return frozenset({Mod(str(target))})
            return frozenset({Ext(imp.module)})
        submodule = resolve_python_import(interp.root, path, imp.module, imp.level, imp.name)
        container = resolve_python_import(interp.root, path, imp.module, imp.level)
        if container is not None and container != submodule:
            state = interp.modules.get(str(container))
            if state is not None:
                found = state.globals.get(imp.name)
                if found:
                    return found
        if submodule is not None:
            return frozenset({Mod(str(submodule))})
        if imp.level == 0:
            return frozenset({Ext(f"{imp.module}.{imp.name}")})
        return EMPTY

    def bind_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        """Imports inside functions bind local names."""
        if self.unit is None:
            return  # module-level imports are looked up lazily (they may come later)
        for imp in parse_imports(stmt):
            self.assign_name(imp.local, self.import_values(imp))

    # ----------------------------------------------------------- assignment targets

    def assign(self, target: ast.expr, values: Values) -> None:
        """Bind an assignment target (names, ``self.x``, ``module.x``, tuples)."""
        if isinstance(target, ast.Name):
            self.assign_name(target.id, values)
        elif isinstance(target, ast.Attribute):
            for owner in self.eval(target.value):
                if isinstance(owner, Instance | Klass):
                    table = self.interp.class_attrs.setdefault(owner.key, {})
                    self.interp.merge_into(table, target.attr, values)
                elif isinstance(owner, Mod):
                    state = self.interp.modules.get(owner.path)
                    if state is not None:
                        self.interp.merge_into(state.globals, target.attr, values)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                inner = element.value if isinstance(element, ast.Starred) else element
                self.assign(inner, EMPTY)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, EMPTY)

    # ----------------------------------------------------------- expressions

    def eval(self, node: ast.expr) -> Values:  # noqa: C901 - over the limit before it came in; may only shrink
        """The abstract values ``node`` may have (empty: unknown / not interesting)."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return frozenset({Str(SymStr.literal(node.value))})
            return EMPTY
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.IfExp):
            self.eval(node.test)
            return self._alternatives((node.body, node.orelse))
        if isinstance(node, ast.BoolOp):
            return self._alternatives(node.values)
        if isinstance(node, ast.Await):
            return self.eval(node.value)
        if isinstance(node, ast.NamedExpr):
            values = self.eval(node.value)
            self.assign(node.target, values)
            return values
        if isinstance(node, ast.Dict):
            return self._dict(node)
        if isinstance(node, ast.Lambda):
            key = f"{self.state.key}::<lambda>@{node.lineno}:{node.col_offset}"
            if key not in self.interp.units:
                self.interp.units[key] = Unit(
                    key=key,
                    module=self.state.key,
                    node=node,
                    parent=self.unit.key if self.unit else None,
                    klass=None,
                )
            return frozenset({Func(key)})
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.eval(child)
            elif isinstance(child, ast.comprehension):
                iterated = self.eval(child.iter)
                self.assign(child.target, iterate(iterated))
        return EMPTY

    def _alternatives(self, nodes: Iterable[ast.expr]) -> Values:
        """``a or b``, ``a if c else b``: any of them; an unknown alternative stays visible
        as an opaque string, so ``event["t"] or os.environ["T"]`` is not just ``T``."""
        result: set[Value] = set()
        for value in nodes:
            found = self.eval(value)
            result |= found or {Str(SymStr.opaque(ast.unparse(value)))}
        return frozenset(result)

    def _dict(self, node: ast.Dict) -> Values:
        items: list[tuple[str, frozenset[Value]]] = []
        for key, value in zip(node.keys, node.values, strict=False):
            values = self.eval(value)
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                items.append((key.value, values))
        return frozenset({DictValue(tuple(items))})

    def _fstring(self, node: ast.JoinedStr) -> Values:
        results = [SymStr.of()]
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                results = [r + SymStr.literal(part.value) for r in results]
            elif isinstance(part, ast.FormattedValue):
                strings = [v.value for v in self.eval(part.value) if isinstance(v, Str)]
                if not strings or part.format_spec is not None:
                    strings = [SymStr.opaque(ast.unparse(part.value))]
                results = [r + s for r in results for s in strings[:4]][:8]
        return frozenset(Str(r) for r in results)

    def _binop(self, node: ast.BinOp) -> Values:
        left = self.eval(node.left)
        right = self.eval(node.right)
        if isinstance(node.op, ast.Add):
            return concat(left, right) or frozenset(
                {Str(SymStr.opaque(ast.unparse(node)))} if has_str(left, right) else set()
            )
        if isinstance(node.op, ast.Mod):
            formats = [v.value.text for v in left if isinstance(v, Str)]
            if formats and formats[0] is not None:
                args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return frozenset({Str(printf(formats[0], [self._one_str(a) for a in args]))})
        return EMPTY

    def _one_str(self, node: ast.expr) -> SymStr:
        strings = [v.value for v in self.eval(node) if isinstance(v, Str)]
        return strings[0] if len(strings) == 1 else SymStr.opaque(ast.unparse(node))

    def _subscript(self, node: ast.Subscript) -> Values:
        owners = self.eval(node.value)
        key = self.eval(node.slice)
        if any(isinstance(o, Ext) and o.name == "os.environ" for o in owners):
            names = [v.value.text for v in key if isinstance(v, Str) and v.value.text]
            return frozenset(Str(SymStr.of(Env(n))) for n in names if n)
        result: set[Value] = set()
        for owner in owners:
            if isinstance(owner, DictValue):
                wanted = {v.value.text for v in key if isinstance(v, Str)}
                for name, values in owner.items:
                    if name in wanted:
                        result |= values
        return frozenset(result)

    def _attribute(self, node: ast.Attribute) -> Values:
        result: set[Value] = set()
        site = self.site(node)
        for owner in self.eval(node.value):
            result |= self.interp_attribute(owner, node.attr, site)
        return frozenset(result)

    def interp_attribute(self, owner: Value, name: str, site: tuple[str, int, int]) -> Values:  # noqa: C901 - over the limit before it came in; may only shrink
        """The values of ``owner.name``."""
        interp = self.interp
        if isinstance(owner, Ext):
            full = f"{owner.name}.{name}"
            return frozenset({Ext(canonical_ext(full))})
        if isinstance(owner, Mod):
            state = interp.modules.get(owner.path)
            if state is not None:
                found = state.globals.get(name)
                if found:
                    return found
                for imp in state.module.imports:
                    if imp.local == name:
                        return Scope(interp, state, None, None).import_values(imp)
            base = Path(owner.path).parent
            for candidate in (base / f"{name}.py", base / name / "__init__.py"):
                if candidate.is_file():
                    interp.load(candidate)
                    return frozenset({Mod(str(candidate))})
            return EMPTY
        if isinstance(owner, Instance):
            method = interp.method_of(owner.key, name)
            if method is not None:
                return frozenset({Bound(owner, Func(method))}) | interp.class_attr(owner.key, name)
            return interp.class_attr(owner.key, name)
        if isinstance(owner, Klass):
            method = interp.method_of(owner.key, name)
            values = interp.class_attr(owner.key, name)
            return values | frozenset({Func(method)}) if method else values
        if isinstance(owner, Client):
            if name == "meta":
                return EMPTY
            return frozenset({Member(owner, name)})
        if isinstance(owner, ServiceResource | ResourceObject | Collection | BatchWriter):
            return resource_attribute(self.interp, owner, name, site)
        if isinstance(owner, Member) and owner.name == "meta" and name == "client":
            sdk_object = owner.owner
            if isinstance(sdk_object, ServiceResource | ResourceObject):
                return frozenset({Client(sdk_object.service)})
        if isinstance(owner, Session | Paginator | Waiter):
            return frozenset({Member(owner, name)})
        return EMPTY

    def site(self, node: ast.expr) -> tuple[str, int, int]:
        """(file, line, column) of ``node``, 1-based column."""
        return (self.state.key, node.lineno, node.col_offset + 1)

    # ----------------------------------------------------------- calls

    def _call(self, node: ast.Call) -> Values:
        callees = self.eval(node.func)
        args = [self.eval(a.value if isinstance(a, ast.Starred) else a) for a in node.args]
        kwargs: dict[str, Values] = {}
        for keyword in node.keywords:
            values = self.eval(keyword.value)
            if keyword.arg is not None:
                kwargs[keyword.arg] = values
                continue
            for value in values:  # **params: the dict literal's string keys
                if isinstance(value, DictValue):
                    for name, item in value.items:
                        kwargs[name] = kwargs.get(name, EMPTY) | item
        for values in (*args, *kwargs.values()):
            for value in values:  # callbacks: a function passed along may be called
                target = value.func if isinstance(value, Bound) else value
                if isinstance(target, Func):
                    self.interp.edges.setdefault(self.interp.current_unit, set()).add(target.unit)
        result: set[Value] = set()
        site = self.site(node)
        for callee in callees:
            result |= self._call_one(callee, node, args, kwargs, site)
        return frozenset(result)

    def _call_one(
        self,
        callee: Value,
        node: ast.Call,
        args: list[Values],
        kwargs: dict[str, Values],
        site: tuple[str, int, int],
    ) -> Values:
        interp = self.interp
        if isinstance(callee, Func):
            return interp.call_unit(callee.unit, args, kwargs)
        if isinstance(callee, Bound):
            return interp.call_unit(callee.func.unit, [frozenset({callee.instance}), *args], kwargs)
        if isinstance(callee, Klass):
            instance = Instance(callee.key)
            init = interp.method_of(callee.key, "__init__")
            if init is not None:
                interp.call_unit(init, [frozenset({instance}), *args], kwargs)
            return frozenset({instance})
        if isinstance(callee, Ext):
            return self._call_external(callee.name, node, args, kwargs, site)
        if isinstance(callee, Member):
            return call_member(self.interp, callee, node, args, kwargs, site)
        return EMPTY

    def _call_external(
        self,
        name: str,
        node: ast.Call,
        args: list[Values],
        kwargs: dict[str, Values],
        site: tuple[str, int, int],
    ) -> Values:
        if name in ("boto3.client", "boto3.resource", "boto3.Session.client"):
            kind = "resource" if name.endswith("resource") else "client"
            return make_client(self.interp, kind, node, args, kwargs, site)
        if name in ("boto3.Session", "boto3.session.Session"):
            return frozenset({Session()})
        if name in ("os.getenv", "os.environ.get"):
            return env_lookup(args, kwargs)
        if name == "getattr" and len(args) >= 2:
            names = [v.value.text for v in args[1] if isinstance(v, Str) and v.value.text]
            result: set[Value] = set()
            for owner in args[0]:
                if isinstance(owner, Client | ServiceResource | ResourceObject) and not names:
                    self.interp.gap(
                        Gap(
                            f"SDK method name computed at run time ({ast.unparse(node)})",
                            site[0],
                            site[1],
                        )
                    )
                for method in names:
                    result |= self.interp_attribute(owner, method, site)
            return frozenset(result)
        if name.endswith(".format") or name in ("str", "str.format"):
            return EMPTY
        return EMPTY
