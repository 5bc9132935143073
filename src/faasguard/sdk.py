"""The AWS SDK service model, read as data: botocore's service and waiter models, boto3's
resource models and the names SDK clients go by.

It is a base service: the code front ends (which SDK call a line makes) and the IAM engine
(which actions that call needs) both read it, and it imports neither.


boto3 ships one ``boto3/data/<service>/<version>/resources-1.json`` per service that has
resource objects (S3, DynamoDB, SQS, SNS, IAM, EC2, ...). They say which API operation each
resource action, collection, load and waiter calls, and which request parameters come from
the resource's identifiers (``Table(name).put_item`` → ``PutItem`` with
``TableName=name``). We read those files as data (found through the installed package's
location, without importing boto3) on first use, so the mapping follows the installed SDK
instead of a hand-written table.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from faasguard.data import load_json

#: The data table with service aliases (JS v2 class names, JS v3 package names) among the
#: SDK-to-IAM exceptions; its origin and date are inside.
SDK_EXCEPTIONS_FILE = "sdk_iam_exceptions.json"


@dataclass(frozen=True, slots=True)
class Request:
    """An API call a resource member makes: the operation and where each top-level request
    parameter comes from (``("TableName", "identifier", "Name")``, ``("Bucket", "string",
    "my-bucket")``)."""

    operation: str
    params: tuple[tuple[str, str, str], ...]


def snake(name: str) -> str:
    """boto3's Python spelling of a model name (``PutItem`` → ``put_item``, ``ListObjectsV2``
    → ``list_objects_v2``), the same transformation as botocore's ``xform_name``."""
    from botocore import xform_name  # noqa: PLC0415 - botocore is heavy, load on first use

    result: str = xform_name(name)
    return result


@cache
def _boto3_data() -> Path | None:
    spec = importlib.util.find_spec("boto3")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def resource_model(service: str) -> dict[str, Any] | None:
    """The newest ``resources-1.json`` of ``service`` (a boto3 resource name), or ``None``."""
    base = _boto3_data()
    if base is None or not re.fullmatch(r"[a-z0-9-]+", service):
        return None
    directory = base / service
    if not directory.is_dir():
        return None
    versions = sorted(p for p in directory.iterdir() if (p / "resources-1.json").is_file())
    if not versions:
        return None
    data: dict[str, Any] = json.loads((versions[-1] / "resources-1.json").read_text("utf-8"))
    return data


def request_of(entry: dict[str, Any] | None) -> Request | None:
    """The :class:`Request` of an action/load/collection entry of a resource model."""
    if not isinstance(entry, dict):
        return None
    request = entry.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("operation"), str):
        return None
    params = []
    for param in request.get("params") or ():
        target = str(param.get("target", ""))
        if not re.fullmatch(r"[A-Za-z0-9]+", target):
            continue  # nested targets (Delete.Objects[].Key) are not resource arguments
        source = str(param.get("source", ""))
        value = str(param.get("name") or param.get("value") or "")
        params.append((target, source, value))
    return Request(operation=request["operation"], params=tuple(params))


@cache
def waiter_operation(service: str, waiter: str) -> str | None:
    """The operation a botocore waiter polls (``s3``/``ObjectExists`` → ``HeadObject``)."""
    try:
        data = botocore_loader().load_service_model(service, "waiters-2")
    except Exception:  # no waiters for the service, or a broken botocore data install
        return None
    waiters = data.get("waiters", {}) if isinstance(data, dict) else {}
    for name, body in waiters.items():
        if name == waiter or snake(name) == waiter:
            operation = body.get("operation") if isinstance(body, dict) else None
            return operation if isinstance(operation, str) else None
    return None


def norm_name(name: str) -> str:
    """A service or operation name for comparison: lower-case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@cache
def botocore_loader() -> Any:
    """botocore's data loader (service, waiter and paginator models), made once."""
    import botocore.session  # noqa: PLC0415 - heavy, only when a mapping is asked for

    return botocore.session.get_session().get_component("data_loader")


@cache
def _service_names() -> dict[str, str]:
    """Normalised name → botocore service name (botocore names, then the alias table)."""
    names = {norm_name(n): n for n in botocore_loader().list_available_services("service-2")}
    aliases: dict[str, str] = load_json(SDK_EXCEPTIONS_FILE)["service_aliases"]
    for alias, target in aliases.items():
        names.setdefault(alias, target)
    return names


def resolve_service(name: str) -> str | None:
    """The botocore service name for a boto3 client name (``"s3"``), a JS v2 class
    (``"S3"``, ``"DynamoDB"``, ``"DocumentClient"``, ``"AWS.DynamoDB.DocumentClient"``) or a
    JS v3 package (``"client-s3"``, ``"@aws-sdk/lib-dynamodb"``); ``None`` when unknown."""
    text = name.strip()
    text = text.removeprefix("@aws-sdk/").removeprefix("AWS.")
    # JS v3 clients are "client-<service id>"; "lib-*" packages are in the alias table.
    if text.lower().startswith("client-"):
        text = text[len("client-") :]
    key = norm_name(text)
    if not key:
        return None
    return _service_names().get(key)
