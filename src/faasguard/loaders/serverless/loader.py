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
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.config import LoadOptions
from faasguard.errors import LoadError
from faasguard.loaders.cloudformation.build import build_parts
from faasguard.loaders.cloudformation.intrinsics import ACCOUNT_ID, ExternalResource
from faasguard.loaders.cloudformation.intrinsics import Resolver as CfnResolver
from faasguard.loaders.documents import Document, load_json, load_yaml, pointer_join
from faasguard.loaders.serverless.common import (
    Context,
    as_bool,
    as_int,
    as_list,
    as_ref,
    as_str,
    function_logical_id,
    mapping,
    normalized_function_name,
)
from faasguard.loaders.serverless.events import (
    HTTP_API,
    HTTP_STAGE,
    REST_API,
    REST_STAGE,
    WEBSOCKET_API,
    WEBSOCKET_STAGE,
    EventResult,
    build_triggers,
    framework_resources,
    function_url,
)
from faasguard.loaders.serverless.iam import (
    DEFAULT_ROLE,
    RoleInputs,
    generated_role,
    provider_iam,
    referenced_role,
    statements,
)
from faasguard.loaders.serverless.variables import Resolver
from faasguard.model import (
    App,
    Bucket,
    CodeLocation,
    Diagnostic,
    DiagnosticLevel,
    Function,
    HttpSettings,
    LambdaPermission,
    Layer,
    Location,
    LoggingConfig,
    LogGroup,
    Resource,
    Role,
    Suppression,
    Topic,
    Trigger,
    TriggerKind,
    Unknown,
    VpcConfig,
    WebAclAssociation,
)
from faasguard.model.iam import MaybeStr

DEFAULT_MEMORY = 1024
DEFAULT_TIMEOUT = 6
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


def _failed(path: str, *diagnostics: Diagnostic) -> App:
    return App(
        name=os.path.basename(os.path.dirname(os.path.abspath(path))) or path,
        format="serverless",
        root_file=path,
        diagnostics=tuple(diagnostics),
        files=(path,),
    )


def _error(path: str, message: str, line: int = 0, column: int = 0) -> Diagnostic:
    return Diagnostic(
        level=DiagnosticLevel.ERROR,
        message=message,
        location=Location(file=path, line=line, column=column),
        code="load-error",
    )


def _read(path: str) -> Document | Diagnostic:
    lower = path.lower()
    if lower.endswith(_CODE_CONFIGS):
        return _error(
            path,
            "this Serverless configuration is JavaScript/TypeScript code, which faasguard "
            "does not execute; run `serverless print > serverless.yml` and scan that file",
        )
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as exc:
        return _error(path, f"cannot read file: {exc.strerror}")
    try:
        return load_json(text, path) if lower.endswith(".json") else load_yaml(text, path)
    except LoadError as exc:
        return _error(path, exc.message, exc.line, exc.column)


def _load(path: str, options: LoadOptions) -> App:
    document = _read(path)
    if isinstance(document, Diagnostic):
        return _failed(path, document)
    diagnostics = [
        Diagnostic(
            level=DiagnosticLevel.WARNING,
            message=message,
            location=Location(file=path, line=line),
            code="yaml",
        )
        for message, line in document.warnings
    ]
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
    builder = _Builder(ctx=ctx, service_dir=service_dir)
    builder.load_resources()
    builder.build_functions()
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
    )


@dataclass(slots=True)
class _Override:
    """Properties the user adds to a generated resource, with the pointer of each."""

    properties: dict[str, Any] = field(default_factory=dict)
    pointers: dict[str, str] = field(default_factory=dict)
    #: per property: deep-merged (a ``Resources`` entry) or replacing (an extension)
    deep: dict[str, bool] = field(default_factory=dict)


@dataclass(slots=True)
class _Plan:
    """A function being built: its model fields, and which role it will get."""

    key: str
    pointer: str
    fields: dict[str, Any]
    locations: dict[str, Location]
    events: EventResult
    role_kind: str  # "default", "own", "reference", "provider"
    raw: dict[str, Any] = field(default_factory=dict)
    role_value: Any = None
    role_pointer: str = ""
    own_statements: list[Any] = field(default_factory=list)
    inherit: bool = False


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


