"""The one model every loader produces: an :class:`App` with functions, triggers, resources."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from faasguard.model.diagnostics import Diagnostic
from faasguard.model.iam import MaybeStr, Role
from faasguard.model.live import LiveState
from faasguard.model.location import Location
from faasguard.model.resources import MaybeBool, MaybeInt, Resource, Throttling

R = TypeVar("R", bound=Resource)


class TriggerKind(enum.StrEnum):
    """Every kind of event source a function can have."""

    API_REST = "api-rest"
    API_HTTP = "api-http"
    WEBSOCKET = "websocket"
    ALB = "alb"
    FUNCTION_URL = "function-url"
    APPSYNC = "appsync"
    S3 = "s3"
    SQS = "sqs"
    SNS = "sns"
    DYNAMODB_STREAM = "dynamodb-stream"
    KINESIS = "kinesis"
    EVENTBRIDGE = "eventbridge"
    SCHEDULE = "schedule"
    COGNITO = "cognito"
    IOT = "iot"
    KAFKA = "kafka"
    MQ = "mq"
    CLOUDWATCH_LOGS = "cloudwatch-logs"
    SES = "ses"
    OTHER = "other"

    @property
    def is_http(self) -> bool:
        """True for triggers that receive HTTP requests (the only ones a WAF can see)."""
        return self in _HTTP_KINDS

    @property
    def is_async(self) -> bool:
        """True for triggers that invoke the function asynchronously (retries, DLQ matter)."""
        return self in _ASYNC_KINDS

    @property
    def is_stream_or_queue(self) -> bool:
        """True for poll-based triggers (event source mappings)."""
        return self in _POLL_KINDS


_HTTP_KINDS = frozenset(
    {
        TriggerKind.API_REST,
        TriggerKind.API_HTTP,
        TriggerKind.WEBSOCKET,
        TriggerKind.ALB,
        TriggerKind.FUNCTION_URL,
        TriggerKind.APPSYNC,
    }
)
_ASYNC_KINDS = frozenset(
    {
        TriggerKind.S3,
        TriggerKind.SNS,
        TriggerKind.EVENTBRIDGE,
        TriggerKind.SCHEDULE,
        TriggerKind.IOT,
        TriggerKind.CLOUDWATCH_LOGS,
        TriggerKind.SES,
    }
)
_POLL_KINDS = frozenset(
    {
        TriggerKind.SQS,
        TriggerKind.DYNAMODB_STREAM,
        TriggerKind.KINESIS,
        TriggerKind.KAFKA,
        TriggerKind.MQ,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cors:
    """CORS settings of an HTTP trigger."""

    allow_origins: tuple[MaybeStr, ...] = ()
    allow_credentials: MaybeBool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpSettings:
    """What an HTTP trigger exposes and how it is protected.

    ``authorization`` is normalised to ``NONE``, ``AWS_IAM``, ``COGNITO_USER_POOLS``,
    ``CUSTOM`` (Lambda authorizer), ``JWT`` or an :class:`Unknown`. ``marked_public`` is set
    when the user declared the endpoint intentionally public (see the README).
    ``field_locations`` maps an aspect (``authorization``, ``request_validation``, ``cors``,
    ``throttling``) to the line where the user set it; the trigger's own location is the
    declaration of the route, method or URL (see :meth:`loc`).
    """

    method: MaybeStr | None = None
    path: MaybeStr | None = None
    api: str | None = None
    authorization: MaybeStr = "NONE"
    authorizer: MaybeStr | None = None
    api_key_required: MaybeBool = False
    request_validation: MaybeBool | None = None
    throttling: Throttling | None = None
    waf: MaybeStr | None = None
    cors: Cors | None = None
    marked_public: bool = False
    field_locations: Mapping[str, Location] = field(default_factory=dict)

    def loc(self, aspect: str, fallback: Location) -> Location:
        """Where ``aspect`` was set, else ``fallback`` (the trigger's location)."""
        return self.field_locations.get(aspect, fallback)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trigger:
    """An event source of a function.

    ``source`` is the ref (or ARN, or :class:`Unknown`) of the resource that sends the
    events: the bucket, queue, table, API, rule, user pool, ... ``properties`` holds the
    source-specific configuration (batch size, filters, S3 event names, schedule
    expression, Cognito trigger name, ...).
    """

    kind: TriggerKind
    name: str = ""
    source: MaybeStr | None = None
    http: HttpSettings | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeLocation:
    """Where a function's code lives. ``kind`` is ``directory``, ``zip``, ``image``,
    ``inline``, ``s3`` or ``unknown``; ``path`` is a local path when there is one."""

    kind: str
    path: str | None = None
    uri: MaybeStr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VpcConfig:
    """VPC attachment of a function."""

    subnet_ids: tuple[MaybeStr, ...] = ()
    security_group_ids: tuple[MaybeStr, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionUrl:
    """A function URL. ``auth_type`` is ``AWS_IAM`` or ``NONE``."""

    auth_type: MaybeStr
    cors: Cors | None = None
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggingConfig:
    """The function's logging configuration (advanced logging controls)."""

    log_group: MaybeStr | None = None
    log_format: MaybeStr | None = None
    application_log_level: MaybeStr | None = None
    system_log_level: MaybeStr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Function:
    """A Lambda function, whatever format it was declared in.

    ``ref`` is the CloudFormation logical id, the Serverless function key or the Terraform
    address. ``field_locations`` maps a field name of this class (``"timeout"``,
    ``"runtime"``, ``"environment.DB_PASSWORD"``, ...) to the line where the user set it, so
    a finding points at the exact line to fix (falling back to ``location``, the function's
    declaration). ``defaults_location`` maps fields inherited from a global section
    (SAM ``Globals``, Serverless ``provider``) to that line.

    ``web_app`` is the web application object an adapter serves (``app.app``: module and
    name, like a handler) when the handler is the adapter's own code — ``serverless-wsgi``'s
    ``wsgi_handler.handler`` with ``custom.wsgi.app``, Zappa's ``app_function``, Chalice's
    ``app.app``; the code analysis starts there. ``language`` (``python``/``javascript``)
    is set when the runtime is not known statically but the language is (Chalice and Zappa
    deploy with the Python that runs them). ``source_handler`` is the handler in the source
    tree when the deployed code is a bundler's output that is not in the repository
    (``dist/main.handler`` built by webpack from ``src/lambda.js``: ``src/lambda.handler``,
    with ``code`` the project directory). ``framework_debug`` is where a framework's debug
    mode is switched on in its settings (Zappa ``debug: true``: stack traces in error
    responses, raw events in the logs).
    """

    ref: str
    name: MaybeStr | None = None
    runtime: MaybeStr | None = None
    handler: MaybeStr | None = None
    web_app: str | None = None
    language: str | None = None
    source_handler: str | None = None
    framework_debug: Location | None = None
    code: CodeLocation = CodeLocation(kind="unknown")
    package_type: str = "Zip"
    memory: MaybeInt | None = None
    timeout: MaybeInt | None = None
    architectures: tuple[MaybeStr, ...] = ()
    environment: Mapping[str, Any] = field(default_factory=dict)
    kms_key: MaybeStr | None = None
    role: Role | None = None
    layers: tuple[MaybeStr, ...] = ()
    reserved_concurrency: MaybeInt | None = None
    provisioned_concurrency: MaybeInt | None = None
    tracing: MaybeStr | None = None
    dead_letter_target: MaybeStr | None = None
    on_failure_destination: MaybeStr | None = None
    vpc: VpcConfig | None = None
    url: FunctionUrl | None = None
    code_signing_config: MaybeStr | None = None
    logging: LoggingConfig | None = None
    tags: Mapping[str, Any] = field(default_factory=dict)
    triggers: tuple[Trigger, ...] = ()
    suppressions: Mapping[str, str] = field(default_factory=dict)
    field_locations: Mapping[str, Location] = field(default_factory=dict)
    location: Location

    def loc(self, field_name: str) -> Location:
        """The most precise location for ``field_name``: where it was set, else the function."""
        return self.field_locations.get(field_name, self.location)

    @property
    def display_name(self) -> str:
        """The deployed name when known statically, else the ref."""
        return self.name if isinstance(self.name, str) else self.ref


@dataclass(frozen=True, slots=True, kw_only=True)
class Layer:
    """A Lambda layer declared in the app."""

    ref: str
    name: MaybeStr | None = None
    content: CodeLocation = CodeLocation(kind="unknown")
    compatible_runtimes: tuple[MaybeStr, ...] = ()
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppression:
    """An inline suppression written by the user next to the resource or line.

    ``target`` is the ref of the function or resource the suppression belongs to when the
    format attaches it to one (``Metadata.faasguard.ignore`` in CloudFormation); comment
    suppressions (``# faasguard: ignore[ID] reason``) have none and apply by line.
    ``rule_id`` may be ``*`` only together with a reason, never silently.
    """

    rule_id: str
    reason: str
    target: str | None = None
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class App:
    """A serverless application: one template, one ``serverless.yml`` or one Terraform root.

    ``format`` is ``sam``, ``cloudformation``, ``cdk``, ``serverless`` or ``terraform``.
    ``files`` lists every file the loader read (the root file first), for cache keys and
    suppression lookup. ``suppressions`` are the inline ``# faasguard: ignore[ID] reason``
    comments and ``Metadata.faasguard.ignore`` entries found in those files.
    ``defaults_location`` is where the settings every function inherits are declared (SAM
    ``Globals.Function``, Serverless ``provider``), when the app has such a section.
    """

    name: str
    format: str
    root_file: str
    functions: tuple[Function, ...] = ()
    layers: tuple[Layer, ...] = ()
    roles: tuple[Role, ...] = ()
    resources: tuple[Resource, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    files: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    defaults_location: Location | None = None
    #: Set on apps built from a snapshot of a live account (``format == "live"``).
    live: LiveState | None = None

    def of_type(self, cls: type[R]) -> Iterator[R]:
        """Every resource of the given model class."""
        for resource in self.resources:
            if isinstance(resource, cls):
                yield resource

    def resource(self, ref: object) -> Resource | None:
        """The resource with this ref, or ``None`` (also for unknown refs)."""
        if not isinstance(ref, str):
            return None
        for resource in self.resources:
            if resource.ref == ref:
                return resource
        return None

    def function(self, ref: object) -> Function | None:
        """The function with this ref (or deployed name), or ``None``."""
        if not isinstance(ref, str):
            return None
        for function in self.functions:
            if ref in (function.ref, function.name):
                return function
        return None
