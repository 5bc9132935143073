"""Non-function resources that rules need: buckets, queues, APIs, WAF, log groups, ..."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.model.iam import MaybeStr, Policy
from faasguard.model.location import Location, Unknown

MaybeInt = int | Unknown
MaybeBool = bool | Unknown


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """Base of every non-function resource.

    ``ref`` is how the app refers to the resource (CloudFormation logical id or Terraform
    address); ``type`` is the native type (``AWS::S3::Bucket``, ``aws_s3_bucket``);
    ``properties`` is the resolved raw configuration, for rules that need a detail the typed
    fields do not carry.
    """

    ref: str
    type: str
    name: MaybeStr | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicAccessBlock:
    """S3 Block Public Access settings; ``None`` fields were not set (AWS default applies).

    ``location`` is where the settings are written when that is not the bucket itself
    (Terraform's ``aws_s3_bucket_public_access_block``); ``None`` means the bucket's location.
    """

    block_public_acls: MaybeBool | None = None
    ignore_public_acls: MaybeBool | None = None
    block_public_policy: MaybeBool | None = None
    restrict_public_buckets: MaybeBool | None = None
    location: Location | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Bucket(Resource):
    """An S3 bucket. ``acl`` is the canned ACL (``PublicReadWrite``/``public-read-write``)."""

    acl: MaybeStr | None = None
    public_access_block: PublicAccessBlock | None = None
    policy: Policy | None = None
    encryption: MaybeStr | None = None
    versioning: MaybeBool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Queue(Resource):
    """An SQS queue."""

    visibility_timeout: MaybeInt | None = None
    kms_key: MaybeStr | None = None
    sqs_managed_encryption: MaybeBool | None = None
    dead_letter_target: MaybeStr | None = None
    policy: Policy | None = None
    fifo: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Topic(Resource):
    """An SNS topic."""

    kms_key: MaybeStr | None = None
    policy: Policy | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Table(Resource):
    """A DynamoDB table."""

    stream_enabled: bool = False
    stream_view_type: MaybeStr | None = None
    kms_key: MaybeStr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Stream(Resource):
    """A Kinesis data stream."""

    kms_key: MaybeStr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Throttling:
    """Throttling limits; ``None`` means not configured (account default applies)."""

    rate_limit: float | Unknown | None = None
    burst_limit: MaybeInt | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Api(Resource):
    """An API front door: REST, HTTP or WebSocket API Gateway API, AppSync API, or ALB.

    ``kind`` is one of ``rest``, ``http``, ``websocket``, ``appsync``, ``alb``.
    ``stages`` are refs of :class:`Stage` resources. ``default_throttling`` is the API-level
    throttling when the format declares it there (Serverless ``provider.apiGateway``).
    """

    kind: str
    stages: tuple[str, ...] = ()
    default_throttling: Throttling | None = None
    authorization: MaybeStr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage(Resource):
    """A deployed stage of an API Gateway API, with its throttling and access logging."""

    api: str
    stage_name: MaybeStr | None = None
    throttling: Throttling | None = None
    access_logging: bool = False
    tracing: MaybeBool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebAcl(Resource):
    """A WAFv2 (or classic WAF) web ACL."""

    scope: MaybeStr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebAclAssociation(Resource):
    """The association of a web ACL with a resource (API stage, ALB, AppSync API).

    ``target`` is the ref of the associated resource when it could be resolved to one in the
    app (an :class:`Api` or :class:`Stage`), otherwise the raw ARN or an :class:`Unknown`.
    """

    web_acl: MaybeStr
    target: MaybeStr


@dataclass(frozen=True, slots=True, kw_only=True)
class UserPool(Resource):
    """A Cognito user pool."""

    lambda_triggers: Mapping[str, MaybeStr] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogGroup(Resource):
    """A CloudWatch Logs log group. ``retention_days`` ``None`` means never expire."""

    log_group_name: MaybeStr | None = None
    retention_days: MaybeInt | None = None
    kms_key: MaybeStr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Alarm(Resource):
    """A CloudWatch metric alarm. ``dimensions`` maps dimension names to values."""

    namespace: MaybeStr | None = None
    metric_name: MaybeStr | None = None
    dimensions: Mapping[str, MaybeStr] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class KmsKey(Resource):
    """A customer managed KMS key."""

    rotation: MaybeBool | None = None
    policy: Policy | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeSigningConfig(Resource):
    """A Lambda code-signing configuration. ``policy`` is ``Warn`` or ``Enforce``."""

    policy: MaybeStr | None = None
    signing_profiles: tuple[MaybeStr, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LambdaPermission(Resource):
    """A resource-based policy statement on a function (``AWS::Lambda::Permission``).

    ``function`` is the ref of the target function when resolvable. ``principal`` is the
    principal string (``*``, ``s3.amazonaws.com``, an account id, ...).
    """

    function: MaybeStr
    action: MaybeStr = "lambda:InvokeFunction"
    principal: MaybeStr
    source_arn: MaybeStr | None = None
    source_account: MaybeStr | None = None
    principal_org_id: MaybeStr | None = None
    function_url_auth_type: MaybeStr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourcePolicy(Resource):
    """A standalone resource policy (bucket, queue or topic policy) and its targets."""

    targets: tuple[MaybeStr, ...] = ()
    policy: Policy
