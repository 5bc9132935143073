"""Which IAM actions an AWS SDK call needs.

The rule: operation ``Op`` of a service needs ``<prefix>:Op``, where the prefix is the
service's signing name or endpoint prefix from botocore's own service model (installed
with boto3), checked against the IAM catalog. API Gateway's management APIs are the other
systematic case: they are authorised by HTTP verb (``apigateway:GET``, ``apigateway:PATCH``,
...), taken from the operation's ``http.method`` in the model.

Everything that does not follow those rules is in the data table
``faasguard/data/sdk_iam_exceptions.json`` (origin and date inside): S3 operations authorised
under other names (``ListObjectsV2`` → ``s3:ListBucket``, ``HeadObject`` → ``s3:GetObject``,
multipart uploads → ``s3:PutObject``, ...), batch calls authorised as the single action,
DynamoDB transactions and PartiQL, ``lambda:InvokeFunction``, ``execute-api:ManageConnections``,
calls that need no permission (``sts:GetCallerIdentity``), conditional extra actions
(``kms:Decrypt`` for a KMS-encrypted object, message or secret), DynamoDB DocumentClient
methods, SDK helper methods (``upload_file``), service aliases (JS v2 class names, JS v3
package names) and IAM prefixes that differ from botocore's.

botocore models are read per service on first use (one JSON file each), never at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from faasguard.data import load_json
from faasguard.iam.catalog import catalog
from faasguard.sdk import SDK_EXCEPTIONS_FILE, botocore_loader, norm_name, resolve_service

EXCEPTIONS_FILE = SDK_EXCEPTIONS_FILE


@dataclass(frozen=True, slots=True)
class Requirement:
    """One IAM action an SDK call needs; ``when`` is set for conditional ones
    (``"kms-encrypted"``: only when the target uses a customer managed KMS key)."""

    action: str
    when: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class SdkMapping:
    """The IAM requirements of one SDK operation. ``requirements`` may be empty: the call
    needs no permission. ``source`` is ``"exception"`` (the data table), ``"model"``
    (signing name + operation name) or ``"http-method"`` (API Gateway)."""

    service: str  # botocore service name
    operation: str  # botocore operation name
    requirements: tuple[Requirement, ...]
    source: str

    @property
    def actions(self) -> tuple[str, ...]:
        """The unconditional actions."""
        return tuple(r.action for r in self.requirements if r.when is None)


@cache
def _exceptions() -> dict[str, Any]:
    data: dict[str, Any] = load_json(EXCEPTIONS_FILE)
    return data


@dataclass(frozen=True, slots=True)
class _Model:
    prefixes: tuple[str, ...]  # candidate IAM prefixes, best first
    operations: dict[str, tuple[str, str]]  # normalised op name -> (OpName, HTTP method)


@cache
def _model(service: str) -> _Model | None:
    try:
        raw = botocore_loader().load_service_model(service, "service-2")
    except Exception:  # botocore raises its own UnknownServiceError and data errors
        return None
    metadata = raw.get("metadata", {})
    candidates = [
        _exceptions()["iam_prefixes"].get(service),
        metadata.get("signingName"),
        metadata.get("endpointPrefix"),
        service,
    ]
    cat = catalog()
    prefixes = tuple(dict.fromkeys(c.lower() for c in candidates if isinstance(c, str) and c))
    known = tuple(p for p in prefixes if cat.service_exists(p))
    operations = {
        norm_name(name): (name, str(op.get("http", {}).get("method", "")))
        for name, op in raw.get("operations", {}).items()
    }
    return _Model(prefixes=known or prefixes, operations=operations)


def _is_document_client(name: str) -> bool:
    text = name.strip().removeprefix("@aws-sdk/").removeprefix("AWS.")
    return norm_name(text) in _exceptions()["document_client_services"]


def _operation_key(operation: str) -> str:
    text = operation.strip()
    if text.endswith("Command") and text != "Command":
        text = text[: -len("Command")]
    return norm_name(text)


def lookup(service: str, operation: str) -> SdkMapping | None:
    """The IAM requirements of ``service``/``operation`` (any spelling, see
    :func:`actions_for`), or ``None`` when the service or operation is unknown."""
    botocore_name = resolve_service(service)
    if botocore_name is None:
        return None
    table = _exceptions()
    op_key = _operation_key(operation)
    if _is_document_client(service):
        op_key = norm_name(table["document_client_methods"].get(op_key, op_key))
    helpers = table["sdk_methods"].get(botocore_name, {})
    helper = helpers.get(operation.strip()) or helpers.get(op_key)
    if helper:
        results = [lookup(botocore_name, op) for op in helper]
        found = [r for r in results if r is not None]
        if not found:
            return None
        merged = tuple(dict.fromkeys(req for r in found for req in r.requirements))
        return SdkMapping(botocore_name, found[0].operation, merged, found[0].source)
    model = _model(botocore_name)
    if model is None:
        return None
    entry = model.operations.get(op_key)
    if entry is None:
        return None
    op_name, http_method = entry
    row = table["operations"].get(botocore_name, {}).get(op_name)
    if row is not None:
        requirements = [Requirement(a, None, row.get("note", "")) for a in row["actions"]]
        for extra in row.get("conditional", ()):
            requirements.extend(
                Requirement(a, extra.get("when"), extra.get("note", "")) for a in extra["actions"]
            )
        return SdkMapping(botocore_name, op_name, tuple(requirements), "exception")
    http_prefix = table["http_method_services"].get(botocore_name)
    if http_prefix and http_method:
        return SdkMapping(
            botocore_name,
            op_name,
            (Requirement(f"{http_prefix}:{http_method.upper()}"),),
            "http-method",
        )
    cat = catalog()
    for prefix in model.prefixes:
        canonical = cat.canonical(f"{prefix}:{op_name}")
        if canonical is not None:
            return SdkMapping(botocore_name, op_name, (Requirement(canonical),), "model")
    return None


def actions_for(service: str, operation: str) -> tuple[str, ...]:
    """Canonical IAM actions an SDK call needs (unconditionally).

    ``service``: a boto3 client name (``"s3"``), a JS v2 class (``"S3"``,
    ``"DocumentClient"``) or a JS v3 package (``"client-s3"``, ``"lib-dynamodb"``).
    ``operation``: the botocore name (``"GetObject"``) or an SDK method (``"get_object"``,
    ``"getObject"``, ``"GetObjectCommand"``, DocumentClient ``"put"``). An empty tuple means
    no permission is needed *or* the call is unknown — use :func:`lookup` to tell them
    apart, and for the conditional actions (``kms:Decrypt`` on encrypted data). Never raises.
    """
    try:
        found = lookup(service, operation)
    except Exception:  # a broken botocore install must not break a scan
        return ()
    return found.actions if found is not None else ()


def mapping_coverage() -> tuple[int, int]:
    """(operations that map to existing catalog actions, all operations) over every
    botocore service. Reads every service model: a few seconds; for tests and reports."""
    cat = catalog()
    clean = total = 0
    for service in botocore_loader().list_available_services("service-2"):
        model = _model(service)
        if model is None:
            continue
        for op_name, _method in model.operations.values():
            total += 1
            found = lookup(service, op_name)
            if found is not None and all(cat.action_exists(r.action) for r in found.requirements):
                clean += 1
    return clean, total


__all__ = [
    "Requirement",
    "SdkMapping",
    "actions_for",
    "lookup",
    "mapping_coverage",
    "resolve_service",
]