@dataclass(slots=True)
class _Builder:
    ctx: Context
    service_dir: str
    functions: list[Function] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    roles: dict[str, Role] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    extra_triggers: dict[str, list[Trigger]] = field(default_factory=dict)
    cfn_roles: dict[str, Role] = field(default_factory=dict)
    #: framework resources the user extends in ``resources`` (``extensions``, or an entry
    #: without ``Type``): logical id → the properties added
    overrides: dict[str, _Override] = field(default_factory=dict)

    # -- resources ------------------------------------------------------------------------

    def load_resources(self) -> None:
        """Merge ``resources.Resources`` and build it with the CloudFormation builder."""
        raw = self.ctx.config.get("resources")
        sections: list[tuple[Any, str]] = []
        if isinstance(raw, dict):
            sections.append((raw, "/resources"))
        elif isinstance(raw, list):
            sections += [(item, pointer_join("/resources", i)) for i, item in enumerate(raw)]
        elif raw is not None and not isinstance(raw, Unknown):
            self.ctx.warn("resources must be a mapping or a list of mappings", "/resources")
        merged: dict[str, Any] = {}
        pointers: dict[str, str] = {}
        for section, pointer in sections:
            self._read_extensions(section, pointer)
            resources = mapping(section).get("Resources")
            if resources is None:
                continue
            if not isinstance(resources, dict):
                self.ctx.warn("resources.Resources must be a mapping", pointer + "/Resources")
                continue
            for logical_id, body in resources.items():
                body_pointer = pointer_join(pointer + "/Resources", logical_id)
                if isinstance(body, dict) and "Type" not in body:
                    # Extends a resource the framework generates (e.g. a log group); the
                    # framework deep-merges such an entry into the generated one.
                    self._add_override(str(logical_id), body, body_pointer, deep=True)
                    continue
                merged[str(logical_id)] = body
                pointers[str(logical_id)] = body_pointer
        self.ctx.raw_resources = merged
        self.ctx.external = self._generated_resources()
        if not merged:
            return

        def locate(pointer: str) -> Location:
            parts = pointer.split("/", 3)
            if len(parts) >= 3 and parts[1] == "Resources":
                logical = parts[2].replace("~1", "/").replace("~0", "~")
                base = pointers.get(logical)
                if base is not None:
                    rest = "/" + parts[3] if len(parts) > 3 else ""
                    return self.ctx.locate(base + rest)
            return self.ctx.locate("/resources")

        parts = build_parts(
            {"Resources": merged},
            file=self.ctx.file,
            locate=locate,
            external=self.ctx.external,
        )
        self.functions.extend(parts.functions)
        self.layers.extend(parts.layers)
        for role in parts.roles:
            self.cfn_roles[role.ref] = role
            self.roles[role.ref] = role
        self.resources.extend(parts.resources)
        self.ctx.diagnostics.extend(parts.diagnostics)
        self.suppressions.extend(parts.suppressions)
        self.extra_triggers = {k: list(v) for k, v in parts.extra_triggers.items()}
        self.ctx.cfn_resources = {resource.ref: resource for resource in parts.resources}

    def _read_extensions(self, section: Any, pointer: str) -> None:
        """``resources.extensions.<LogicalId>``: properties added to a generated resource."""
        extensions = mapping(section).get("extensions")
        if extensions is None:
            return
        if not isinstance(extensions, dict):
            self.ctx.warn("resources.extensions must be a mapping", pointer + "/extensions")
            return
        for logical_id, body in extensions.items():
            if isinstance(body, dict):
                # The framework merges an extension's Properties shallowly (a key replaces
                # the generated value as a whole).
                body_pointer = pointer_join(pointer + "/extensions", logical_id)
                self._add_override(str(logical_id), body, body_pointer, deep=False)

    def _add_override(
        self, logical_id: str, body: dict[str, Any], pointer: str, *, deep: bool
    ) -> None:
        properties = body.get("Properties")
        if not isinstance(properties, dict):
            return
        override = self.overrides.setdefault(logical_id, _Override())
        for name, value in properties.items():
            override.properties[str(name)] = value
            override.pointers[str(name)] = pointer_join(pointer + "/Properties", name)
            override.deep[str(name)] = deep

    def _function_entries(self) -> list[tuple[str, Any, str]]:
        """``(key, definition, pointer)`` of every function, in both syntaxes."""
        raw_functions = self.ctx.config.get("functions")
        entries: list[tuple[str, Any, str]] = []
        if isinstance(raw_functions, dict):
            entries = [(str(k), v, pointer_join("/functions", k)) for k, v in raw_functions.items()]
        elif isinstance(raw_functions, list):
            # Old syntax: a list of mappings (often ${file()} includes), merged in order.
            for index, item in enumerate(raw_functions):
                for k, v in mapping(item).items():
                    entries.append((str(k), v, pointer_join(f"/functions/{index}", k)))
        return entries

    def _generated_resources(self) -> dict[str, ExternalResource]:
        """The resources the framework generates, as ``resources`` may reference them.

        ``Ref`` of a function gives its deployed name and ``GetAtt Arn`` its ARN (what
        CloudFormation gives), both linking back to the function key; a log group's ``Ref``
        gives its name. Other generated resources resolve to their logical id, which is also
        their ref in the model.
        """
        ctx = self.ctx
        region = ctx.region if isinstance(ctx.region, str) else "us-east-1"
        generated: dict[str, ExternalResource] = {
            DEFAULT_ROLE: ExternalResource(type="AWS::IAM::Role"),
            REST_API: ExternalResource(type="AWS::ApiGateway::RestApi"),
            REST_STAGE: ExternalResource(type="AWS::ApiGateway::Stage"),
            HTTP_API: ExternalResource(type="AWS::ApiGatewayV2::Api"),
            HTTP_STAGE: ExternalResource(type="AWS::ApiGatewayV2::Stage"),
            WEBSOCKET_API: ExternalResource(type="AWS::ApiGatewayV2::Api"),
            WEBSOCKET_STAGE: ExternalResource(type="AWS::ApiGatewayV2::Stage"),
            "ServerlessDeploymentBucket": ExternalResource(type="AWS::S3::Bucket"),
        }
        for key, raw, _ in self._function_entries():
            if not isinstance(raw, dict):
                continue
            deployed = raw.get("name")
            name = (
                as_str(deployed) if deployed is not None else _joined(ctx.service, ctx.stage, key)
            )
            static = name if isinstance(name, str) else None
            normalized = normalized_function_name(key)
            generated[normalized + "LambdaFunction"] = ExternalResource(
                type="AWS::Lambda::Function",
                ref=static,
                attributes={"Arn": f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{static}"}
                if static is not None
                else {},
                model_ref=key,
            )
            group = f"/aws/lambda/{static}" if static is not None else None
            generated[normalized + "LogGroup"] = ExternalResource(
                type="AWS::Logs::LogGroup",
                ref=group,
                attributes={"Arn": f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{group}:*"}
                if group is not None
                else {},
            )
            if raw.get("iamRoleStatements") is not None:
                generated[normalized + "IamRoleLambdaExecution"] = ExternalResource(
                    type="AWS::IAM::Role"
                )
        return generated

    # -- functions ------------------------------------------------------------------------

    def build_functions(self) -> None:
        """Every function of ``functions:``, its triggers, roles and log groups."""
        ctx = self.ctx
        raw_functions = ctx.config.get("functions")
        entries = self._function_entries()
        if raw_functions is not None and not isinstance(raw_functions, dict | list):
            ctx.warn("functions must be a mapping", "/functions")
        public = {str(name) for name in as_list(mapping(ctx.custom.get("faasguard")).get("public"))}
        waf = self._waf_name()
        iam = provider_iam(ctx)
        per_function = mapping(ctx.custom.get("serverless-iam-roles-per-function"))
        default_inherit = as_bool(per_function.get("defaultInherit")) is True
        plans: list[_Plan] = []
        for key, raw, pointer in entries:
            if raw is None or isinstance(raw, Unknown):
                ctx.warn(f"function '{key}' has no static definition; skipped", pointer)
                continue
            if not isinstance(raw, dict):
                ctx.warn(f"function '{key}' must be a mapping; skipped", pointer)
                continue
            plans.append(self._plan(key, raw, pointer, public=key in public, waf=waf))
        for plan in plans:
            raw = plan.raw
            if raw.get("role") is not None:
                plan.role_kind = "reference"
                plan.role_value = raw["role"]
                plan.role_pointer = plan.pointer + "/role"
            elif raw.get("iamRoleStatements") is not None:
                plan.role_kind = "own"
                plan.own_statements = statements(
                    ctx, raw["iamRoleStatements"], plan.pointer + "/iamRoleStatements"
                )
                inherit = as_bool(raw.get("iamRoleStatementsInherit"))
                plan.inherit = inherit is True or (inherit is None and default_inherit)
            elif iam.role_reference is not None:
                plan.role_kind = "provider"
                plan.role_value = iam.role_reference
                plan.role_pointer = iam.role_pointer
        self._roles(plans, iam)
        self._finish(plans, waf)

    def _waf_name(self) -> MaybeStr | None:
        associate = mapping(self.ctx.custom.get("associateWaf"))
        name = as_str(associate.get("name"))
        if name is not None:
            self.resources.append(
                WebAclAssociation(
                    ref="AssociateWafRestApiStage",
                    type="Custom::serverless-associate-waf",
                    web_acl=name,
                    target=REST_STAGE,
                    location=self.ctx.locate("/custom/associateWaf"),
                )
            )
            return name
        # A WAFv2 association in resources that targets the framework's REST API stage.
        for resource in list(self.resources):
            if isinstance(resource, WebAclAssociation):
                raw = json.dumps(resource.properties, default=str)
                if REST_API in raw:
                    index = self.resources.index(resource)
                    self.resources[index] = dataclasses.replace(resource, target=REST_STAGE)
                    return resource.web_acl
        return None

    def _plan(
        self, key: str, raw: dict[str, Any], pointer: str, *, public: bool, waf: MaybeStr | None
    ) -> _Plan:
        ctx = self.ctx
        provider = ctx.provider
        fields: dict[str, Any] = {}
        locations: dict[str, Location] = {"function": ctx.locate(pointer)}

        def pick(name: str, fn_key: str, provider_key: str | None = None) -> Any:
            """The function's value, else the provider's, remembering where it was set."""
            if raw.get(fn_key) is not None:
                locations[name] = ctx.locate(pointer_join(pointer, fn_key))
                return raw[fn_key]
            if provider_key is not None and provider.get(provider_key) is not None:
                locations[name] = ctx.locate(pointer_join("/provider", provider_key))
                return provider[provider_key]
            return None

        deployed = raw.get("name")
        fields["name"] = (
            as_str(deployed) if deployed is not None else _joined(ctx.service, ctx.stage, key)
        )
        fields["runtime"] = as_str(pick("runtime", "runtime", "runtime"))
        fields["handler"] = as_str(pick("handler", "handler"))
        memory = pick("memory", "memorySize", "memorySize")
        fields["memory"] = as_int(memory) if memory is not None else DEFAULT_MEMORY
        timeout = pick("timeout", "timeout", "timeout")
        fields["timeout"] = as_int(timeout) if timeout is not None else DEFAULT_TIMEOUT
        architecture = pick("architectures", "architecture", "architecture")
        fields["architectures"] = tuple(
            value for value in (as_str(a) for a in as_list(architecture)) if value is not None
        )
        fields["kms_key"] = as_str(pick("kms_key", "kmsKeyArn", "kmsKeyArn"))
        layers = pick("layers", "layers", "layers")
        fields["layers"] = tuple(
            value for value in (as_ref(layer) for layer in as_list(layers)) if value is not None
        )
        fields["reserved_concurrency"] = as_int(pick("reserved_concurrency", "reservedConcurrency"))
        fields["provisioned_concurrency"] = as_int(
            pick("provisioned_concurrency", "provisionedConcurrency")
        )
        fields["dead_letter_target"] = as_ref(pick("dead_letter_target", "onError"))
        destinations = mapping(raw.get("destinations"))
        on_failure = destinations.get("onFailure")
        if on_failure is not None:
            locations["on_failure_destination"] = ctx.locate(pointer + "/destinations/onFailure")
            if isinstance(on_failure, dict) and "arn" in on_failure:
                on_failure = on_failure["arn"]
            fields["on_failure_destination"] = as_ref(on_failure)
        fields["environment"] = self._environment(raw, pointer, locations)
        fields["tags"] = self._tags(raw, pointer, locations)
        fields["tracing"] = self._tracing(raw, pointer, locations)
        vpc = pick("vpc", "vpc", "vpc")
        if isinstance(vpc, dict):
            fields["vpc"] = VpcConfig(
                subnet_ids=tuple(
                    s for s in map(as_str, as_list(vpc.get("subnetIds"))) if s is not None
                ),
                security_group_ids=tuple(
                    s for s in map(as_str, as_list(vpc.get("securityGroupIds"))) if s is not None
                ),
            )
        fields["code"], fields["package_type"] = self._code(raw, pointer, locations)
        if fields["package_type"] == "Image":
            fields["handler"] = None
        fields["logging"] = self._logging(raw, pointer, fields["name"], locations)
        self._apply_function_override(key, fields, locations)
        events = build_triggers(
            ctx, key, raw.get("events"), pointer + "/events", marked_public=public, waf=waf
        )
        url = function_url(ctx, raw.get("url"), pointer + "/url", marked_public=public)
        if url is not None:
            fields["url"] = url[0]
            locations["url"] = url[0].location
            events.triggers.append(url[1])
        return _Plan(
            key=key,
            pointer=pointer,
            fields=fields,
            locations=locations,
            events=events,
            role_kind="default",
            raw=raw,
        )

    def _apply_function_override(
        self, key: str, fields: dict[str, Any], locations: dict[str, Location]
    ) -> None:
        """Merge the properties the user adds to the generated ``AWS::Lambda::Function``.

        ``Role`` and ``FunctionName`` are not merged (the role is built from the IAM
        settings; a renamed function would break the framework's own references).
        """
        override = self.overrides.get(function_logical_id(key))
        if override is None:
            return
        resolver = self.ctx.resolver()

        def ref_or_value(value: Any) -> MaybeStr | None:
            return resolver.ref_of(value) or as_str(value)

        for prop, raw_value in override.properties.items():
            target = _FUNCTION_OVERRIDES.get(prop)
            if target is None:
                continue
            value = resolver.resolve_value(raw_value)
            pointer = override.pointers[prop]
            if target == "environment":
                variables = mapping(mapping(value).get("Variables"))
                environment = dict(fields.get("environment") or {}) if override.deep[prop] else {}
                for name, item in variables.items():
                    environment[str(name)] = item
                    locations[f"environment.{name}"] = self.ctx.locate(
                        pointer_join(pointer + "/Variables", name)
                    )
                fields["environment"] = environment
            elif target in ("memory", "timeout", "reserved_concurrency"):
                fields[target] = as_int(value)
            elif target in ("runtime", "handler"):
                fields[target] = as_str(value)
            elif target in ("kms_key", "code_signing_config"):
                fields[target] = ref_or_value(value)
            elif target == "tracing":
                fields[target] = as_str(mapping(value).get("Mode")) if value is not None else None
            elif target == "dead_letter_target":
                fields[target] = ref_or_value(mapping(value).get("TargetArn"))
            elif target in ("architectures", "layers"):
                items = (ref_or_value(item) for item in as_list(value))
                fields[target] = tuple(item for item in items if item is not None)
            elif target == "vpc":
                vpc = mapping(value)
                fields[target] = VpcConfig(
                    subnet_ids=tuple(
                        s for s in map(as_str, as_list(vpc.get("SubnetIds"))) if s is not None
                    ),
                    security_group_ids=tuple(
                        s
                        for s in map(as_str, as_list(vpc.get("SecurityGroupIds")))
                        if s is not None
                    ),
                )
            elif target == "logging":
                fields[target] = _merged_logging(
                    fields.get("logging") if override.deep[prop] else None, mapping(value), resolver
                )
            locations[target] = self.ctx.locate(pointer)

    def _environment(
        self, raw: dict[str, Any], pointer: str, locations: dict[str, Location]
    ) -> dict[str, Any]:
        environment: dict[str, Any] = {}
        for base, section in (("/provider", self.ctx.provider), (pointer, raw)):
            values = section.get("environment")
            if values is None:
                continue
            env_pointer = base + "/environment"
            locations["environment"] = self.ctx.locate(env_pointer)
            if isinstance(values, Unknown):
                environment["*"] = values
                continue
            for name, value in mapping(values).items():
                environment[str(name)] = value
                locations[f"environment.{name}"] = self.ctx.locate(pointer_join(env_pointer, name))
        return environment

    def _tags(
        self, raw: dict[str, Any], pointer: str, locations: dict[str, Location]
    ) -> dict[str, Any]:
        tags: dict[str, Any] = {}
        for base, section in (("/provider", self.ctx.provider), (pointer, raw)):
            values = section.get("tags")
            if isinstance(values, dict):
                tags.update({str(k): v for k, v in values.items()})
                locations["tags"] = self.ctx.locate(base + "/tags")
        return tags

    def _tracing(
        self, raw: dict[str, Any], pointer: str, locations: dict[str, Location]
    ) -> MaybeStr | None:
        value: Any = None
        if raw.get("tracing") is not None:
            value = raw["tracing"]
            locations["tracing"] = self.ctx.locate(pointer + "/tracing")
        else:
            tracing = self.ctx.provider.get("tracing")
            if isinstance(tracing, dict) and tracing.get("lambda") is not None:
                value = tracing["lambda"]
                locations["tracing"] = self.ctx.locate("/provider/tracing/lambda")
        if value is True or (isinstance(value, str) and value.lower() in ("true", "active")):
            return "Active"
        if isinstance(value, str) and value.lower() == "passthrough":
            return "PassThrough"
        if value is False or value is None or (isinstance(value, str) and value.lower() == "false"):
            return None
        return as_str(value)

    def _code(
        self, raw: dict[str, Any], pointer: str, locations: dict[str, Location]
    ) -> tuple[CodeLocation, str]:
        image = raw.get("image")
        if image is not None:
            locations["code"] = self.ctx.locate(pointer + "/image")
            uri = image.get("uri") or image.get("name") if isinstance(image, dict) else image
            return CodeLocation(kind="image", uri=as_str(uri)), "Image"
        for base, section in ((pointer, raw), ("", self.ctx.config)):
            artifact = mapping(section.get("package")).get("artifact")
            if artifact is not None:
                locations["code"] = self.ctx.locate(base + "/package/artifact")
                if isinstance(artifact, str) and artifact.startswith(("s3://", "https://")):
                    return CodeLocation(kind="s3", uri=artifact), "Zip"
                if isinstance(artifact, str):
                    return CodeLocation(
                        kind="zip",
                        path=os.path.normpath(os.path.join(self.service_dir, artifact)),
                        uri=artifact,
                    ), "Zip"
                return CodeLocation(kind="unknown", uri=as_str(artifact)), "Zip"
        return CodeLocation(kind="directory", path=self.service_dir), "Zip"

    def _logging(
        self, raw: dict[str, Any], pointer: str, name: MaybeStr, locations: dict[str, Location]
    ) -> LoggingConfig:
        settings = mapping(raw.get("logs"))
        base = pointer + "/logs"
        if not settings:
            settings = mapping(mapping(self.ctx.provider.get("logs")).get("lambda"))
            base = "/provider/logs/lambda"
        if settings:
            locations["logging"] = self.ctx.locate(base)
        group = settings.get("logGroup")
        return LoggingConfig(
            log_group=as_str(group) if group is not None else _joined("/aws/lambda/", name, sep=""),
            log_format=as_str(settings.get("logFormat")),
            application_log_level=as_str(settings.get("applicationLogLevel")),
            system_log_level=as_str(settings.get("systemLogLevel")),
        )

    # -- roles ----------------------------------------------------------------------------

    def _roles(self, plans: list[_Plan], iam: Any) -> None:
        ctx = self.ctx
        default_inputs = RoleInputs()
        for plan in plans:
            if plan.role_kind in {"reference", "provider"}:
                role = referenced_role(ctx, plan.role_value, plan.role_pointer, self.cfn_roles)
                plan.locations["role"] = ctx.locate(plan.role_pointer)
                self.roles.setdefault(role.ref, role)
                plan.fields["role"] = self.roles[role.ref]
                continue
            inputs = RoleInputs(
                function_names=[plan.fields["name"]],
                queues=list(plan.events.queue_sources),
                streams=list(plan.events.stream_sources),
                vpc=plan.fields.get("vpc") is not None,
            )
            if plan.role_kind == "own":
                location = ctx.locate(plan.pointer + "/iamRoleStatements")
                ref = normalized_function_name(plan.key) + "IamRoleLambdaExecution"
                user = list(plan.own_statements) + (list(iam.statements) if plan.inherit else [])
                raw = plan.raw
                role = generated_role(
                    ctx,
                    ref=ref,
                    name=as_str(raw.get("iamRoleStatementsName"))
                    or _joined(ctx.service, ctx.stage, plan.key, ctx.region, "lambdaRole"),
                    user_statements=user,
                    managed_policies=list(iam.managed_policies) if plan.inherit else [],
                    boundary=as_str(raw.get("iamPermissionsBoundary")) or iam.boundary,
                    inputs=inputs,
                    location=location,
                    managed_locations=iam.managed_locations,
                )
                self.roles[ref] = role
                plan.fields["role"] = role
                plan.locations["role"] = location
                continue
            default_inputs.function_names += inputs.function_names
            default_inputs.queues += inputs.queues
            default_inputs.streams += inputs.streams
            default_inputs.vpc = default_inputs.vpc or inputs.vpc
        users = [plan for plan in plans if plan.role_kind == "default"]
        if not users:
            return
        location = ctx.locate(iam.pointer)
        role = generated_role(
            ctx,
            ref=DEFAULT_ROLE,
            name=iam.role_name or _joined(ctx.service, ctx.stage, ctx.region, "lambdaRole"),
            user_statements=iam.statements,
            managed_policies=iam.managed_policies,
            boundary=iam.boundary,
            inputs=default_inputs,
            location=location,
            managed_locations=iam.managed_locations,
        )
        self.roles[DEFAULT_ROLE] = role
        for plan in users:
            plan.fields["role"] = role
            if iam.pointer != "/provider":
                plan.locations["role"] = location

    # -- assembly -------------------------------------------------------------------------

    def _finish(self, plans: list[_Plan], waf: MaybeStr | None) -> None:
        ctx = self.ctx
        used: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for plan in plans:
            for kind, pointer in plan.events.used_apis.items():
                used.setdefault(kind, pointer)
            aliases[function_logical_id(plan.key)] = plan.key
            if isinstance(plan.fields["name"], str):
                aliases[plan.fields["name"]] = plan.key
            aliases[plan.key] = plan.key
        self.resources.extend(framework_resources(ctx, used, waf))
        connect_auth = _websocket_connect_auth(plans)
        built: list[Function] = []
        for plan in plans:
            triggers = list(plan.events.triggers)
            for alias, key in aliases.items():
                if key == plan.key and alias in self.extra_triggers:
                    triggers.extend(self.extra_triggers.pop(alias))
            if connect_auth is not None:
                triggers = [_with_connection_auth(t, connect_auth) for t in triggers]
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
            self._framework_resources(plan)
        for alias in list(self.extra_triggers):
            ctx.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.INFO,
                    message=f"triggers for '{alias}' target a function outside this service",
                    location=ctx.locate("/resources"),
                    code="serverless",
                )
            )
        self.functions[:0] = built
        self._relink_function_refs(aliases)

    def _framework_resources(self, plan: _Plan) -> None:
        """The log group, buckets and topics the framework creates for a function."""
        ctx = self.ctx
        raw = plan.raw
        for logical, (name, pointer) in plan.events.buckets.items():
            if not any(r.ref == logical for r in self.resources):
                self.resources.append(
                    Bucket(
                        ref=logical, type="AWS::S3::Bucket", name=name, location=ctx.locate(pointer)
                    )
                )
        for logical, (name, pointer) in plan.events.topics.items():
            if not any(r.ref == logical for r in self.resources):
                self.resources.append(
                    Topic(
                        ref=logical, type="AWS::SNS::Topic", name=name, location=ctx.locate(pointer)
                    )
                )
        if as_bool(raw.get("disableLogs")) is True:
            return
        logical = normalized_function_name(plan.key) + "LogGroup"
        retention: Any = None
        location = ctx.locate(plan.pointer)
        if raw.get("logRetentionInDays") is not None:
            retention = raw["logRetentionInDays"]
            location = ctx.locate(plan.pointer + "/logRetentionInDays")
        elif ctx.provider.get("logRetentionInDays") is not None:
            retention = ctx.provider["logRetentionInDays"]
            location = ctx.locate("/provider/logRetentionInDays")
        kms_key: MaybeStr | None = None
        override = self.overrides.get(logical)
        if override is not None:
            resolver = self.ctx.resolver()
            overridden = override.properties
            if overridden.get("RetentionInDays") is not None:
                retention = resolver.resolve_value(overridden["RetentionInDays"])
                location = ctx.locate(override.pointers["RetentionInDays"])
            if overridden.get("KmsKeyId") is not None:
                value = resolver.resolve_value(overridden["KmsKeyId"])
                kms_key = resolver.ref_of(value) or as_str(value)
        logging = plan.fields.get("logging")
        group_name = logging.log_group if isinstance(logging, LoggingConfig) else None
        self.resources.append(
            LogGroup(
                ref=logical,
                type="AWS::Logs::LogGroup",
                name=group_name,
                log_group_name=group_name,
                retention_days=as_int(retention),
                kms_key=kms_key,
                properties={"function": plan.key},
                location=location,
            )
        )

    def _relink_function_refs(self, aliases: Mapping[str, str]) -> None:
        """Lambda permissions that name a framework function by logical id now use its key."""
        for index, resource in enumerate(self.resources):
            if not isinstance(resource, LambdaPermission):
                continue
            target = resource.function
            if isinstance(target, str) and target in aliases and target != aliases[target]:
                self.resources[index] = dataclasses.replace(resource, function=aliases[target])


