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
from dataclasses import dataclass, field
from pathlib import Path

from faasguard import sdk
from faasguard.code.modules import resolve_python_import
from faasguard.code.python.index import (
    ClassTable,
    PyImport,
    PyModule,
    parse_imports,
    parse_module,
    walk_defs,
)
from faasguard.code.values import Env, Gap, Lit, Opaque, SdkCall, SymStr

#: How many times every function is re-evaluated at most (each pass can only add values;
#: real handler code settles in two or three).
MAX_PASSES = 8
#: Alternatives kept per name: beyond this a value is treated as unknown (keeps
#: pathological code linear).
MAX_VALUES = 24


# ---------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Ext:
    """A module or object outside the code (``boto3``, ``os.environ``, ``boto3.client``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Str:
    """A string."""

    value: SymStr


@dataclass(frozen=True, slots=True)
class Session:
    """A ``boto3.Session``."""


@dataclass(frozen=True, slots=True)
class Client:
    """A boto3 client of ``service``."""

    service: str


@dataclass(frozen=True, slots=True)
class ServiceResource:
    """``boto3.resource(service)``."""

    service: str


@dataclass(frozen=True, slots=True)
class ResourceObject:
    """A resource object (``Table``, ``Bucket``, ``Object``) with its identifier values."""

    service: str
    type: str
    identifiers: tuple[tuple[str, SymStr], ...]


@dataclass(frozen=True, slots=True)
class Collection:
    """A resource collection (``bucket.objects``) of ``parent``."""

    parent: ResourceObject | ServiceResource
    name: str


@dataclass(frozen=True, slots=True)
class BatchWriter:
    """``table.batch_writer()``."""

    table: ResourceObject


@dataclass(frozen=True, slots=True)
class Paginator:
    """``client.get_paginator(op)``, created at ``site``."""

    service: str
    operation: str
    site: tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Waiter:
    """``client.get_waiter(name)``, created at ``site``."""

    service: str
    waiter: str
    site: tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Member:
    """Attribute ``name`` of an SDK object (a method until called)."""

    owner: Value
    name: str


@dataclass(frozen=True, slots=True)
class Func:
    """A function (or method) of the analysed code."""

    unit: str  # unit key: "<path>::<qualname>"


@dataclass(frozen=True, slots=True)
class Klass:
    """A class of the analysed code."""

    key: str  # "<path>::<qualname>"


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance of a class of the analysed code."""

    key: str


@dataclass(frozen=True, slots=True)
class Bound:
    """A method bound to an instance."""

    instance: Instance
    func: Func


@dataclass(frozen=True, slots=True)
class Mod:
    """A module of the analysed code."""

    path: str


@dataclass(frozen=True, slots=True)
class DictValue:
    """A dict literal with string keys (request parameters passed as ``**params``)."""

    items: tuple[tuple[str, frozenset[Value]], ...]


Value = (
    Ext
    | Str
    | Session
    | Client
    | ServiceResource
    | ResourceObject
    | Collection
    | BatchWriter
    | Paginator
    | Waiter
    | Member
    | Func
    | Klass
    | Instance
    | Bound
    | Mod
    | DictValue
)
Values = frozenset[Value]
EMPTY: Values = frozenset()

#: Client methods that are not API operations (no permission, nothing to record).
_CLIENT_LOCAL = frozenset(
    {"can_paginate", "close", "exceptions", "meta", "waiter_names", "get_waiter", "get_paginator"}
)
#: Builtins the interpreter understands.
_BUILTINS = frozenset({"getattr"})
#: Libraries that call AWS on the code's behalf: their calls are invisible to this analysis.
AWS_WRAPPER_LIBRARIES = (
    "aws_lambda_powertools",
    "awswrangler",
    "aioboto3",
    "aiobotocore",
    "pynamodb",
    "smart_open",
    "s3fs",
    "boto",
    "chalice",
    "moto",
    "zappa",
    "dynamodb_json",
    "aws_xray_sdk",
)
#: Wrapper libraries that make no AWS calls of their own account (X-Ray patches clients;
#: it sends segments through the daemon, covered by the tracing platform permissions).
_HARMLESS_WRAPPERS = frozenset({"aws_xray_sdk", "moto"})


