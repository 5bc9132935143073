"""Zappa settings load into the model: one function per stage, API, events, default role."""

from __future__ import annotations

import json
from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load
from faasguard.loaders.discovery import discover
from faasguard.model import App, TriggerKind

SETTINGS = {
    "dev": {
        "project_name": "blog",
        "app_function": "site.app",
        "http_methods": ["GET", "POST"],
        "timeout_seconds": 300,
        "authorizer": {"function": "auth.handler"},
        "environment_variables": {"MODE": "dev"},
    },
    "jobs": {
        "project_name": "blog",
        "lambda_handler": "jobs.run",
        "use_apigateway": False,
        "events": [
            {"function": "jobs.run", "expression": "rate(1 hour)"},
            {"function": "jobs.run", "event_source": {"arn": "arn:aws:sqs:eu-west-1:1:q"}},
        ],
        "role_arn": "arn:aws:iam::123456789012:role/jobs",
    },
    "prod": {"extends": "dev", "timeout_seconds": 20, "django_settings": "blog.settings"},
}


def _load(tmp_path: Path, settings: object = SETTINGS, name: str = "zappa_settings.json") -> App:
    path = tmp_path / name
    path.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    assert [c.format for c in discover([tmp_path])] == ["zappa"]
    return load(Candidate(format="zappa", path=str(path)), LoadOptions())


def test_each_stage_is_a_function_with_its_triggers(tmp_path: Path) -> None:
    app = _load(tmp_path)
    dev = app.function("dev")
    assert dev is not None and dev.name == "blog-dev" and dev.web_app == "site.app"
    assert dev.timeout == 300 and dev.field_locations["timeout"].line > 0
    http = sorted(
        (t.http.method, t.http.path, t.http.authorization) for t in dev.triggers if t.http
    )
    assert http == [
        ("GET", "/", "CUSTOM"),
        ("GET", "/{proxy+}", "CUSTOM"),
        ("POST", "/", "CUSTOM"),
        ("POST", "/{proxy+}", "CUSTOM"),
    ]
    jobs = app.function("jobs")
    assert jobs is not None and jobs.handler == "jobs.run" and jobs.web_app is None
    assert [t.kind for t in jobs.triggers] == [TriggerKind.SCHEDULE, TriggerKind.SQS]
    assert jobs.role is not None and jobs.role.external


def test_the_authorizer_is_loaded_as_an_entry_of_its_own(tmp_path: Path) -> None:
    authorizer = _load(tmp_path).function("dev.authorizer")
    assert authorizer is not None and authorizer.handler == "auth.handler"
    assert authorizer.name == "blog-dev"  # deployed in the same Lambda function
    assert authorizer.triggers[0].properties["authorizer"] == "TOKEN"


def test_the_default_role_carries_zappas_policy_at_the_stage_line(tmp_path: Path) -> None:
    dev = _load(tmp_path).function("dev")
    assert dev is not None and dev.role is not None
    assert dev.role.ref == "blog-dev-ZappaLambdaExecutionRole"
    actions = {a for p in dev.role.policies for s in p.statements for a in s.actions}
    assert {"s3:*", "dynamodb:*", "sqs:*", "sns:*", "route53:*"} <= actions
    lines = {s.location.line for p in dev.role.policies for s in p.statements}
    assert lines == {dev.location.line} and dev.location.line == 2


def test_extends_merges_and_django_is_a_warning(tmp_path: Path) -> None:
    app = _load(tmp_path)
    prod = app.function("prod")
    assert prod is not None and prod.timeout == 20 and prod.web_app == "site.app"
    warnings = [d.message for d in app.diagnostics if d.level == "warning"]
    assert any("Django" in m and "'prod'" in m for m in warnings)


def test_toml_settings_and_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "zappa_settings.toml").write_text(
        '[dev]\nproject_name = "t"\napp_function = "a.app"\n', encoding="utf-8"
    )
    app = load(Candidate(format="zappa", path=str(tmp_path / "zappa_settings.toml")), LoadOptions())
    dev = app.function("dev")
    assert dev is not None and dev.location.line == 1
    broken = tmp_path / "b"
    broken.mkdir()
    (broken / "zappa_settings.json").write_text("{", encoding="utf-8")
    failed = load(
        Candidate(format="zappa", path=str(broken / "zappa_settings.json")), LoadOptions()
    )
    assert failed.functions == () and failed.diagnostics[0].level == "error"
