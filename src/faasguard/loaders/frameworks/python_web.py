"""Web frameworks in Python code: the app objects a module creates and what each decorator
on them declares (routes with methods and paths, Chalice event handlers and authorizers).

Read with the standard ``ast``; the module is never imported or run. Recognised:

- **Flask** (``flask.Flask``, ``flask.Blueprint``): ``@app.route(path, methods=[...])``
  (default ``GET``), ``@app.get/post/put/patch/delete(path)``;
- **Chalice** (``chalice.Chalice``, ``chalice.Blueprint``): ``@app.route(path, methods=[...],
  authorizer=..., api_key_required=...)``, ``@app.authorizer()``, ``@app.on_s3_event``,
  ``@app.on_sns_message``, ``@app.on_sqs_message``, ``@app.schedule``, ``@app.on_cw_event``,
  ``@app.on_dynamodb_record``, ``@app.on_kinesis_record``, ``@app.lambda_function``,
  ``@app.on_ws_message``;
- **FastAPI / Starlette** (``fastapi.FastAPI``, ``fastapi.APIRouter``):
  ``@app.get/post/put/patch/delete/options/head(path)``, ``@app.api_route(path,
  methods=[...])``;
- **Powertools event handler** (``aws_lambda_powertools.event_handler`` resolvers and
  ``Router``): ``@app.get/post/put/patch/delete(path)``, ``@app.route(rule, method)``.

An app object is a module-level name bound to a call of one of those classes, through
whatever import form the module uses (``from flask import Flask``, ``import flask``,
aliases).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

#: Qualified class name → framework.
APP_CLASSES: Mapping[str, str] = {
    "flask.Flask": "flask",
    "flask.Blueprint": "flask",
    "flask.app.Flask": "flask",
    "chalice.Chalice": "chalice",
    "chalice.Blueprint": "chalice",
    "chalice.app.Chalice": "chalice",
    "fastapi.FastAPI": "fastapi",
    "fastapi.APIRouter": "fastapi",
    "fastapi.applications.FastAPI": "fastapi",
    "fastapi.routing.APIRouter": "fastapi",
    "starlette.applications.Starlette": "starlette",
}
_POWERTOOLS_PREFIX = "aws_lambda_powertools.event_handler"
_POWERTOOLS_CLASSES = frozenset(
    {
        "APIGatewayRestResolver",
        "APIGatewayHttpResolver",
        "ApiGatewayResolver",
        "ALBResolver",
        "LambdaFunctionUrlResolver",
        "VPCLatticeResolver",
        "VPCLatticeV2Resolver",
        "BedrockAgentResolver",
        "Router",
    }
)
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "options", "head")
#: Chalice decorators that declare a function of their own → the kind of its event source.
CHALICE_EVENTS: Mapping[str, str] = {
    "on_s3_event": "s3",
    "on_sns_message": "sns",
    "on_sqs_message": "sqs",
    "schedule": "schedule",
    "on_cw_event": "eventbridge",
    "on_dynamodb_record": "dynamodb-stream",
    "on_kinesis_record": "kinesis",
    "lambda_function": "direct",
    "authorizer": "authorizer",
    "on_ws_message": "websocket",
    "on_ws_connect": "websocket",
    "on_ws_disconnect": "websocket",
}


@dataclass(frozen=True, slots=True)
class Handler:
    """A function a framework decorator registers.

    ``kind`` is ``route`` for an HTTP route (``methods`` and ``path`` set) or, for Chalice,
    the event kind of :data:`CHALICE_EVENTS`. ``options`` are the decorator's keyword
    arguments with literal values (``authorizer`` holds the name of the authorizer
    function; ``name``, ``bucket``, ``topic``, ``queue``, ``expression`` ...); ``params``
    the decorated function's parameter names.
    """

    framework: str
    app: str
    kind: str
    function: str
    line: int
    def_line: int
    methods: tuple[str, ...] = ()
    path: str | None = None
    params: tuple[str, ...] = ()
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebModule:
    """The app objects of one module (name → framework, line) and their handlers."""

    apps: Mapping[str, tuple[str, int]]
    handlers: tuple[Handler, ...]
    #: ``app.debug = True`` statements (Chalice/Flask), by app name → line
    debug: Mapping[str, int] = field(default_factory=dict)


def web_module(tree: ast.Module) -> WebModule:
    """The framework app objects and decorated handlers of a parsed module."""
    names = _imported_names(tree)
    apps: dict[str, tuple[str, int]] = {}
    for node in tree.body:
        for target, value in _assignments(node):
            framework = _framework_of_call(value, names)
            if framework is not None:
                apps[target] = (framework, node.lineno)
    if not apps:
        return WebModule(apps={}, handlers=())
    handlers = [h for node in _function_defs(tree) for h in _handlers(node, apps)]
    debug: dict[str, int] = {}
    for node in tree.body:
        for (owner, attribute), value in _attribute_assignments(node):
            if attribute == "debug" and owner in apps and _literal(value) is True:
                debug[owner] = node.lineno
    return WebModule(apps=apps, handlers=tuple(handlers), debug=debug)


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name → qualified name, for module-level imports."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _qualified(node: ast.expr, names: Mapping[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _qualified(node.value, names)
        return f"{base}.{node.attr}" if base else None
    return None


def _framework_of_call(value: ast.expr, names: Mapping[str, str]) -> str | None:
    if not isinstance(value, ast.Call):
        return None
    qual = _qualified(value.func, names)
    if qual is None:
        return None
    if qual in APP_CLASSES:
        return APP_CLASSES[qual]
    if qual.startswith(_POWERTOOLS_PREFIX) and qual.rsplit(".", 1)[-1] in _POWERTOOLS_CLASSES:
        return "powertools"
    return None


def _assignments(node: ast.stmt) -> Iterator[tuple[str, ast.expr]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, node.value
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        yield node.target.id, node.value


def _attribute_assignments(node: ast.stmt) -> Iterator[tuple[tuple[str, str], ast.expr]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                yield (target.value.id, target.attr), node.value


def _function_defs(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _literal(node: ast.expr | None) -> object:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        if isinstance(node, ast.Name):
            return node.id  # ``authorizer=jwt_auth``: the name of the authorizer function
        return None


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    args = node.args
    return tuple(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))


def _handlers(
    node: ast.FunctionDef | ast.AsyncFunctionDef, apps: Mapping[str, tuple[str, int]]
) -> Iterator[Handler]:
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        func = call.func if call is not None else decorator
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            continue
        app = func.value.id
        if app not in apps:
            continue
        framework = apps[app][0]
        options = {
            k.arg: _literal(k.value) for k in (call.keywords if call else ()) if k.arg is not None
        }
        positional = [_literal(a) for a in (call.args if call else ())]
        common = {
            "framework": framework,
            "app": app,
            "function": node.name,
            "line": decorator.lineno,
            "def_line": node.lineno,
            "params": _params(node),
            "options": options,
        }
        route = _route(func.attr, framework, positional, options)
        if route is not None:
            methods, path = route
            yield Handler(kind="route", methods=methods, path=path, **common)  # type: ignore[arg-type]
        elif framework == "chalice" and func.attr in CHALICE_EVENTS:
            if positional and func.attr == "schedule":
                options["expression"] = positional[0]
            yield Handler(kind=CHALICE_EVENTS[func.attr], **common)  # type: ignore[arg-type]


def _route(
    attr: str, framework: str, positional: list[object], options: Mapping[str, object]
) -> tuple[tuple[str, ...], str] | None:
    """(methods, path) when decorator ``attr`` declares an HTTP route."""
    path = positional[0] if positional else options.get("path", options.get("rule"))
    if not isinstance(path, str):
        return None
    if attr in HTTP_METHODS:
        return (attr.upper(),), path
    if attr not in ("route", "api_route"):
        return None
    raw = options.get("methods", options.get("method"))
    if raw is None and framework == "powertools" and len(positional) > 1:
        raw = positional[1]
    if isinstance(raw, str):
        methods: tuple[str, ...] = (raw.upper(),)
    elif isinstance(raw, list | tuple) and all(isinstance(m, str) for m in raw):
        methods = tuple(str(m).upper() for m in raw)
    else:
        methods = ("GET",)
    return methods, path