# ---------------------------------------------------------------------------- units


@dataclass(slots=True)
class _Unit:
    """A function or method body evaluated as one scope."""

    key: str
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    parent: str | None  # enclosing unit key (closures), None at module level
    klass: str | None  # class key for methods
    locals: dict[str, Values] = field(default_factory=dict)
    params: dict[str, Values] = field(default_factory=dict)
    returns: Values = EMPTY
    is_static: bool = False


@dataclass(slots=True)
class _ModuleState:
    module: PyModule
    key: str
    globals: dict[str, Values] = field(default_factory=dict)


@dataclass(slots=True)
class _Result:
    calls: dict[tuple[str, int, int, str, str, str], dict[str, set[SymStr]]]
    gaps: dict[tuple[str, int, str], Gap]


class _Interpreter:
    """The abstract interpreter over the modules of one code directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: dict[str, _ModuleState] = {}
        self.units: dict[str, _Unit] = {}
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

    def load(self, path: Path) -> _ModuleState | None:
        """Parse ``path`` and, recursively, the modules of the code it imports."""
        key = str(path)
        found = self.modules.get(key)
        if found is not None:
            return found
        parsed = parse_module(path)
        if isinstance(parsed, Gap):
            self.gap(parsed)
            return None
        state = _ModuleState(module=parsed, key=key)
        self.modules[key] = state
        self._register(state, parsed.tree.body, None, None, "")
        for imp in parsed.imports:
            if imp.level == 0 and imp.module.split(".")[0] in AWS_WRAPPER_LIBRARIES:
                top = imp.module.split(".")[0]
                if top not in _HARMLESS_WRAPPERS:
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
        state: _ModuleState,
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
                self.units[key] = _Unit(
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
            self._exec_block(state.module.tree.body, _Scope(self, state, None, None))
        for unit in list(self.units.values()):
            state = self.modules[unit.module]
            self.current_file = state.key
            self.current_unit = unit.key
            scope = _Scope(self, state, unit, unit.klass)
            self._bind_defaults(unit, scope)
            if isinstance(unit.node, ast.Lambda):
                self._add_return(unit, scope.eval(unit.node.body))
            else:
                self._exec_block(unit.node.body, scope)

    def _bind_defaults(self, unit: _Unit, scope: _Scope) -> None:
        args = unit.node.args
        positional = [*args.posonlyargs, *args.args]
        if unit.klass is not None and positional and not unit.is_static:
            first = positional[0].arg
            is_classmethod = isinstance(unit.node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                isinstance(d, ast.Name) and d.id == "classmethod" for d in unit.node.decorator_list
            )
            own: Value = Klass(unit.klass) if is_classmethod else Instance(unit.klass)
            self._merge_into(unit.params, first, frozenset({own}))
        defaults = list(args.defaults)
        for param, default in zip(
            positional[len(positional) - len(defaults) :], defaults, strict=False
        ):
            self._merge_into(unit.params, param.arg, scope.eval(default))
        for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            if kw_default is not None:
                self._merge_into(unit.params, param.arg, scope.eval(kw_default))

    # ----------------------------------------------------------- state updates

    def _merge_into(self, table: dict[str, Values], name: str, values: Values) -> None:
        if not values:
            return
        old = table.get(name, EMPTY)
        new = old | values
        if len(new) > MAX_VALUES:
            new = frozenset(list(new)[:MAX_VALUES])
        if new != old:
            table[name] = new
            self.changed = True

    def _add_return(self, unit: _Unit, values: Values) -> None:
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

    def _exec_block(self, body: Iterable[ast.stmt], scope: _Scope) -> None:
        for stmt in body:
            self._exec(stmt, scope)

    def _exec(self, stmt: ast.stmt, scope: _Scope) -> None:
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
            class_scope = _Scope(self, scope.state, scope.unit, key, class_body=True)
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
                scope.assign(stmt.target, _concat(current, added))
        elif isinstance(stmt, ast.Return):
            if stmt.value is not None and scope.unit is not None:
                self._add_return(scope.unit, scope.eval(stmt.value))
        elif isinstance(stmt, ast.Expr):
            scope.eval(stmt.value)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            iterated = scope.eval(stmt.iter)
            scope.assign(stmt.target, _iterate(iterated))
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
            self._merge_into(unit.params, name, values)
        if spec.vararg is not None and len(args) > len(positional):
            pass  # *args: the values are not followed into the tuple
        for name, values in kwargs.items():
            if name in positional or any(p.arg == name for p in spec.kwonlyargs):
                self._merge_into(unit.params, name, values)
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


def _concat(left: Values, right: Values) -> Values:
    lefts = [v.value for v in left if isinstance(v, Str)]
    rights = [v.value for v in right if isinstance(v, Str)]
    if not lefts or not rights:
        return EMPTY
    return frozenset(Str(a + b) for a in lefts[:4] for b in rights[:4])


def _iterate(values: Values) -> Values:
    """What iterating over ``values`` yields (the items of resource collections)."""
    items: set[Value] = set()
    for value in values:
        if isinstance(value, Collection):
            item = _collection_item(value)
            if item is not None:
                items.add(item)
    return frozenset(items)


def _collection_item(collection: Collection) -> ResourceObject | None:
    parent = collection.parent
    model = sdk.resource_model(parent.service)
    if model is None:
        return None
    owner = (
        model.get("service", {})
        if isinstance(parent, ServiceResource)
        else model.get("resources", {}).get(parent.type, {})
    )
    entry = _by_snake(owner.get("hasMany", {}), collection.name)
    resource = entry.get("resource") if entry else None
    if not isinstance(resource, dict):
        return None
    parent_ids = dict(parent.identifiers) if isinstance(parent, ResourceObject) else {}
    identifiers = []
    for ident in resource.get("identifiers", ()):
        target = str(ident.get("target", ""))
        if ident.get("source") == "identifier" and ident.get("name") in parent_ids:
            identifiers.append((target, parent_ids[str(ident["name"])]))
        else:
            identifiers.append((target, SymStr.opaque(f"{collection.name} item {target}")))
    return ResourceObject(parent.service, str(resource.get("type")), tuple(identifiers))


def _by_snake(table: object, name: str) -> dict[str, object] | None:
    if not isinstance(table, dict):
        return None
    for key, entry in table.items():
        if (key == name or sdk.snake(key) == name) and isinstance(entry, dict):
            return entry
    return None


# ---------------------------------------------------------------------------- scopes


class _Scope:
    """Name resolution and expression evaluation for one unit (or a module body)."""

    def __init__(
        self,
        interp: _Interpreter,
        state: _ModuleState,
        unit: _Unit | None,
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
            interp._merge_into(interp.class_attrs.setdefault(self.klass, {}), name, values)
        elif self.unit is None or name in self.globals_declared:
            interp._merge_into(self.state.globals, name, values)
        elif name in self.nonlocals_declared and self.unit.parent is not None:
            parent = interp.units.get(self.unit.parent)
            if parent is not None:
                interp._merge_into(parent.locals, name, values)
        else:
            interp._merge_into(self.unit.locals, name, values)

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
        if not found and name in _BUILTINS:
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
                    self.interp._merge_into(table, target.attr, values)
                elif isinstance(owner, Mod):
                    state = self.interp.modules.get(owner.path)
                    if state is not None:
                        self.interp._merge_into(state.globals, target.attr, values)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                inner = element.value if isinstance(element, ast.Starred) else element
                self.assign(inner, EMPTY)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, EMPTY)

    # ----------------------------------------------------------- expressions

    def eval(self, node: ast.expr) -> Values:
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
                self.interp.units[key] = _Unit(
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
                self.assign(child.target, _iterate(iterated))
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
            return _concat(left, right) or frozenset(
                {Str(SymStr.opaque(ast.unparse(node)))} if _has_str(left, right) else set()
            )
        if isinstance(node.op, ast.Mod):
            formats = [v.value.text for v in left if isinstance(v, Str)]
            if formats and formats[0] is not None:
                args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return frozenset({Str(_printf(formats[0], [self._one_str(a) for a in args]))})
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

    def interp_attribute(self, owner: Value, name: str, site: tuple[str, int, int]) -> Values:
        """The values of ``owner.name``."""
        interp = self.interp
        if isinstance(owner, Ext):
            full = f"{owner.name}.{name}"
            return frozenset({Ext(_canonical_ext(full))})
        if isinstance(owner, Mod):
            state = interp.modules.get(owner.path)
            if state is not None:
                found = state.globals.get(name)
                if found:
                    return found
                for imp in state.module.imports:
                    if imp.local == name:
                        return _Scope(interp, state, None, None).import_values(imp)
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
            return _resource_attribute(self, owner, name, site)
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
            return _call_member(self, callee, node, args, kwargs, site)
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
            return self._make_client(kind, node, args, kwargs, site)
        if name in ("boto3.Session", "boto3.session.Session"):
            return frozenset({Session()})
        if name in ("os.getenv", "os.environ.get"):
            return _env_lookup(args, kwargs)
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

    def _make_client(
        self,
        kind: str,
        node: ast.Call,
        args: list[Values],
        kwargs: dict[str, Values],
        site: tuple[str, int, int],
    ) -> Values:
        names = args[0] if args else kwargs.get("service_name", EMPTY)
        services = [v.value.text for v in names if isinstance(v, Str) and v.value.text]
        if not services:
            self.interp.gap(
                Gap(
                    f"boto3 {kind} whose service is computed at run time ({ast.unparse(node)})",
                    site[0],
                    site[1],
                )
            )
            return EMPTY
        if kind == "resource":
            return frozenset(ServiceResource(s) for s in services if s)
        return frozenset(Client(s) for s in services if s)


def _has_str(*groups: Values) -> bool:
    return any(isinstance(v, Str) for group in groups for v in group)


def _canonical_ext(name: str) -> str:
    """Spellings of the same external object made equal (``boto3.session.Session``)."""
    if name in ("boto3.session.Session.client", "boto3.session.Session.resource"):
        return name.replace("session.", "", 1)
    return name


def _printf(fmt: str, args: list[SymStr]) -> SymStr:
    import re  # noqa: PLC0415 - only for %-formatting

    pieces = re.split(r"%[-#0 +]*\d*(?:\.\d+)?[sdrif]", fmt)
    result = SymStr.literal(pieces[0])
    for index, piece in enumerate(pieces[1:]):
        value = args[index] if index < len(args) else SymStr.opaque("%")
        result = result + value + SymStr.literal(piece)
    return result


def _env_lookup(args: list[Values], kwargs: dict[str, Values]) -> Values:
    names = [v.value.text for v in (args[0] if args else EMPTY) if isinstance(v, Str)]
    defaults = [
        v.value.text
        for v in (args[1] if len(args) > 1 else kwargs.get("default", EMPTY))
        if isinstance(v, Str)
    ]
    default = defaults[0] if defaults else None
    return frozenset(Str(SymStr.of(Env(n, default))) for n in names if n)


# ---------------------------------------------------------------------------- SDK objects


def _resource_attribute(
    scope: _Scope,
    owner: ServiceResource | ResourceObject | Collection | BatchWriter,
    name: str,
    site: tuple[str, int, int],
) -> Values:
    """``owner.name`` for boto3 resources: methods, collections, ``meta`` and data
    attributes (reading one loads the resource: its ``load`` operation is recorded)."""
    if isinstance(owner, Collection | BatchWriter):
        return frozenset({Member(owner, name)})
    model = sdk.resource_model(owner.service)
    if name == "meta":
        return frozenset({Member(owner, "meta")})
    if model is None:
        return frozenset({Member(owner, name)})
    definition = (
        model.get("service", {})
        if isinstance(owner, ServiceResource)
        else model.get("resources", {}).get(owner.type, {})
    )
    if _by_snake(definition.get("hasMany"), name) is not None:
        return frozenset({Collection(owner, name)})
    if isinstance(owner, ResourceObject):
        identifier_names = {sdk.snake(i) for i, _ in owner.identifiers}
        attrs_known = (
            name in identifier_names
            or _by_snake(definition.get("actions"), name) is not None
            or _by_snake(definition.get("has"), name) is not None
            or name in ("load", "reload", "batch_writer", "get_available_subresources")
            or name.startswith("wait_until_")
        )
        if not attrs_known and not name.startswith("_"):
            load = sdk.request_of(definition.get("load"))
            if load is not None:
                scope.interp.record(
                    owner.service,
                    load.operation,
                    _request_params(load, owner, {}),
                    site,
                    f"resource {owner.type}.{name} (load)",
                )
            return EMPTY
    return frozenset({Member(owner, name)})


def _request_params(
    request: sdk.Request, owner: ResourceObject | None, kwargs: dict[str, Values]
) -> dict[str, Values]:
    params = dict(kwargs)
    identifiers = dict(owner.identifiers) if owner is not None else {}
    for target, source, value in request.params:
        if source == "identifier" and value in identifiers:
            params[target] = frozenset({Str(identifiers[value])})
        elif source == "string":
            params[target] = frozenset({Str(SymStr.literal(value))})
    return params


def _identifier_values(
    scope: _Scope,
    definition: dict[str, object],
    parent: ResourceObject | None,
    args: list[Values],
    kwargs: dict[str, Values],
    node: ast.Call,
) -> tuple[tuple[str, SymStr], ...]:
    """Identifier values of a resource created by a ``has`` entry (``Table(name)``)."""
    resource = definition.get("resource")
    if not isinstance(resource, dict):
        return ()
    parent_ids = dict(parent.identifiers) if parent is not None else {}
    inputs = iter(args)
    result = []
    for ident in resource.get("identifiers", ()):
        target = str(ident.get("target", ""))
        if ident.get("source") == "identifier" and ident.get("name") in parent_ids:
            result.append((target, parent_ids[str(ident["name"])]))
            continue
        values = next(inputs, None)
        if values is None:
            values = kwargs.get(sdk.snake(target), kwargs.get(target, EMPTY))
        strings = [v.value for v in values if isinstance(v, Str)]
        result.append(
            (target, strings[0] if len(strings) == 1 else SymStr.opaque(ast.unparse(node)))
        )
    return tuple(result)


def _call_member(
    scope: _Scope,
    member: Member,
    node: ast.Call,
    args: list[Values],
    kwargs: dict[str, Values],
    site: tuple[str, int, int],
) -> Values:
    """A call of a method of an SDK object."""
    interp = scope.interp
    owner, name = member.owner, member.name
    if isinstance(owner, Session):
        if name in ("client", "resource"):
            return scope._make_client(name, node, args, kwargs, site)
        return EMPTY
    if isinstance(owner, Client):
        return _call_client(scope, owner, name, node, args, kwargs, site)
    if isinstance(owner, Paginator):
        if name == "paginate" and interp.recording:
            interp.paginated.add(owner.site)
            interp.record(owner.service, owner.operation, kwargs, site, "paginator")
        return frozenset({owner}) if name in ("paginate", "search") else EMPTY
    if isinstance(owner, Waiter):
        if name == "wait":
            operation = sdk.waiter_operation(owner.service, owner.waiter)
            if operation is not None:
                interp.record(owner.service, operation, kwargs, site, f"waiter {owner.waiter}")
        return EMPTY
    if isinstance(owner, BatchWriter):
        if name in ("put_item", "delete_item"):
            params: dict[str, Values] = {
                "TableName": frozenset(
                    {Str(dict(owner.table.identifiers).get("Name", SymStr.opaque("table")))}
                )
            }
            interp.record(owner.table.service, "BatchWriteItem", params, site, "batch_writer")
        return EMPTY
    if isinstance(owner, Collection):
        return _call_collection(scope, owner, name, site)
    if isinstance(owner, ServiceResource | ResourceObject):
        return _call_resource(scope, owner, name, node, args, kwargs, site)
    return EMPTY


def _call_client(
    scope: _Scope,
    client: Client,
    name: str,
    node: ast.Call,
    args: list[Values],
    kwargs: dict[str, Values],
    site: tuple[str, int, int],
) -> Values:
    interp = scope.interp
    first = [v.value.text for v in (args[0] if args else EMPTY) if isinstance(v, Str)]
    if name in ("get_paginator", "get_waiter"):
        operations = [f for f in first if f]
        if not operations:
            interp.gap(
                Gap(f"{name} argument computed at run time ({ast.unparse(node)})", *site[:2])
            )
            return EMPTY
        if name == "get_waiter":
            return frozenset(Waiter(client.service, op, site) for op in operations)
        paginators = frozenset(Paginator(client.service, op, site) for op in operations)
        for paginator in paginators if interp.recording else ():
            interp.pending_paginators.setdefault(paginator, site)
        return paginators
    if name == "generate_presigned_url":
        methods = args[0] if args else kwargs.get("ClientMethod", EMPTY)
        params: dict[str, Values] = {}
        for value in args[1] if len(args) > 1 else kwargs.get("Params", EMPTY):
            if isinstance(value, DictValue):
                params.update(dict(value.items))
        for method in methods:
            if isinstance(method, Str) and method.value.text:
                interp.record(client.service, method.value.text, params, site, "presigned URL")
        return frozenset({Str(SymStr.opaque("presigned URL"))})
    if name == "generate_presigned_post":
        params = {"Bucket": args[0] if args else kwargs.get("Bucket", EMPTY)}
        interp.record(client.service, "PutObject", params, site, "presigned POST")
        return EMPTY
    if name in _CLIENT_LOCAL:
        return EMPTY
    params = dict(kwargs)
    if name in ("upload_file", "download_file", "upload_fileobj", "download_fileobj"):
        positions = (1, 2) if name.startswith("upload") else (0, 1)
        for label, index in zip(("Bucket", "Key"), positions, strict=False):
            if len(args) > index:
                params.setdefault(label, args[index])
    interp.record(client.service, name, params, site)
    return EMPTY


def _call_resource(
    scope: _Scope,
    owner: ServiceResource | ResourceObject,
    name: str,
    node: ast.Call,
    args: list[Values],
    kwargs: dict[str, Values],
    site: tuple[str, int, int],
) -> Values:
    interp = scope.interp
    model = sdk.resource_model(owner.service)
    if model is None:
        return EMPTY
    definition = (
        model.get("service", {})
        if isinstance(owner, ServiceResource)
        else model.get("resources", {}).get(owner.type, {})
    )
    parent = owner if isinstance(owner, ResourceObject) else None
    resources = model.get("resources", {})
    if parent is None and isinstance(resources, dict) and isinstance(resources.get(name), dict):
        # boto3 gives the service resource a constructor for every resource type, taking
        # its identifiers in order (``s3.Object(bucket, key)``), beyond the model's "has".
        names = [str(i.get("name")) for i in resources[name].get("identifiers", ())]
        has: dict[str, object] | None = {
            "resource": {
                "type": name,
                "identifiers": [{"target": n, "source": "input"} for n in names],
            }
        }
    else:
        has = _by_snake(definition.get("has"), name)
    if has is not None:
        resource = has.get("resource")
        rtype = str(resource.get("type")) if isinstance(resource, dict) else name
        identifiers = _identifier_values(scope, has, parent, args, kwargs, node)
        return frozenset({ResourceObject(owner.service, rtype, identifiers)})
    if name in ("load", "reload") and parent is not None:
        request = sdk.request_of(definition.get("load"))
        if request is not None:
            interp.record(
                owner.service,
                request.operation,
                _request_params(request, parent, {}),
                site,
                f"resource {parent.type}.{name}",
            )
        return EMPTY
    if name == "batch_writer" and parent is not None and parent.type == "Table":
        return frozenset({BatchWriter(parent)})
    if name.startswith("wait_until_") and parent is not None:
        waiters = definition.get("waiters") or {}
        for key, entry in waiters.items() if isinstance(waiters, dict) else ():
            if sdk.snake(key) == name[len("wait_until_") :]:
                waiter = str(entry.get("waiterName", ""))
                operation = sdk.waiter_operation(owner.service, waiter)
                if operation is not None:
                    request = sdk.Request(
                        operation,
                        tuple(
                            (str(p.get("target")), str(p.get("source")), str(p.get("name", "")))
                            for p in entry.get("params", ())
                        ),
                    )
                    interp.record(
                        owner.service,
                        operation,
                        _request_params(request, parent, kwargs),
                        site,
                        f"resource {parent.type}.{name}",
                    )
        return EMPTY
    action = _by_snake(definition.get("actions"), name)
    request = sdk.request_of(action)
    if request is not None:
        label = parent.type if parent is not None else "service resource"
        interp.record(
            owner.service,
            request.operation,
            _request_params(request, parent, kwargs),
            site,
            f"resource {label}.{name}",
        )
        created = action.get("resource") if action else None
        if isinstance(created, dict) and isinstance(created.get("type"), str):
            return frozenset({ResourceObject(owner.service, created["type"], ())})
    return EMPTY


def _call_collection(
    scope: _Scope, collection: Collection, name: str, site: tuple[str, int, int]
) -> Values:
    parent = collection.parent
    model = sdk.resource_model(parent.service)
    if model is None:
        return EMPTY
    owner_definition = (
        model.get("service", {})
        if isinstance(parent, ServiceResource)
        else model.get("resources", {}).get(parent.type, {})
    )
    entry = _by_snake(owner_definition.get("hasMany"), collection.name)
    request = sdk.request_of(entry)
    owner = parent if isinstance(parent, ResourceObject) else None
    if name in ("all", "filter", "limit", "page_size", "pages", "iterator"):
        if request is not None:
            scope.interp.record(
                parent.service,
                request.operation,
                _request_params(request, owner, {}),
                site,
                f"collection {collection.name}.{name}",
            )
        return frozenset({collection})
    item = _collection_item(collection)
    if item is None:
        return EMPTY
    item_definition = model.get("resources", {}).get(item.type, {})
    batch = _by_snake(item_definition.get("batchActions"), name)
    batch_request = sdk.request_of(batch)
    if batch_request is not None:
        scope.interp.record(
            parent.service,
            batch_request.operation,
            _request_params(batch_request, item, {}),
            site,
            f"collection {collection.name}.{name}",
        )
    return EMPTY


# ---------------------------------------------------------------------------- entry point


@dataclass(frozen=True, slots=True)
class PythonAnalysis:
    """Every SDK call found from one handler file, the files read and the gaps."""

    calls: tuple[SdkCall, ...]
    files: tuple[str, ...]
    gaps: tuple[Gap, ...]


def _reachable(interp: _Interpreter, entry: Path, export: str | None) -> set[str] | None:
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
    reachable: set[str] = set()
    pending = ["", *roots]
    while pending:
        current = pending.pop()
        if current in reachable:
            continue
        reachable.add(current)
        pending.extend(interp.edges.get(current, ()))
        # Functions defined inside a reachable function are reachable (callbacks, closures).
        pending.extend(k for k, u in interp.units.items() if u.parent == current)
    return reachable


def analyse(root: Path, entry: Path, export: str | None = None) -> PythonAnalysis:
    """Find the SDK calls the handler function ``export`` of file ``entry`` can make,
    through every module of ``root`` it imports (every function when ``export`` is None)."""
    interp = _Interpreter(root)
    interp.load(entry)
    interp.run()
    reachable = _reachable(interp, entry, export)
    gaps = [
        gap
        for key, gap in interp.result.gaps.items()
        if reachable is None or key not in interp.gap_units or interp.gap_units[key] & reachable
    ]
    calls = []
    for key, params in interp.result.calls.items():
        if reachable is not None and not interp.call_units.get(key, set()) & reachable:
            continue
        file, line, column, service, operation, via = key
        calls.append(
            SdkCall(
                sdk="boto3",
                service=service,
                operation=operation,
                params=tuple(
                    (name, tuple(sorted(values, key=str)))
                    for name, values in sorted(params.items())
                ),
                file=file,
                line=line,
                column=column,
                via=via,
            )
        )
    calls.sort(key=lambda c: (c.file, c.line, c.column, c.operation))
    return PythonAnalysis(
        calls=tuple(calls),
        files=tuple(sorted(interp.modules)),
        gaps=tuple(gaps),
    )


__all__ = ["AWS_WRAPPER_LIBRARIES", "PythonAnalysis", "analyse"]

# ``Lit`` and ``Opaque`` are part of the values this module builds (re-exported for the
# taint analysis that will build on it).
_ = (Lit, Opaque)
