"""Terraform resources other than functions and roles, each mapped by the builder
registered for its type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from faasguard.loaders.base import BuilderTable
from faasguard.loaders.terraform.records import (
    HTTP_API,
    REST_API,
    STAGES,
    Builder,
    TfResource,
    all_blocks,
    as_bool,
    as_int,
    as_json,
    as_str,
    as_strs,
    first_block,
    stage_throttling,
)
from faasguard.loaders.terraform.roles import build_policy
from faasguard.model import (
    Alarm,
    Api,
    Bucket,
    CodeSigningConfig,
    Diagnostic,
    DiagnosticLevel,
    KmsKey,
    LambdaPermission,
    LogGroup,
    MaybeStr,
    PublicAccessBlock,
    Queue,
    Resource,
    ResourcePolicy,
    Stage,
    Stream,
    Table,
    Topic,
    Unknown,
    UserPool,
    WebAcl,
    WebAclAssociation,
)
from faasguard.model.resources import MaybeBool


def map_resources(b: Builder, mapped: set[str]) -> None:
    skip = {"aws_lambda_function", "aws_iam_role", "aws_lambda_layer_version"}
    buckets = _bucket_extras(b)
    policies = _attached_resource_policies(b)
    waf_by_target = waf_targets(b)
    for record in b.records:
        if record.mode != "managed" or record.type in skip:
            continue
        try:
            resource = _resource(b, record, buckets, policies, waf_by_target)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            b.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=f"cannot map {record.address}: {exc}",
                    location=record.location,
                    code="terraform-map",
                )
            )
            resource = Resource(
                ref=record.address,
                type=record.type,
                properties=record.values,
                location=record.location,
            )
        b.resources.append(resource)
        mapped.add(record.address)


def _bucket_extras(b: Builder) -> dict[str, dict[str, Any]]:
    extras: dict[str, dict[str, Any]] = {}
    for record in b.typed(
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_acl",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
    ):
        bucket = b.link(record.values.get("bucket"), ("aws_s3_bucket",))
        if bucket is not None:
            extras.setdefault(bucket, {})[record.type] = record
    return extras


def _attached_resource_policies(b: Builder) -> dict[str, TfResource]:
    found: dict[str, TfResource] = {}
    for record in b.typed("aws_sqs_queue_policy"):
        target = b.link(record.values.get("queue_url"), ("aws_sqs_queue",))
        if target:
            found[target] = record
    for record in b.typed("aws_sns_topic_policy"):
        target = b.link(record.values.get("arn"), ("aws_sns_topic",))
        if target:
            found[target] = record
    return found


def waf_targets(b: Builder) -> dict[str, str]:
    """Target address (stage, API, ALB, AppSync API) → web ACL address (or ARN text)."""
    found: dict[str, str] = {}
    for record in b.typed("aws_wafv2_web_acl_association", "aws_waf_regional_web_acl_association"):
        target = b.link(record.values.get("resource_arn"))
        acl_value = record.values.get("web_acl_arn", record.values.get("web_acl_id"))
        acl = b.link(acl_value) or (acl_value if isinstance(acl_value, str) else None)
        if target is not None:
            found[target] = acl or record.address
    for stage in b.typed("aws_api_gateway_stage"):
        acl_value = stage.values.get("web_acl_arn")
        if acl_value is not None:
            found[stage.address] = b.link(acl_value) or str(acl_value)
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceInput:
    """What a resource builder gets besides the builder state."""

    record: TfResource
    #: the fields every :class:`Resource` has (ref, type, properties, location)
    common: dict[str, Any]
    #: bucket address → its companion resources (ACL, policy, encryption, ...) by type
    buckets: Mapping[str, Mapping[str, TfResource]]
    #: queue/topic address → the separate policy resource attached to it
    policies: Mapping[str, TfResource]
    #: target address → web ACL associated with it
    waf: Mapping[str, str]


ResourceBuilder = Callable[[Builder, ResourceInput], Resource]
#: resource type → its builder; any other managed resource becomes a plain :class:`Resource`
RESOURCES: BuilderTable[ResourceBuilder] = BuilderTable()


def _resource(
    b: Builder,
    record: TfResource,
    buckets: Mapping[str, Mapping[str, TfResource]],
    policies: Mapping[str, TfResource],
    waf: Mapping[str, str],
) -> Resource:
    v = record.values
    common: dict[str, Any] = {
        "ref": record.address,
        "type": record.type,
        "properties": {**v, **({"_notes": record.notes} if record.notes else {})},
        "location": record.location,
    }
    given = ResourceInput(record=record, common=common, buckets=buckets, policies=policies, waf=waf)
    return (RESOURCES.get(record.type) or _plain)(b, given)


def _plain(b: Builder, r: ResourceInput) -> Resource:
    """A resource no builder is registered for: its type, name and properties."""
    del b  # the same signature as every builder
    name = r.record.values.get("name")
    return Resource(**r.common, name=as_str(name) if isinstance(name, str | Unknown) else None)


@RESOURCES.builds("aws_s3_bucket")
def _s3_bucket(b: Builder, r: ResourceInput) -> Resource:
    record = r.record
    common = r.common
    buckets = r.buckets
    return _bucket(b, record, buckets.get(record.address, {}), common)


@RESOURCES.builds("aws_sqs_queue")
def _queue(b: Builder, r: ResourceInput) -> Resource:
    record = r.record
    v = r.record.values
    common = r.common
    policies = r.policies
    attached = policies.get(record.address)
    redrive = as_json(v.get("redrive_policy"))
    dlq = redrive.get("deadLetterTargetArn") if isinstance(redrive, dict) else None
    policy_value = attached.values.get("policy") if attached else v.get("policy")
    name = v.get("name")
    return Queue(
        **common,
        name=as_str(name),
        visibility_timeout=as_int(v.get("visibility_timeout_seconds", 30)),
        kms_key=as_str(v.get("kms_master_key_id")),
        sqs_managed_encryption=as_bool(v.get("sqs_managed_sse_enabled")),
        dead_letter_target=as_str(b.link(dlq) or dlq),
        policy=build_policy(
            "queue policy",
            policy_value,
            b.loc(attached or record, "policy"),
            b.lines,
        )
        if policy_value is not None
        else None,
        fifo=v.get("fifo_queue") is True or (isinstance(name, str) and name.endswith(".fifo")),
    )


@RESOURCES.builds("aws_sns_topic")
def _topic(b: Builder, r: ResourceInput) -> Resource:
    record = r.record
    v = r.record.values
    common = r.common
    policies = r.policies
    attached = policies.get(record.address)
    policy_value = attached.values.get("policy") if attached else v.get("policy")
    return Topic(
        **common,
        name=as_str(v.get("name")),
        kms_key=as_str(v.get("kms_master_key_id")),
        policy=build_policy(
            "topic policy", policy_value, b.loc(attached or record, "policy"), b.lines
        )
        if policy_value is not None
        else None,
    )


@RESOURCES.builds("aws_dynamodb_table")
def _table(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    sse = first_block(v, "server_side_encryption")
    return Table(
        **common,
        name=as_str(v.get("name")),
        stream_enabled=v.get("stream_enabled") is True,
        stream_view_type=as_str(v.get("stream_view_type")),
        kms_key=as_str(sse.get("kms_key_arn")) if sse else None,
    )


@RESOURCES.builds("aws_kinesis_stream")
def _stream(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    return Stream(**common, name=as_str(v.get("name")), kms_key=as_str(v.get("kms_key_id")))


@RESOURCES.builds("aws_cloudwatch_log_group")
def _log_group(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    return LogGroup(
        **common,
        name=as_str(v.get("name")),
        log_group_name=as_str(v.get("name")),
        retention_days=as_int(v.get("retention_in_days")) or None,
        kms_key=as_str(v.get("kms_key_id")),
    )


@RESOURCES.builds("aws_cloudwatch_metric_alarm")
def _alarm(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    dims = v.get("dimensions")
    return Alarm(
        **common,
        name=as_str(v.get("alarm_name")),
        namespace=as_str(v.get("namespace")),
        metric_name=as_str(v.get("metric_name")),
        dimensions={
            str(k): _dimension(b, val)
            for k, val in (dims.items() if isinstance(dims, dict) else [])
            if as_str(val) is not None
        },
    )


@RESOURCES.builds("aws_kms_key")
def _kms_key(b: Builder, r: ResourceInput) -> Resource:
    record = r.record
    v = r.record.values
    common = r.common
    return KmsKey(
        **common,
        rotation=as_bool(v.get("enable_key_rotation")),
        policy=build_policy("key policy", v.get("policy"), b.loc(record, "policy"), b.lines)
        if v.get("policy") is not None
        else None,
    )


@RESOURCES.builds("aws_lambda_code_signing_config")
def _code_signing_config(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    policies_block = first_block(v, "policies")
    publishers = first_block(v, "allowed_publishers")
    return CodeSigningConfig(
        **common,
        policy=as_str(policies_block.get("untrusted_artifact_on_deployment"))
        if policies_block
        else "Warn",
        signing_profiles=as_strs(publishers.get("signing_profile_version_arns"))
        if publishers
        else (),
    )


@RESOURCES.builds("aws_lambda_permission")
def _lambda_permission(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    function = v.get("function_name")
    return LambdaPermission(
        **common,
        function=as_str(b.function_for(function) or function) or Unknown(expression="null"),
        action=as_str(v.get("action")) or "lambda:InvokeFunction",
        principal=as_str(v.get("principal")) or Unknown(expression="null"),
        source_arn=as_str(v.get("source_arn")),
        source_account=as_str(v.get("source_account")),
        principal_org_id=as_str(v.get("principal_org_id")),
        function_url_auth_type=as_str(v.get("function_url_auth_type")),
    )


@RESOURCES.builds("aws_sqs_queue_policy", "aws_sns_topic_policy", "aws_s3_bucket_policy")
def _resource_policy(b: Builder, r: ResourceInput) -> Resource:
    record = r.record
    v = r.record.values
    common = r.common
    t = r.record.type
    target_key = {"aws_sqs_queue_policy": "queue_url", "aws_sns_topic_policy": "arn"}.get(
        t, "bucket"
    )
    target = v.get(target_key)
    return ResourcePolicy(
        **common,
        targets=(as_str(b.link(target) or target) or Unknown(expression="null"),),
        policy=build_policy(record.address, v.get("policy"), b.loc(record, "policy"), b.lines),
    )


@RESOURCES.builds("aws_api_gateway_rest_api")
def _rest_api(b: Builder, r: ResourceInput) -> Resource:
    record = r.record
    v = r.record.values
    common = r.common
    stages = [
        s.address
        for s in b.typed("aws_api_gateway_stage")
        if b.link(s.values.get("rest_api_id"), REST_API) == record.address
    ]
    return Api(**common, name=as_str(v.get("name")), kind="rest", stages=tuple(stages))


@RESOURCES.builds("aws_apigatewayv2_api")
def _http_api(b: Builder, r: ResourceInput) -> Resource:
    record = r.record
    v = r.record.values
    common = r.common
    protocol = v.get("protocol_type")
    stages = [
        s.address
        for s in b.typed("aws_apigatewayv2_stage")
        if b.link(s.values.get("api_id"), HTTP_API) == record.address
    ]
    return Api(
        **common,
        name=as_str(v.get("name")),
        kind="websocket" if protocol == "WEBSOCKET" else "http",
        stages=tuple(stages),
    )


@RESOURCES.builds("aws_lb", "aws_alb")
def _load_balancer(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    if v.get("load_balancer_type", "application") != "application":  # NLB, GWLB: no HTTP
        return _plain(b, r)
    return Api(**common, name=as_str(v.get("name")), kind="alb")


@RESOURCES.builds("aws_appsync_graphql_api")
def _appsync_api(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    return Api(
        **common,
        name=as_str(v.get("name")),
        kind="appsync",
        authorization=as_str(v.get("authentication_type")),
    )


@RESOURCES.builds(*STAGES)
def _api_stage(b: Builder, r: ResourceInput) -> Resource:
    record = r.record
    common = r.common
    return _stage(b, record, common)


@RESOURCES.builds("aws_wafv2_web_acl", "aws_waf_web_acl", "aws_wafregional_web_acl")
def _web_acl(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    return WebAcl(**common, name=as_str(v.get("name")), scope=as_str(v.get("scope")))


@RESOURCES.builds("aws_wafv2_web_acl_association", "aws_waf_regional_web_acl_association")
def _web_acl_association(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    acl_value = v.get("web_acl_arn", v.get("web_acl_id"))
    target_value = v.get("resource_arn")
    return WebAclAssociation(
        **common,
        web_acl=as_str(b.link(acl_value) or acl_value) or Unknown(expression="null"),
        target=as_str(b.link(target_value) or target_value) or Unknown(expression="null"),
    )


@RESOURCES.builds("aws_cognito_user_pool")
def _user_pool(b: Builder, r: ResourceInput) -> Resource:
    v = r.record.values
    common = r.common
    config = first_block(v, "lambda_config") or {}
    return UserPool(
        **common,
        name=as_str(v.get("name")),
        lambda_triggers={
            str(k): s
            for k, val in config.items()
            if isinstance(val, str | Unknown) and (s := as_str(b.function_for(val) or val))
        },
    )


def _dimension(b: Builder, value: Any) -> MaybeStr:
    # ``FunctionName = aws_lambda_function.x.function_name`` is already static when the
    # function's name is; otherwise keep a placeholder that names the function.
    result = as_str(value)
    assert result is not None
    return result


def _bucket(
    b: Builder, record: TfResource, extras: Mapping[str, TfResource], common: dict[str, Any]
) -> Bucket:
    v = record.values
    acl = v.get("acl")
    acl_record = extras.get("aws_s3_bucket_acl")
    if acl_record is not None and acl_record.values.get("acl") is not None:
        acl = acl_record.values.get("acl")
    pab_record = extras.get("aws_s3_bucket_public_access_block")
    pab = None
    if pab_record is not None:
        pv = pab_record.values
        pab = PublicAccessBlock(
            block_public_acls=as_bool(pv.get("block_public_acls")),
            ignore_public_acls=as_bool(pv.get("ignore_public_acls")),
            block_public_policy=as_bool(pv.get("block_public_policy")),
            restrict_public_buckets=as_bool(pv.get("restrict_public_buckets")),
            # The settings live in their own resource: findings point there, where they are
            # fixed (one finding covers every attribute turned off, so not one attribute).
            location=pab_record.location,
        )
    policy_record = extras.get("aws_s3_bucket_policy")
    policy_value = policy_record.values.get("policy") if policy_record else v.get("policy")
    encryption: MaybeStr | None = None
    sse_record = extras.get("aws_s3_bucket_server_side_encryption_configuration")
    sse_source = (
        sse_record.values if sse_record else first_block(v, "server_side_encryption_configuration")
    )
    if sse_source:
        rule = first_block(sse_source, "rule") or {}
        default = first_block(rule, "apply_server_side_encryption_by_default") or {}
        encryption = as_str(default.get("sse_algorithm"))
    versioning: MaybeBool | None = None
    versioning_record = extras.get("aws_s3_bucket_versioning")
    if versioning_record is not None:
        config = first_block(versioning_record.values, "versioning_configuration") or {}
        status = config.get("status")
        versioning = status == "Enabled" if isinstance(status, str) else as_bool(status)
    elif first_block(v, "versioning"):
        versioning = as_bool((first_block(v, "versioning") or {}).get("enabled"))
    return Bucket(
        **common,
        name=as_str(v.get("bucket")),
        acl=as_str(acl),
        public_access_block=pab,
        policy=build_policy(
            "bucket policy", policy_value, b.loc(policy_record or record, "policy"), b.lines
        )
        if policy_value is not None
        else None,
        encryption=encryption,
        versioning=versioning,
    )


def _stage(b: Builder, record: TfResource, common: dict[str, Any]) -> Stage:
    v = record.values
    api_key = "rest_api_id" if record.type == "aws_api_gateway_stage" else "api_id"
    api = b.link(v.get(api_key), (*REST_API, *HTTP_API))
    stage_name = v.get("stage_name", v.get("name"))
    return Stage(
        **common,
        name=as_str(stage_name),
        api=api or str(v.get(api_key)),
        stage_name=as_str(stage_name),
        throttling=stage_throttling(b, record),
        access_logging=bool(all_blocks(v, "access_log_settings")),
        tracing=as_bool(v.get("xray_tracing_enabled")),
    )