#: ``AWS::Lambda::Function`` property → the model field it sets, for ``resources`` overrides
_FUNCTION_OVERRIDES: Mapping[str, str] = {
    "Runtime": "runtime",
    "Handler": "handler",
    "MemorySize": "memory",
    "Timeout": "timeout",
    "Architectures": "architectures",
    "Environment": "environment",
    "KmsKeyArn": "kms_key",
    "Layers": "layers",
    "ReservedConcurrentExecutions": "reserved_concurrency",
    "TracingConfig": "tracing",
    "DeadLetterConfig": "dead_letter_target",
    "VpcConfig": "vpc",
    "CodeSigningConfigArn": "code_signing_config",
    "LoggingConfig": "logging",
}


def _merged_logging(base: Any, settings: Mapping[str, Any], resolver: CfnResolver) -> LoggingConfig:
    """A ``LoggingConfig`` property over the function's own logging settings (if merged)."""
    current = base if isinstance(base, LoggingConfig) else LoggingConfig()
    group = settings.get("LogGroup")
    return LoggingConfig(
        log_group=(resolver.ref_of(group) or as_str(group))
        if group is not None
        else current.log_group,
        log_format=as_str(settings["LogFormat"]) if "LogFormat" in settings else current.log_format,
        application_log_level=as_str(settings["ApplicationLogLevel"])
        if "ApplicationLogLevel" in settings
        else current.application_log_level,
        system_log_level=as_str(settings["SystemLogLevel"])
        if "SystemLogLevel" in settings
        else current.system_log_level,
    )


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


