"""JavaScript/TypeScript facts for the code pattern rules: one parsed file with its import
names, its exported handler functions, its function scopes (with the names that play the
event, context, callback and error), the per-spec label flows of each scope and the places
where values leave a function.

Files are parsed by the front end (:func:`faasguard.code.javascript.parse_module`,
tree-sitter), never run, and once per app scan (:func:`javascript_file` keeps them in the
scan's memo).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from faasguard.code.facts import (
    CALLBACK_NAMES,
    CONSOLE_METHODS,
    CONTEXT_NAMES,
    EMPTY,
    EVENT_NAMES,
    LOG_METHODS,
    RESPONSE_METHODS,
    RESPONSE_OBJECTS,
    STRING_METHODS,
    TRANSPARENT_CALLS,
    Labels,
    LabelSpec,
    NameFlow,
    ScopeInfo,
    Sink,
    scope_flow,
)
from faasguard.code.javascript import import_bindings, module_specifier, parse_module, text
from faasguard.code.javascript.index import FUNCTION_TYPES, walk
from faasguard.code.modules import resolve_js_module
from faasguard.code.parsecache import per_scan
from faasguard.code.values import Gap

_COMPARISONS = frozenset({"===", "!==", "==", "!=", "<", ">", "<=", ">=", "instanceof", "in"})
_LITERALS = frozenset({"string", "number", "true", "false", "null", "undefined", "regex"})

# ---------------------------------------------------------------------------- node helpers

#: The source text of a node.
node_text = text


def position(node: Any) -> tuple[int, int]:
    """A node's 1-based line and column."""
    return node.start_point[0] + 1, node.start_point[1] + 1


