"""Zappa projects: ``zappa_settings.json`` (or ``.yml``/``.yaml``/``.toml``).

Every stage of the settings is one deployed Lambda function (``<project_name>-<stage>``),
read as Zappa reads it (``extends`` merges the named stage first):

- ``app_function`` (``module.app``): a WSGI app (Flask, Bottle, ...) served by Zappa's own
  handler; the code analysis starts at that app's routes. ``lambda_handler``: a plain
  handler. ``django_settings``: a Django project, whose URL routing is not analysed (a
  warning says so, the configuration is still checked);
- unless ``use_apigateway`` is false, a REST API in front (``/`` and ``/{proxy+}`` for each
  of ``http_methods``), authorised by ``authorizer`` (a TOKEN authorizer: its function is
  loaded as a function of its own, ``<stage>.authorizer``, deployed in the same Lambda),
  ``iam_authorization`` or nothing; ``events``: schedules (``expression``) and event
  sources (``event_source.arn``: S3, SNS, SQS, DynamoDB, Kinesis);
- ``timeout_seconds`` (default 30), ``memory_size`` (default 512), ``runtime`` (else not
  known: Zappa deploys with the Python that runs it), ``environment_variables`` and
  ``aws_environment_variables``, ``vpc_config``, ``layers``, ``tags``;
- the role: ``role_arn`` or ``role_name`` (a role outside the settings), else the role
  Zappa creates, with Zappa's default inline policy (``data/zappa_default_policy.json``:
  ``s3:*``, ``dynamodb:*``, ``sqs:*``, ``sns:*``, ``kinesis:*``, ``route53:*`` and
  ``lambda:InvokeFunction`` on every resource, ...) plus the ``attach_policy`` file when
  one is named.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.config import LoadOptions
from faasguard.data import load_json
from faasguard.loaders.documents import Document, pointer_join
from faasguard.loaders.files import UnreadableFileError, read_regular_text
from faasguard.loaders.frameworks.common import (
    FrameworkLoader,
    error,
    failed,
    policy_file,
    read_document,
    unique_roles,
    warning,
)
from faasguard.model import (
    App,
    CodeLocation,
    Diagnostic,
    Function,
    HttpSettings,
    Location,
    Policy,
    Role,
    Statement,
    Trigger,
    TriggerKind,
    VpcConfig,
)

FORMAT = "zappa"
DEFAULT_TIMEOUT = 30
DEFAULT_MEMORY = 512
_ARN_KINDS = {
    "s3": TriggerKind.S3,
    "sns": TriggerKind.SNS,
    "sqs": TriggerKind.SQS,
    "dynamodb": TriggerKind.DYNAMODB_STREAM,
    "kinesis": TriggerKind.KINESIS,
}


@dataclass(slots=True)
class _Settings:
    path: str
    project_dir: str
    data: Mapping[str, Any]
    lines: Document | None
    toml_lines: dict[str, int] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def locate(self, pointer: str) -> Location:
        if self.lines is not None:
            line, column = self.lines.line_of(pointer)
            return Location(file=self.path, line=line, column=column, pointer=pointer)
        stage = pointer.split("/")[1] if pointer.count("/") >= 1 else ""
        return Location(file=self.path, line=self.toml_lines.get(stage, 0), pointer=pointer)


def _read(path: str) -> _Settings | Diagnostic:
    project_dir = os.path.dirname(os.path.abspath(path))
    if not path.lower().endswith(".toml"):
        document = read_document(path)
        if isinstance(document, Diagnostic):
            return document
        return _Settings(path, project_dir, document.data, document)
    try:
        text = read_regular_text(path)
        data = tomllib.loads(text)
    except UnreadableFileError as exc:
        return error(path, exc.message)
    except tomllib.TOMLDecodeError as exc:
        return error(path, f"invalid TOML: {exc}")
    lines = {
        m.group(1): text.count("\n", 0, m.start()) + 1
        for m in re.finditer(r"^\s*\[\s*\"?([^\]\".]+)\"?\s*\]", text, re.MULTILINE)
    }
    return _Settings(path, project_dir, data, None, toml_lines=lines)


def _load(path: str, options: LoadOptions) -> App:
    settings = _read(path)
    if isinstance(settings, Diagnostic):
        return failed(path, FORMAT, settings)
    if not isinstance(settings.data, dict) or not settings.data:
        return failed(path, FORMAT, error(path, "Zappa settings must be a mapping of stages", 1))
    settings.files.append(path)
    if settings.lines is not None:
        settings.diagnostics.extend(settings.lines.warning_diagnostics(path))
    stages = [str(options.stage)] if options.stage in settings.data else list(settings.data)
    functions: list[Function] = []
    for stage in map(str, stages):
        raw = settings.data.get(stage)
        if not isinstance(raw, dict):
            where = settings.locate(pointer_join("", stage))
            settings.diagnostics.append(
                error(path, f"Zappa stage {stage!r} is not a mapping; skipped", where.line)
            )
            continue
        functions.extend(_stage_functions(settings, stage, _merged(settings.data, stage)))
    return App(
        name=os.path.basename(settings.project_dir),
        format=FORMAT,
        root_file=path,
        functions=tuple(functions),
        roles=unique_roles(functions),
        diagnostics=tuple(settings.diagnostics),
        files=tuple(dict.fromkeys(settings.files)),
    )


def _merged(data: Mapping[str, Any], stage: str, depth: int = 0) -> dict[str, Any]:
    """A stage's settings with those of the stage it ``extends`` underneath."""
    raw = data.get(stage)
    own = dict(raw) if isinstance(raw, dict) else {}
    parent = own.get("extends")
    if isinstance(parent, str) and parent in data and parent != stage and depth < 10:
        return {**_merged(data, parent, depth + 1), **own}
    return own


