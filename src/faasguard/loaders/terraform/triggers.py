"""Triggers of Terraform functions: event source mappings, notifications, subscriptions,
rules, REST and HTTP APIs, load balancers, AppSync, URLs and permissions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.terraform.records import (
    HTTP_API,
    LB,
    REST_API,
    SERVICE_KINDS,
    Builder,
    TfResource,
    all_blocks,
    as_bool,
    as_int,
    as_str,
    as_strs,
    first_block,
    first_throttling,
    located,
    set_at,
)
from faasguard.loaders.terraform.resources import waf_targets
from faasguard.model import (
    Cors,
    FunctionUrl,
    HttpSettings,
    Location,
    MaybeStr,
    Throttling,
    Trigger,
    TriggerKind,
    Unknown,
)


def map_triggers(b: Builder) -> None:
    waf = waf_targets(b)
    for step in (
        _event_source_mappings,
        _s3_notifications,
        _sns_subscriptions,
        _event_rules,
        _schedules,
        _cognito,
        _iot,
        _log_subscriptions,
        _function_urls,
        _function_extras,
        _alb,
        _appsync,
    ):
        step(b)
    _rest_apis(b, waf)
    _http_apis(b, waf)
    _permissions(b)


def _esm_kind(b: Builder, source: Any, record: TfResource) -> tuple[TriggerKind, Any]:
    target = b.record(b.link(source))
    if target is not None:
        by_type = {
            "aws_sqs_queue": TriggerKind.SQS,
            "aws_kinesis_stream": TriggerKind.KINESIS,
            "aws_dynamodb_table": TriggerKind.DYNAMODB_STREAM,
            "aws_msk_cluster": TriggerKind.KAFKA,
            "aws_msk_serverless_cluster": TriggerKind.KAFKA,
            "aws_mq_broker": TriggerKind.MQ,
        }
        return by_type.get(target.type, TriggerKind.OTHER), target.address
    text = source if isinstance(source, str) else getattr(source, "expression", "")
    for marker, kind in (
        (":sqs:", TriggerKind.SQS),
        (":kinesis:", TriggerKind.KINESIS),
        (":dynamodb:", TriggerKind.DYNAMODB_STREAM),
        (":kafka:", TriggerKind.KAFKA),
        (":mq:", TriggerKind.MQ),
    ):
        if marker in text:
            return kind, source
    if record.values.get("self_managed_event_source") is not None:
        return TriggerKind.KAFKA, source
    if record.values.get("queues") is not None:
        return TriggerKind.MQ, source
    return TriggerKind.OTHER, source


def _event_source_mappings(b: Builder) -> None:
    for record in b.typed("aws_lambda_event_source_mapping"):
        v = record.values
        function = b.function_for(v.get("function_name"))
        kind, source = _esm_kind(b, v.get("event_source_arn"), record)
        props: dict[str, Any] = {
            key: v[key]
            for key in (
                "batch_size",
                "maximum_batching_window_in_seconds",
                "starting_position",
                "enabled",
                "function_response_types",
                "maximum_retry_attempts",
                "bisect_batch_on_function_error",
                "topics",
            )
            if key in v
        }
        if "filter_criteria" in v:
            props["filter_criteria"] = v["filter_criteria"]
        props["mapping"] = record.address
        b.add_trigger(
            function,
            Trigger(
                kind=kind,
                name=record.address,
                source=as_str(source),
                properties=props,
                location=record.location,
            ),
        )
        destination = first_block(first_block(v, "destination_config") or {}, "on_failure")
        if function and destination and destination.get("destination_arn") is not None:
            fields = b.function_fields.setdefault(function, {})
            fields.setdefault("on_failure_destination", as_str(destination.get("destination_arn")))
            fields.setdefault(
                "on_failure_destination_location", b.loc(record, "destination_config")
            )


def _s3_notifications(b: Builder) -> None:
    for record in b.typed("aws_s3_bucket_notification"):
        bucket_value = record.values.get("bucket")
        bucket = b.link(bucket_value, ("aws_s3_bucket",))
        blocks = record.values.get("lambda_function")
        for index, block in enumerate(all_blocks(record.values, "lambda_function")):
            b.add_trigger(
                b.function_for(block.get("lambda_function_arn")),
                Trigger(
                    kind=TriggerKind.S3,
                    name=record.address,
                    source=as_str(bucket or bucket_value),
                    properties={
                        k: block[k]
                        for k in ("events", "filter_prefix", "filter_suffix")
                        if k in block
                    },
                    location=b.where(blocks, index, record.location),
                ),
            )


def _sns_subscriptions(b: Builder) -> None:
    for record in b.typed("aws_sns_topic_subscription"):
        v = record.values
        if v.get("protocol") != "lambda":
            continue
        topic = v.get("topic_arn")
        b.add_trigger(
            b.function_for(v.get("endpoint")),
            Trigger(
                kind=TriggerKind.SNS,
                name=record.address,
                source=as_str(b.link(topic, ("aws_sns_topic",)) or topic),
                properties={k: v[k] for k in ("filter_policy",) if k in v},
                location=record.location,
            ),
        )


def _event_rules(b: Builder) -> None:
    for record in b.typed("aws_cloudwatch_event_target"):
        v = record.values
        function = b.function_for(v.get("arn"))
        if function is None:
            continue
        rule_value = v.get("rule")
        rule = b.record(b.link(rule_value, ("aws_cloudwatch_event_rule",)))
        if rule is None and isinstance(rule_value, str):
            rule = next(
                (
                    r
                    for r in b.typed("aws_cloudwatch_event_rule")
                    if r.values.get("name") == rule_value
                ),
                None,
            )
        schedule = rule.values.get("schedule_expression") if rule else None
        props: dict[str, Any] = {"target": record.address}
        if rule is not None:
            for key in ("schedule_expression", "event_pattern", "event_bus_name", "state"):
                if key in rule.values:
                    props[key] = rule.values[key]
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.SCHEDULE if schedule is not None else TriggerKind.EVENTBRIDGE,
                name=record.address,
                source=rule.address if rule else as_str(rule_value),
                properties=props,
                location=rule.location if rule else record.location,
            ),
        )


def _schedules(b: Builder) -> None:
    for record in b.typed("aws_scheduler_schedule"):
        target = first_block(record.values, "target")
        if not target:
            continue
        b.add_trigger(
            b.function_for(target.get("arn")),
            Trigger(
                kind=TriggerKind.SCHEDULE,
                name=record.address,
                source=record.address,
                properties={"schedule_expression": record.values.get("schedule_expression")},
                location=record.location,
            ),
        )


def _cognito(b: Builder) -> None:
    for record in b.typed("aws_cognito_user_pool"):
        config = first_block(record.values, "lambda_config")
        if not config:
            continue
        for key, value in config.items():
            function = b.function_for(value)
            if function is None:
                continue
            b.add_trigger(
                function,
                Trigger(
                    kind=TriggerKind.COGNITO,
                    name=f"{record.address}.{key}",
                    source=record.address,
                    properties={"trigger": key},
                    location=b.loc(record, "lambda_config"),
                ),
            )


def _iot(b: Builder) -> None:
    for record in b.typed("aws_iot_topic_rule"):
        for block in all_blocks(record.values, "lambda"):
            b.add_trigger(
                b.function_for(block.get("function_arn")),
                Trigger(
                    kind=TriggerKind.IOT,
                    name=record.address,
                    source=record.address,
                    properties={"sql": record.values.get("sql")},
                    location=record.location,
                ),
            )


def _log_subscriptions(b: Builder) -> None:
    for record in b.typed("aws_cloudwatch_log_subscription_filter"):
        v = record.values
        group_value = v.get("log_group_name")
        group = b.link(group_value, ("aws_cloudwatch_log_group",))
        b.add_trigger(
            b.function_for(v.get("destination_arn")),
            Trigger(
                kind=TriggerKind.CLOUDWATCH_LOGS,
                name=record.address,
                source=as_str(group or group_value),
                properties={"filter_pattern": v.get("filter_pattern")},
                location=record.location,
            ),
        )


def _cors(block: Mapping[str, Any] | None) -> Cors | None:
    if not block:
        return None
    credentials = block.get("allow_credentials")
    return Cors(
        allow_origins=as_strs(block.get("allow_origins")),
        allow_credentials=as_bool(credentials) if credentials is not None else None,
    )


def _function_urls(b: Builder) -> None:
    for record in b.typed("aws_lambda_function_url"):
        v = record.values
        function = b.function_for(v.get("function_name"))
        auth = as_str(v.get("authorization_type")) or Unknown(expression="authorization_type")
        cors = _cors(first_block(v, "cors"))
        # The URL (and its trigger) is the resource; each aspect keeps its own line, so a
        # CORS finding does not point at the authorization line.
        location = record.location
        if function is not None:
            fields = b.function_fields.setdefault(function, {})
            fields["url"] = FunctionUrl(auth_type=auth, cors=cors, location=location)
            fields["url_location"] = location
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.FUNCTION_URL,
                name=record.address,
                source=record.address,
                http=HttpSettings(
                    authorization=auth if auth != "NONE" else "NONE",
                    cors=cors,
                    field_locations=located(
                        authorization=set_at(b, record, "authorization_type"),
                        cors=set_at(b, record, "cors"),
                    ),
                ),
                location=location,
            ),
        )


def _function_extras(b: Builder) -> None:
    for record in b.typed("aws_lambda_provisioned_concurrency_config"):
        function = b.function_for(record.values.get("function_name"))
        if function is not None:
            fields = b.function_fields.setdefault(function, {})
            fields["provisioned_concurrency"] = as_int(
                record.values.get("provisioned_concurrent_executions")
            )
            fields["provisioned_concurrency_location"] = b.loc(
                record, "provisioned_concurrent_executions"
            )
    for record in b.typed("aws_lambda_function_event_invoke_config"):
        function = b.function_for(record.values.get("function_name"))
        destination = first_block(
            first_block(record.values, "destination_config") or {}, "on_failure"
        )
        if function is not None and destination:
            fields = b.function_fields.setdefault(function, {})
            fields["on_failure_destination"] = as_str(destination.get("destination"))
            fields["on_failure_destination_location"] = b.loc(record, "destination_config")


def _alb(b: Builder) -> None:
    lambda_groups = {
        r.address
        for r in b.typed("aws_lb_target_group", "aws_alb_target_group")
        if r.values.get("target_type") == "lambda"
    }
    listeners: dict[str, str] = {}
    for listener in b.typed("aws_lb_listener", "aws_alb_listener"):
        lb = b.link(listener.values.get("load_balancer_arn"), LB)
        for action in all_blocks(listener.values, "default_action"):
            group = b.link(action.get("target_group_arn"))
            if group and lb:
                listeners.setdefault(group, lb)
    for rule in b.typed("aws_lb_listener_rule", "aws_alb_listener_rule"):
        parent = b.record(b.link(rule.values.get("listener_arn")))
        lb = b.link(parent.values.get("load_balancer_arn"), LB) if parent else None
        for action in all_blocks(rule.values, "action"):
            group = b.link(action.get("target_group_arn"))
            if group and lb:
                listeners.setdefault(group, lb)
    for record in b.typed("aws_lb_target_group_attachment", "aws_alb_target_group_attachment"):
        group = b.link(record.values.get("target_group_arn"))
        function = b.function_for(record.values.get("target_id"))
        if function is None or (group is not None and group not in lambda_groups):
            continue
        source = listeners.get(group or "", group)
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.ALB,
                name=record.address,
                source=source,
                http=HttpSettings(api=source, authorization="NONE"),
                properties={"target_group": group},
                location=record.location,
            ),
        )


_APPSYNC_AUTH = {
    "API_KEY": "NONE",
    "AWS_IAM": "AWS_IAM",
    "AMAZON_COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
    "OPENID_CONNECT": "JWT",
    "AWS_LAMBDA": "CUSTOM",
}


def _appsync(b: Builder) -> None:
    for record in b.typed("aws_appsync_datasource"):
        config = first_block(record.values, "lambda_config")
        if not config:
            continue
        api = b.record(b.link(record.values.get("api_id"), ("aws_appsync_graphql_api",)))
        auth_type = api.values.get("authentication_type") if api else None
        authorization: MaybeStr = (
            _APPSYNC_AUTH.get(auth_type, auth_type)
            if isinstance(auth_type, str)
            else Unknown(expression="authentication_type", reason="API not in the module")
        )
        b.add_trigger(
            b.function_for(config.get("function_arn")),
            Trigger(
                kind=TriggerKind.APPSYNC,
                name=record.address,
                source=api.address if api else as_str(record.values.get("api_id")),
                http=HttpSettings(
                    api=api.address if api else None,
                    authorization=authorization,
                    api_key_required=auth_type == "API_KEY",
                ),
                location=record.location,
            ),
        )


def _rest_path(b: Builder, resource: TfResource | None, depth: int = 0) -> str:
    if resource is None or resource.type != "aws_api_gateway_resource" or depth > 32:
        return ""
    parent = b.record(b.link(resource.values.get("parent_id"), ("aws_api_gateway_resource",)))
    part = resource.values.get("path_part")
    text = part if isinstance(part, str) else "{?}"
    return f"{_rest_path(b, parent, depth + 1)}/{text}"


def _authorization(value: Any) -> MaybeStr:
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, Unknown):
        return value
    return "NONE"


def _rest_apis(b: Builder, waf: Mapping[str, str]) -> None:
    methods: dict[tuple[str, str, str], TfResource] = {}
    for method_record in b.typed("aws_api_gateway_method"):
        mv = method_record.values
        key = (
            b.link(mv.get("rest_api_id"), REST_API) or "",
            b.link(mv.get("resource_id"), ("aws_api_gateway_resource",)) or "<root>",
            str(mv.get("http_method")),
        )
        methods[key] = method_record
    stages: dict[str, list[TfResource]] = {}
    for stage in b.typed("aws_api_gateway_stage"):
        api = b.link(stage.values.get("rest_api_id"), REST_API)
        if api:
            stages.setdefault(api, []).append(stage)
    for integration in b.typed("aws_api_gateway_integration"):
        iv = integration.values
        function = b.function_for(iv.get("uri"))
        if function is None:
            continue
        api = b.link(iv.get("rest_api_id"), REST_API)
        resource = b.record(b.link(iv.get("resource_id"), ("aws_api_gateway_resource",)))
        key = (api or "", resource.address if resource else "<root>", str(iv.get("http_method")))
        method: TfResource | None = methods.get(key) or b.record(
            b.link(iv.get("http_method"), ("aws_api_gateway_method",))
        )
        mv = method.values if method else {}
        validator = mv.get("request_validator_id")
        api_stages = stages.get(api or "", [])
        throttled = first_throttling(b, api_stages)
        throttling = throttled[0] if throttled is not None else None
        acl = waf.get(api or "") or next(
            (waf[s.address] for s in api_stages if s.address in waf), None
        )
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.API_REST,
                name=integration.address,
                source=api,
                http=HttpSettings(
                    method=as_str(mv.get("http_method", iv.get("http_method"))),
                    path=_rest_path(b, resource) or "/",
                    api=api,
                    authorization=_authorization(mv.get("authorization"))
                    if method
                    else Unknown(expression=f"{integration.address}.method", reason="no method"),
                    authorizer=as_str(b.link(mv.get("authorizer_id")) or mv.get("authorizer_id")),
                    api_key_required=as_bool(mv.get("api_key_required")) or False,
                    request_validation=validator is not None,
                    throttling=throttling,
                    waf=acl,
                    field_locations=located(
                        authorization=set_at(b, method, "authorization"),
                        request_validation=set_at(b, method, "request_validator_id"),
                        throttling=throttled[1] if throttled is not None else None,
                    ),
                ),
                properties={"method": method.address} if method else {},
                # The method is what the user declares for a route (and where a validator,
                # an authorizer or a model is added).
                location=method.location if method else integration.location,
            ),
        )


def _http_apis(b: Builder, waf: Mapping[str, str]) -> None:
    integrations: dict[str, str] = {}
    for integration in b.typed("aws_apigatewayv2_integration"):
        function = b.function_for(integration.values.get("integration_uri"))
        if function is not None:
            integrations[integration.address] = function
    authorizers = {a.address: a for a in b.typed("aws_apigatewayv2_authorizer")}
    stages: dict[str, list[TfResource]] = {}
    for stage in b.typed("aws_apigatewayv2_stage"):
        api = b.link(stage.values.get("api_id"), HTTP_API)
        if api:
            stages.setdefault(api, []).append(stage)
    apis = {a.address: a for a in b.typed("aws_apigatewayv2_api")}

    def settings_for(
        api: str | None,
    ) -> tuple[Throttling | None, str | None, Cors | None, str, dict[str, Location]]:
        api_record = apis.get(api or "")
        protocol = api_record.values.get("protocol_type") if api_record else None
        api_stages = stages.get(api or "", [])
        throttled = first_throttling(b, api_stages)
        acl = waf.get(api or "") or next(
            (waf[s.address] for s in api_stages if s.address in waf), None
        )
        cors = _cors(first_block(api_record.values, "cors_configuration")) if api_record else None
        locations = located(
            cors=set_at(b, api_record, "cors_configuration"),
            throttling=throttled[1] if throttled is not None else None,
        )
        throttling = throttled[0] if throttled is not None else None
        return throttling, acl, cors, str(protocol), locations

    for route in b.typed("aws_apigatewayv2_route"):
        rv = route.values
        target_integration = b.link(rv.get("target"), ("aws_apigatewayv2_integration",))
        function = integrations.get(target_integration or "")
        if function is None:
            continue
        api = b.link(rv.get("api_id"), HTTP_API)
        throttling, acl, cors, protocol, locations = settings_for(api)
        route_key = rv.get("route_key")
        method: MaybeStr | None = None
        path: MaybeStr | None = None
        if isinstance(route_key, str):
            method, _, path = route_key.partition(" ")
            if not path:
                method, path = "ANY", route_key
        elif isinstance(route_key, Unknown):
            method = path = route_key
        authorizer_address = b.link(rv.get("authorizer_id"), ("aws_apigatewayv2_authorizer",))
        authorizer = authorizers.get(authorizer_address or "")
        authorization = _authorization(rv.get("authorization_type"))
        if authorization == "NONE" and authorizer is not None:
            authorizer_type = authorizer.values.get("authorizer_type")
            authorization = "JWT" if authorizer_type == "JWT" else "CUSTOM"
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.WEBSOCKET if protocol == "WEBSOCKET" else TriggerKind.API_HTTP,
                name=route.address,
                source=api,
                http=HttpSettings(
                    method=method,
                    path=path,
                    api=api,
                    authorization=authorization,
                    authorizer=as_str(authorizer_address or rv.get("authorizer_id")),
                    api_key_required=as_bool(rv.get("api_key_required")) or False,
                    throttling=throttling,
                    waf=acl,
                    cors=cors,
                    field_locations={
                        **locations,
                        **located(
                            authorization=set_at(b, route, "authorization_type")
                            or set_at(b, route, "authorizer_id")
                        ),
                    },
                ),
                properties={"route": route.address},
                location=route.location,
            ),
        )
    for api_record in apis.values():
        target = api_record.values.get("target")
        function = b.function_for(target) if target is not None else None
        if function is None:
            continue
        throttling, acl, cors, protocol, locations = settings_for(api_record.address)
        b.add_trigger(
            function,
            Trigger(
                kind=TriggerKind.API_HTTP,
                name=api_record.address,
                source=api_record.address,
                http=HttpSettings(
                    method="ANY",
                    path="$default",
                    api=api_record.address,
                    authorization="NONE",
                    throttling=throttling,
                    waf=acl,
                    cors=cors,
                    field_locations=locations,
                ),
                properties={"quick_create": True},
                location=b.loc(api_record, "target"),
            ),
        )


def _permissions(b: Builder) -> None:
    for record in b.typed("aws_lambda_permission"):
        v = record.values
        function = b.function_for(v.get("function_name"))
        principal = v.get("principal")
        if function is None or not isinstance(principal, str):
            continue
        service = principal.split(".", 1)[0] if principal.endswith(".amazonaws.com") else ""
        kind = SERVICE_KINDS.get(service)
        if kind is None:
            continue
        source = b.link(v.get("source_arn"))
        existing = b.triggers.get(function, [])
        if any(
            t.source == source or (t.http is not None and t.http.api == source)
            for t in existing
            if source is not None
        ) or (source is None and any(_service_matches(t.kind, kind) for t in existing)):
            continue
        source_record = b.record(source)
        if (
            kind is TriggerKind.EVENTBRIDGE
            and source_record is not None
            and source_record.values.get("schedule_expression") is not None
        ):
            kind = TriggerKind.SCHEDULE
        if (
            kind is TriggerKind.API_REST
            and source_record is not None
            and source_record.type == "aws_apigatewayv2_api"
        ):
            protocol = source_record.values.get("protocol_type")
            kind = TriggerKind.WEBSOCKET if protocol == "WEBSOCKET" else TriggerKind.API_HTTP
        http = (
            HttpSettings(
                api=source,
                authorization=Unknown(
                    expression=f"{record.address}.source_arn",
                    reason="routes not declared in Terraform",
                ),
            )
            if kind.is_http
            else None
        )
        b.add_trigger(
            function,
            Trigger(
                kind=kind,
                name=record.address,
                source=source or as_str(v.get("source_arn")),
                http=http,
                properties={"inferred_from": record.address},
                location=record.location,
            ),
        )


def _service_matches(existing: TriggerKind, inferred: TriggerKind) -> bool:
    if existing is inferred:
        return True
    if inferred is TriggerKind.API_REST:
        return existing.is_http
    return inferred is TriggerKind.EVENTBRIDGE and existing is TriggerKind.SCHEDULE
