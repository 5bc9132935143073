"""Node.js front end: parse handler modules with tree-sitter and find every AWS SDK call.

:func:`parse_module` gives a :class:`JsModule` (the tree-sitter tree of a ``.js``/``.mjs``/
``.cjs`` file with ``tree-sitter-javascript``, of a ``.ts``/``.tsx`` file with
``tree-sitter-typescript``) that later analyses reuse. :func:`analyse` follows the handler
file and the local modules it ``require``s or ``import``s, with a small flow-insensitive
abstract interpreter (names per function scope with closures, module exports, ``this.x``
per file, function parameters bound at call sites, return values), repeated until nothing
changes:

- aws-sdk v2: ``require('aws-sdk')`` / ``import AWS from 'aws-sdk'`` / destructuring,
  ``new AWS.S3()``, ``new AWS.DynamoDB.DocumentClient()``, ``require('aws-sdk/clients/s3')``,
  method calls (``s3.getObject(params)``), ``makeRequest``, ``waitFor``, ``getSignedUrl``;
- aws-sdk v3: ``@aws-sdk/client-*`` and ``@aws-sdk/lib-dynamodb`` — ``client.send(new
  GetObjectCommand(params))``, aggregated clients (``new S3().getObject``),
  ``DynamoDBDocumentClient.from(client)``, ``paginateXxx``, ``waitUntilXxx``;
- strings: literals, template literals, ``+``, ``process.env.X`` (also destructured).

The code is never run. What cannot be followed is a :class:`~faasguard.code.values.Gap`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faasguard.code.javascript.index import (
    FUNCTION_TYPES,
    ImportBinding,
    JsModule,
    import_bindings,
    key_name,
    module_specifier,
    parse_module,
    required_specifier,
    string_text,
    text,
    walk,
)
from faasguard.code.javascript.sdk_objects import call_member, call_v3_export
from faasguard.code.javascript.sdk_values import (
    AWS_WRAPPER_PACKAGES,
    EMPTY,
    MAX_PASSES,
    MAX_VALUES,
    Func,
    Instance,
    JsValue,
    LocalModule,
    Member,
    Named,
    ObjectValue,
    ProcessEnv,
    Str,
    V2Class,
    V2Client,
    V2Module,
    V3Client,
    V3Command,
    V3Export,
    V3Package,
    Values,
    enclosing,
    package_value,
    v3_kind,
    with_default,
)
from faasguard.code.modules import resolve_js_module
from faasguard.code.values import (
    Env,
    Gap,
    SdkCallsFound,
    SymStr,
    by_site,
    reachable_from,
    recorded_call,
)

# ---------------------------------------------------------------------------- interpreter


@dataclass(slots=True)
class _Function:
    key: tuple[str, int]
    node: Any
    params: dict[str, Values] = field(default_factory=dict)
    returns: Values = EMPTY


@dataclass(slots=True)
class _File:
    module: JsModule
    key: str
    exports: dict[str, Values] = field(default_factory=dict)
    this_props: dict[str, Values] = field(default_factory=dict)


class _Interpreter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, _File] = {}
        self.functions: dict[tuple[str, int], _Function] = {}
        # scope key (file, start byte of the function or 0 for the program) -> names
        self.scopes: dict[tuple[str, int], dict[str, Values]] = {}
        self.changed = False
        self.recording = False
        self.calls: dict[tuple[str, int, int, str, str, str], dict[str, set[SymStr]]] = {}
        self.gaps: dict[tuple[str, int, str], Gap] = {}
        self.current: _File | None = None
        #: function → functions it calls or passes along (reachability from the handler)
        self.edges: dict[tuple[str, int], set[tuple[str, int]]] = {}
        self.call_units: dict[tuple[str, int, int, str, str, str], tuple[str, int]] = {}
        #: where evaluation gaps were met (load-time gaps have no entry and always count)
        self.gap_units: dict[tuple[str, int, str], tuple[str, int]] = {}

    # ----------------------------------------------------------- loading

    def load(self, path: Path) -> _File | None:
        key = str(path)
        if key in self.files:
            return self.files[key]
        parsed = parse_module(path)
        if isinstance(parsed, Gap):
            self.gap(parsed)
            return None
        state = _File(module=parsed, key=key)
        self.files[key] = state
        for node in walk(parsed.root):
            if node.type in FUNCTION_TYPES:
                fkey = (key, node.start_byte)
                self.functions.setdefault(fkey, _Function(key=fkey, node=node))
            specifier = module_specifier(node)
            if specifier is None:
                continue
            if any(specifier == p or specifier.startswith(p + "/") for p in AWS_WRAPPER_PACKAGES):
                self.gap(
                    Gap(
                        f"uses {specifier}, which calls AWS on the code's behalf; "
                        "those calls are not analysed",
                        key,
                        node.start_point[0] + 1,
                    )
                )
            target = resolve_js_module(self.root, path, specifier)
            if target is not None:
                self.load(target)
        return state

    def gap(self, gap: Gap) -> None:
        self.gaps.setdefault((gap.file, gap.line, gap.message), gap)

    def merge(self, table: dict[str, Values], name: str, values: Values) -> None:
        if not values:
            return
        old = table.get(name, EMPTY)
        new = old | values
        if len(new) > MAX_VALUES:
            return
        if new != old:
            table[name] = new
            self.changed = True

    def record(
        self, service: str, operation: str, params: Values, node: Any, sdk: str, via: str = ""
    ) -> None:
        if not self.recording or self.current is None:
            return
        key = (
            self.current.key,
            node.start_point[0] + 1,
            node.start_point[1] + 1,
            service,
            operation,
            f"{sdk}|{via}",
        )
        slot = self.calls.setdefault(key, {})
        self.call_units[key] = enclosing(node, self.current.key)
        for value in params:
            if not isinstance(value, ObjectValue):
                continue
            for name, values in value.props:
                strings = {v.value for v in values if isinstance(v, Str)}
                slot.setdefault(name, set()).update(strings or {SymStr.opaque(name)})

    # ----------------------------------------------------------- driver

    def run(self) -> None:
        for _ in range(MAX_PASSES):
            self.changed = False
            self._pass()
            if not self.changed:
                break
        self.recording = True
        self._pass()

    def _pass(self) -> None:
        for state in list(self.files.values()):
            self.current = state
            for node in walk(state.module.root):
                self._visit(node, state)

    # ----------------------------------------------------------- scopes

    def scope_of(self, node: Any, state: _File) -> dict[str, Values]:
        """The name table of the function (or program) enclosing ``node``."""
        current = node.parent
        while current is not None:
            if current.type in FUNCTION_TYPES:
                return self.scopes.setdefault((state.key, current.start_byte), {})
            current = current.parent
        return self.scopes.setdefault((state.key, 0), {})

    def lookup(self, name: str, node: Any, state: _File) -> Values:
        current = node.parent
        while current is not None:
            if current.type in FUNCTION_TYPES:
                key = (state.key, current.start_byte)
                found = self.scopes.get(key, {}).get(name, EMPTY)
                function = self.functions.get(key)
                if function is not None:
                    found = found | function.params.get(name, EMPTY)
                if found:
                    return found
            current = current.parent
        found = self.scopes.get((state.key, 0), {}).get(name, EMPTY)
        if found:
            return found
        if name in ("process", "require", "module", "exports"):
            return frozenset({Named(name)})
        return EMPTY

    # ----------------------------------------------------------- statements

    def _visit(self, node: Any, state: _File) -> None:  # noqa: C901 - over the limit before it came in; may only shrink
        kind = node.type
        if kind == "variable_declarator":
            value = node.child_by_field_name("value")
            name = node.child_by_field_name("name")
            if value is not None and name is not None:
                self.bind(name, self.eval(value, state), state, node)
        elif kind == "assignment_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is not None and right is not None:
                self.assign(left, self.eval(right, state), state)
        elif kind in {"function_declaration", "generator_function_declaration"}:
            name = node.child_by_field_name("name")
            if name is not None:
                scope = self.scope_of(node, state)
                self.merge(scope, text(name), frozenset({Func((state.key, node.start_byte))}))
        elif kind == "class_declaration":
            name = node.child_by_field_name("name")
            if name is not None:
                scope = self.scope_of(node, state)
                self.merge(scope, text(name), frozenset({Instance(state.key)}))
        elif kind == "import_statement":
            self._import(node, state)
        elif kind == "export_statement":
            self._export(node, state)
        elif kind == "return_statement":
            self._return(node, state)
        elif kind in ("call_expression", "new_expression"):
            # Every call is evaluated where it stands (conditions, arguments, callbacks):
            # a call already evaluated as part of a bigger expression is recorded once.
            self.eval(node, state)
        elif kind == "arrow_function":
            body = node.child_by_field_name("body")
            if body is not None and body.type != "statement_block":
                function = self.functions.get((state.key, node.start_byte))
                if function is not None:
                    self._add_return(function, self.eval(body, state))

    def _add_return(self, function: _Function, values: Values) -> None:
        new = function.returns | values
        if new != function.returns and len(new) <= MAX_VALUES:
            function.returns = new
            self.changed = True

    def _return(self, node: Any, state: _File) -> None:
        value = node.named_children[0] if node.named_children else None
        if value is None:
            return
        current = node.parent
        while current is not None and current.type not in FUNCTION_TYPES:
            current = current.parent
        if current is None:
            return
        function = self.functions.get((state.key, current.start_byte))
        if function is not None:
            self._add_return(function, self.eval(value, state))

    def bind(self, pattern: Any, values: Values, state: _File, at: Any) -> None:
        """Bind a declaration pattern (identifier, object or array destructuring)."""
        scope = self.scope_of(at, state)
        kind = pattern.type
        if kind == "identifier":
            self.merge(scope, text(pattern), values)
        elif kind == "object_pattern":
            for child in pattern.named_children:
                if child.type == "shorthand_property_identifier_pattern":
                    self.merge(scope, text(child), self.property(values, text(child), child))
                elif child.type == "object_assignment_pattern":
                    left = child.child_by_field_name("left")
                    right = child.child_by_field_name("right")
                    if left is None:
                        continue
                    found = self.property(values, text(left), child)
                    if right is not None:
                        found = with_default(found, self.eval(right, state))
                    self.bind(left, found, state, at) if left.type != (
                        "shorthand_property_identifier_pattern"
                    ) else self.merge(scope, text(left), found)
                elif child.type == "pair_pattern":
                    key = child.child_by_field_name("key")
                    value = child.child_by_field_name("value")
                    if key is not None and value is not None:
                        name = key_name(key)
                        if name is not None:
                            self.bind(value, self.property(values, name, child), state, at)
        elif kind == "assignment_pattern":
            left = pattern.child_by_field_name("left")
            if left is not None:
                self.bind(left, values, state, at)

    def assign(self, left: Any, values: Values, state: _File) -> None:
        """``x = v``, ``module.exports = v``, ``exports.x = v``, ``this.x = v``."""
        if left.type == "identifier":
            name = text(left)
            current = left
            # Assign to the nearest scope that declares the name, else the program scope.
            while current is not None:
                if current.type in FUNCTION_TYPES:
                    table = self.scopes.get((state.key, current.start_byte), {})
                    if name in table:
                        self.merge(table, name, values)
                        return
                current = current.parent
            self.merge(self.scopes.setdefault((state.key, 0), {}), name, values)
            return
        if left.type != "member_expression":
            return
        owner = left.child_by_field_name("object")
        prop = left.child_by_field_name("property")
        if owner is None or prop is None:
            return
        owner_text, name = text(owner), text(prop)
        if owner_text == "module" and name == "exports":
            self.merge(state.exports, "default", values)
            for value in values:
                if isinstance(value, ObjectValue):
                    for key, item in value.props:
                        self.merge(state.exports, key, item)
        elif owner_text in ("exports", "module.exports"):
            self.merge(state.exports, name, values)
        elif owner.type == "this":
            self.merge(state.this_props, name, values)

    def _import(self, node: Any, state: _File) -> None:
        specifier = module_specifier(node)
        if specifier is None:
            return
        module = self.require(specifier, state)
        scope = self.scopes.setdefault((state.key, 0), {})
        for binding in import_bindings(node):
            self.merge(scope, binding.local, self._imported(module, binding))

    def _imported(self, module: Values, binding: ImportBinding) -> Values:
        if binding.imported is None:
            return module
        return self.property(module, binding.imported, binding.node)

    def _export(self, node: Any, state: _File) -> None:
        declaration = node.child_by_field_name("declaration")
        is_default = any(c.type == "default" for c in node.children)
        if declaration is not None:
            if declaration.type in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    name = declarator.child_by_field_name("name")
                    value = declarator.child_by_field_name("value")
                    if name is not None and name.type == "identifier" and value is not None:
                        self.merge(state.exports, text(name), self.eval(value, state))
            elif declaration.type in FUNCTION_TYPES or declaration.type == "class_declaration":
                name = declaration.child_by_field_name("name")
                exported: Values = frozenset({Func((state.key, declaration.start_byte))})
                if declaration.type == "class_declaration":
                    exported = frozenset({Instance(state.key)})
                if name is not None:
                    self.merge(state.exports, text(name), exported)
                if is_default:
                    self.merge(state.exports, "default", exported)
            return
        value_node = node.child_by_field_name("value")
        if is_default and value_node is not None:
            self.merge(state.exports, "default", self.eval(value_node, state))
        for clause in node.named_children:
            if clause.type != "export_clause":
                continue
            for spec in clause.named_children:
                name = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias") or name
                if name is not None and alias is not None:
                    found = self.lookup(text(name), node, state)
                    self.merge(state.exports, text(alias), found)

    # ----------------------------------------------------------- modules

    def require(self, specifier: str, state: _File) -> Values:
        """What importing ``specifier`` from ``state`` gives."""
        target = resolve_js_module(self.root, state.module.path, specifier)
        if target is not None:
            self.load(target)
            return frozenset({LocalModule(str(target))})
        return package_value(specifier)

    def property(self, values: Values, name: str, node: Any) -> Values:
        """``value.name`` for every value (also destructuring ``{ name } = value``)."""
        result: set[JsValue] = set()
        for value in values:
            result |= self._property(value, name, node)
        return frozenset(result)

    def _property(self, value: JsValue, name: str, node: Any) -> Values:  # noqa: C901 - over the limit before it came in; may only shrink
        if isinstance(value, Named):
            if value.name == "process" and name == "env":
                return frozenset({ProcessEnv()})
            if value.name == "module" and name == "exports":
                return EMPTY
            return EMPTY
        if isinstance(value, ProcessEnv):
            return frozenset({Str(SymStr.of(Env(name)))})
        if isinstance(value, V2Module):
            if name in ("config", "Endpoint", "Credentials", "util", "Request", "Response"):
                return EMPTY
            if name == "default":
                return frozenset({value})
            return frozenset({V2Class(name)})
        if isinstance(value, V2Class):
            if name == "DocumentClient":
                return frozenset({V2Class(f"{value.name}.DocumentClient")})
            if name == "default":
                return frozenset({value})
            return EMPTY
        if isinstance(value, V3Package):
            return frozenset({V3Export(value.package, name)})
        if isinstance(value, LocalModule):
            state = self.files.get(value.path)
            if state is None:
                return EMPTY
            found = state.exports.get(name, EMPTY)
            if name == "default" and not found:
                # CommonJS module imported with ES syntax: the default is the whole object.
                return frozenset({value})
            return found
        if isinstance(value, ObjectValue):
            for key, item in value.props:
                if key == name:
                    return item
            return EMPTY
        if isinstance(value, Instance):
            state = self.files.get(value.file)
            return state.this_props.get(name, EMPTY) if state is not None else EMPTY
        if isinstance(value, V2Client | V3Client | V3Export):
            return frozenset({Member(value, name)})
        return EMPTY

    # ----------------------------------------------------------- expressions

    def eval(self, node: Any, state: _File) -> Values:  # noqa: C901 - over the limit before it came in; may only shrink
        kind = node.type
        if kind == "identifier":
            return self.lookup(text(node), node, state)
        if kind in ("string",):
            return frozenset({Str(SymStr.literal(string_text(node)))})
        if kind == "template_string":
            return self._template(node, state)
        if kind in (
            "parenthesized_expression",
            "await_expression",
            "as_expression",
            "non_null_expression",
            "satisfies_expression",
            "type_assertion",
        ):
            inner = node.named_children[0] if node.named_children else None
            return self.eval(inner, state) if inner is not None else EMPTY
        if kind == "member_expression":
            owner = node.child_by_field_name("object")
            prop = node.child_by_field_name("property")
            if owner is None or prop is None:
                return EMPTY
            if owner.type == "this":
                return state.this_props.get(text(prop), EMPTY)
            return self.property(self.eval(owner, state), text(prop), node)
        if kind == "subscript_expression":
            owner = node.child_by_field_name("object")
            index = node.child_by_field_name("index")
            if owner is None or index is None:
                return EMPTY
            owners = self.eval(owner, state)
            names = [v.value.text for v in self.eval(index, state) if isinstance(v, Str)]
            known = [n for n in names if n]
            if not known:
                if any(isinstance(o, V2Module | V2Client | V3Client) for o in owners):
                    gap = Gap(
                        f"SDK member computed at run time ({text(node)[:80]})",
                        state.key,
                        node.start_point[0] + 1,
                    )
                    self.gap(gap)
                    self.gap_units[(gap.file, gap.line, gap.message)] = enclosing(node, state.key)
                return EMPTY
            result: set[JsValue] = set()
            for name in known:
                result |= self.property(owners, name, node)
            return frozenset(result)
        if kind == "call_expression":
            return self._call(node, state)
        if kind == "new_expression":
            return self._new(node, state)
        if kind == "object":
            return self._object(node, state)
        if kind == "binary_expression":
            return self._binary(node, state)
        if kind == "ternary_expression":
            result = set()
            for field_name in ("consequence", "alternative"):
                child = node.child_by_field_name(field_name)
                if child is not None:
                    result |= self.eval(child, state) or {Str(SymStr.opaque(text(child)))}
            return frozenset(result)
        if kind in FUNCTION_TYPES:
            return frozenset({Func((state.key, node.start_byte))})
        if kind == "assignment_expression":
            right = node.child_by_field_name("right")
            return self.eval(right, state) if right is not None else EMPTY
        return EMPTY

    def _template(self, node: Any, state: _File) -> Values:
        results = [SymStr.of()]
        for child in node.named_children:
            if child.type in {"string_fragment", "escape_sequence"}:
                results = [r + SymStr.literal(text(child)) for r in results]
            elif child.type == "template_substitution":
                inner = child.named_children[0] if child.named_children else None
                strings = (
                    [v.value for v in self.eval(inner, state) if isinstance(v, Str)]
                    if inner is not None
                    else []
                )
                if not strings:
                    strings = [SymStr.opaque(text(child))]
                results = [r + s for r in results for s in strings[:4]][:8]
        return frozenset(Str(r) for r in results)

    def _binary(self, node: Any, state: _File) -> Values:
        operator = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if operator is None or left is None or right is None:
            return EMPTY
        op = text(operator)
        lefts, rights = self.eval(left, state), self.eval(right, state)
        if op in ("||", "??"):
            return (lefts or frozenset({Str(SymStr.opaque(text(left)))})) | (
                rights or frozenset({Str(SymStr.opaque(text(right)))})
            )
        if op == "+":
            ls = [v.value for v in lefts if isinstance(v, Str)] or [SymStr.opaque(text(left))]
            rs = [v.value for v in rights if isinstance(v, Str)] or [SymStr.opaque(text(right))]
            if not any(isinstance(v, Str) for v in (*lefts, *rights)):
                return EMPTY
            return frozenset(Str(a + b) for a in ls[:4] for b in rs[:4])
        return EMPTY

    def _object(self, node: Any, state: _File) -> Values:
        props: list[tuple[str, frozenset[JsValue]]] = []
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                name = key_name(key) if key is not None else None
                if name is not None and value is not None:
                    props.append((name, self.eval(value, state)))
            elif child.type == "shorthand_property_identifier":
                props.append((text(child), self.lookup(text(child), child, state)))
            elif child.type == "spread_element":
                inner = child.named_children[0] if child.named_children else None
                for value in self.eval(inner, state) if inner is not None else EMPTY:
                    if isinstance(value, ObjectValue):
                        props.extend(value.props)
        return frozenset({ObjectValue(tuple(props))})

    def _arguments(self, node: Any, state: _File) -> list[Values]:
        args = node.child_by_field_name("arguments")
        if args is None:
            return []
        return [self.eval(a, state) for a in args.named_children if a.type != "comment"]

    def _new(self, node: Any, state: _File) -> Values:
        constructor = node.child_by_field_name("constructor")
        if constructor is None:
            return EMPTY
        args = self._arguments(node, state)
        result: set[JsValue] = set()
        for value in self.eval(constructor, state):
            if isinstance(value, V2Class):
                result.add(V2Client(value.name))
            elif isinstance(value, V3Export):
                kind = v3_kind(value.name)
                if kind == "command":
                    params = args[0] if args else EMPTY
                    props = tuple(p for v in params if isinstance(v, ObjectValue) for p in v.props)
                    result.add(V3Command(value.package, value.name, props))
                elif kind == "client":
                    result.add(V3Client(value.package))
                elif kind == "aggregated":
                    result.add(V3Client(value.package, aggregated=True))
            elif isinstance(value, Func):
                self.link(node, state, value.key)
                self.call_function(value, args)
                result.add(Instance(state.key))
            elif isinstance(value, Instance):
                # A class of the code: its methods may all run on the new instance.
                for key, function in self.functions.items():
                    if key[0] == value.file and function.node.type == "method_definition":
                        self.link(node, state, key)
                result.add(value)
        self._link_callbacks(node, state, args)
        return frozenset(result)

    def link(self, node: Any, state: _File, target: tuple[str, int]) -> None:
        """Record that the function around ``node`` can run function ``target``."""
        self.edges.setdefault(enclosing(node, state.key), set()).add(target)

    def _link_callbacks(self, node: Any, state: _File, args: list[Values]) -> None:
        for values in args:
            for value in values:
                if isinstance(value, Func):
                    self.link(node, state, value.key)

    def _call(self, node: Any, state: _File) -> Values:
        callee = node.child_by_field_name("function")
        if callee is None:
            return EMPTY
        args = self._arguments(node, state)
        if callee.type == "identifier" and text(callee) == "require":
            specifier = required_specifier(node)
            return self.require(specifier, state) if specifier is not None else EMPTY
        if callee.type == "import":  # dynamic import("./x")
            return EMPTY
        self._link_callbacks(node, state, args)
        result: set[JsValue] = set()
        for value in self.eval(callee, state):
            result |= self._call_value(value, args, node, state)
        return frozenset(result)

    def call_function(self, function: Func, args: list[Values]) -> Values:
        """Bind the parameters of a function of the code; what it returns."""
        found = self.functions.get(function.key)
        if found is None:
            return EMPTY
        params = found.node.child_by_field_name("parameters")
        names: list[Any] = []
        if params is not None:
            names = [p for p in params.named_children if p.type != "comment"]
        elif found.node.type == "arrow_function":
            single = found.node.child_by_field_name("parameter")
            names = [single] if single is not None else []
        state = self.files.get(function.key[0])
        for declared, values in zip(names, args, strict=False):
            pattern = declared
            if declared.type in ("required_parameter", "optional_parameter"):
                inner = declared.child_by_field_name("pattern")
                pattern = inner if inner is not None else declared
            if pattern.type == "identifier":
                self.merge(found.params, text(pattern), values)
            elif pattern.type == "assignment_pattern":
                left = pattern.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    self.merge(found.params, text(left), values)
            elif pattern.type == "object_pattern" and state is not None:
                for child in pattern.named_children:
                    if child.type == "shorthand_property_identifier_pattern":
                        self.merge(
                            found.params, text(child), self.property(values, text(child), child)
                        )
        return found.returns

    def _call_value(self, value: JsValue, args: list[Values], node: Any, state: _File) -> Values:
        if isinstance(value, Func):
            self.link(node, state, value.key)
            return self.call_function(value, args)
        if isinstance(value, V3Export):
            return call_v3_export(self, value, args, node)
        if isinstance(value, Member):
            return call_member(self, value, args, node)
        return EMPTY


# ---------------------------------------------------------------------------- entry point


def _reachable(
    interp: _Interpreter, entry: Path, export: str | None
) -> set[tuple[str, int]] | None:
    """Functions the handler ``export`` can run (top-level code always runs), or ``None``
    (everything) when the export is not found."""
    if export is None:
        return None
    state = interp.files.get(str(entry))
    exported = state.exports.get(export, EMPTY) if state is not None else EMPTY
    roots = {v.key for v in exported if isinstance(v, Func)}
    if not roots:
        interp.gap(Gap(f"handler export {export} not found", str(entry)))
        return None
    children: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for key, function in interp.functions.items():
        parent = enclosing(function.node, key[0])
        if parent[1] != 0:
            children.setdefault(parent, []).append(key)

    def successors(function: tuple[str, int]) -> list[tuple[str, int]]:
        # callbacks and closures defined inside
        return [*interp.edges.get(function, ()), *children.get(function, ())]

    return reachable_from([*((f, 0) for f in interp.files), *roots], successors)


def analyse(root: Path, entry: Path, export: str | None = None) -> SdkCallsFound:
    """Find the SDK calls the handler ``export`` of file ``entry`` can make, through
    every local module it loads (every function when ``export`` is None)."""
    interp = _Interpreter(root)
    interp.load(entry)
    interp.run()
    reachable = _reachable(interp, entry, export)
    gaps = [
        gap
        for key, gap in interp.gaps.items()
        if reachable is None or key not in interp.gap_units or interp.gap_units[key] in reachable
    ]
    calls = []
    for key, params in interp.calls.items():
        if reachable is not None and interp.call_units.get(key) not in reachable:
            continue
        sdk, _, via = key[5].partition("|")
        calls.append(recorded_call(sdk, key[:5], via, params))
    return SdkCallsFound(calls=by_site(calls), files=tuple(sorted(interp.files)), gaps=tuple(gaps))


__all__ = ["AWS_WRAPPER_PACKAGES", "analyse"]
