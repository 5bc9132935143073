"""Serverless Framework ``functions.*.events`` → :class:`faasguard.model.Trigger`.

Also emits the resources the framework creates for those events (the REST, HTTP and
WebSocket APIs with their stages, S3 buckets and SNS topics it owns) under the framework's
own logical ids, so rules about APIs, WAF and throttling see them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from faasguard.loaders.documents import pointer_join
from faasguard.loaders.serverless.common import (
    Context,
    alnum_logical_name,
    as_bool,
    as_float,
    as_int,
    as_list,
    as_ref,
    as_str,
    joined,
    mapping,
)
from faasguard.model import (
    Api,
    Cors,
    FunctionUrl,
    HttpSettings,
    Location,
    Resource,
    Stage,
    Table,
    Throttling,
    Trigger,
    TriggerKind,
    Unknown,
)
from faasguard.model import Stream as KinesisStream
from faasguard.model.iam import MaybeStr

REST_API = "ApiGatewayRestApi"
REST_STAGE = "ApiGatewayStage"
HTTP_API = "HttpApi"
HTTP_STAGE = "HttpApiStage"
WEBSOCKET_API = "WebsocketsApi"
WEBSOCKET_STAGE = "WebsocketsDeploymentStage"

_SIMPLE_KINDS: dict[str, TriggerKind] = {
    "sqs": TriggerKind.SQS,
    "sns": TriggerKind.SNS,
    "s3": TriggerKind.S3,
    "kafka": TriggerKind.KAFKA,
    "msk": TriggerKind.KAFKA,
    "activemq": TriggerKind.MQ,
    "rabbitmq": TriggerKind.MQ,
    "eventBridge": TriggerKind.EVENTBRIDGE,
    "cloudwatchEvent": TriggerKind.EVENTBRIDGE,
    "schedule": TriggerKind.SCHEDULE,
    "cognitoUserPool": TriggerKind.COGNITO,
    "iot": TriggerKind.IOT,
    "iotFleetProvisioning": TriggerKind.IOT,
    "cloudwatchLog": TriggerKind.CLOUDWATCH_LOGS,
}


@dataclass(slots=True)
class EventResult:
    """Triggers of one function plus what the framework creates for them."""

    triggers: list[Trigger] = field(default_factory=list)
    #: event type → pointer of the first event of that type (for API/resource locations)
    used_apis: dict[str, str] = field(default_factory=dict)
    #: framework-created S3 buckets / SNS topics: logical id → (name, pointer)
    buckets: dict[str, tuple[str, str]] = field(default_factory=dict)
    topics: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: ARNs (or refs) of queues and streams, for the execution role's permissions
    queue_sources: list[MaybeStr] = field(default_factory=list)
    stream_sources: list[tuple[TriggerKind, MaybeStr]] = field(default_factory=list)


def rest_throttling(ctx: Context) -> Throttling | None:
    """Throttling of ``provider.apiGateway.usagePlan`` (the first plan that sets one)."""
    plans = mapping(ctx.provider.get("apiGateway")).get("usagePlan")
    candidates: list[Any] = []
    if isinstance(plans, dict):
        candidates.append(plans)
    elif isinstance(plans, list):
        for plan in plans:
            candidates.extend(mapping(plan).values())
    for plan in candidates:
        throttle = mapping(mapping(plan).get("throttle"))
        if throttle:
            return Throttling(
                rate_limit=as_float(throttle.get("rateLimit")),
                burst_limit=as_int(throttle.get("burstLimit")),
            )
    return None


def build_triggers(
    ctx: Context,
    key: str,
    events: Any,
    pointer: str,
    *,
    marked_public: bool,
    waf: MaybeStr | None,
) -> EventResult:
    """Every trigger of function ``key`` from its ``events`` list at ``pointer``."""
    result = EventResult()
    if events is None:
        return result
    if not isinstance(events, list):
        ctx.warn(f"function '{key}': events must be a list", pointer)
        return result
    for index, event in enumerate(events):
        event_pointer = pointer_join(pointer, index)
        if isinstance(event, str) and event:
            # ``- alexaSkill``: an event type without settings (older syntax).
            event_type, config, type_pointer = event, None, event_pointer
        elif not isinstance(event, dict) or not event:
            ctx.warn(f"function '{key}': event {index} is not a mapping; ignored", event_pointer)
            continue
        else:
            event_type = str(next(iter(event)))
            config = event[event_type]
            type_pointer = pointer_join(event_pointer, event_type)
        trigger = _one(
            ctx,
            event_type,
            config,
            type_pointer,
            name=f"{event_type}[{index}]",
            marked_public=marked_public,
            waf=waf,
            result=result,
        )
        if trigger is not None:
            result.triggers.append(trigger)
    return result


def _one(
    ctx: Context,
    event_type: str,
    config: Any,
    pointer: str,
    *,
    name: str,
    marked_public: bool,
    waf: MaybeStr | None,
    result: EventResult,
) -> Trigger | None:
    location = ctx.locate(pointer)
    settings = mapping(config)
    if event_type == "http":
        result.used_apis.setdefault("http", pointer)
        http = _rest(ctx, config, pointer, marked_public=marked_public, waf=waf)
        api = http.api if http.api is not None else REST_API
        return Trigger(
            kind=TriggerKind.API_REST,
            name=name,
            source=api,
            http=http,
            location=location,
            properties=_props(settings, ("integration", "async")),
        )
    if event_type == "httpApi":
        result.used_apis.setdefault("httpApi", pointer)
        http = _http_api(ctx, config, pointer, marked_public=marked_public)
        return Trigger(
            kind=TriggerKind.API_HTTP, name=name, source=http.api, http=http, location=location
        )
    if event_type == "websocket":
        result.used_apis.setdefault("websocket", pointer)
        http = _websocket(ctx, config, pointer, marked_public=marked_public)
        return Trigger(
            kind=TriggerKind.WEBSOCKET, name=name, source=http.api, http=http, location=location
        )
    if event_type == "alb":
        http = _alb(ctx, settings, pointer, marked_public=marked_public)
        return Trigger(
            kind=TriggerKind.ALB,
            name=name,
            source=as_ref(settings.get("listenerArn")),
            http=http,
            properties=_props(settings, ("priority", "conditions", "healthCheck")),
            location=location,
        )
    source: MaybeStr | None
    if event_type == "stream":
        raw_arn = config if not isinstance(config, dict) else settings.get("arn")
        source = as_ref(raw_arn)
        kind = _stream_kind(ctx, settings, config)
        result.stream_sources.append((kind, as_str(raw_arn) or Unknown(expression="stream")))
        return Trigger(
            kind=kind,
            name=name,
            source=source,
            location=location,
            properties=_props(
                settings,
                (
                    "batchSize",
                    "startingPosition",
                    "enabled",
                    "filterPatterns",
                    "maximumRetryAttempts",
                    "destinations",
                    "bisectBatchOnFunctionError",
                    "functionResponseType",
                    "parallelizationFactor",
                    "type",
                ),
            ),
        )
    kind = _SIMPLE_KINDS.get(event_type, TriggerKind.OTHER)
    properties: dict[str, Any]
    if event_type == "sqs":
        raw_arn = config if not isinstance(config, dict) else settings.get("arn")
        source = as_ref(raw_arn)
        result.queue_sources.append(as_str(raw_arn) or Unknown(expression="sqs"))
        properties = _props(
            settings,
            (
                "batchSize",
                "maximumBatchingWindow",
                "enabled",
                "functionResponseType",
                "filterPatterns",
                "maximumConcurrency",
            ),
        )
    elif event_type == "s3":
        source, properties = _s3(ctx, config, settings, pointer, result)
    elif event_type == "sns":
        source, properties = _sns(config, settings, pointer, result)
    elif event_type == "schedule":
        rate = config if not isinstance(config, dict) else settings.get("rate")
        source = None
        properties = {"schedule": rate, **_props(settings, ("enabled", "input", "name"))}
    elif event_type in ("eventBridge", "cloudwatchEvent"):
        source = as_ref(settings.get("eventBus")) or "default"
        properties = _props(settings, ("pattern", "schedule", "event", "input", "enabled"))
    elif event_type == "cognitoUserPool":
        pool = settings.get("pool")
        source = (
            pool
            if isinstance(pool, str) and settings.get("existing")
            else f"CognitoUserPool{alnum_logical_name(pool)}"
            if isinstance(pool, str)
            else as_ref(pool)
        )
        properties = {"trigger": settings.get("trigger"), "pool": pool}
    elif event_type == "cloudwatchLog":
        group = config if not isinstance(config, dict) else settings.get("logGroup")
        source = as_ref(group)
        properties = _props(settings, ("filter",))
    elif event_type in ("kafka", "msk", "activemq", "rabbitmq"):
        source = as_ref(settings.get("arn")) or as_ref(settings.get("bootstrapServers"))
        properties = _props(
            settings, ("topic", "queue", "batchSize", "accessConfigurations", "enabled")
        )
    elif event_type in ("iot", "iotFleetProvisioning"):
        source = as_ref(settings.get("name") or settings.get("templateName"))
        properties = _props(settings, ("sql", "enabled", "templateBody"))
    else:
        source = None
        properties = dict(settings)
    return Trigger(kind=kind, name=name, source=source, properties=properties, location=location)


def _props(settings: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: settings[name] for name in names if name in settings}


def _stream_kind(ctx: Context, settings: dict[str, Any], config: Any) -> TriggerKind:
    declared = str(settings.get("type", "")).lower()
    if declared == "kinesis":
        return TriggerKind.KINESIS
    if declared == "dynamodb":
        return TriggerKind.DYNAMODB_STREAM
    arn = config if not isinstance(config, dict) else settings.get("arn")
    if isinstance(arn, str):
        return TriggerKind.KINESIS if ":kinesis:" in arn else TriggerKind.DYNAMODB_STREAM
    if isinstance(arn, dict):
        attribute = arn.get("Fn::GetAtt")
        if isinstance(attribute, list) and len(attribute) > 1 and attribute[1] == "StreamArn":
            return TriggerKind.DYNAMODB_STREAM
        target = ctx.cfn_resources.get(str(as_ref(arn)))
        if isinstance(target, KinesisStream):
            return TriggerKind.KINESIS
        if isinstance(target, Table):
            return TriggerKind.DYNAMODB_STREAM
        raw_type = mapping(ctx.raw_resources.get(str(as_ref(arn)))).get("Type")
        if raw_type == "AWS::Kinesis::Stream":
            return TriggerKind.KINESIS
    return TriggerKind.DYNAMODB_STREAM


def _s3(
    ctx: Context, config: Any, settings: dict[str, Any], pointer: str, result: EventResult
) -> tuple[MaybeStr | None, dict[str, Any]]:
    bucket = config if not isinstance(config, dict) else settings.get("bucket")
    properties = {
        "event": settings.get("event", "s3:ObjectCreated:*"),
        **_props(settings, ("rules", "existing", "forceDeploy")),
    }
    if isinstance(bucket, str):
        logical = "S3Bucket" + alnum_logical_name(bucket)
        if logical in ctx.raw_resources:
            return logical, properties
        for ref, resource in ctx.cfn_resources.items():
            if resource.type == "AWS::S3::Bucket" and resource.name == bucket:
                return ref, properties
        if not settings.get("existing"):
            result.buckets.setdefault(logical, (bucket, pointer))
            return logical, properties
        return bucket, properties
    return as_ref(bucket), properties


def _sns(
    config: Any, settings: dict[str, Any], pointer: str, result: EventResult
) -> tuple[MaybeStr | None, dict[str, Any]]:
    properties = _props(settings, ("filterPolicy", "filterPolicyScope", "redrivePolicy"))
    topic = config if not isinstance(config, dict) else settings.get("arn")
    if topic is None:
        topic = settings.get("topicName")
    if isinstance(topic, str) and not topic.startswith("arn:"):
        logical = "SNSTopic" + alnum_logical_name(topic)
        result.topics.setdefault(logical, (topic, pointer))
        return logical, properties
    return as_ref(topic), properties


# -- HTTP-like events -----------------------------------------------------------------------


def _cors(value: Any, *, origins_key: str = "origins") -> Cors | None:
    if value is None or value is False:
        return None
    if value is True:
        return Cors(allow_origins=("*",), allow_credentials=False)
    if isinstance(value, Unknown):
        return Cors(allow_origins=(value,), allow_credentials=value)
    settings = mapping(value)
    origins: list[Any] = []
    for name in ("origin", origins_key, "origins", "allowedOrigins"):
        origins.extend(as_list(settings.get(name)))
    if not origins:
        origins = ["*"]
    credentials = as_bool(settings.get("allowCredentials"))
    return Cors(
        allow_origins=tuple(
            o for o in (as_str(x) for x in dict.fromkeys(map(str, origins))) if o is not None
        ),
        allow_credentials=credentials if credentials is not None else False,
    )


def _authorizer_kind(value: Any) -> tuple[MaybeStr, MaybeStr | None]:
    """(authorization, authorizer) of a REST ``authorizer`` setting."""
    if value is None:
        return "NONE", None
    if isinstance(value, Unknown):
        return value, value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "aws_iam":
            return "AWS_IAM", None
        if ":cognito-idp:" in value:
            return "COGNITO_USER_POOLS", value
        return "CUSTOM", value
    settings = mapping(value)
    declared = str(settings.get("type", "")).upper()
    target = as_ref(settings.get("name") or settings.get("arn") or settings.get("authorizerId"))
    if declared == "AWS_IAM":
        return "AWS_IAM", None
    if declared == "COGNITO_USER_POOLS":
        return "COGNITO_USER_POOLS", target
    if declared in ("TOKEN", "REQUEST", "CUSTOM"):
        return "CUSTOM", target
    arn = settings.get("arn")
    if isinstance(arn, str) and ":cognito-idp:" in arn:
        return "COGNITO_USER_POOLS", target
    if target is None and not settings:
        return "NONE", None
    return "CUSTOM", target


def _aspects(ctx: Context, **pointers: str | None) -> dict[str, Location]:
    """``HttpSettings.field_locations`` for the aspects the user set (pointer not ``None``)."""
    return {aspect: ctx.locate(pointer) for aspect, pointer in pointers.items() if pointer}


def _set(settings: dict[str, Any], pointer: str, *path: str) -> str | None:
    """``pointer`` extended by ``path`` when ``settings`` sets that path, else ``None``."""
    current: Any = settings
    found = pointer
    for key in path:
        if not isinstance(current, dict) or current.get(key) is None:
            return None
        found = pointer_join(found, key)
        current = current[key]
    return found


def _usage_plan_pointer(ctx: Context) -> str | None:
    """Where ``provider.apiGateway.usagePlan`` (the REST throttling) is set."""
    if rest_throttling(ctx) is None:
        return None
    return "/provider/apiGateway/usagePlan"


def _rest(
    ctx: Context, config: Any, pointer: str, *, marked_public: bool, waf: MaybeStr | None
) -> HttpSettings:
    settings = mapping(config)
    method: Any
    path: Any
    if isinstance(config, str):
        method, _, path = config.strip().partition(" ")
    else:
        method, path = settings.get("method"), settings.get("path")
    authorization, authorizer = _authorizer_kind(settings.get("authorizer"))
    request = mapping(settings.get("request"))
    validation = bool(request.get("schemas") or request.get("schema")) or any(
        isinstance(value, dict) and value.get("required") is True
        for group in mapping(request.get("parameters")).values()
        for value in mapping(group).values()
    )
    api_gateway = mapping(ctx.provider.get("apiGateway"))
    rest_api_id = api_gateway.get("restApiId")
    return HttpSettings(
        method=as_str(method.upper() if isinstance(method, str) else method),
        path=as_str(_slash(path)),
        api=REST_API if rest_api_id is None else str(as_ref(rest_api_id)),
        authorization=authorization,
        authorizer=authorizer,
        api_key_required=as_bool(settings.get("private")) or False,
        request_validation=validation,
        throttling=rest_throttling(ctx),
        waf=waf,
        cors=_cors(settings.get("cors")),
        marked_public=marked_public,
        field_locations=_aspects(
            ctx,
            authorization=_set(settings, pointer, "authorizer")
            or _set(settings, pointer, "private"),
            request_validation=_set(settings, pointer, "request", "schemas")
            or _set(settings, pointer, "request", "schema")
            or _set(settings, pointer, "request", "parameters"),
            cors=_set(settings, pointer, "cors"),
            throttling=_usage_plan_pointer(ctx),
        ),
    )


def _slash(path: Any) -> Any:
    if isinstance(path, str) and not path.startswith("/"):
        return "/" + path
    return path


def _http_api(ctx: Context, config: Any, pointer: str, *, marked_public: bool) -> HttpSettings:
    settings = mapping(config)
    method: Any
    path: Any
    if isinstance(config, str):
        if config.strip() == "*":
            method, path = "*", "*"
        else:
            method, _, path = config.strip().partition(" ")
    else:
        method, path = settings.get("method", "*"), settings.get("path", "*")
    http_api = mapping(ctx.provider.get("httpApi"))
    authorization: MaybeStr = "NONE"
    authorizer: MaybeStr | None = None
    raw = settings.get("authorizer")
    if raw is not None:
        auth = mapping(raw) if not isinstance(raw, str) else {"name": raw}
        declared = str(auth.get("type", "")).lower()
        name = auth.get("name")
        defined = (
            mapping(mapping(http_api.get("authorizers")).get(name)) if isinstance(name, str) else {}
        )
        declared = declared or str(defined.get("type", "")).lower()
        authorizer = as_str(name) if name is not None else as_str(auth.get("id"))
        if declared == "aws_iam":
            authorization, authorizer = "AWS_IAM", None
        elif declared == "request":
            authorization = "CUSTOM"
        elif declared == "jwt" or defined:
            authorization = "JWT"
        elif auth.get("id") is not None:
            authorization = Unknown(
                expression=f"authorizer id {auth.get('id')}", reason="existing authorizer"
            )
        else:
            authorization = Unknown(expression=f"authorizer {name}", reason="not declared")
    existing = http_api.get("id")
    return HttpSettings(
        method=as_str(method.upper() if isinstance(method, str) else method),
        path=as_str(path),
        api=HTTP_API if existing is None else str(as_ref(existing)),
        authorization=authorization,
        authorizer=authorizer,
        cors=_cors(http_api.get("cors"), origins_key="allowedOrigins"),
        marked_public=marked_public,
        field_locations=_aspects(
            ctx,
            authorization=_set(settings, pointer, "authorizer"),
            cors=_set(http_api, "/provider/httpApi", "cors"),
        ),
    )


def _websocket(ctx: Context, config: Any, pointer: str, *, marked_public: bool) -> HttpSettings:
    settings = mapping(config)
    route = config if isinstance(config, str) else settings.get("route")
    authorization: MaybeStr = "NONE"
    authorizer: MaybeStr | None = None
    if settings.get("authorizer") is not None:
        authorization, authorizer = _authorizer_kind(settings.get("authorizer"))
        if authorization == "NONE":
            authorization = "CUSTOM"
    existing = ctx.provider.get("websocketsApiId")
    return HttpSettings(
        method=None,
        path=as_str(route),
        api=WEBSOCKET_API if existing is None else str(as_ref(existing)),
        authorization=authorization,
        authorizer=authorizer,
        marked_public=marked_public,
        field_locations=_aspects(ctx, authorization=_set(settings, pointer, "authorizer")),
    )


def _alb(
    ctx: Context, settings: dict[str, Any], pointer: str, *, marked_public: bool
) -> HttpSettings:
    conditions = mapping(settings.get("conditions"))
    methods = as_list(conditions.get("method"))
    paths = as_list(conditions.get("path"))
    authorization: MaybeStr = "NONE"
    authorizer: MaybeStr | None = None
    names = as_list(settings.get("authorizer"))
    if names:
        defined = mapping(mapping(ctx.provider.get("alb")).get("authorizers"))
        first = names[0]
        spec = mapping(defined.get(first)) if isinstance(first, str) else {}
        kind = str(spec.get("type", "")).lower()
        authorization = (
            "COGNITO_USER_POOLS" if kind == "cognito" else "JWT" if kind == "oidc" else "CUSTOM"
        )
        authorizer = as_str(first)
    return HttpSettings(
        method=as_str(methods[0])
        if len(methods) == 1
        else ("*" if not methods else as_str(",".join(map(str, methods)))),
        path=as_str(paths[0])
        if len(paths) == 1
        else ("*" if not paths else as_str(",".join(map(str, paths)))),
        api=str(as_ref(settings.get("listenerArn"))),
        authorization=authorization,
        authorizer=authorizer,
        marked_public=marked_public,
        field_locations=_aspects(ctx, authorization=_set(settings, pointer, "authorizer")),
    )


def function_url(
    ctx: Context, value: Any, pointer: str, *, marked_public: bool
) -> tuple[FunctionUrl, Trigger] | None:
    """``url: true`` / ``url: {authorizer: aws_iam, cors: ...}`` → URL config and trigger."""
    if value is None or value is False:
        return None
    settings = mapping(value)
    auth: MaybeStr = "NONE"
    if isinstance(value, Unknown):
        auth = value
    elif str(settings.get("authorizer", "")).lower() == "aws_iam":
        auth = "AWS_IAM"
    cors = _cors(settings.get("cors"), origins_key="allowedOrigins")
    location = ctx.locate(pointer)
    url = FunctionUrl(auth_type=auth, cors=cors, location=location)
    trigger = Trigger(
        kind=TriggerKind.FUNCTION_URL,
        name="url",
        http=HttpSettings(
            method="*",
            path="/",
            authorization=auth,
            cors=cors,
            marked_public=marked_public,
            field_locations=_aspects(
                ctx,
                authorization=_set(settings, pointer, "authorizer"),
                cors=_set(settings, pointer, "cors"),
            ),
        ),
        properties=_props(settings, ("invokeMode",)),
        location=location,
    )
    return url, trigger


def framework_resources(ctx: Context, used: dict[str, str], waf: MaybeStr | None) -> list[Resource]:
    """The APIs and stages the framework creates for the events in use."""
    logs = mapping(ctx.provider.get("logs"))
    tracing = mapping(ctx.provider.get("tracing"))
    resources: list[Resource] = []
    api_gateway = mapping(ctx.provider.get("apiGateway"))
    if "http" in used and api_gateway.get("restApiId") is None:
        location = ctx.locate(used["http"])
        name = as_str(ctx.provider.get("apiName")) or joined(ctx.stage, ctx.service)
        resources.append(
            Api(
                ref=REST_API,
                type="AWS::ApiGateway::RestApi",
                name=name,
                kind="rest",
                stages=(REST_STAGE,),
                default_throttling=rest_throttling(ctx),
                location=location,
                properties={"apiKeys": api_gateway.get("apiKeys"), "waf": waf},
            )
        )
        resources.append(
            Stage(
                ref=REST_STAGE,
                type="AWS::ApiGateway::Stage",
                api=REST_API,
                stage_name=ctx.stage,
                access_logging=bool(logs.get("restApi")),
                tracing=as_bool(tracing.get("apiGateway")),
                location=location,
            )
        )
    http_api = mapping(ctx.provider.get("httpApi"))
    if "httpApi" in used and http_api.get("id") is None:
        resources += _v2_api(
            ref=HTTP_API,
            kind="http",
            name=as_str(http_api.get("name")) or joined(ctx.stage, ctx.service),
            stage=HTTP_STAGE,
            stage_name="$default",
            access_logging=bool(logs.get("httpApi")),
            location=ctx.locate(used["httpApi"]),
        )
    if "websocket" in used and ctx.provider.get("websocketsApiId") is None:
        resources += _v2_api(
            ref=WEBSOCKET_API,
            kind="websocket",
            name=as_str(ctx.provider.get("websocketsApiName"))
            or joined(ctx.stage, ctx.service, "websockets"),
            stage=WEBSOCKET_STAGE,
            stage_name=ctx.stage,
            access_logging=bool(logs.get("websocket")),
            location=ctx.locate(used["websocket"]),
        )
    return resources


def _v2_api(
    *,
    ref: str,
    kind: str,
    name: MaybeStr,
    stage: str,
    stage_name: MaybeStr,
    access_logging: bool,
    location: Location,
) -> list[Resource]:
    """An API Gateway v2 API the framework creates (HTTP or WebSocket) and its one stage."""
    return [
        Api(
            ref=ref,
            type="AWS::ApiGatewayV2::Api",
            kind=kind,
            name=name,
            stages=(stage,),
            location=location,
        ),
        Stage(
            ref=stage,
            type="AWS::ApiGatewayV2::Stage",
            api=ref,
            stage_name=stage_name,
            access_logging=access_logging,
            location=location,
        ),
    ]


def websocket_connect_auth(results: Iterable[EventResult]) -> HttpSettings | None:
    """The authorisation of an authorised ``$connect`` route, if the service has one."""
    for result in results:
        for trigger in result.triggers:
            if (
                trigger.kind is TriggerKind.WEBSOCKET
                and trigger.http is not None
                and trigger.http.path == "$connect"
                and trigger.http.authorization != "NONE"
            ):
                return trigger.http
    return None


def with_connection_auth(trigger: Trigger, connect: HttpSettings) -> Trigger:
    """WebSocket routes other than ``$connect`` ride on the connection it authorised."""
    if trigger.kind is not TriggerKind.WEBSOCKET or trigger.http is None:
        return trigger
    if trigger.http.path == "$connect" or trigger.http.authorization != "NONE":
        return trigger
    http = dataclasses.replace(
        trigger.http, authorization=connect.authorization, authorizer=connect.authorizer
    )
    return dataclasses.replace(trigger, http=http)
