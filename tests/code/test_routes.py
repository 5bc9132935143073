"""The routes a function's code serves through a web framework (Python and Express)."""

from __future__ import annotations

from pathlib import Path

from faasguard.code.routes import web_routes
from faasguard.model import App, CodeLocation, Function, Location


def _function(root: Path, handler: str, runtime: str, web_app: str | None = None) -> App:
    fn = Function(
        ref="F",
        runtime=runtime,
        handler=handler,
        web_app=web_app,
        code=CodeLocation(kind="directory", path=str(root)),
        location=Location(file=str(root / "template.yaml")),
    )
    return App(name="a", format="sam", root_file=str(root / "template.yaml"), functions=(fn,))


def _routes(app: App) -> list[tuple[str, str, int]]:
    return sorted((r.method, r.path, r.line) for r in web_routes(app.functions[0], app))


def test_flask_routes_behind_an_adapter(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(
        "from flask import Blueprint\nbp = Blueprint('b', __name__)\n\n"
        "@bp.delete('/items/<int:item_id>')\ndef delete(item_id):\n    return ''\n"
    )
    (tmp_path / "app.py").write_text(
        "import flask\nimport views\napp = flask.Flask(__name__)\n\n"
        "@app.route('/items', methods=['GET', 'POST'])\ndef items():\n    return []\n"
    )
    app = _function(tmp_path, "wsgi_handler.handler", "python3.12", web_app="app.app")
    assert _routes(app) == [
        ("DELETE", "/items/<int:item_id>", 4),
        ("GET", "/items", 5),
        ("POST", "/items", 5),
    ]


def test_a_plain_handler_next_to_an_unrelated_route_object_has_no_routes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "class Router:\n    def route(self, path):\n        return lambda f: f\n"
        "app = Router()\n\n@app.route('/x')\ndef x():\n    return 1\n\n"
        "def handler(event, context):\n    return x()\n"
    )
    assert _routes(_function(tmp_path, "app.handler", "python3.12")) == []


def test_a_flask_app_imported_by_a_plain_handler_is_not_its_routes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\n\n"
        "@app.get('/x')\ndef x():\n    return 1\n\n"
        "def handler(event, context):\n    return 1\n"
    )
    assert _routes(_function(tmp_path, "app.handler", "python3.12")) == []


def test_express_routes_routers_and_prefixes(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text(
        "const express = require('express')\n"
        "const app = express()\n"
        "const router = express.Router()\n"
        "router.get('/users/:id', (req, res) => res.json(req.params.id))\n"
        "router.route('/users').post((req, res) => res.json(req.body))\n"
        "app.use('/api', router)\n"
        "app.all('/health', (req, res) => res.send('ok'))\n"
        "app.set('trust proxy', true)\n"
        "module.exports = app\n"
    )
    (tmp_path / "lambda.js").write_text(
        "const serverless = require('serverless-http')\n"
        "const app = require('./app')\n"
        "module.exports.handler = serverless(app)\n"
    )
    app = _function(tmp_path, "lambda.handler", "nodejs20.x")
    assert _routes(app) == [
        ("ANY", "/health", 7),
        ("GET", "/api/users/:id", 4),
        ("POST", "/api/users", 5),
    ]


def test_get_on_something_that_is_not_express_is_no_route(tmp_path: Path) -> None:
    (tmp_path / "index.js").write_text(
        "const cache = new Map()\n"
        "const client = require('axios').create()\n"
        "exports.handler = async () => client.get('/remote', {})\n"
    )
    assert _routes(_function(tmp_path, "index.handler", "nodejs20.x")) == []
