"""Express routes in Node.js code (behind serverless-http, @codegenie/serverless-express,
@vendia/serverless-express or aws-serverless-express).

Read with tree-sitter, never run. An app or router is a name bound to ``express()``,
``express.Router()`` or ``Router()`` (with ``express`` bound to ``require("express")`` or
``import express from "express"``); a route is a call ``X.get|post|put|patch|delete|
options|head|all(path, ...handlers)`` or ``X.route(path).get(...)`` with a constant path.
``app.use("/prefix", router)`` puts a router's routes under its prefix. The last handler
of a route is the one that answers: its first parameter is the request (``req.query``,
``req.body``, ``req.params``, ... are attacker-controlled).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faasguard.code.handler_files import local_files
from faasguard.code.javascript.index import (
    FUNCTION_TYPES,
    parse_module,
    required_specifier,
    string_text,
    text,
    walk,
)
from faasguard.code.modules import Entry
from faasguard.code.values import Gap

METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "all"})
_PACKAGES = frozenset({"express", "router"})


@dataclass(frozen=True, slots=True)
class JsRoute:
    """An Express route: method (``ANY`` for ``all``), full path, where, and the handler
    function node that answers it (``None`` when it is a name)."""

    method: str
    path: str
    file: Path
    line: int
    framework: str
    handler: Any


def express_routes(entry: Entry) -> list[JsRoute]:
    """The Express routes of the handler file and the local modules it imports."""
    routes: list[JsRoute] = []
    for path in local_files(entry.root, entry.file, "javascript"):
        module = parse_module(path)
        if isinstance(module, Gap) or b"express" not in module.source:
            continue  # no Express app without the word (the cheap test comes first)
        routes.extend(_file_routes(path, module.root))
    return routes


def _file_routes(path: Path, root: Any) -> Iterator[JsRoute]:
    calls = list(_bound_calls(root))
    express_names = {name for name, call in calls if required_specifier(call) in _PACKAGES}
    for node in walk(root):
        if node.type == "import_statement":
            source = node.child_by_field_name("source")
            if source is not None and string_text(source) == "express":
                for clause in node.named_children:
                    if clause.type == "import_clause":
                        express_names.update(
                            text(c) for c in walk(clause) if c.type == "identifier"
                        )
    if not express_names:
        return
    apps = {name for name, call in calls if _creates_app(call, express_names)}
    prefixes = _prefixes(root, apps)
    for node in walk(root):
        if node.type != "call_expression":
            continue
        found = _route(node, apps)
        if found is None:
            continue
        owner, method, route_path, handler = found
        prefix = prefixes.get(owner, "")
        full = (prefix.rstrip("/") + route_path) if prefix else route_path
        yield JsRoute(
            "ANY" if method == "all" else method.upper(),
            full or "/",
            path,
            node.start_point[0] + 1,
            "express",
            handler,
        )


def _bound_calls(root: Any) -> Iterator[tuple[str, Any]]:
    """(name, call) of every ``const name = call(...)``."""
    for node in walk(root):
        if node.type != "variable_declarator":
            continue
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if (
            name is not None
            and value is not None
            and name.type == "identifier"
            and value.type == "call_expression"
        ):
            yield text(name), value


def _creates_app(call: Any, express_names: set[str]) -> bool:
    """``express()``, ``express.Router()``, ``Router()`` or ``require("express")()``."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return False
    spelled = text(callee)
    return (
        spelled.split(".")[0] in express_names
        or spelled in ("Router", "express.Router")
        or (callee.type == "call_expression" and required_specifier(callee) == "express")
    )


def _prefixes(root: Any, apps: set[str]) -> dict[str, str]:
    """Router name → the prefix ``app.use("/prefix", router)`` mounts it under."""
    prefixes: dict[str, str] = {}
    for node in walk(root):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if callee is None or args is None or callee.type != "member_expression":
            continue
        prop = callee.child_by_field_name("property")
        if prop is None or text(prop) != "use":
            continue
        items = args.named_children
        if (
            len(items) >= 2
            and items[0].type == "string"
            and items[-1].type == "identifier"
            and text(items[-1]) in apps
        ):
            prefixes[text(items[-1])] = string_text(items[0])
    return prefixes


def _route(node: Any, apps: set[str]) -> tuple[str, str, str, Any] | None:
    """(app name, method, path, answering handler) of a route call."""
    callee = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if callee is None or args is None or callee.type != "member_expression":
        return None
    prop = callee.child_by_field_name("property")
    obj = callee.child_by_field_name("object")
    if prop is None or obj is None or text(prop) not in METHODS:
        return None
    items = args.named_children
    if obj.type == "identifier" and text(obj) in apps:
        if not items or items[0].type != "string":
            return None  # app.get("setting") or a computed path
        path, handlers = string_text(items[0]), items[1:]
    elif obj.type == "call_expression":  # app.route("/x").get(handler)
        inner = obj.child_by_field_name("function")
        inner_args = obj.child_by_field_name("arguments")
        if inner is None or inner_args is None or inner.type != "member_expression":
            return None
        owner = inner.child_by_field_name("object")
        name = inner.child_by_field_name("property")
        first = inner_args.named_children[0] if inner_args.named_children else None
        if (
            owner is None
            or name is None
            or text(name) != "route"
            or owner.type != "identifier"
            or text(owner) not in apps
            or first is None
            or first.type != "string"
        ):
            return None
        obj, path, handlers = owner, string_text(first), items
    else:
        return None
    if not handlers:
        return None
    last = handlers[-1]
    return text(obj), text(prop), path, last if last.type in FUNCTION_TYPES else None
