"""Triggers of a template's functions: event source mappings, notifications, subscriptions,
rules, API methods and routes (also in OpenAPI bodies), load balancers, AppSync, URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.cloudformation.intrinsics import expression_text
from faasguard.loaders.cloudformation.template import Template
from faasguard.loaders.cloudformation.values import (
    as_bool,
    as_str,
    cors_from,
    get,
    items,
    mapping,
    stage_throttling,
)
from faasguard.model import (
    HttpSettings,
    Location,
    MaybeStr,
    Resource,
    Throttling,
    Trigger,
    TriggerKind,
    Unknown,
)

_ESM_KINDS: Mapping[str, TriggerKind] = {
    "AWS::SQS::Queue": TriggerKind.SQS,
    "AWS::Kinesis::Stream": TriggerKind.KINESIS,
    "AWS::Kinesis::StreamConsumer": TriggerKind.KINESIS,
    "AWS::DynamoDB::Table": TriggerKind.DYNAMODB_STREAM,
    "AWS::DynamoDB::GlobalTable": TriggerKind.DYNAMODB_STREAM,
    "AWS::MSK::Cluster": TriggerKind.KAFKA,
    "AWS::MSK::ServerlessCluster": TriggerKind.KAFKA,
    "AWS::AmazonMQ::Broker": TriggerKind.MQ,
}

_ARN_SERVICE_KINDS: Mapping[str, TriggerKind] = {
    "sqs": TriggerKind.SQS,
    "kinesis": TriggerKind.KINESIS,
    "dynamodb": TriggerKind.DYNAMODB_STREAM,
    "kafka": TriggerKind.KAFKA,
    "mq": TriggerKind.MQ,
}

_AUTH_TYPES: Mapping[str, str] = {
    "NONE": "NONE",
    "AWS_IAM": "AWS_IAM",
    "CUSTOM": "CUSTOM",
    "COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
    "JWT": "JWT",
    "REQUEST": "CUSTOM",
    "TOKEN": "CUSTOM",
}


def api_waf(t: Template, api: str | None) -> MaybeStr | None:
    if api is None:
        return None
    if api in t.waf_targets:
        return t.waf_targets[api]
    for lid, props in t.of_type("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        api_ref = t.ref_of(props.get("RestApiId") or props.get("ApiId"))
        if api_ref == api and lid in t.waf_targets:
            return t.waf_targets[lid]
    return None


def _throttled_stage(
    t: Template, api: str | None, method: str | None, path: str | None
) -> tuple[str, Throttling] | None:
    """The first stage of ``api`` that throttles ``method path``, and its throttling."""
    if api is None:
        return None
    for lid, props in t.of_type("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        if t.ref_of(props.get("RestApiId") or props.get("ApiId")) != api:
            continue
        throttling = stage_throttling(props, method, path)
        if throttling is not None:
            return lid, throttling
    return None


def api_throttling_location(
    t: Template, api: str | None, method: str | None, path: str | None
) -> Location | None:
    """Where the throttling :meth:`api_throttling` finds is set (the stage's settings)."""
    found = _throttled_stage(t, api, method, path)
    if found is None:
        return None
    lid = found[0]
    return t.written(lid, "Properties", "DefaultRouteSettings") or t.written(
        lid, "Properties", "MethodSettings"
    )


def api_throttling(
    t: Template, api: str | None, method: str | None, path: str | None
) -> Throttling | None:
    """The throttling of ``method path`` on ``api``, from the first stage that sets one."""
    found = _throttled_stage(t, api, method, path)
    return found[1] if found is not None else None


def build_triggers(t: Template, resources: list[Resource]) -> None:
    triggers_esm(t)
    triggers_s3(t)
    triggers_sns(t)
    triggers_events(t)
    triggers_misc(t)
    triggers_rest(t)
    triggers_bodies(t)
    triggers_v2(t)
    triggers_alb(t)
    triggers_appsync(t)
    for lid, props in t.of_type("AWS::Lambda::Url"):
        auth = as_str(props.get("AuthType")) or "AWS_IAM"
        target = props.get("TargetFunctionArn")
        location = t.loc(lid)
        t.add_trigger(
            target,
            Trigger(
                kind=TriggerKind.FUNCTION_URL,
                name=lid,
                source=lid,
                http=HttpSettings(
                    authorization=auth,
                    cors=cors_from(props.get("Cors")),
                    marked_public=t.marked_public(t.function_ref(target)),
                    field_locations=t.aspects(
                        location,
                        authorization=t.written(lid, "Properties", "AuthType"),
                        cors=t.written(lid, "Properties", "Cors"),
                    ),
                ),
                location=location,
            ),
        )


def triggers_esm(t: Template) -> None:
    for lid, props in t.of_type("AWS::Lambda::EventSourceMapping"):
        arn = props.get("EventSourceArn")
        source = t.ref_of(arn)
        kind = _ESM_KINDS.get(t.types.get(source or "", ""))
        if kind is None and isinstance(arn, str) and arn.startswith("arn:"):
            parts = arn.split(":")
            kind = _ARN_SERVICE_KINDS.get(parts[2] if len(parts) > 2 else "")
        if kind is None and (props.get("SelfManagedEventSource") is not None or "Topics" in props):
            kind = TriggerKind.KAFKA
        if kind is None and "Queues" in props:
            kind = TriggerKind.MQ  # Amazon MQ brokers are the only sources with queues
        properties = {
            key: props[key]
            for key in (
                "BatchSize",
                "MaximumBatchingWindowInSeconds",
                "FilterCriteria",
                "FunctionResponseTypes",
                "StartingPosition",
                "Enabled",
                "Topics",
                "Queues",
                "MaximumRetryAttempts",
                "BisectBatchOnFunctionError",
            )
            if key in props
        }
        failure = get(props, "DestinationConfig", "OnFailure", "Destination")
        if failure is not None:
            properties["on_failure_destination"] = t.ref_or_value(failure)
        t.add_trigger(
            props.get("FunctionName"),
            Trigger(
                kind=kind or TriggerKind.OTHER,
                name=lid,
                source=source if source is not None else as_str(arn),
                properties=properties,
                location=t.loc(lid),
            ),
        )


def triggers_s3(t: Template) -> None:
    for lid, props in t.of_type("AWS::S3::Bucket"):
        configs = get(props, "NotificationConfiguration", "LambdaConfigurations")
        for index, config in enumerate(items(configs)):
            t.add_trigger(
                get(config, "Function"),
                Trigger(
                    kind=TriggerKind.S3,
                    name=f"{lid}:{get(config, 'Event')}",
                    source=lid,
                    properties={
                        "events": items(get(config, "Event")),
                        "filter": get(config, "Filter"),
                    },
                    location=t.loc(
                        lid,
                        "Properties",
                        "NotificationConfiguration",
                        "LambdaConfigurations",
                        index,
                    ),
                ),
            )


def triggers_sns(t: Template) -> None:
    for lid, props in t.of_type("AWS::SNS::Subscription"):
        if str(props.get("Protocol", "")).lower() != "lambda":
            continue
        t.add_trigger(
            props.get("Endpoint"),
            Trigger(
                kind=TriggerKind.SNS,
                name=lid,
                source=t.ref_or_value(props.get("TopicArn")),
                properties={"filter_policy": props.get("FilterPolicy")}
                if "FilterPolicy" in props
                else {},
                location=t.loc(lid),
            ),
        )
    for lid, props in t.of_type("AWS::SNS::Topic"):
        for index, sub in enumerate(items(props.get("Subscription"))):
            if str(get(sub, "Protocol") or "").lower() == "lambda":
                t.add_trigger(
                    get(sub, "Endpoint"),
                    Trigger(
                        kind=TriggerKind.SNS,
                        name=lid,
                        source=lid,
                        location=t.loc(lid, "Properties", "Subscription", index),
                    ),
                )


def triggers_events(t: Template) -> None:
    for lid, props in t.of_type("AWS::Events::Rule"):
        schedule = props.get("ScheduleExpression")
        kind = TriggerKind.SCHEDULE if schedule is not None else TriggerKind.EVENTBRIDGE
        for index, target in enumerate(items(props.get("Targets"))):
            properties: dict[str, Any] = {}
            if schedule is not None:
                properties["schedule"] = schedule
            if "EventPattern" in props:
                properties["event_pattern"] = props["EventPattern"]
            if "EventBusName" in props:
                properties["event_bus"] = props["EventBusName"]
            if get(target, "DeadLetterConfig", "Arn") is not None:
                properties["dead_letter_target"] = t.ref_or_value(
                    get(target, "DeadLetterConfig", "Arn")
                )
            properties["state"] = props.get("State", "ENABLED")
            t.add_trigger(
                get(target, "Arn"),
                Trigger(
                    kind=kind,
                    name=lid,
                    source=lid,
                    properties=properties,
                    location=t.loc(lid, "Properties", "Targets", index),
                ),
            )
    for lid, props in t.of_type("AWS::Scheduler::Schedule"):
        t.add_trigger(
            get(props, "Target", "Arn"),
            Trigger(
                kind=TriggerKind.SCHEDULE,
                name=lid,
                source=lid,
                properties={"schedule": props.get("ScheduleExpression")},
                location=t.loc(lid),
            ),
        )


def triggers_misc(t: Template) -> None:
    for lid, props in t.of_type("AWS::Cognito::UserPool"):
        for name, value in mapping(props.get("LambdaConfig")).items():
            arn = value.get("LambdaArn") if isinstance(value, Mapping) else value
            if name == "KMSKeyID" or arn is None:
                continue
            t.add_trigger(
                arn,
                Trigger(
                    kind=TriggerKind.COGNITO,
                    name=f"{lid}:{name}",
                    source=lid,
                    properties={"trigger": name},
                    location=t.loc(lid, "Properties", "LambdaConfig", name),
                ),
            )
    for lid, props in t.of_type("AWS::IoT::TopicRule"):
        payload = mapping(props.get("TopicRulePayload"))
        for index, action in enumerate(items(payload.get("Actions"))):
            arn = get(action, "Lambda", "FunctionArn")
            if arn is not None:
                t.add_trigger(
                    arn,
                    Trigger(
                        kind=TriggerKind.IOT,
                        name=lid,
                        source=lid,
                        properties={"sql": payload.get("Sql")},
                        location=t.loc(lid, "Properties", "TopicRulePayload", "Actions", index),
                    ),
                )
    for lid, props in t.of_type("AWS::Logs::SubscriptionFilter"):
        t.add_trigger(
            props.get("DestinationArn"),
            Trigger(
                kind=TriggerKind.CLOUDWATCH_LOGS,
                name=lid,
                source=t.ref_or_value(props.get("LogGroupName")),
                properties={"filter_pattern": props.get("FilterPattern")},
                location=t.loc(lid),
            ),
        )
    for lid, props in t.of_type("AWS::SES::ReceiptRule"):
        for index, action in enumerate(items(get(props, "Rule", "Actions"))):
            arn = get(action, "LambdaAction", "FunctionArn")
            if arn is not None:
                t.add_trigger(
                    arn,
                    Trigger(
                        kind=TriggerKind.SES,
                        name=lid,
                        source=t.ref_or_value(props.get("RuleSetName")) or lid,
                        location=t.loc(lid, "Properties", "Rule", "Actions", index),
                    ),
                )


def rest_path(t: Template, resource_id: Any, api: str | None) -> str:
    parts: list[str] = []
    current = t.ref_of(resource_id)
    seen: set[str] = set()
    while current is not None and current not in seen:
        seen.add(current)
        if t.types.get(current) != "AWS::ApiGateway::Resource":
            break
        part = t.props[current].get("PathPart")
        parts.append(part if isinstance(part, str) else "{?}")
        current = t.ref_of(t.props[current].get("ParentId"))
    return "/" + "/".join(reversed(parts))


def _method_auth(t: Template, props: Mapping[str, Any]) -> dict[str, Any]:
    """``authorization``, ``authorizer`` and ``api_key_required`` of a REST method or v2 route."""
    auth = as_str(props.get("AuthorizationType")) or "NONE"
    if isinstance(auth, str):
        auth = _AUTH_TYPES.get(auth.upper(), auth)
    authorizer = props.get("AuthorizerId")
    return {
        "authorization": auth,
        "authorizer": t.ref_or_value(authorizer) if authorizer is not None else None,
        "api_key_required": as_bool(props.get("ApiKeyRequired")) or False,
    }


def _method_auth_location(t: Template, lid: str) -> Location | None:
    """Where the authorisation of a REST method or v2 route is written."""
    return t.written(lid, "Properties", "AuthorizationType") or t.written(
        lid, "Properties", "AuthorizerId"
    )


def triggers_rest(t: Template) -> None:
    for lid, props in t.of_type("AWS::ApiGateway::Method"):
        uri = get(props, "Integration", "Uri")
        if t.target_key(uri) is None or "lambda" not in str(
            uri if isinstance(uri, str) else getattr(uri, "expression", "")
        ):
            continue
        api = t.ref_of(props.get("RestApiId"))
        method = as_str(props.get("HttpMethod"))
        path = rest_path(t, props.get("ResourceId"), api)
        validator = t.ref_of(props.get("RequestValidatorId"))
        validation: bool | Unknown | None = False
        if validator is not None:
            vprops = t.props.get(validator, {})
            validation = bool(
                as_bool(vprops.get("ValidateRequestBody")) is True
                or as_bool(vprops.get("ValidateRequestParameters")) is True
            )
        elif props.get("RequestValidatorId") is not None:
            validation = Unknown(expression_text(props.get("RequestValidatorId")))
        function = t.function_ref_in(uri)
        location = t.loc(lid)
        t.add_trigger(
            uri,
            Trigger(
                kind=TriggerKind.API_REST,
                name=f"{method} {path}",
                source=api,
                http=HttpSettings(
                    method=method,
                    path=path,
                    api=api,
                    **_method_auth(t, props),
                    request_validation=validation,
                    throttling=api_throttling(
                        t, api, method if isinstance(method, str) else None, path
                    ),
                    waf=api_waf(t, api),
                    marked_public=t.marked_public(api, function),
                    field_locations=t.aspects(
                        location,
                        authorization=_method_auth_location(t, lid),
                        request_validation=t.written(lid, "Properties", "RequestValidatorId"),
                        throttling=api_throttling_location(
                            t, api, method if isinstance(method, str) else None, path
                        ),
                    ),
                ),
                location=location,
            ),
        )


def triggers_bodies(t: Template) -> None:
    """Methods declared in an OpenAPI body (SAM-generated or user-written)."""
    for lid, props in t.of_type("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        body = props.get("Body")
        if not isinstance(body, Mapping):
            continue
        rest = t.types[lid] == "AWS::ApiGateway::RestApi"
        schemes = mapping(body.get("securityDefinitions")) or mapping(
            get(body, "components", "securitySchemes")
        )
        validators = mapping(body.get("x-amazon-apigateway-request-validators"))
        default_validator = body.get("x-amazon-apigateway-request-validator")
        cors_config = body.get("x-amazon-apigateway-cors")
        for path, operations in mapping(body.get("paths")).items():
            for method, operation in mapping(operations).items():
                if not isinstance(operation, Mapping):
                    continue
                integration = mapping(operation.get("x-amazon-apigateway-integration"))
                uri = integration.get("uri")
                if t.target_key(uri) is None:
                    continue
                http_method = (
                    "ANY" if method == "x-amazon-apigateway-any-method" else (str(method).upper())
                )
                auth, authorizer = _security(operation.get("security"), schemes, body)
                api_key = any(
                    mapping(get(schemes, name)).get("in") == "header"
                    and mapping(get(schemes, name)).get("name") == "x-api-key"
                    for requirement in items(operation.get("security"))
                    for name in mapping(requirement)
                )
                validator_name = operation.get(
                    "x-amazon-apigateway-request-validator", default_validator
                )
                validation: bool | None = None
                if rest:
                    validator = mapping(validators.get(validator_name))
                    validation = bool(
                        validator.get("validateRequestBody")
                        or validator.get("validateRequestParameters")
                    )
                operation_path = ("Properties", "Body", "paths", path, method)
                location = t.loc(lid, *operation_path)
                cors_at = t.written(lid, "Properties", "CorsConfiguration") or t.written(
                    lid, "Properties", "Body", "x-amazon-apigateway-cors"
                )
                t.add_trigger(
                    uri,
                    Trigger(
                        kind=TriggerKind.API_REST if rest else _v2_kind(props),
                        name=f"{http_method} {path}",
                        source=lid,
                        http=HttpSettings(
                            method=http_method,
                            path=str(path),
                            api=lid,
                            authorization=auth,
                            authorizer=authorizer,
                            api_key_required=api_key,
                            request_validation=validation,
                            throttling=api_throttling(t, lid, http_method, str(path)),
                            waf=api_waf(t, lid),
                            cors=cors_from(props.get("CorsConfiguration") or cors_config),
                            marked_public=t.marked_public(lid, t.function_ref_in(uri)),
                            field_locations=t.aspects(
                                location,
                                authorization=t.written(lid, *operation_path, "security"),
                                request_validation=t.written(
                                    lid,
                                    *operation_path,
                                    "x-amazon-apigateway-request-validator",
                                ),
                                cors=cors_at,
                                throttling=api_throttling_location(t, lid, http_method, str(path)),
                            ),
                        ),
                        location=location,
                    ),
                )


def triggers_v2(t: Template) -> None:
    integrations: dict[str, Any] = {
        lid: props.get("IntegrationUri")
        for lid, props in t.of_type("AWS::ApiGatewayV2::Integration")
    }
    for lid, props in t.of_type("AWS::ApiGatewayV2::Api"):
        if props.get("Target") is not None:  # quick create: one $default route
            t.add_trigger(
                props["Target"],
                Trigger(
                    kind=_v2_kind(props),
                    name="$default",
                    source=lid,
                    http=HttpSettings(
                        method="ANY",
                        path="$default",
                        api=lid,
                        throttling=api_throttling(t, lid, None, None),
                        waf=api_waf(t, lid),
                        cors=cors_from(props.get("CorsConfiguration")),
                        marked_public=t.marked_public(lid),
                        field_locations=t.aspects(
                            t.loc(lid, "Properties", "Target"),
                            cors=t.written(lid, "Properties", "CorsConfiguration"),
                            throttling=api_throttling_location(t, lid, None, None),
                        ),
                    ),
                    location=t.loc(lid, "Properties", "Target"),
                ),
            )
    for lid, props in t.of_type("AWS::ApiGatewayV2::Route"):
        target = props.get("Target")
        integration = None
        if isinstance(target, str) and target.startswith("integrations/"):
            integration = target.split("/", 1)[1]
        uri = integrations.get(integration or "")
        if uri is None or t.target_key(uri) is None:
            continue
        api = t.ref_of(props.get("ApiId"))
        api_props = t.props.get(api or "", {})
        route_key = as_str(props.get("RouteKey")) or ""
        method, _, path = route_key.partition(" ") if isinstance(route_key, str) else ("", "", "")
        if not path:
            method, path = "ANY", method
        t.add_trigger(
            uri,
            Trigger(
                kind=_v2_kind(api_props),
                name=str(route_key),
                source=api,
                http=HttpSettings(
                    method=method,
                    path=path,
                    api=api,
                    **_method_auth(t, props),
                    throttling=api_throttling(t, api, method, path),
                    waf=api_waf(t, api),
                    cors=cors_from(api_props.get("CorsConfiguration")),
                    marked_public=t.marked_public(api, t.function_ref_in(uri)),
                    field_locations=t.aspects(
                        t.loc(lid),
                        authorization=_method_auth_location(t, lid),
                        cors=t.written(api, "Properties", "CorsConfiguration")
                        if api in t.raw
                        else None,
                        throttling=api_throttling_location(t, api, method, path),
                    ),
                ),
                location=t.loc(lid),
            ),
        )


def triggers_alb(t: Template) -> None:
    group_lb: dict[str, str] = {}
    listener_lb: dict[str, str] = {}
    listener_auth: dict[str, str] = {}
    for lid, props in t.of_type("AWS::ElasticLoadBalancingV2::Listener"):
        lb = t.ref_of(props.get("LoadBalancerArn"))
        if lb is None:
            continue
        listener_lb[lid] = lb
        for action in items(props.get("DefaultActions")):
            alb_action(t, action, lb, group_lb, listener_auth, lid)
    for _lid, props in t.of_type("AWS::ElasticLoadBalancingV2::ListenerRule"):
        listener = t.ref_of(props.get("ListenerArn"))
        lb = listener_lb.get(listener or "")
        if lb is None:
            continue
        for action in items(props.get("Actions")):
            alb_action(t, action, lb, group_lb, listener_auth, listener or "")
    for lid, props in t.of_type("AWS::ElasticLoadBalancingV2::TargetGroup"):
        if str(props.get("TargetType", "")).lower() != "lambda":
            continue
        lb = group_lb.get(lid)
        for index, target in enumerate(items(props.get("Targets"))):
            t.add_trigger(
                get(target, "Id"),
                Trigger(
                    kind=TriggerKind.ALB,
                    name=lid,
                    source=lb or lid,
                    http=HttpSettings(
                        api=lb,
                        authorization=listener_auth.get(lb or "", "NONE"),
                        waf=api_waf(t, lb),
                        marked_public=t.marked_public(lb, t.function_ref(get(target, "Id"))),
                    ),
                    location=t.loc(lid, "Properties", "Targets", index),
                ),
            )


def alb_action(
    t: Template,
    action: Any,
    lb: str,
    group_lb: dict[str, str],
    listener_auth: dict[str, str],
    listener: str,
) -> None:
    kind = str(get(action, "Type") or "").lower()
    if kind == "authenticate-cognito":
        listener_auth[lb] = "COGNITO_USER_POOLS"
    elif kind == "authenticate-oidc":
        listener_auth[lb] = "JWT"
    groups = [get(action, "TargetGroupArn")]
    groups += [
        get(group, "TargetGroupArn")
        for group in items(get(action, "ForwardConfig", "TargetGroups"))
    ]
    for group in groups:
        found = t.ref_of(group)
        if found is not None:
            group_lb[found] = lb


def triggers_appsync(t: Template) -> None:
    for lid, props in t.of_type("AWS::AppSync::DataSource"):
        arn = get(props, "LambdaConfig", "LambdaFunctionArn")
        if arn is None:
            continue
        api = t.ref_of(props.get("ApiId"))
        if api is None and isinstance(props.get("ApiId"), str):
            api = t.ref_of(str(props["ApiId"]).split(".")[0])
        api_props = t.props.get(api or "", {})
        auth_type = as_str(api_props.get("AuthenticationType"))
        authorization: MaybeStr = {
            "API_KEY": "NONE",
            "AWS_IAM": "AWS_IAM",
            "AMAZON_COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
            "OPENID_CONNECT": "JWT",
            "AWS_LAMBDA": "CUSTOM",
        }.get(auth_type if isinstance(auth_type, str) else "", auth_type or "NONE")
        t.add_trigger(
            arn,
            Trigger(
                kind=TriggerKind.APPSYNC,
                name=lid,
                source=api,
                http=HttpSettings(
                    api=api,
                    authorization=authorization,
                    api_key_required=auth_type == "API_KEY",
                    waf=api_waf(t, api),
                    marked_public=t.marked_public(api, t.function_ref(arn)),
                ),
                location=t.loc(lid),
            ),
        )


def _v2_kind(api_props: Mapping[str, Any]) -> TriggerKind:
    if api_props.get("ProtocolType") == "WEBSOCKET":
        return TriggerKind.WEBSOCKET
    return TriggerKind.API_HTTP


def _security(
    requirements: Any, schemes: Mapping[str, Any], body: Mapping[str, Any]
) -> tuple[MaybeStr, MaybeStr | None]:
    """Authorization type and authorizer of an OpenAPI operation (API Gateway extensions)."""
    if requirements is None:
        requirements = body.get("security")
    for requirement in items(requirements):
        for name in mapping(requirement):
            scheme = mapping(schemes.get(name))
            authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
            authorizer = mapping(scheme.get("x-amazon-apigateway-authorizer"))
            kind = str(authorizer.get("type", "")).lower()
            if authtype == "awssigv4" or name == "sigv4":
                return "AWS_IAM", None
            if authtype == "cognito_user_pools" or kind == "cognito_user_pools":
                return "COGNITO_USER_POOLS", str(name)
            if kind == "jwt" or scheme.get("type") in ("oauth2", "openIdConnect"):
                return "JWT", str(name)
            if kind in ("token", "request") or authtype == "custom":
                return "CUSTOM", str(name)
    return "NONE", None
