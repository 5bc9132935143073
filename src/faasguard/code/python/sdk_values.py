"""The abstract values of the Python SDK-call interpreter (:mod:`.sdk_calls`): boto3
sessions, clients, resources, collections, waiters and paginators, functions, classes and
instances of the code, strings; the units (function bodies) and module states it
evaluates; and the pure operations on values."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from faasguard import sdk
from faasguard.code.python.index import PyModule
from faasguard.code.values import Env, SymStr

#: How many times every function is re-evaluated at most (each pass can only add values;
#: real handler code settles in two or three).
MAX_PASSES = 8
#: Alternatives kept per name: beyond this a value is treated as unknown (keeps
#: pathological code linear).
MAX_VALUES = 24


# ---------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Ext:
    """A module or object outside the code (``boto3``, ``os.environ``, ``boto3.client``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Str:
    """A string."""

    value: SymStr


@dataclass(frozen=True, slots=True)
class Session:
    """A ``boto3.Session``."""


@dataclass(frozen=True, slots=True)
class Client:
    """A boto3 client of ``service``."""

    service: str


@dataclass(frozen=True, slots=True)
class ServiceResource:
    """``boto3.resource(service)``."""

    service: str


@dataclass(frozen=True, slots=True)
class ResourceObject:
    """A resource object (``Table``, ``Bucket``, ``Object``) with its identifier values."""

    service: str
    type: str
    identifiers: tuple[tuple[str, SymStr], ...]


@dataclass(frozen=True, slots=True)
class Collection:
    """A resource collection (``bucket.objects``) of ``parent``."""

    parent: ResourceObject | ServiceResource
    name: str


@dataclass(frozen=True, slots=True)
class BatchWriter:
    """``table.batch_writer()``."""

    table: ResourceObject


@dataclass(frozen=True, slots=True)
class Paginator:
    """``client.get_paginator(op)``, created at ``site``."""

    service: str
    operation: str
    site: tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Waiter:
    """``client.get_waiter(name)``, created at ``site``."""

    service: str
    waiter: str
    site: tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Member:
    """Attribute ``name`` of an SDK object (a method until called)."""

    owner: Value
    name: str


@dataclass(frozen=True, slots=True)
class Func:
    """A function (or method) of the analysed code."""

    unit: str  # unit key: "<path>::<qualname>"


@dataclass(frozen=True, slots=True)
class Klass:
    """A class of the analysed code."""

    key: str  # "<path>::<qualname>"


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance of a class of the analysed code."""

    key: str


@dataclass(frozen=True, slots=True)
class Bound:
    """A method bound to an instance."""

    instance: Instance
    func: Func


@dataclass(frozen=True, slots=True)
class Mod:
    """A module of the analysed code."""

    path: str


@dataclass(frozen=True, slots=True)
class DictValue:
    """A dict literal with string keys (request parameters passed as ``**params``)."""

    items: tuple[tuple[str, frozenset[Value]], ...]


Value = (
    Ext
    | Str
    | Session
    | Client
    | ServiceResource
    | ResourceObject
    | Collection
    | BatchWriter
    | Paginator
    | Waiter
    | Member
    | Func
    | Klass
    | Instance
    | Bound
    | Mod
    | DictValue
)
Values = frozenset[Value]
EMPTY: Values = frozenset()

#: Client methods that are not API operations (no permission, nothing to record).
CLIENT_LOCAL = frozenset(
    {"can_paginate", "close", "exceptions", "meta", "waiter_names", "get_waiter", "get_paginator"}
)
#: Builtins the interpreter understands.
BUILTINS = frozenset({"getattr"})
#: Libraries that call AWS on the code's behalf: their calls are invisible to this analysis.
AWS_WRAPPER_LIBRARIES = (
    "aws_lambda_powertools",
    "awswrangler",
    "aioboto3",
    "aiobotocore",
    "pynamodb",
    "smart_open",
    "s3fs",
    "boto",
    "chalice",
    "moto",
    "zappa",
    "dynamodb_json",
    "aws_xray_sdk",
)
#: Wrapper libraries that make no AWS calls of their own account (X-Ray patches clients;
#: it sends segments through the daemon, covered by the tracing platform permissions).
HARMLESS_WRAPPERS = frozenset({"aws_xray_sdk", "moto"})


# ---------------------------------------------------------------------------- units


@dataclass(slots=True)
class Unit:
    """A function or method body evaluated as one scope."""

    key: str
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    parent: str | None  # enclosing unit key (closures), None at module level
    klass: str | None  # class key for methods
    locals: dict[str, Values] = field(default_factory=dict)
    params: dict[str, Values] = field(default_factory=dict)
    returns: Values = EMPTY
    is_static: bool = False


@dataclass(slots=True)
class ModuleState:
    module: PyModule
    key: str
    globals: dict[str, Values] = field(default_factory=dict)


def concat(left: Values, right: Values) -> Values:
    lefts = [v.value for v in left if isinstance(v, Str)]
    rights = [v.value for v in right if isinstance(v, Str)]
    if not lefts or not rights:
        return EMPTY
    return frozenset(Str(a + b) for a in lefts[:4] for b in rights[:4])


def iterate(values: Values) -> Values:
    """What iterating over ``values`` yields (the items of resource collections)."""
    items: set[Value] = set()
    for value in values:
        if isinstance(value, Collection):
            item = collection_item(value)
            if item is not None:
                items.add(item)
    return frozenset(items)


def collection_item(collection: Collection) -> ResourceObject | None:
    parent = collection.parent
    model = sdk.resource_model(parent.service)
    if model is None:
        return None
    owner = (
        model.get("service", {})
        if isinstance(parent, ServiceResource)
        else model.get("resources", {}).get(parent.type, {})
    )
    entry = by_snake(owner.get("hasMany", {}), collection.name)
    resource = entry.get("resource") if entry else None
    if not isinstance(resource, dict):
        return None
    parent_ids = dict(parent.identifiers) if isinstance(parent, ResourceObject) else {}
    identifiers = []
    for ident in resource.get("identifiers", ()):
        target = str(ident.get("target", ""))
        if ident.get("source") == "identifier" and ident.get("name") in parent_ids:
            identifiers.append((target, parent_ids[str(ident["name"])]))
        else:
            identifiers.append((target, SymStr.opaque(f"{collection.name} item {target}")))
    return ResourceObject(parent.service, str(resource.get("type")), tuple(identifiers))


def by_snake(table: object, name: str) -> dict[str, object] | None:
    if not isinstance(table, dict):
        return None
    for key, entry in table.items():
        if (key == name or sdk.snake(key) == name) and isinstance(entry, dict):
            return entry
    return None


def has_str(*groups: Values) -> bool:
    return any(isinstance(v, Str) for group in groups for v in group)


def canonical_ext(name: str) -> str:
    """Spellings of the same external object made equal (``boto3.session.Session``)."""
    if name in ("boto3.session.Session.client", "boto3.session.Session.resource"):
        return name.replace("session.", "", 1)
    return name


def printf(fmt: str, args: list[SymStr]) -> SymStr:
    pieces = re.split(r"%[-#0 +]*\d*(?:\.\d+)?[sdrif]", fmt)
    result = SymStr.literal(pieces[0])
    for index, piece in enumerate(pieces[1:]):
        value = args[index] if index < len(args) else SymStr.opaque("%")
        result = result + value + SymStr.literal(piece)
    return result


def env_lookup(args: list[Values], kwargs: dict[str, Values]) -> Values:
    names = [v.value.text for v in (args[0] if args else EMPTY) if isinstance(v, Str)]
    defaults = [
        v.value.text
        for v in (args[1] if len(args) > 1 else kwargs.get("default", EMPTY))
        if isinstance(v, Str)
    ]
    default = defaults[0] if defaults else None
    return frozenset(Str(SymStr.of(Env(n, default))) for n in names if n)
