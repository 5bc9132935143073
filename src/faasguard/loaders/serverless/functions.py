"""The functions of a Serverless service: each function's fields with the ``provider``
defaults it inherits, the properties ``resources`` adds to its generated
``AWS::Lambda::Function``, and the log group, buckets and topics the framework creates for it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.loaders.cloudformation.intrinsics import Resolver as CfnResolver
from faasguard.loaders.documents import pointer_join
from faasguard.loaders.serverless.common import (
    Context,
    as_bool,
    as_int,
    as_list,
    as_ref,
    as_str,
    function_logical_id,
    joined,
    mapping,
    normalized_function_name,
)
from faasguard.loaders.serverless.events import EventResult, build_triggers, function_url
from faasguard.loaders.serverless.resources import Override
from faasguard.model import (
    Bucket,
    CodeLocation,
    Location,
    LoggingConfig,
    LogGroup,
    Resource,
    Topic,
    Unknown,
    VpcConfig,
)
from faasguard.model.iam import MaybeStr

DEFAULT_MEMORY = 1024
DEFAULT_TIMEOUT = 6


@dataclass(slots=True)
class Plan:
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


#: The handlers of the serverless-wsgi plugin (it writes them into the package at deploy).
WSGI_HANDLERS = frozenset({"wsgi_handler.handler", "wsgi.handler"})


def wsgi_app(config: Mapping[str, Any], handler: object) -> str | None:
    """The WSGI application (``custom.wsgi.app``, ``module.name``) that serverless-wsgi
    serves when ``handler`` is its generated handler, else ``None``."""
    if handler not in WSGI_HANDLERS:
        return None
    wsgi = mapping(mapping(config.get("custom")).get("wsgi"))
    app = wsgi.get("app")
    return app if isinstance(app, str) and "." in app else None


@dataclass(slots=True)
class FunctionPlanner:
    """Plans every function of one service (see :meth:`plan`)."""

    ctx: Context
    service_dir: str
    overrides: Mapping[str, Override]

    def plan(
        self, key: str, raw: dict[str, Any], pointer: str, *, public: bool, waf: MaybeStr | None
    ) -> Plan:
        """The model fields of function ``key`` and its triggers; its role comes later."""
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
            as_str(deployed) if deployed is not None else joined(ctx.service, ctx.stage, key)
        )
        fields["runtime"] = as_str(pick("runtime", "runtime", "runtime"))
        fields["handler"] = as_str(pick("handler", "handler"))
        fields["web_app"] = wsgi_app(ctx.config, fields["handler"])
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
        return Plan(
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
            log_group=as_str(group) if group is not None else joined("/aws/lambda/", name, sep=""),
            log_format=as_str(settings.get("logFormat")),
            application_log_level=as_str(settings.get("applicationLogLevel")),
            system_log_level=as_str(settings.get("systemLogLevel")),
        )

    def add_resources(self, plan: Plan, resources: list[Resource]) -> None:
        """The log group, buckets and topics the framework creates for a function."""
        ctx = self.ctx
        raw = plan.raw
        for logical, (name, pointer) in plan.events.buckets.items():
            if not any(r.ref == logical for r in resources):
                resources.append(
                    Bucket(
                        ref=logical, type="AWS::S3::Bucket", name=name, location=ctx.locate(pointer)
                    )
                )
        for logical, (name, pointer) in plan.events.topics.items():
            if not any(r.ref == logical for r in resources):
                resources.append(
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
        resources.append(
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