def string_value(node: Any) -> str | None:
    """The value of a string literal or a template literal without substitutions."""
    if node is None:
        return None
    if node.type == "string":
        return "".join(
            text(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence")
        )
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return text(node)[1:-1]
    return None


def own_nodes(roots: Iterable[Any]) -> Iterator[Any]:
    """Every node under ``roots``; nested functions are yielded but not entered."""
    stack = list(roots)[::-1]
    while stack:
        node = stack.pop()
        yield node
        if node.type not in FUNCTION_TYPES:
            stack.extend(reversed(node.children))


def arguments(call: Any) -> list[Any]:
    """The arguments of a call (comments left out)."""
    args = call.child_by_field_name("arguments")
    return [a for a in (args.named_children if args is not None else []) if a.type != "comment"]


def response_body(node: Any) -> Any:
    """The ``body`` value of an API-shaped response object literal."""
    if node is None or node.type != "object":
        return None
    props: dict[str, Any] = {}
    for prop in node.named_children:
        if prop.type == "pair":
            key = prop.child_by_field_name("key")
            if key is not None:
                props[string_value(key) or text(key)] = prop.child_by_field_name("value")
        elif prop.type == "shorthand_property_identifier":
            props[text(prop)] = prop
    if "body" in props and ("statusCode" in props or "headers" in props or len(props) <= 3):
        return props["body"]
    return None


def _root_name(node: Any) -> str | None:
    while node is not None and node.type in ("member_expression", "call_expression"):
        node = node.child_by_field_name(
            "object" if node.type == "member_expression" else "function"
        )
    return text(node) if node is not None and node.type == "identifier" else None


def _is_log_call(callee: Any) -> bool:
    if callee is None or callee.type != "member_expression":
        return False
    obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
    if obj is None or prop is None:
        return False
    method, receiver = text(prop), text(obj)
    if receiver == "console":
        return method in CONSOLE_METHODS
    if receiver in ("process.stdout", "process.stderr"):
        return method == "write"
    last = receiver.rsplit(".", 1)[-1]
    return method in LOG_METHODS and "log" in last.lower()


def _params(function: Any) -> list[str | None]:
    single = function.child_by_field_name("parameter")
    if single is not None:
        return [text(single)]
    params = function.child_by_field_name("parameters")
    names: list[str | None] = []
    for child in params.named_children if params is not None else []:
        node = child
        if node.type in ("required_parameter", "optional_parameter"):
            node = node.child_by_field_name("pattern") or node
        if node.type == "assignment_pattern":
            node = node.child_by_field_name("left") or node
        names.append(text(node) if node.type == "identifier" else None)
    return names


# ---------------------------------------------------------------------------- scopes


@dataclass
class JsScope:
    """The module or one function: its own nodes and the names with a role in it."""

    node: Any  # None for the module
    roots: list[Any]
    info: ScopeInfo
    parent: JsScope | None
    export: str | None = None  # the export this function is, if it is one
    callback_export: dict[str, str | None] = field(default_factory=dict)
    _nodes: list[Any] | None = None
    _sinks: list[Sink] | None = None

    @property
    def nodes(self) -> list[Any]:
        """The scope's own nodes (computed once: every rule walks them)."""
        if self._nodes is None:
            self._nodes = list(own_nodes(self.roots))
        return self._nodes


def _scope_info(params: list[str | None], parent: JsScope, export: str | None) -> JsScope:
    """A function's scope facts from its parameters (``node`` and ``roots`` left empty)."""
    info = ScopeInfo(
        events=set(parent.info.events),
        contexts=set(parent.info.contexts),
        callbacks=set(parent.info.callbacks),
    )
    callback_export = dict(parent.callback_export)
    if len(params) >= 2 and params[1] in CONTEXT_NAMES:
        if params[0]:
            info.events.add(params[0])
        info.contexts.add(params[1] or "")
        if len(params) >= 3 and params[2]:
            info.callbacks.add(params[2])
            callback_export[params[2]] = export
    info.events.update(p for p in params if p in EVENT_NAMES)
    info.contexts.update(p for p in params if p in CONTEXT_NAMES)
    for p in params:
        if p in CALLBACK_NAMES:
            info.callbacks.add(p)
            callback_export.setdefault(p, export)
    if params and params[0] in ("err", "error"):
        info.exceptions.add(params[0])  # a Node-style callback's error argument
    return JsScope(None, [], info, parent, export, callback_export)


def _is_rejection_handler(node: Any) -> bool:
    """True for the function passed to ``.catch(fn)`` or as ``.then(_, fn)``."""
    call = node.parent.parent if node.parent is not None else None
    if node.parent is None or node.parent.type != "arguments" or call is None:
        return False
    if call.type != "call_expression":
        return False
    callee = call.child_by_field_name("function")
    prop = callee.child_by_field_name("property") if callee is not None else None
    index = node.parent.named_children.index(node)
    return prop is not None and (text(prop) == "catch" or (text(prop) == "then" and index == 1))


class JsFile:
    """One parsed JavaScript/TypeScript file with its imports, exports and scopes."""

    def __init__(self, path: Path, root: Any) -> None:
        self.path = path
        self.root = root
        self.imports: dict[str, str] = {}
        for node in walk(root):
            if node.type == "variable_declarator":
                self._require_binding(node)
            elif node.type == "import_statement":
                self._import_binding(node)
        self.export_nodes = self._exports()
        self.exports = {
            name: (node.start_point[0] + 1, node.end_point[0] + 1)
            for name, node in self.export_nodes.items()
        }
        self.scopes: list[JsScope] = []
        self._flows: dict[LabelSpec, dict[int, JsFlow]] = {}
        module = JsScope(None, list(root.children), ScopeInfo(), None)
        self.scopes.append(module)
        self._collect(module)

    # -- imports

    def _require_binding(self, node: Any) -> None:
        """``const x = require("m")``, ``const { a, b: c } = require("m")``."""
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        module = self.required(value)
        if name is None or module is None:
            return
        if name.type == "identifier":
            self.imports[text(name)] = module
        elif name.type == "object_pattern":
            for part in name.named_children:
                if part.type == "shorthand_property_identifier_pattern":
                    self.imports[text(part)] = f"{module}.{text(part)}"
                elif part.type == "pair_pattern":
                    key, alias = part.child_by_field_name("key"), part.child_by_field_name("value")
                    if key is not None and alias is not None:
                        self.imports[text(alias)] = f"{module}.{text(key)}"

    def _import_binding(self, node: Any) -> None:
        """``import x from "m"``, ``import * as x from "m"``, ``import { a as b } from "m"``."""
        source = node.child_by_field_name("source")
        if source is None:
            return
        module = (string_value(source) or "").removeprefix("node:")
        for binding in import_bindings(node):
            if binding.imported in (None, "default"):  # namespace or default import
                self.imports[binding.local] = module
            else:
                self.imports[binding.local] = f"{module}.{binding.imported}"

    def required(self, node: Any) -> str | None:
        """The module a ``require("x")`` (or ``require("x").y``) expression names."""
        if node is None:
            return None
        if node.type == "await_expression" and node.named_children:
            return self.required(node.named_children[0])
        if node.type == "member_expression":
            base = self.required(node.child_by_field_name("object"))
            prop = node.child_by_field_name("property")
            return f"{base}.{text(prop)}" if base and prop is not None else None
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if callee is not None and text(callee) == "require" and args is not None:
                first = args.named_children[0] if args.named_children else None
                found = string_value(first)
                return found.removeprefix("node:") if found else None
        return None

    # -- exports

    def _exports(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        top = list(self.root.named_children)
        for statement in top:
            if statement.type == "expression_statement" and statement.named_children:
                expr = statement.named_children[0]
                if expr.type == "assignment_expression":
                    self._assigned_exports(expr, found, top)
            elif statement.type == "export_statement":
                self._declared_exports(statement, found, top)
        return found

    def _assigned_exports(self, expr: Any, found: dict[str, Any], top: list[Any]) -> None:
        """``exports.x = ...``, ``module.exports.x = ...``, ``module.exports = { ... }``."""
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        if left is None or right is None:
            return
        target = text(left)
        for prefix in ("module.exports.", "exports."):
            if target.startswith(prefix) and "." not in target[len(prefix) :]:
                self._export(found, target[len(prefix) :], right, top)
        if target == "module.exports" and right.type == "object":
            for prop in right.named_children:
                if prop.type == "shorthand_property_identifier":
                    self._export(found, text(prop), prop, top)
                elif prop.type == "pair":
                    key = prop.child_by_field_name("key")
                    value = prop.child_by_field_name("value")
                    if key is not None and value is not None:
                        self._export(found, string_value(key) or text(key), value, top)

    def _declared_exports(self, statement: Any, found: dict[str, Any], top: list[Any]) -> None:
        """``export function x``, ``export const x = ...``, ``export { a as b }``."""
        declaration = statement.child_by_field_name("declaration")
        if declaration is not None and declaration.type in FUNCTION_TYPES:
            name = declaration.child_by_field_name("name")
            if name is not None:
                found[text(name)] = declaration
        elif declaration is not None:
            for declarator in declaration.named_children:
                name = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if name is not None and value is not None:
                    self._export(found, text(name), value, top)
        for clause in statement.named_children:
            if clause.type == "export_clause":
                for spec in clause.named_children:
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name
                    if name is not None and alias is not None:
                        self._export(found, text(alias), name, top)

    def _export(self, found: dict[str, Any], name: str, value: Any, top: list[Any]) -> None:
        function = self._function_of(value, top, 0)
        if function is not None:
            found[name] = function

    def _function_of(self, value: Any, top: list[Any], depth: int) -> Any:
        """The function an exported value is: itself, a named local function, or the
        handler wrapped by a middleware call (``middy(handler)``)."""
        if value is None or depth > 4:
            return None
        if value.type in FUNCTION_TYPES:
            return value
        if value.type in ("identifier", "shorthand_property_identifier"):
            return self._named_function(text(value), top, depth)
        if value.type == "call_expression":
            callee = value.child_by_field_name("function")
            args = value.child_by_field_name("arguments")
            for arg in args.named_children if args is not None else []:
                found = self._function_of(arg, top, depth + 1)
                if found is not None:
                    return found
            if callee is not None and callee.type == "member_expression":
                return self._function_of(callee.child_by_field_name("object"), top, depth + 1)
        return None

    def _named_function(self, wanted: str, top: list[Any], depth: int) -> Any:
        for statement in top:
            node = statement
            if node.type == "export_statement":
                node = node.child_by_field_name("declaration") or node
            if node.type in FUNCTION_TYPES:
                name = node.child_by_field_name("name")
                if name is not None and text(name) == wanted:
                    return node
            if node.type in ("lexical_declaration", "variable_declaration"):
                for declarator in node.named_children:
                    name = declarator.child_by_field_name("name")
                    if name is not None and text(name) == wanted:
                        return self._function_of(
                            declarator.child_by_field_name("value"), top, depth + 1
                        )
        return None

    # -- scopes

    def _collect(self, scope: JsScope) -> None:
        for node in scope.nodes:
            if node.type == "catch_clause":
                param = node.child_by_field_name("parameter")
                if param is not None and param.type == "identifier":
                    scope.info.exceptions.add(text(param))
        for node in scope.nodes:
            if node.type in FUNCTION_TYPES and node is not scope.node:
                self._collect(self._function(node, scope))

    def _function(self, node: Any, parent: JsScope) -> JsScope:
        params = _params(node)
        export = next((name for name, fn in self.export_nodes.items() if fn == node), None)
        scope = _scope_info(params, parent, export)
        if params and params[0] and _is_rejection_handler(node):
            scope.info.exceptions.add(params[0])
        body = node.child_by_field_name("body")
        scope = replace(scope, node=node, roots=[body] if body is not None else [])
        self.scopes.append(scope)
        return scope

    def qual(self, node: Any) -> str | None:
        """The dotted name of an expression through the file's imports."""
        kind = node.type
        if kind in ("identifier", "shorthand_property_identifier"):
            name = text(node)
            return self.imports.get(name, name)
        if kind == "this":
            return "this"
        if kind == "member_expression":
            base = self.qual(node.child_by_field_name("object"))
            prop = node.child_by_field_name("property")
            return f"{base}.{text(prop)}" if base and prop is not None else None
        if kind == "subscript_expression":
            base = self.qual(node.child_by_field_name("object"))
            key = string_value(node.child_by_field_name("index"))
            return f"{base}.{key}" if base and key is not None else None
        if kind == "call_expression":
            required = self.required(node)
            if required is not None:
                return required
            callee = node.child_by_field_name("function")
            base = self.qual(callee) if callee is not None else None
            return f"{base}()" if base else None
        if kind == "new_expression":
            constructor = node.child_by_field_name("constructor")
            base = self.qual(constructor) if constructor is not None else None
            return f"new {base}" if base else None
        if kind in ("await_expression", "parenthesized_expression", "non_null_expression"):
            return self.qual(node.named_children[0]) if node.named_children else None
        return None

    # -- flows and sinks

    def flow(self, scope: JsScope, spec: LabelSpec) -> JsFlow:
        """The labels of ``scope``'s names for ``spec`` (every scope's computed once)."""
        return scope_flow(
            self._flows,
            self.scopes,
            scope,
            spec,
            lambda each, parent: JsFlow(self, each, spec, parent),
        )

    def sinks(self, scope: JsScope) -> list[Sink]:
        """Returns, callbacks, HTTP response calls and log calls of one scope."""
        if scope._sinks is None:
            scope._sinks = list(_Sinks(scope).find())
        return scope._sinks


class _Sinks:
    """Finds the sinks of one scope."""

    def __init__(self, scope: JsScope) -> None:
        self.scope = scope
        self.response_names: set[str] = set()
        for node in scope.nodes:
            if node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if (
                    name is not None
                    and name.type == "identifier"
                    and response_body(value) is not None
                ):
                    self.response_names.add(text(name))

    def returned(self, value: Any, at: Any) -> Sink:
        body = response_body(value)
        if body is not None:
            return Sink("response", at, *position(body), body)
        if value.type == "identifier" and text(value) in self.response_names:
            return Sink("response", at, *position(at), value)
        return Sink("return", at, *position(at), value, self.scope.export)

    def find(self) -> Iterator[Sink]:
        scope = self.scope
        if scope.node is not None and scope.node.type == "arrow_function":
            body = scope.node.child_by_field_name("body")
            if body is not None and body.type != "statement_block":
                inner = (
                    body.named_children[0]
                    if body.type == "parenthesized_expression" and body.named_children
                    else body
                )
                yield self.returned(inner, body)
        for node in scope.nodes:
            if node.type == "return_statement" and node.named_children:
                yield self.returned(node.named_children[0], node)
            elif node.type == "call_expression":
                callee = node.child_by_field_name("function")
                if callee is not None:
                    yield from self._call(node, callee, arguments(node))

    def _call(self, node: Any, callee: Any, args: list[Any]) -> Iterator[Sink]:
        info = self.scope.info
        if _is_log_call(callee):
            for arg in args:
                yield Sink("log", node, *position(node), arg)
            return
        name = text(callee)
        if callee.type == "identifier" and name in info.callbacks:
            export = self.scope.callback_export.get(name)
            if args and args[0].type == "identifier" and export is not None:
                # Only the Lambda handler's own callback reaches the caller.
                yield Sink("callback-error", node, *position(node), args[0])
            if len(args) >= 2:
                sink = self.returned(args[1], node)
                yield replace(sink, export=export) if sink.kind == "return" else sink
            return
        if callee.type != "member_expression":
            return
        obj = callee.child_by_field_name("object")
        prop = callee.child_by_field_name("property")
        method = text(prop) if prop is not None else ""
        if obj is not None and text(obj) in info.contexts:
            if method == "fail" and args:
                yield Sink("callback-error", node, *position(node), args[0])
            elif method in ("succeed", "done") and args:
                yield self.returned(args[-1], node)
        elif method in RESPONSE_METHODS and _root_name(obj) in RESPONSE_OBJECTS:
            for arg in args:
                yield Sink("response", node, *position(node), arg)


# ---------------------------------------------------------------------------- flows


class JsFlow(NameFlow):
    """Labels of names in one JavaScript function for one spec (see
    :mod:`faasguard.code.facts`)."""

    def __init__(self, file: JsFile, scope: JsScope, spec: LabelSpec, parent: JsFlow | None):
        self.file = file
        self.scope = scope
        super().__init__(spec, parent, scope.nodes)

    def _pattern(self, node: Any, labels: Labels) -> None:
        kind = node.type
        if kind == "identifier":
            self._add(text(node), labels)
        elif kind == "object_pattern":
            for part in node.named_children:
                self._object_part(part, labels)
        elif kind == "array_pattern":
            for part in node.named_children:
                self._pattern(part, self.spec.narrow(labels, "*", 0, 0))
        elif kind == "assignment_pattern":
            left = node.child_by_field_name("left")
            if left is not None:
                self._pattern(left, labels)
        elif kind in ("member_expression", "subscript_expression"):
            root = node
            while root.type in ("member_expression", "subscript_expression"):
                root = root.child_by_field_name("object")
            if root is not None and root.type == "identifier":
                self._add(text(root), labels)

    def _object_part(self, part: Any, labels: Labels) -> None:
        if part.type == "shorthand_property_identifier_pattern":
            name = text(part)
            self._add(name, self.spec.narrow(labels, name, *position(part)))
        elif part.type == "object_assignment_pattern":
            left = part.child_by_field_name("left")
            if left is not None:
                self._add(text(left), self.spec.narrow(labels, text(left), *position(left)))
        elif part.type == "pair_pattern":
            key, value = part.child_by_field_name("key"), part.child_by_field_name("value")
            if key is not None and value is not None:
                key_text = string_value(key) or text(key)
                self._pattern(value, self.spec.narrow(labels, key_text, *position(key)))
        elif part.type == "rest_pattern" and part.named_children:
            self._pattern(part.named_children[0], labels)

    def _bind(self, node: Any) -> None:
        kind = node.type
        if kind == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None:
                self._pattern(name, self.labels(value))
        elif kind in ("assignment_expression", "augmented_assignment_expression"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                self._pattern(left, self.labels(right))
        elif kind == "for_in_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                self._pattern(left, self.spec.narrow(self.labels(right), "*", 0, 0))

    def labels(self, node: Any, through_compare: bool = False) -> Labels:
        """What the value of ``node`` carries (``through_compare``: also what a comparison
        looks at, for conditions)."""
        kind = node.type
        line, column = position(node)
        if kind in (
            "member_expression",
            "subscript_expression",
            "call_expression",
            "new_expression",
        ):
            found = self.spec.source(self.file.qual(node), node, line, column)
            if found is not None:
                return found
        if kind in ("identifier", "shorthand_property_identifier"):
            name = text(node)
            return self.lookup(name) | self.spec.name(name, self.scope.info, line, column)
        if kind in ("member_expression", "subscript_expression"):
            return self._access(node, line, column)
        if kind == "call_expression":
            return self._call(node, line, column)
        if kind == "new_expression":
            args_node = node.child_by_field_name("arguments")
            return self.union(args_node.named_children if args_node is not None else [])
        if not through_compare and kind in ("binary_expression", "ternary_expression"):
            return self._uncompared(node)
        if kind in FUNCTION_TYPES or kind in _LITERALS:
            return EMPTY
        if kind == "pair":
            value = node.child_by_field_name("value")
            return self.labels(value, through_compare) if value is not None else EMPTY
        if kind == "template_string":
            return self.union(
                (
                    c.named_children[0]
                    for c in node.named_children
                    if c.type == "template_substitution" and c.named_children
                ),
                through_compare,
            )
        return self.union(node.named_children, through_compare)

    def _uncompared(self, node: Any) -> Labels:
        """A comparison carries nothing; a ternary carries its two outcomes."""
        if node.type == "ternary_expression":
            return self.union(
                c
                for c in (
                    node.child_by_field_name("consequence"),
                    node.child_by_field_name("alternative"),
                )
                if c is not None
            )
        operator = node.child_by_field_name("operator")
        if operator is not None and text(operator) in _COMPARISONS:
            return EMPTY
        return self.union(node.named_children)

    def _access(self, node: Any, line: int, column: int) -> Labels:
        obj = node.child_by_field_name("object")
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            if obj is None or prop is None:
                return EMPTY
            return self.spec.narrow(self.labels(obj), text(prop), line, column)
        if obj is None:
            return EMPTY
        index = node.child_by_field_name("index")
        key = string_value(index)
        if key is None and index is not None and index.type == "number":
            key = "*"
        return self.spec.narrow(self.labels(obj), key, line, column)

    def _call(self, node: Any, line: int, column: int) -> Labels:
        if self.file.required(node) is not None:
            return EMPTY
        callee = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        args = list(args_node.named_children) if args_node is not None else []
        if callee is not None and callee.type == "member_expression":
            obj = callee.child_by_field_name("object")
            prop = callee.child_by_field_name("property")
            if prop is not None and text(prop) == "get" and args and obj is not None:
                key = string_value(args[0])
                return self.spec.narrow(self.labels(obj), key, line, column)
            if self.spec.precise_calls:
                method = text(prop) if prop is not None else ""
                found = self.union(args) if method in TRANSPARENT_CALLS else EMPTY
                if method in STRING_METHODS and obj is not None:
                    found |= self.labels(obj)
                return found
            receiver = self.labels(obj) if obj is not None else EMPTY
            return receiver | self.union(args)
        if self.spec.precise_calls:
            name = text(callee) if callee is not None else ""
            return self.union(args) if name in TRANSPARENT_CALLS else EMPTY
        return self.union(args)

    def union(self, nodes: Iterable[Any], through_compare: bool = False) -> Labels:
        """What the values of ``nodes`` (comments left out) carry together."""
        return super().union((n for n in nodes if n.type != "comment"), through_compare)


# ---------------------------------------------------------------------------- files


def javascript_file(path: Path) -> JsFile | Gap:
    """``path`` parsed into its facts, once per app scan (a :class:`Gap` when it does not
    parse)."""
    return per_scan("javascript-facts", path, _javascript_file)


def _javascript_file(path: Path) -> JsFile | Gap:
    parsed = parse_module(path)
    return parsed if isinstance(parsed, Gap) else JsFile(parsed.path, parsed.root)


def imported_files(root: Path, path: Path) -> Iterator[Path]:
    """The files under ``root`` that the module at ``path`` imports or requires."""
    parsed = parse_module(path)
    if isinstance(parsed, Gap):
        return
    for node in walk(parsed.root):
        if node.type in ("import_statement", "export_statement", "call_expression"):
            specifier = module_specifier(node)
            target = resolve_js_module(root, path, specifier) if specifier else None
            if target is not None:
                yield target
