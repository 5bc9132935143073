"""The abstract values of the JavaScript SDK-call interpreter (:mod:`.sdk_calls`): aws-sdk
v2 and v3 modules, classes, clients and commands, functions, objects and local modules of
the code, strings; and the pure operations on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faasguard.code.javascript.index import FUNCTION_TYPES
from faasguard.code.values import Env, SymStr
from faasguard.sdk import resolve_service, waiter_operation

MAX_PASSES = 8
MAX_VALUES = 24

#: Packages that call AWS on the code's behalf: their calls are not visible here.
AWS_WRAPPER_PACKAGES = (
    "@aws-lambda-powertools/parameters",
    "@aws-lambda-powertools/idempotency",
    "@aws-lambda-powertools/batch",
    "@middy/ssm",
    "@middy/secrets-manager",
    "@middy/s3-object-response",
    "@middy/rds-signer",
    "dynamoose",
    "@aws/dynamodb-data-mapper",
    "electrodb",
    "sqs-consumer",
    "@aws-sdk/lib-storage",
)
#: aws-sdk v2 request methods that are not API operations.
V2_LOCAL = frozenset(
    {"promise", "on", "send", "config", "endpoint", "api", "service", "setupRequestListeners"}
)


# ---------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Str:
    """A string."""

    value: SymStr


@dataclass(frozen=True, slots=True)
class ProcessEnv:
    """``process.env`` (``process`` itself is ``Named("process")``)."""


@dataclass(frozen=True, slots=True)
class Named:
    """A well-known global or package object (``process``, ``require``)."""

    name: str


@dataclass(frozen=True, slots=True)
class V2Module:
    """The ``aws-sdk`` v2 namespace (``AWS``)."""


@dataclass(frozen=True, slots=True)
class V2Class:
    """An aws-sdk v2 service class (``AWS.S3``, ``AWS.DynamoDB.DocumentClient``)."""

    name: str


@dataclass(frozen=True, slots=True)
class V2Client:
    """An instance of a v2 service class."""

    name: str


@dataclass(frozen=True, slots=True)
class V3Package:
    """An ``@aws-sdk/client-*`` or ``@aws-sdk/lib-dynamodb`` module object."""

    package: str  # "client-s3", "lib-dynamodb"


@dataclass(frozen=True, slots=True)
class V3Export:
    """A named export of a v3 package: a client class, command, paginator or waiter."""

    package: str
    name: str


@dataclass(frozen=True, slots=True)
class V3Client:
    """A v3 client; ``aggregated`` for the method-style classes (``new S3()``)."""

    package: str
    aggregated: bool = False


@dataclass(frozen=True, slots=True)
class V3Command:
    """``new GetObjectCommand(params)``."""

    package: str
    name: str
    params: tuple[tuple[str, frozenset[JsValue]], ...]


@dataclass(frozen=True, slots=True)
class ObjectValue:
    """An object literal (request parameters), string-keyed properties only."""

    props: tuple[tuple[str, frozenset[JsValue]], ...]


@dataclass(frozen=True, slots=True)
class Member:
    """Property ``name`` of an SDK object (a method until called)."""

    owner: JsValue
    name: str


@dataclass(frozen=True, slots=True)
class Func:
    """A function of the analysed code: ``(file, start byte)``."""

    key: tuple[str, int]


@dataclass(frozen=True, slots=True)
class LocalModule:
    """A module of the analysed code (its exports)."""

    path: str


@dataclass(frozen=True, slots=True)
class Instance:
    """``new F()`` for a function/class ``F`` of the code (``this.x`` is per file)."""

    file: str


JsValue = (
    Str
    | ProcessEnv
    | Named
    | V2Module
    | V2Class
    | V2Client
    | V3Package
    | V3Export
    | V3Client
    | V3Command
    | ObjectValue
    | Member
    | Func
    | LocalModule
    | Instance
)
Values = frozenset[JsValue]
EMPTY: Values = frozenset()


def package_value(specifier: str) -> Values:
    """What ``require(specifier)`` of a package gives."""
    if specifier in {"aws-sdk", "aws-sdk/global"}:
        return frozenset({V2Module()})
    if specifier.startswith("aws-sdk/clients/"):
        return frozenset({V2Class(specifier.rsplit("/", 1)[1])})
    if specifier.startswith("@aws-sdk/client-") or specifier == "@aws-sdk/lib-dynamodb":
        return frozenset({V3Package(specifier.removeprefix("@aws-sdk/"))})
    return EMPTY


def enclosing(node: Any, file: str) -> tuple[str, int]:
    """The key of the function around ``node`` (``(file, 0)`` at the top level)."""
    current = node.parent
    while current is not None:
        if current.type in FUNCTION_TYPES:
            return (file, current.start_byte)
        current = current.parent
    return (file, 0)


def with_default(found: Values, default: Values) -> Values:
    if not found:
        return default
    result: set[JsValue] = set()
    for value in found:
        if isinstance(value, Str) and len(value.value.parts) == 1:
            part = value.value.parts[0]
            if isinstance(part, Env) and part.default is None:
                defaults = [d.value.text for d in default if isinstance(d, Str) and d.value.text]
                if defaults:
                    result.add(Str(SymStr.of(Env(part.name, defaults[0]))))
                    continue
        result.add(value)
    return frozenset(result)


def v3_kind(name: str) -> str:
    """What a named export of a v3 package is, from AWS's naming convention."""
    if name.endswith("Command"):
        return "command"
    if name.startswith("paginate"):
        return "paginator"
    if name.startswith(("waitUntil", "waitFor")):
        return "waiter"
    if name.endswith("Client"):
        return "client"
    if name[:1].isupper():
        return "aggregated"
    return "other"


def v3_waiter_operation(service: str, waiter: str) -> str | None:
    botocore_name = resolve_service(service)
    return waiter_operation(botocore_name, waiter) if botocore_name else None
