"""Resources other than functions and roles: buckets, queues, topics, APIs, stages, WAF, ..."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from faasguard.loaders.base import BuilderTable
from faasguard.loaders.cloudformation.roles import build_policy
from faasguard.loaders.cloudformation.template import Template
from faasguard.loaders.cloudformation.values import (
    as_bool,
    as_int,
    as_str,
    as_str_tuple,
    get,
    items,
    mapping,
    stage_throttling,
)
from faasguard.model import (
    Alarm,
    Api,
    Bucket,
    CodeSigningConfig,
    KmsKey,
    LambdaPermission,
    LogGroup,
    MaybeStr,
    Policy,
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

_STAGE_ARN = re.compile(r"/restapis/([^/]+)/stages/([^/]+)")

_APIS_ARN = re.compile(r"/apis/([^/]+)/stages/([^/]+)")

_SKIP_AS_RESOURCE = frozenset(
    {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::LayerVersion"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceInput:
    """What a resource builder gets besides the template: the resource and shared findings."""

    lid: str
    kind: str
    props: Mapping[str, Any]
    #: the fields every :class:`Resource` has (ref, type, properties, location)
    common: dict[str, Any]
    #: resource policies (queue, topic, bucket policies) by the logical id they apply to
    policies: Mapping[str, Policy]
    #: API logical id → its stages' logical ids
    stages_by_api: Mapping[str, list[str]]


ResourceBuilder = Callable[[Template, ResourceInput], Resource]
#: resource type → its builder; any other type becomes a plain :class:`Resource`
RESOURCES: BuilderTable[ResourceBuilder] = BuilderTable()


def build_resources(t: Template) -> list[Resource]:
    """Every resource of the template except functions, layers and roles."""
    policies: dict[str, Policy] = {}
    result: list[Resource] = []
    for lid, props in t.of_type(
        "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy"
    ):
        kind = t.types[lid]
        key = {"AWS::SQS::QueuePolicy": "Queues", "AWS::SNS::TopicPolicy": "Topics"}.get(
            kind, "Bucket"
        )
        targets = tuple(
            found
            for found in (t.ref_or_value(value) for value in items(props.get(key)))
            if found is not None
        )
        policy = build_policy(
            t, props.get("PolicyDocument"), lid, (lid, "Properties", "PolicyDocument")
        )
        for target in targets:
            if isinstance(target, str):
                policies[target] = policy
        result.append(
            ResourcePolicy(
                ref=lid,
                type=kind,
                properties=props,
                targets=targets,
                policy=policy,
                location=t.loc(lid),
            )
        )
    stages_by_api: dict[str, list[str]] = {}
    for lid, props in t.of_type("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        api = t.ref_of(props.get("RestApiId") or props.get("ApiId"))
        if api is not None:
            stages_by_api.setdefault(api, []).append(lid)
    for lid, kind in t.types.items():
        if kind in _SKIP_AS_RESOURCE or kind in (
            "AWS::SQS::QueuePolicy",
            "AWS::SNS::TopicPolicy",
            "AWS::S3::BucketPolicy",
        ):
            continue
        props = t.props[lid]
        resource_input = ResourceInput(
            lid=lid,
            kind=kind,
            props=props,
            common={"ref": lid, "type": kind, "properties": props, "location": t.loc(lid)},
            policies=policies,
            stages_by_api=stages_by_api,
        )
        builder = RESOURCES.get(kind)
        result.append(
            builder(t, resource_input) if builder is not None else Resource(**resource_input.common)
        )
    return result


@RESOURCES.builds("AWS::S3::Bucket")
def _bucket(t: Template, r: ResourceInput) -> Resource:
    lid, props, common, policies = r.lid, r.props, r.common, r.policies
    block = props.get("PublicAccessBlockConfiguration")
    encryption = get(
        props,
        "BucketEncryption",
        "ServerSideEncryptionConfiguration",
        0,
        "ServerSideEncryptionByDefault",
        "SSEAlgorithm",
    )
    return Bucket(
        name=as_str(props.get("BucketName")),
        acl=as_str(props.get("AccessControl")),
        public_access_block=PublicAccessBlock(
            block_public_acls=as_bool(block.get("BlockPublicAcls")),
            ignore_public_acls=as_bool(block.get("IgnorePublicAcls")),
            block_public_policy=as_bool(block.get("BlockPublicPolicy")),
            restrict_public_buckets=as_bool(block.get("RestrictPublicBuckets")),
            location=t.field_location(lid, "PublicAccessBlockConfiguration"),
        )
        if isinstance(block, Mapping)
        else None,
        policy=policies.get(lid),
        encryption=as_str(encryption),
        versioning=(
            get(props, "VersioningConfiguration", "Status") == "Enabled"
            if "VersioningConfiguration" in props
            else None
        ),
        **common,
    )


@RESOURCES.builds("AWS::SQS::Queue")
def _queue(t: Template, r: ResourceInput) -> Resource:
    lid, props, common, policies = r.lid, r.props, r.common, r.policies
    visibility = props.get("VisibilityTimeout")
    dead_letter = get(props, "RedrivePolicy", "deadLetterTargetArn")
    fifo = as_bool(props.get("FifoQueue"))
    return Queue(
        name=as_str(props.get("QueueName")),
        # AWS applies 30 s when unset; recorded explicitly so rules compare numbers.
        visibility_timeout=as_int(visibility) if visibility is not None else 30,
        kms_key=t.ref_or_value(props.get("KmsMasterKeyId"))
        if props.get("KmsMasterKeyId") is not None
        else None,
        sqs_managed_encryption=as_bool(props.get("SqsManagedSseEnabled")),
        dead_letter_target=t.ref_or_value(dead_letter) if dead_letter is not None else None,
        policy=policies.get(lid),
        fifo=fifo is True,
        **common,
    )


@RESOURCES.builds("AWS::SNS::Topic")
def _topic(t: Template, r: ResourceInput) -> Resource:
    lid, props, common, policies = r.lid, r.props, r.common, r.policies
    return Topic(
        name=as_str(props.get("TopicName")),
        kms_key=as_str(props.get("KmsMasterKeyId")),
        policy=policies.get(lid),
        **common,
    )


@RESOURCES.builds("AWS::DynamoDB::Table")
def _table(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    view = get(props, "StreamSpecification", "StreamViewType")
    return Table(
        name=as_str(props.get("TableName")),
        stream_enabled=view is not None,
        stream_view_type=as_str(view),
        kms_key=as_str(get(props, "SSESpecification", "KMSMasterKeyId")),
        **common,
    )


@RESOURCES.builds("AWS::Kinesis::Stream")
def _stream(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    return Stream(
        name=as_str(props.get("Name")),
        kms_key=as_str(get(props, "StreamEncryption", "KeyId")),
        **common,
    )


@RESOURCES.builds(
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGatewayV2::Api",
    "AWS::AppSync::GraphQLApi",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
)
def _api(t: Template, r: ResourceInput) -> Resource:
    lid, kind, props, common, stages_by_api = r.lid, r.kind, r.props, r.common, r.stages_by_api
    api_kind = {
        "AWS::ApiGateway::RestApi": "rest",
        "AWS::AppSync::GraphQLApi": "appsync",
        "AWS::ElasticLoadBalancingV2::LoadBalancer": "alb",
    }.get(kind)
    if api_kind is None:
        protocol = props.get("ProtocolType")
        api_kind = "websocket" if protocol == "WEBSOCKET" else "http"
    authorization = as_str(props.get("AuthenticationType")) if api_kind == "appsync" else None
    return Api(
        name=as_str(props.get("Name")),
        kind=api_kind,
        stages=tuple(stages_by_api.get(lid, ())),
        authorization=authorization,
        **common,
    )


@RESOURCES.builds("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage")
def _stage(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    api = t.ref_or_value(props.get("RestApiId") or props.get("ApiId"))
    return Stage(
        name=as_str(props.get("StageName")),
        api=api if isinstance(api, str) else (api.expression if api else ""),
        stage_name=as_str(props.get("StageName")),
        throttling=stage_throttling(props),
        access_logging=bool(props.get("AccessLogSetting") or props.get("AccessLogSettings")),
        tracing=as_bool(props.get("TracingEnabled")),
        **common,
    )


@RESOURCES.builds("AWS::WAFv2::WebACL", "AWS::WAF::WebACL", "AWS::WAFRegional::WebACL")
def _web_acl(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    return WebAcl(name=as_str(props.get("Name")), scope=as_str(props.get("Scope")), **common)


@RESOURCES.builds("AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation")
def _web_acl_association(t: Template, r: ResourceInput) -> Resource:
    lid, props, common, stages_by_api = r.lid, r.props, r.common, r.stages_by_api
    acl = props.get("WebACLArn", props.get("WebACLId"))
    target = waf_target(t, props.get("ResourceArn"), stages_by_api)
    if isinstance(target, str):
        t.waf_targets[target] = t.ref_or_value(acl) or lid
    return WebAclAssociation(
        web_acl=t.ref_or_value(acl) or Unknown("WebACLArn"),
        target=target,
        **common,
    )


@RESOURCES.builds("AWS::Cognito::UserPool")
def _user_pool(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    config = mapping(props.get("LambdaConfig"))
    lambda_triggers: dict[str, MaybeStr] = {}
    for name, value in config.items():
        arn = value.get("LambdaArn") if isinstance(value, Mapping) else value
        if name in ("KMSKeyID",) or arn is None:
            continue
        found = t.function_ref(arn)
        lambda_triggers[str(name)] = found if found else (as_str(arn) or "")
    return UserPool(
        name=as_str(props.get("UserPoolName")), lambda_triggers=lambda_triggers, **common
    )


@RESOURCES.builds("AWS::Logs::LogGroup")
def _log_group(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    return LogGroup(
        name=as_str(props.get("LogGroupName")),
        log_group_name=as_str(props.get("LogGroupName")),
        retention_days=as_int(props.get("RetentionInDays")),
        kms_key=as_str(props.get("KmsKeyId")),
        **common,
    )


@RESOURCES.builds("AWS::CloudWatch::Alarm")
def _alarm(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    return build_alarm(t, props, common)


@RESOURCES.builds("AWS::KMS::Key")
def _kms_key(t: Template, r: ResourceInput) -> Resource:
    lid, props, common = r.lid, r.props, r.common
    return KmsKey(
        rotation=as_bool(props.get("EnableKeyRotation")),
        policy=build_policy(t, props.get("KeyPolicy"), lid, (lid, "Properties", "KeyPolicy"))
        if props.get("KeyPolicy") is not None
        else None,
        **common,
    )


@RESOURCES.builds("AWS::Lambda::CodeSigningConfig")
def _code_signing_config(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    return CodeSigningConfig(
        policy=as_str(get(props, "CodeSigningPolicies", "UntrustedArtifactOnDeployment")),
        signing_profiles=as_str_tuple(get(props, "AllowedPublishers", "SigningProfileVersionArns")),
        **common,
    )


@RESOURCES.builds("AWS::Lambda::Permission")
def _lambda_permission(t: Template, r: ResourceInput) -> Resource:
    props, common = r.props, r.common
    function = props.get("FunctionName")
    return LambdaPermission(
        function=t.function_ref(function)
        or t.target_key(function)
        or as_str(function)
        or Unknown("FunctionName"),
        action=as_str(props.get("Action")) or "lambda:InvokeFunction",
        principal=as_str(props.get("Principal")) or Unknown("Principal"),
        source_arn=as_str(props.get("SourceArn")),
        source_account=as_str(props.get("SourceAccount")),
        principal_org_id=as_str(props.get("PrincipalOrgID")),
        function_url_auth_type=as_str(props.get("FunctionUrlAuthType")),
        **common,
    )


def build_alarm(t: Template, props: Mapping[str, Any], common: dict[str, Any]) -> Alarm:
    namespace, metric, dimensions = (
        props.get("Namespace"),
        props.get("MetricName"),
        props.get("Dimensions"),
    )
    if metric is None:
        for query in items(props.get("Metrics")):
            stat_metric = get(query, "MetricStat", "Metric")
            if isinstance(stat_metric, Mapping):
                namespace = stat_metric.get("Namespace")
                metric = stat_metric.get("MetricName")
                dimensions = stat_metric.get("Dimensions")
                break
    resolved: dict[str, MaybeStr] = {}
    for dimension in items(dimensions):
        name = get(dimension, "Name")
        if not isinstance(name, str):
            continue
        value = get(dimension, "Value")
        if name in ("FunctionName", "Resource"):
            found = t.function_ref(value)
            if found is not None:
                resolved[name] = found
                continue
        resolved[name] = as_str(value) or ""
    return Alarm(
        namespace=as_str(namespace),
        metric_name=as_str(metric),
        dimensions=resolved,
        name=as_str(props.get("AlarmName")),
        **common,
    )


def waf_target(t: Template, arn: Any, stages_by_api: Mapping[str, list[str]]) -> MaybeStr:
    if isinstance(arn, str):
        match = _STAGE_ARN.search(arn) or _APIS_ARN.search(arn)
        if match:
            api, stage_name = match.group(1), match.group(2)
            for stage in stages_by_api.get(api, ()):
                if t.props[stage].get("StageName") == stage_name:
                    return stage
            if api in t.types:
                return api
        found = t.ref_of(arn)
        if found is not None:
            return found
        return arn
    return as_str(arn) or Unknown("ResourceArn")
