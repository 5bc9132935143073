"""Name resolution and expression evaluation of the Python SDK-call interpreter: one
:class:`Scope` per function body (or module body), and the calls of boto3 objects (clients,
resources, collections, waiters, paginators) resolved with boto3's models
(:mod:`faasguard.sdk`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from faasguard import sdk
from faasguard.code.modules import resolve_python_import
from faasguard.code.python.index import PyImport, parse_imports
from faasguard.code.python.sdk_values import (
    BUILTINS,
    CLIENT_LOCAL,
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
    by_snake,
    canonical_ext,
    collection_item,
    concat,
    env_lookup,
    has_str,
    iterate,
    printf,
)
from faasguard.code.values import Env, Gap, SymStr


class Interpreter(Protocol):
    """What a scope reads and updates of the interpreter running it
    (:class:`faasguard.code.python.sdk_calls.Interpreter`)."""

    root: Path
    modules: dict[str, ModuleState]
    units: dict[str, Unit]
    class_attrs: dict[str, dict[str, Values]]
    recording: bool
    current_unit: str
    edges: dict[str, set[str]]
    paginated: set[tuple[str, int, int]]
    pending_paginators: dict[Paginator, tuple[str, int, int]]

    def load(self, path: Path) -> ModuleState | None:
        """Parse ``path`` and the modules it imports."""
        ...

    def gap(self, gap: Gap) -> None:
        """Record something the analysis could not follow."""
        ...

    def record(
        self,
        service: str,
        operation: str,
        params: dict[str, Values],
        site: tuple[str, int, int],
        via: str = "",
    ) -> None:
        """Record an SDK call."""
        ...

    def merge_into(self, table: dict[str, Values], name: str, values: Values) -> None:
        """Add ``values`` to ``table[name]``."""
        ...

    def call_unit(self, key: str, args: list[Values], kwargs: dict[str, Values]) -> Values:
        """Bind the parameters of unit ``key``; what it returns."""
        ...

    def method_of(self, klass: str, name: str) -> str | None:
        """The unit implementing ``klass.name``."""
        ...

    def class_attr(self, klass: str, name: str) -> Values:
        """Values assigned to ``name`` on the class or its instances."""
        ...


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

    def interp_attribute(self, owner: Value, name: str, site: tuple[str, int, int]) -> Values:
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


# ---------------------------------------------------------------------------- SDK objects


def _resource_attribute(
    scope: Scope,
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
    if by_snake(definition.get("hasMany"), name) is not None:
        return frozenset({Collection(owner, name)})
    if isinstance(owner, ResourceObject):
        identifier_names = {sdk.snake(i) for i, _ in owner.identifiers}
        attrs_known = (
            name in identifier_names
            or by_snake(definition.get("actions"), name) is not None
            or by_snake(definition.get("has"), name) is not None
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
    scope: Scope,
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
    scope: Scope,
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
    scope: Scope,
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
    if name in CLIENT_LOCAL:
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
    scope: Scope,
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
        has = by_snake(definition.get("has"), name)
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
    action = by_snake(definition.get("actions"), name)
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
    scope: Scope, collection: Collection, name: str, site: tuple[str, int, int]
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
    entry = by_snake(owner_definition.get("hasMany"), collection.name)
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
    item = collection_item(collection)
    if item is None:
        return EMPTY
    item_definition = model.get("resources", {}).get(item.type, {})
    batch = by_snake(item_definition.get("batchActions"), name)
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