def _websocket_connect_auth(plans: list[_Plan]) -> HttpSettings | None:
    for plan in plans:
        for trigger in plan.events.triggers:
            if (
                trigger.kind is TriggerKind.WEBSOCKET
                and trigger.http is not None
                and trigger.http.path == "$connect"
                and trigger.http.authorization != "NONE"
            ):
                return trigger.http
    return None


def _with_connection_auth(trigger: Trigger, connect: HttpSettings) -> Trigger:
    """WebSocket routes other than ``$connect`` ride on the connection it authorised."""
    if trigger.kind is not TriggerKind.WEBSOCKET or trigger.http is None:
        return trigger
    if trigger.http.path == "$connect" or trigger.http.authorization != "NONE":
        return trigger
    http = dataclasses.replace(
        trigger.http, authorization=connect.authorization, authorizer=connect.authorizer
    )
    return dataclasses.replace(trigger, http=http)


def _joined(*parts: MaybeStr | None, sep: str = "-") -> MaybeStr:
    for part in parts:
        if isinstance(part, Unknown):
            return Unknown(
                expression=sep.join(str(p) for p in parts), reason=part.reason or "not static"
            )
    return sep.join(str(part) for part in parts)


class ServerlessLoader:
    """The :class:`~faasguard.loaders.base.Loader` of Serverless Framework services."""

    formats = frozenset({"serverless"})

    def load(self, path: str, options: LoadOptions, *, fmt: str) -> App:
        """See :func:`load`."""
        return load(path, options, fmt=fmt)

    def warm_up(self) -> None:
        """Nothing to prepare: the Serverless loader has no expensive shared state."""


LOADER = ServerlessLoader()
