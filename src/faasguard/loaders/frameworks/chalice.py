"""AWS Chalice projects: ``.chalice/config.json`` + ``app.py`` (+ ``chalicelib/``).

What Chalice deploys is read from the code's decorators (:mod:`.python_web`, never run)
and the configuration of the chosen stage (``--stage``, else ``dev``, else the first):

- one function ``APIHandler`` (deployed as ``<app_name>-<stage>``) serving every
  ``@app.route``: one REST API trigger per route and method, with its authorizer
  (``@app.authorizer`` functions and ``CustomAuthorizer`` → custom, ``IAMAuthorizer`` →
  IAM, ``CognitoUserPoolAuthorizer`` → Cognito user pools) and ``api_key_required``;
- one function per event handler (``<app_name>-<stage>-<name>``): ``on_s3_event``,
  ``on_sns_message``, ``on_sqs_message``, ``schedule``, ``on_cw_event``,
  ``on_dynamodb_record``, ``on_kinesis_record``, websocket handlers, ``lambda_function``,
  and each ``@app.authorizer`` (an API Gateway TOKEN authorizer);
- settings merged as Chalice merges them: top level, then ``stages.<stage>``, then
  ``stages.<stage>.lambda_functions.<name>`` (``environment_variables``,
  ``lambda_timeout`` (default 60), ``lambda_memory_size`` (default 128), ``subnet_ids``,
  ``security_group_ids``, ``reserved_concurrency``, ``layers``, ``tags``);
- the execution role: ``iam_role_arn`` with ``manage_iam_role: false`` (a role outside the
  app); ``autogen_policy: false`` or ``iam_policy_file`` → the policy file in ``.chalice/``
  (``policy-<stage>.json`` by default), statement by statement; otherwise the policy
  Chalice generates at deploy time from the boto3 calls it sees, which is not known
  statically (an unresolved policy, said so).

The runtime is the Python that runs ``chalice deploy``: it is not known, so no runtime is
asserted (the language is Python). ``app.debug = True`` is kept for the code rules.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.config import LoadOptions
from faasguard.loaders.documents import Document, pointer_join
from faasguard.loaders.frameworks.common import (
    FrameworkLoader,
    error,
    failed,
    policy_file,
    read_document,
    read_python,
    unique_roles,
    warning,
)
from faasguard.loaders.frameworks.python_web import Handler, WebModule, web_module
from faasguard.model import (
    App,
    CodeLocation,
    Diagnostic,
    Function,
    HttpSettings,
    Location,
    Policy,
    Role,
    Trigger,
    TriggerKind,
    Unknown,
    VpcConfig,
)

FORMAT = "chalice"
DEFAULT_TIMEOUT = 60
DEFAULT_MEMORY = 128
#: Python files below ``chalicelib/`` read for blueprints, at most.
MAX_LIB_FILES = 200
_EVENT_KINDS: Mapping[str, TriggerKind] = {
    "s3": TriggerKind.S3,
    "sns": TriggerKind.SNS,
    "sqs": TriggerKind.SQS,
    "schedule": TriggerKind.SCHEDULE,
    "eventbridge": TriggerKind.EVENTBRIDGE,
    "dynamodb-stream": TriggerKind.DYNAMODB_STREAM,
    "kinesis": TriggerKind.KINESIS,
    "websocket": TriggerKind.WEBSOCKET,
    "authorizer": TriggerKind.OTHER,
}
_EVENT_SOURCE_OPTION = {
    "s3": "bucket",
    "sns": "topic",
    "sqs": "queue",
    "dynamodb-stream": "stream_arn",
    "kinesis": "stream",
}
_AUTHORIZER_CLASSES = {
    "CustomAuthorizer": "CUSTOM",
    "IAMAuthorizer": "AWS_IAM",
    "CognitoUserPoolAuthorizer": "COGNITO_USER_POOLS",
}


@dataclass(slots=True)
class _Project:
    config_path: str
    project_dir: str
    document: Document
    stage: str
    app_name: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def locate(self, pointer: str) -> Location:
        line, column = self.document.line_of(pointer)
        return Location(file=self.config_path, line=line, column=column, pointer=pointer)

    def settings(self, function: str | None) -> tuple[dict[str, Any], dict[str, str]]:
        """Merged settings and the pointer each one comes from."""
        data: Mapping[str, Any] = self.document.data
        merged: dict[str, Any] = {}
        pointers: dict[str, str] = {}
        layers: list[tuple[Mapping[str, Any], str]] = [(data, "")]
        stage = _mapping(_mapping(data.get("stages")).get(self.stage))
        stage_pointer = pointer_join("/stages", self.stage)
        layers.append((stage, stage_pointer))
        if function is not None:
            per_function = _mapping(_mapping(stage.get("lambda_functions")).get(function))
            fn_pointer = pointer_join(pointer_join(stage_pointer, "lambda_functions"), function)
            layers.append((per_function, fn_pointer))
        for layer, pointer in layers:
            for key, value in layer.items():
                if key in ("stages", "lambda_functions"):
                    continue
                if key == "environment_variables" and isinstance(value, dict):
                    merged[key] = {**_mapping(merged.get(key)), **value}
                else:
                    merged[key] = value
                pointers[key] = pointer_join(pointer, key)
        return merged, pointers


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _load(path: str, options: LoadOptions) -> App:
    document = read_document(path)
    if isinstance(document, Diagnostic):
        return failed(path, FORMAT, document)
    if not isinstance(document.data, dict):
        return failed(path, FORMAT, error(path, "a Chalice config.json must be a JSON object", 1))
    project_dir = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    stages = _mapping(document.data.get("stages"))
    stage = (
        options.stage
        if options.stage in stages
        else ("dev" if "dev" in stages or not stages else next(iter(stages)))
    )
    app_name = document.data.get("app_name")
    project = _Project(
        config_path=path,
        project_dir=project_dir,
        document=document,
        stage=str(stage),
        app_name=app_name if isinstance(app_name, str) else os.path.basename(project_dir),
        diagnostics=document.warning_diagnostics(path),
        files=[path],
    )
    modules = list(_modules(project))
    functions = list(_functions(project, modules))
    if not functions:
        project.diagnostics.append(
            warning(
                os.path.join(project_dir, "app.py"),
                "Chalice project without any route or event handler on a Chalice app object "
                "in app.py or chalicelib/: nothing deployed could be analysed",
            )
        )
    return App(
        name=project.app_name,
        format=FORMAT,
        root_file=path,
        functions=tuple(functions),
        roles=unique_roles(functions),
        diagnostics=tuple(project.diagnostics),
        files=tuple(dict.fromkeys(project.files)),
    )


def _modules(project: _Project) -> Iterator[tuple[str, str, WebModule]]:
    """(file, dotted module name, web facts) of ``app.py`` and every ``chalicelib`` file."""
    app_py = os.path.join(project.project_dir, "app.py")
    candidates = [(app_py, "app")]
    lib = os.path.join(project.project_dir, "chalicelib")
    for dirpath, dirnames, filenames in os.walk(lib):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py") and len(candidates) <= MAX_LIB_FILES:
                file = os.path.join(dirpath, name)
                rel = os.path.relpath(file, project.project_dir)[: -len(".py")]
                candidates.append((file, rel.replace(os.sep, ".").removesuffix(".__init__")))
    if not os.path.isfile(app_py):
        project.diagnostics.append(
            error(app_py, "Chalice project without app.py: its functions cannot be analysed")
        )
    for file, module in candidates:
        if not os.path.isfile(file):
            continue
        tree = read_python(file)
        if isinstance(tree, Diagnostic):
            project.diagnostics.append(tree)
            continue
        project.files.append(file)
        facts = web_module(tree)
        if facts.apps:
            yield file, module, facts


def _functions(project: _Project, modules: list[tuple[str, str, WebModule]]) -> Iterator[Function]:
    routes = [
        (file, h, facts) for file, _, facts in modules for h in facts.handlers if h.kind == "route"
    ]
    authorizers = _authorizer_kinds(project, modules)
    if routes:
        first_file, _, first_facts = routes[0]
        app_var, (_, app_line) = next(iter(first_facts.apps.items()))
        triggers = tuple(_route_trigger(file, h, authorizers) for file, h, _ in routes)
        yield _function(
            project,
            ref="APIHandler",
            logical="api_handler",
            name=f"{project.app_name}-{project.stage}",
            handler=f"app.{app_var}",
            web_app=f"app.{app_var}",
            triggers=triggers,
            location=Location(file=first_file, line=app_line),
        )
    for file, module, facts in modules:
        for handler in facts.handlers:
            if handler.kind == "route":
                continue
            name = handler.options.get("name") if handler.kind == "direct" else None
            fn_name = name if isinstance(name, str) else handler.function
            yield _function(
                project,
                ref=handler.function,
                logical=fn_name,
                name=f"{project.app_name}-{project.stage}-{fn_name}",
                handler=f"{module}.{handler.function}",
                web_app=None,
                triggers=_event_triggers(file, handler),
                location=Location(file=file, line=handler.def_line),
            )


def _function(
    project: _Project,
    *,
    ref: str,
    logical: str,
    name: str,
    handler: str,
    web_app: str | None,
    triggers: tuple[Trigger, ...],
    location: Location,
) -> Function:
    settings, pointers = project.settings(logical)
    locations: dict[str, Location] = {}
    for key, target in (
        ("lambda_timeout", "timeout"),
        ("lambda_memory_size", "memory"),
        ("reserved_concurrency", "reserved_concurrency"),
    ):
        if key in pointers:
            locations[target] = project.locate(pointers[key])
    environment = {str(k): v for k, v in _mapping(settings.get("environment_variables")).items()}
    for key in environment:
        locations[f"environment.{key}"] = project.locate(
            pointer_join(pointers["environment_variables"], key)
        )
    subnets = settings.get("subnet_ids")
    vpc = (
        VpcConfig(
            subnet_ids=tuple(str(s) for s in subnets),
            security_group_ids=tuple(str(s) for s in settings.get("security_group_ids") or ()),
        )
        if isinstance(subnets, list) and subnets
        else None
    )
    return Function(
        ref=ref,
        name=name,
        runtime=None,
        handler=handler,
        web_app=web_app,
        language="python",
        code=CodeLocation(kind="directory", path=project.project_dir),
        memory=_int(settings.get("lambda_memory_size"), DEFAULT_MEMORY),
        timeout=_int(settings.get("lambda_timeout"), DEFAULT_TIMEOUT),
        environment=environment,
        role=_role(project, settings, pointers),
        layers=tuple(str(x) for x in settings.get("layers") or () if isinstance(x, str)),
        reserved_concurrency=_int(settings.get("reserved_concurrency"), None),
        vpc=vpc,
        tags={str(k): v for k, v in _mapping(settings.get("tags")).items()},
        triggers=triggers,
        field_locations=locations,
        location=location,
    )


def _int(value: object, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _authorizer_kinds(
    project: _Project, modules: list[tuple[str, str, WebModule]]
) -> dict[str, str]:
    """Name usable as ``authorizer=`` → its kind (``CUSTOM``, ``AWS_IAM``, ...)."""
    kinds: dict[str, str] = {}
    for file, _, facts in modules:
        for handler in facts.handlers:
            if handler.kind == "authorizer":
                kinds[handler.function] = "CUSTOM"
        tree = read_python(file)
        if isinstance(tree, Diagnostic):
            continue
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            func = node.value.func
            cls = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            for target in node.targets:
                if isinstance(target, ast.Name) and cls in _AUTHORIZER_CLASSES:
                    kinds[target.id] = _AUTHORIZER_CLASSES[cls]
    del project
    return kinds


def _route_trigger(file: str, handler: Handler, authorizers: Mapping[str, str]) -> Trigger:
    where = Location(file=file, line=handler.line)
    authorizer = handler.options.get("authorizer")
    authorization: str | Unknown
    if authorizer is None:
        authorization = "NONE"
    elif isinstance(authorizer, str) and authorizer in authorizers:
        authorization = authorizers[authorizer]
    else:
        authorization = Unknown(repr(authorizer), reason="authorizer not resolved statically")
    api_key = handler.options.get("api_key_required")
    return Trigger(
        kind=TriggerKind.API_REST,
        name=f"{'/'.join(handler.methods)} {handler.path}",
        source="RestAPI",
        http=HttpSettings(
            method=handler.methods[0] if len(handler.methods) == 1 else "ANY",
            path=handler.path,
            api="RestAPI",
            authorization=authorization,
            authorizer=authorizer if isinstance(authorizer, str) else None,
            api_key_required=api_key is True,
            field_locations={"authorization": where},
        ),
        properties={"methods": handler.methods, "framework": "chalice", "view": handler.function},
        location=where,
    )


def _event_triggers(file: str, handler: Handler) -> tuple[Trigger, ...]:
    if handler.kind == "direct":
        return ()
    kind = _EVENT_KINDS.get(handler.kind, TriggerKind.OTHER)
    option = _EVENT_SOURCE_OPTION.get(handler.kind)
    source = handler.options.get(option) if option else None
    properties: dict[str, Any] = {
        k: v for k, v in handler.options.items() if isinstance(v, str | int | bool | list)
    }
    properties["framework"] = "chalice"
    if handler.kind == "authorizer":
        properties["authorizer"] = "TOKEN"
    return (
        Trigger(
            kind=kind,
            name=handler.kind,
            source=source if isinstance(source, str) else None,
            properties=properties,
            location=Location(file=file, line=handler.line),
        ),
    )


def _role(project: _Project, settings: Mapping[str, Any], pointers: Mapping[str, str]) -> Role:
    stage_pointer = pointer_join("/stages", project.stage)
    where = project.locate(stage_pointer)
    arn = settings.get("iam_role_arn")
    if settings.get("manage_iam_role") is False and isinstance(arn, str):
        return Role(
            ref=arn, arn=arn, external=True, location=project.locate(pointers["iam_role_arn"])
        )
    role_name = f"{project.app_name}-{project.stage}"
    named = settings.get("iam_policy_file")
    if settings.get("autogen_policy") is False or isinstance(named, str):
        name = named if isinstance(named, str) else f"policy-{project.stage}.json"
        policy = policy_file(
            os.path.join(project.project_dir, ".chalice", name), project.diagnostics, project.files
        )
    else:
        policy = Policy(
            name=f"{role_name} (generated by chalice deploy)",
            unresolved=Unknown(
                "autogen_policy",
                reason="Chalice generates this policy at deploy time from the boto3 calls "
                "in the code (autogen_policy is true)",
            ),
            location=where,
        )
    return Role(ref=role_name, name=role_name, policies=(policy,), location=where)


#: Loads this format (see the module docstring).
LOADER = FrameworkLoader(FORMAT, "Chalice", _load)