def _stage_functions(settings: _Settings, stage: str, raw: Mapping[str, Any]) -> Iterator[Function]:
    pointer = pointer_join("", stage)
    where = settings.locate(pointer)
    locations: dict[str, Location] = {}

    def located(key: str, target: str) -> Any:
        if key in raw:
            locations[target] = settings.locate(pointer_join(pointer, key))
        return raw.get(key)

    project = raw.get("project_name")
    project_name = project if isinstance(project, str) else os.path.basename(settings.project_dir)
    deployed = f"{project_name}-{stage}"
    app_function = raw.get("app_function")
    handler = raw.get("lambda_handler")
    web_app = app_function if isinstance(app_function, str) else None
    if isinstance(raw.get("django_settings"), str):
        settings.diagnostics.append(
            warning(
                settings.path,
                f"Zappa stage {stage!r} serves a Django project ({raw['django_settings']}): "
                "its URL routing and views are not analysed, only the configuration",
                where.line,
            )
        )
    environment: dict[str, Any] = {}
    for key in ("environment_variables", "aws_environment_variables"):
        values = raw.get(key)
        if isinstance(values, dict):
            for name, value in values.items():
                environment[str(name)] = value
                locations[f"environment.{name}"] = settings.locate(
                    pointer_join(pointer_join(pointer, key), str(name))
                )
    timeout = located("timeout_seconds", "timeout")
    memory = located("memory_size", "memory")
    runtime = located("runtime", "runtime")
    role = _role(settings, stage, raw, deployed, where)
    authorizer = raw.get("authorizer")
    authorizer_fn = authorizer.get("function") if isinstance(authorizer, dict) else None
    triggers = list(_api_triggers(settings, pointer, raw, web_app or handler, authorizer_fn))
    triggers.extend(_event_triggers(settings, pointer, raw))
    common: dict[str, Any] = {
        "name": deployed,
        "runtime": runtime if isinstance(runtime, str) else None,
        "language": "python",
        "code": CodeLocation(kind="directory", path=settings.project_dir),
        "timeout": timeout if isinstance(timeout, int) else DEFAULT_TIMEOUT,
        "memory": memory if isinstance(memory, int) else DEFAULT_MEMORY,
        "environment": environment,
        "role": role,
        "layers": tuple(str(x) for x in raw.get("layers") or () if isinstance(x, str)),
        "vpc": _vpc(raw.get("vpc_config")),
        "framework_debug": settings.locate(pointer_join(pointer, "debug"))
        if raw.get("debug") is True
        else None,
        "tags": {str(k): v for k, v in (raw.get("tags") or {}).items()}
        if isinstance(raw.get("tags"), dict)
        else {},
    }
    yield Function(
        ref=stage,
        handler=handler if isinstance(handler, str) else "handler.lambda_handler",
        web_app=web_app,
        triggers=tuple(triggers),
        field_locations=locations,
        location=where,
        **common,
    )
    if isinstance(authorizer_fn, str):
        auth_where = settings.locate(pointer_join(pointer, "authorizer"))
        yield Function(
            ref=f"{stage}.authorizer",
            handler=authorizer_fn,
            triggers=(
                Trigger(
                    kind=TriggerKind.OTHER,
                    name="authorizer",
                    properties={"authorizer": "TOKEN", "framework": "zappa"},
                    location=auth_where,
                ),
            ),
            field_locations={k: v for k, v in locations.items() if k != "timeout"},
            location=auth_where,
            **{**common, "timeout": common["timeout"]},
        )


