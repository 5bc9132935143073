"""Python web frameworks in the taint analysis: request objects and route views as sources.

A handler behind a web framework does not read ``event``: it reads a request object
(Flask's ``request``, Chalice's ``app.current_request``, Powertools'
``app.current_event``) and receives route parameters as arguments of its view functions.

- :func:`request_taint` gives any value of a request object's type (data file
  ``taint/frameworks.json``) a label rooted at :data:`REQUEST_ROOT`: taint that is the same
  in every caller, so summaries pass it through unchanged;
- :func:`route_views` lists the route views of the modules a handler loads (Flask,
  Chalice, FastAPI, Powertools decorators, read by
  :mod:`faasguard.loaders.frameworks.python_web`) with the parameters that carry request
  data: path parameters (``<name>``, ``{name}``) and, for FastAPI, every parameter that is
  not a dependency (query, path and body parameters, pydantic models included);
- :func:`serves_routes` says whether a function's entry is the web app itself (a
  ``web_app`` adapter such as serverless-wsgi or Zappa, an app object or a Mangum handler
  exported as the handler, or a Powertools resolver behind its handler).
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import re
from dataclasses import dataclass, replace

from faasguard.code.python.taint_values import Label, Val, dedupe
from faasguard.loaders.frameworks.python_web import Handler, web_module
from faasguard.model import Function, Location

#: ``Label.root`` of taint read from a framework's request object (not a parameter).
REQUEST_ROOT = -1
#: Adapters whose instance, exported as the handler, serves a web app's routes.
ADAPTERS = ("mangum.Mangum()", "apig_wsgi.make_lambda_handler()", "awsgi.response()")
_PLACEHOLDER = re.compile(
    r"<(?:[^:<>]+:)?([A-Za-z_][A-Za-z0-9_]*)>|\{([A-Za-z_][A-Za-z0-9_]*)\+?\}"
)
_DEPENDENCY_CALLS = frozenset({"Depends", "Security", "BackgroundTasks"})


@functools.cache
def _patterns() -> tuple[tuple[str, str], ...]:
    from faasguard.data import load_json  # noqa: PLC0415 - data is read lazily, on first use

    raw = load_json("taint/frameworks.json")["python_request_objects"]
    return tuple((entry["pattern"], entry["label"]) for entry in raw)


@functools.lru_cache(maxsize=8192)
def request_object(type_name: str) -> str | None:
    """The label of a request object type (``flask.request``), else ``None``."""
    for pattern, label in _patterns():
        if fnmatch.fnmatchcase(type_name, pattern):
            return label
    return None


def request_taint(value: Val, loc: Location) -> Val:
    """``value`` with request taint added when its type is a framework request object."""
    for type_name in value.types:
        if "request" not in type_name and "current_event" not in type_name:
            continue  # every pattern names one of them: skip the lookup on the hot path
        label = request_object(type_name)
        if label is not None:
            source = Label(root=REQUEST_ROOT, path=((f"{type_name}\0{label}", loc, 0),), exact=True)
            return replace(value, labels=dedupe((*value.labels, source)))
    return value


@dataclass(frozen=True, slots=True)
class View:
    """A route view function: its program key, the route, and parameter index → label."""

    key: str
    handler: Handler
    params: dict[int, str]


def route_views(modules: list[tuple[str, ast.Module]]) -> list[View]:
    """The route views of the modules (program key of the module, parsed tree)."""
    views: list[View] = []
    for module_key, tree in modules:
        facts = web_module(tree)
        defs = {
            node.name: node
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for handler in facts.handlers:
            node = defs.get(handler.function)
            if handler.kind != "route" or node is None:
                continue
            views.append(
                View(
                    key=f"{module_key}::{handler.function}",
                    handler=handler,
                    params=_params(node, handler),
                )
            )
    return views


def route_text(handler: Handler) -> str:
    """``GET,POST /users/<id>``."""
    return f"{','.join(handler.methods)} {handler.path}"


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef, handler: Handler) -> dict[int, str]:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    names = [a.arg for a in (*positional, *args.kwonlyargs)]
    defaults: dict[str, ast.expr] = {}
    for arg, default in zip(
        positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
    ):
        defaults[arg.arg] = default
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if kw_default is not None:
            defaults[arg.arg] = kw_default
    route = route_text(handler)
    placeholders = {a or b for a, b in _PLACEHOLDER.findall(handler.path or "")}
    params: dict[int, str] = {}
    for index, name in enumerate(names):
        if name in placeholders:
            params[index] = f"HTTP path parameter {name!r} of {route}"
        elif handler.framework in ("fastapi", "starlette") and not _dependency(defaults.get(name)):
            params[index] = f"HTTP request parameter {name!r} of {route} (query, path or body)"
    return params


def _dependency(default: ast.expr | None) -> bool:
    if not isinstance(default, ast.Call):
        return False
    func = default.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in _DEPENDENCY_CALLS


def serves_routes(fn: Function, handler_value: Val | None, views: list[View]) -> bool:
    """Whether ``fn``'s entry is the web app whose route views ``views`` are."""
    if not views:
        return False
    if fn.web_app:
        return True
    if handler_value is not None and not handler_value.funcs:
        return True  # an app object or an adapter instance (Mangum(app)) as the handler
    return any(v.handler.framework == "powertools" for v in views)
