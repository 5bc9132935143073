"""Chalice projects load into the model: functions, routes, authorizers, roles, stages."""

from __future__ import annotations

import json
from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load
from faasguard.loaders.discovery import discover
from faasguard.model import App, TriggerKind, Unknown

APP = """\
from chalice import Chalice, CognitoUserPoolAuthorizer

app = Chalice(app_name="shop")
pool = CognitoUserPoolAuthorizer("shop", provider_arns=["arn:aws:cognito-idp:x"])


@app.route("/items", methods=["GET", "POST"], authorizer=pool)
def items():
    return []


@app.route("/public/{name}")
def public(name):
    return name


@app.authorizer()
def token_auth(auth_request):
    return None


@app.on_sqs_message(queue="jobs", batch_size=5)
def worker(event):
    return None


@app.schedule("rate(1 hour)")
def nightly(event):
    return None
"""


def _project(tmp_path: Path, config: dict[str, object], app: str = APP) -> Path:
    (tmp_path / ".chalice").mkdir(parents=True)
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / "app.py").write_text(app, encoding="utf-8")
    return tmp_path / ".chalice" / "config.json"


def _load(path: Path, stage: str | None = None) -> App:
    return load(Candidate(format="chalice", path=str(path)), LoadOptions(stage=stage))


def test_discovery_finds_the_chalice_config(tmp_path: Path) -> None:
    config = _project(tmp_path, {"app_name": "shop", "stages": {"dev": {}}})
    assert [(c.format, c.path) for c in discover([tmp_path])] == [("chalice", str(config))]


def test_routes_become_rest_triggers_of_one_api_handler(tmp_path: Path) -> None:
    app = _load(_project(tmp_path, {"app_name": "shop", "stages": {"dev": {}}}))
    api = app.function("APIHandler")
    assert api is not None
    assert api.name == "shop-dev"
    assert api.web_app == "app.app" and api.language == "python" and api.runtime is None
    assert api.timeout == 60 and api.memory == 128  # Chalice's defaults
    routes = {
        (t.http.method, t.http.path, t.http.authorization, t.location.line)
        for t in api.triggers
        if t.http is not None
    }
    assert routes == {
        ("ANY", "/items", "COGNITO_USER_POOLS", 7),
        ("GET", "/public/{name}", "NONE", 12),
    }
    assert all(t.kind is TriggerKind.API_REST for t in api.triggers)


def test_event_handlers_and_authorizers_are_functions_of_their_own(tmp_path: Path) -> None:
    app = _load(_project(tmp_path, {"app_name": "shop", "stages": {"dev": {}}}))
    kinds = {f.ref: [t.kind for t in f.triggers] for f in app.functions}
    assert kinds["worker"] == [TriggerKind.SQS]
    assert kinds["nightly"] == [TriggerKind.SCHEDULE]
    assert kinds["token_auth"] == [TriggerKind.OTHER]
    worker = app.function("worker")
    assert worker is not None and worker.name == "shop-dev-worker"
    assert worker.handler == "app.worker" and worker.triggers[0].source == "jobs"


def test_stage_and_function_settings_are_merged(tmp_path: Path) -> None:
    config = {
        "app_name": "shop",
        "lambda_timeout": 10,
        "environment_variables": {"A": "1"},
        "stages": {
            "dev": {"environment_variables": {"B": "2"}},
            "prod": {
                "lambda_memory_size": 1024,
                "lambda_functions": {"worker": {"lambda_timeout": 300}},
            },
        },
    }
    path = _project(tmp_path, config)
    dev = _load(path)
    api = dev.function("APIHandler")
    assert api is not None and api.timeout == 10 and dict(api.environment) == {"A": "1", "B": "2"}
    prod = _load(path, stage="prod")
    worker = prod.function("worker")
    assert worker is not None and worker.timeout == 300 and worker.memory == 1024
    assert worker.name == "shop-prod-worker"


def test_policy_file_when_autogen_is_off_and_an_unknown_policy_otherwise(tmp_path: Path) -> None:
    path = _project(tmp_path, {"app_name": "shop", "stages": {"dev": {"autogen_policy": False}}})
    (tmp_path / ".chalice" / "policy-dev.json").write_text(
        json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
        encoding="utf-8",
    )
    role = _load(path).functions[0].role
    assert role is not None and role.ref == "shop-dev"
    statement = role.policies[0].statements[0]
    assert statement.actions == ("s3:*",)
    assert statement.location.file.endswith("policy-dev.json") and statement.location.line > 0

    autogen = _load(_project(tmp_path / "b", {"app_name": "b", "stages": {"dev": {}}}))
    policy = autogen.functions[0].role.policies[0]  # type: ignore[union-attr]
    assert isinstance(policy.unresolved, Unknown) and not policy.statements


def test_a_missing_policy_file_is_a_diagnostic(tmp_path: Path) -> None:
    path = _project(tmp_path, {"app_name": "s", "stages": {"dev": {"iam_policy_file": "p.json"}}})
    app = _load(path)
    assert any("p.json" in (d.location.file if d.location else "") for d in app.diagnostics)


def test_a_project_without_handlers_is_a_diagnostic_naming_app_py(tmp_path: Path) -> None:
    path = _project(tmp_path, {"app_name": "s"}, app="import os\nprint('no chalice here')\n")
    app = _load(path)
    assert app.functions == ()
    assert [d.location.file for d in app.diagnostics if d.location] == [str(tmp_path / "app.py")]


def test_a_syntax_error_in_app_py_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = _project(tmp_path, {"app_name": "s"}, app="from chalice import Chalice\ndef (:\n")
    errors = [d for d in _load(path).diagnostics if d.level == "error"]
    assert errors and errors[0].location is not None and errors[0].location.line == 2


def test_a_config_that_is_not_an_object_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".chalice").mkdir()
    path = tmp_path / ".chalice" / "config.json"
    path.write_text("[1, 2]", encoding="utf-8")
    app = _load(path)
    assert app.functions == () and app.diagnostics[0].level == "error"
