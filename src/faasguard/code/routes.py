"""The HTTP routes a function's code serves through a web framework.

A function deployed behind an adapter (serverless-wsgi, Zappa, Mangum, serverless-http,
@codegenie/serverless-express, aws-serverless-express) or a Powertools resolver has one
trigger (``ANY /{proxy+}``) but many routes, declared in the code: ``@app.route``,
``@app.get``, ``app.get('/users/:id', ...)``. :func:`web_routes` lists them with method,
path, file and line (Python: :mod:`faasguard.loaders.frameworks.python_web`; Node.js:
:mod:`faasguard.code.javascript.routes`). Each is a taint source of the analysis (the
request data of the route and its path parameters).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from faasguard.code.handler_files import local_files
from faasguard.code.modules import Entry, find_entry
from faasguard.code.python import parse_module
from faasguard.code.values import Gap
from faasguard.loaders.frameworks.python_web import web_module
from faasguard.model import App, Function


@dataclass(frozen=True, slots=True)
class Route:
    """One route: ``method`` (``GET``, ..., ``ANY``), ``path`` as written, where it is
    declared and the framework."""

    method: str
    path: str
    file: str
    line: int
    framework: str


def web_routes(fn: Function, app: App) -> tuple[Route, ...]:
    """The routes ``fn``'s code serves (empty when it is not a web app)."""
    entry = find_entry(fn, app)
    if not isinstance(entry, Entry):
        return ()
    if entry.language == "javascript":
        from faasguard.code.javascript.routes import express_routes  # noqa: PLC0415 - start-up speed

        return tuple(
            Route(r.method, r.path, str(r.file), r.line, r.framework) for r in express_routes(entry)
        )
    return _python_routes(fn, entry)


def _python_routes(fn: Function, entry: Entry) -> tuple[Route, ...]:
    routes: list[Route] = []
    exported_def = False
    for path in local_files(entry.root, entry.file, "python"):
        parsed = parse_module(path)
        if isinstance(parsed, Gap):
            continue
        if path == entry.file:
            exported_def = any(
                isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == entry.export
                for n in parsed.tree.body
            )
        for handler in web_module(parsed.tree).handlers:
            if handler.kind == "route" and handler.path is not None:
                routes.extend(
                    Route(m, handler.path, str(path), handler.line, handler.framework)
                    for m in handler.methods
                )
    powertools = any(r.framework == "powertools" for r in routes)
    if fn.web_app or not exported_def or powertools:
        return tuple(routes)
    return ()