def _vpc(raw: object) -> VpcConfig | None:
    if not isinstance(raw, dict) or not raw.get("SubnetIds"):
        return None
    return VpcConfig(
        subnet_ids=tuple(str(s) for s in raw.get("SubnetIds") or ()),
        security_group_ids=tuple(str(s) for s in raw.get("SecurityGroupIds") or ()),
    )


def _api_triggers(
    settings: _Settings,
    pointer: str,
    raw: Mapping[str, Any],
    served: object,
    authorizer_fn: object,
) -> Iterator[Trigger]:
    if raw.get("use_apigateway") is False or not isinstance(served, str):
        return
    methods = raw.get("http_methods")
    method_list = (
        [m for m in methods if isinstance(m, str)] if isinstance(methods, list) else ["ANY"]
    )
    if isinstance(authorizer_fn, str):
        authorization = "CUSTOM"
        auth_at = settings.locate(pointer_join(pointer, "authorizer"))
    elif raw.get("iam_authorization") is True:
        authorization = "AWS_IAM"
        auth_at = settings.locate(pointer_join(pointer, "iam_authorization"))
    else:
        authorization = "NONE"
        auth_at = settings.locate(pointer)
    where = settings.locate(
        pointer_join(pointer, "http_methods") if "http_methods" in raw else pointer
    )
    for method in method_list:
        for path in ("/", "/{proxy+}"):
            yield Trigger(
                kind=TriggerKind.API_REST,
                name=f"{method.upper()} {path}",
                source="ApiGateway",
                http=HttpSettings(
                    method=method.upper(),
                    path=path,
                    api="ApiGateway",
                    authorization=authorization,
                    authorizer=authorizer_fn if isinstance(authorizer_fn, str) else None,
                    api_key_required=raw.get("api_key_required") is True,
                    field_locations={"authorization": auth_at},
                ),
                properties={"framework": "zappa"},
                location=where,
            )


def _event_triggers(settings: _Settings, pointer: str, raw: Mapping[str, Any]) -> Iterator[Trigger]:
    events = raw.get("events")
    if not isinstance(events, list):
        return
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        where = settings.locate(pointer_join(pointer_join(pointer, "events"), index))
        properties = {k: v for k, v in event.items() if isinstance(v, str | int | bool)}
        properties["framework"] = "zappa"
        if "expression" in event or "expressions" in event:
            yield Trigger(
                kind=TriggerKind.SCHEDULE, name="schedule", properties=properties, location=where
            )
            continue
        source = event.get("event_source")
        arn = source.get("arn") if isinstance(source, dict) else None
        service = arn.split(":")[2] if isinstance(arn, str) and arn.count(":") >= 2 else ""
        yield Trigger(
            kind=_ARN_KINDS.get(service, TriggerKind.OTHER),
            name=service or "event",
            source=arn if isinstance(arn, str) else None,
            properties=properties,
            location=where,
        )


def _role(
    settings: _Settings, stage: str, raw: Mapping[str, Any], deployed: str, where: Location
) -> Role:
    arn = raw.get("role_arn")
    if isinstance(arn, str):
        return Role(ref=arn, arn=arn, external=True, location=where)
    name = raw.get("role_name")
    if isinstance(name, str) or raw.get("manage_roles") is False:
        ref = name if isinstance(name, str) else f"{deployed}-ZappaLambdaExecutionRole"
        return Role(ref=ref, name=ref, external=True, location=where)
    role_name = f"{deployed}-ZappaLambdaExecutionRole"
    policies = [_default_policy(role_name, where)]
    attach = raw.get("attach_policy")
    if isinstance(attach, str):
        policies.append(
            policy_file(
                os.path.join(settings.project_dir, attach), settings.diagnostics, settings.files
            )
        )
    return Role(ref=role_name, name=role_name, policies=tuple(policies), location=where)


def _default_policy(role_name: str, where: Location) -> Policy:
    document = load_json("zappa_default_policy.json")["policy"]
    statements = []
    for item in document["Statement"]:
        built = Statement.from_document(item, where)
        if isinstance(built, Statement):
            statements.append(built)
    return Policy(
        name=f"{role_name} (Zappa default policy)", statements=tuple(statements), location=where
    )


#: Loads this format (see the module docstring).
LOADER = FrameworkLoader(FORMAT, "Zappa", _load)
