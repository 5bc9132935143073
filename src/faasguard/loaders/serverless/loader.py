"""Serverless Framework loader: ``serverless.yml`` / ``.yaml`` / ``.json`` → :class:`App`.

v3 and v4 configurations are read statically; variables are resolved by
:mod:`faasguard.loaders.serverless.variables` (``--stage`` gives ``${opt:stage}``/``${sls:stage}``;
``--var NAME=VALUE`` gives ``${env:NAME}``, ``${opt:NAME}`` and ``${param:NAME}``; the real
process environment is never read, so scans are reproducible). ``serverless.ts`` and
``serverless.js`` are programs: faasguard never executes them and reports a diagnostic
(run ``serverless print > serverless.yml`` and scan that).

The model follows what the framework deploys:

- every function inherits the ``provider`` defaults (runtime, memorySize, timeout,
  environment merged with the function's, role, vpc, tracing, logs, kmsKeyArn,
  architecture, layers, tags); ``Function.ref`` is the function key and ``Function.name``
  the ``name:`` or ``<service>-<stage>-<key>``. Unset memory and timeout take the framework
  defaults (1024 MB, 6 s). ``field_locations`` point at the function's line for a field,
  else at the ``provider`` line it was inherited from;
- the framework's log groups ``/aws/lambda/<name>`` (logical id ``<Fn>LogGroup``) become
  :class:`LogGroup` resources with ``provider.logRetentionInDays`` / the function's
  ``logRetentionInDays`` (``disableLogs: true`` → no log group);
- IAM in every spelling (see :mod:`faasguard.loaders.serverless.iam`); events become triggers
  (see :mod:`faasguard.loaders.serverless.events`), with the REST/HTTP/WebSocket APIs and stages
  the framework creates (``ApiGatewayRestApi``/``ApiGatewayStage``, ``HttpApi``/
  ``HttpApiStage``, ``WebsocketsApi``/``WebsocketsDeploymentStage``);
- ``resources.Resources`` (a mapping, or a list of mappings / ``${file()}`` includes merged
  in order) is CloudFormation, loaded with the CloudFormation loader's builder and linked to
  the functions by the framework's logical ids (``hello-world`` → ``HelloDashworldLambdaFunction``):
  ``Ref``/``Fn::GetAtt`` of a generated resource (``<Fn>LambdaFunction``, ``<Fn>LogGroup``,
  ``IamRoleLambdaExecution``, ``ApiGatewayRestApi``, ``HttpApi``, ...) resolves as
  CloudFormation would (``Ref`` of a function: its deployed name; ``GetAtt .Arn``: its ARN),
  so alarms, permissions, event source mappings and policies link to the function;
- properties added to a generated resource, with ``resources.extensions.<LogicalId>`` (v3,
  shallow merge) or a ``resources.Resources.<LogicalId>`` entry without ``Type`` (deep
  merge), are merged into the model: ``CodeSigningConfigArn``,
  ``ReservedConcurrentExecutions``, ``TracingConfig``, ``LoggingConfig``, ``KmsKeyArn``,
  ``Timeout``, ... of a function (their ``field_locations`` point at those lines), and
  ``RetentionInDays`` / ``KmsKeyId`` of its log group.

Two ``custom`` settings matter to faasguard:

- ``custom.faasguard.public: [functionKey, ...]`` declares those functions' HTTP endpoints
  intentionally public (their triggers get ``marked_public=True``, so the "no
  authorization" rule stays quiet for them);
- ``custom.associateWaf.name`` (plugin ``serverless-associate-waf``) associates a WAF web
  ACL with the REST API stage.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from faasguard.config import LoadOptions
from faasguard.errors import LoadError
from faasguard.loaders.documents import Document, load_json, load_yaml, pointer_join
from faasguard.loaders.files import UnreadableFileError, read_regular_text
from faasguard.loaders.serverless.common import (
    Context,
    as_list,
    as_str,
    function_entries,
    function_logical_id,
    mapping,
    normalized_function_name,
)
from faasguard.loaders.serverless.events import (
    framework_resources,
    websocket_connect_auth,
    with_connection_auth,
)
from faasguard.loaders.serverless.functions import FunctionPlanner, Plan
from faasguard.loaders.serverless.iam import provider_iam
from faasguard.loaders.serverless.resources import ServiceResources
from faasguard.loaders.serverless.roles import assign_roles, choose_roles
from faasguard.loaders.serverless.variables import Resolver
from faasguard.model import (
    App,
    CodeLocation,
    Diagnostic,
    DiagnosticLevel,
    Function,
    LambdaPermission,
    Layer,
    Location,
    Resource,
    Unknown,
)
from faasguard.model.iam import MaybeStr

_CODE_CONFIGS = (".ts", ".js", ".mjs", ".cjs")


def load(path: str, options: LoadOptions, *, fmt: str = "serverless") -> App:
    """Load one Serverless Framework configuration file. Never raises for bad input."""
    del fmt  # one format only
    try:
        return _load(path, options)
    except Exception as exc:  # a loader must never abort the scan
        return _failed(
            path,
            Diagnostic(
                level=DiagnosticLevel.ERROR,
                message=f"internal error while loading this Serverless configuration: {exc!r}",
                location=Location(file=path),
                code="internal-error",
            ),
        )


def _failed(path: str, *diagnostics: Diagnostic, read: bool = True) -> App:
    # A file that could not be read (a FIFO, over the size cap) is not listed among the
    # app's files: nothing downstream (comment suppressions, the cache) may read it again.
    return App(
        name=os.path.basename(os.path.dirname(os.path.abspath(path))) or path,
        format="serverless",
        root_file=path,
        diagnostics=tuple(diagnostics),
        files=(path,) if read else (),
    )


def _error(path: str, message: str, line: int = 0, column: int = 0) -> Diagnostic:
    return Diagnostic(
        level=DiagnosticLevel.ERROR,
        message=message,
        location=Location(file=path, line=line, column=column),
        code="load-error",
    )


def _read(path: str) -> Document | Diagnostic | App:
    lower = path.lower()
    if lower.endswith(_CODE_CONFIGS):
        return _error(
            path,
            "this Serverless configuration is JavaScript/TypeScript code, which faasguard "
            "does not execute; run `serverless print > serverless.yml` and scan that file",
        )
    try:
        text = read_regular_text(path)
    except UnreadableFileError as exc:
        return _failed(path, _error(path, exc.message), read=False)
    try:
        return load_json(text, path) if lower.endswith(".json") else load_yaml(text, path)
    except LoadError as exc:
        return _error(path, exc.message, exc.line, exc.column)


def _load(path: str, options: LoadOptions) -> App:
    document = _read(path)
    if isinstance(document, App):
        return document
    if isinstance(document, Diagnostic):
        return _failed(path, document)
    diagnostics = document.warning_diagnostics(path)
    if not isinstance(document.data, dict):
        return _failed(
            path, *diagnostics, _error(path, "a Serverless configuration must be a mapping", 1)
        )
    service_dir = os.path.dirname(os.path.abspath(path))
    boundary = getattr(options, "root", None) or service_dir
    resolver = Resolver(
        root=document,
        service_dir=service_dir,
        boundary=str(boundary),
        stage=options.stage,
        variables=options.variables,
    )
    config = resolver.resolve_all()
    if not isinstance(config, dict):
        return _failed(path, _error(path, "a Serverless configuration must be a mapping", 1))
    service = config.get("service")
    if isinstance(service, dict):
        service = service.get("name")
    service_name = (
        service if isinstance(service, str) and service else os.path.basename(service_dir)
    )
    stage = resolver.current_stage()
    provider = mapping(config.get("provider"))
    provider_name = provider.get("name", "aws")
    if isinstance(provider_name, str) and provider_name.lower() != "aws":
        # Azure, OpenWhisk, Cloudflare, Knative, ...: not AWS Lambda, so no AWS rule applies.
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.INFO,
                message=f"provider '{provider_name}' is not AWS; functions not analysed",
                location=resolver.location("/provider/name"),
                code="serverless-provider",
            )
        )
        return App(
            name=service_name,
            format="serverless",
            root_file=path,
            diagnostics=tuple(diagnostics + resolver.diagnostics),
            files=(path, *resolver.files),
        )
    region = options.variables.get("region") or as_str(provider.get("region")) or "us-east-1"
    ctx = Context(
        config=config,
        file=path,
        service=service_name,
        stage=stage if isinstance(stage, str | Unknown) else "dev",
        region=region,
        locate=resolver.location,
    )
    _warn_miscased_keys(ctx)
    builder = ServiceResources(ctx=ctx)
    builder.load()
    _build_functions(builder, service_dir)
    builder.layers.extend(_layers(ctx, service_dir))
    diagnostics += resolver.diagnostics + ctx.diagnostics
    return App(
        name=service_name,
        format="serverless",
        root_file=path,
        functions=tuple(builder.functions),
        layers=tuple(builder.layers),
        roles=tuple(builder.roles.values()),
        resources=tuple(builder.resources),
        diagnostics=tuple(diagnostics),
        suppressions=tuple(builder.suppressions),
        files=(path, *resolver.files),
        parameters={"stage": ctx.stage, "region": ctx.region},
        defaults_location=resolver.location("/provider") if "provider" in config else None,
    )


def _layers(ctx: Context, service_dir: str) -> list[Layer]:
    """The service's own ``layers:``; functions refer to them as ``{Ref: <Name>LambdaLayer}``
    (the framework's logical id), which is therefore the layer's ref."""
    result: list[Layer] = []
    for key, raw in mapping(ctx.config.get("layers")).items():
        if not isinstance(key, str):
            continue
        layer = mapping(raw)
        pointer = pointer_join("/layers", key)
        artifact = as_str(mapping(layer.get("package")).get("artifact"))
        path = as_str(layer.get("path"))
        if isinstance(artifact, str):
            content = CodeLocation(
                kind="zip", path=os.path.normpath(os.path.join(service_dir, artifact))
            )
        elif isinstance(path, str):
            content = CodeLocation(
                kind="directory", path=os.path.normpath(os.path.join(service_dir, path))
            )
        else:
            content = CodeLocation(kind="unknown")
        runtimes = tuple(
            value
            for value in (as_str(item) for item in as_list(layer.get("compatibleRuntimes")))
            if value is not None
        )
        result.append(
            Layer(
                ref=f"{normalized_function_name(key)}LambdaLayer",
                name=as_str(layer.get("name")) or key,
                content=content,
                compatible_runtimes=runtimes,
                location=ctx.locate(pointer),
            )
        )
    return result


def _build_functions(service: ServiceResources, service_dir: str) -> None:
    """Every function of ``functions:``, its triggers, roles and log groups."""
    ctx = service.ctx
    raw_functions = ctx.config.get("functions")
    entries = function_entries(ctx)
    if raw_functions is not None and not isinstance(raw_functions, dict | list):
        ctx.warn("functions must be a mapping", "/functions")
    public = {str(name) for name in as_list(mapping(ctx.custom.get("faasguard")).get("public"))}
    waf = service.waf_name()
    iam = provider_iam(ctx)
    planner = FunctionPlanner(ctx=ctx, service_dir=service_dir, overrides=service.overrides)
    plans: list[Plan] = []
    for key, raw, pointer in entries:
        if raw is None or isinstance(raw, Unknown):
            ctx.warn(f"function '{key}' has no static definition; skipped", pointer)
            continue
        if not isinstance(raw, dict):
            ctx.warn(f"function '{key}' must be a mapping; skipped", pointer)
            continue
        plans.append(planner.plan(key, raw, pointer, public=key in public, waf=waf))
    choose_roles(ctx, plans, iam)
    assign_roles(ctx, plans, iam, service.roles, service.cfn_roles)
    _finish(service, planner, plans, waf)


def _finish(
    service: ServiceResources, planner: FunctionPlanner, plans: list[Plan], waf: MaybeStr | None
) -> None:
    ctx = service.ctx
    used: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for plan in plans:
        for kind, pointer in plan.events.used_apis.items():
            used.setdefault(kind, pointer)
        aliases[function_logical_id(plan.key)] = plan.key
        if isinstance(plan.fields["name"], str):
            aliases[plan.fields["name"]] = plan.key
        aliases[plan.key] = plan.key
    service.resources.extend(framework_resources(ctx, used, waf))
    connect_auth = websocket_connect_auth(plan.events for plan in plans)
    built: list[Function] = []
    for plan in plans:
        triggers = list(plan.events.triggers)
        for alias, key in aliases.items():
            if key == plan.key and alias in service.extra_triggers:
                triggers.extend(service.extra_triggers.pop(alias))
        if connect_auth is not None:
            triggers = [with_connection_auth(t, connect_auth) for t in triggers]
        locations = dict(plan.locations)
        function_location = locations.pop("function")
        built.append(
            Function(
                ref=plan.key,
                triggers=tuple(triggers),
                field_locations=locations,
                location=function_location,
                **plan.fields,
            )
        )
        planner.add_resources(plan, service.resources)
    for alias in list(service.extra_triggers):
        ctx.diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.INFO,
                message=f"triggers for '{alias}' target a function outside this service",
                location=ctx.locate("/resources"),
                code="serverless",
            )
        )
    service.functions[:0] = built
    _relink_function_refs(service.resources, aliases)


def _relink_function_refs(resources: list[Resource], aliases: Mapping[str, str]) -> None:
    """Lambda permissions that name a framework function by logical id now use its key."""
    for index, resource in enumerate(resources):
        if not isinstance(resource, LambdaPermission):
            continue
        target = resource.function
        if isinstance(target, str) and target in aliases and target != aliases[target]:
            resources[index] = dataclasses.replace(resource, function=aliases[target])


#: keys the framework reads in ``provider`` and in each function (it ignores other spellings)
_KNOWN_KEYS = (
    "runtime",
    "memorySize",
    "timeout",
    "environment",
    "role",
    "vpc",
    "tracing",
    "layers",
    "tags",
    "handler",
    "events",
    "architecture",
    "kmsKeyArn",
    "logRetentionInDays",
    "iamRoleStatements",
    "reservedConcurrency",
)
_KNOWN_BY_LOWER = {key.lower(): key for key in _KNOWN_KEYS}


def _warn_miscased_keys(ctx: Context) -> None:
    """``Runtime:`` instead of ``runtime:`` is silently ignored by the framework: say so."""
    sections: list[tuple[str, Any]] = [("/provider", ctx.provider)]
    functions = ctx.config.get("functions")
    if isinstance(functions, dict):
        sections += [(pointer_join("/functions", k), v) for k, v in functions.items()]
    for base, section in sections:
        for key in mapping(section):
            expected = _KNOWN_BY_LOWER.get(str(key).lower())
            if expected is not None and key != expected:
                ctx.warn(
                    f"'{key}' is not read by the Serverless Framework (keys are case-"
                    f"sensitive); did you mean '{expected}'? faasguard ignores it too",
                    pointer_join(base, key),
                )


class ServerlessLoader:
    """The :class:`~faasguard.loaders.base.Loader` of Serverless Framework services."""

    formats = frozenset({"serverless"})

    def load(self, path: str, options: LoadOptions, *, fmt: str) -> App:
        """See :func:`load`."""
        return load(path, options, fmt=fmt)

    def warm_up(self) -> None:
        """Nothing to prepare: the Serverless loader has no expensive shared state."""


LOADER = ServerlessLoader()
