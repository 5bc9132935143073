"""boto3 objects in the Python SDK-call interpreter: attributes and calls of clients,
service resources, resource objects, collections, batch writers, paginators and waiters,
resolved with boto3's models (:mod:`faasguard.sdk`), and the :class:`Interpreter` view a
scope and these functions read and update."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Protocol, cast

from faasguard import sdk
from faasguard.code.python.sdk_values import (
    CLIENT_LOCAL,
    EMPTY,
    BatchWriter,
    Client,
    Collection,
    DictValue,
    Member,
    ModuleState,
    Paginator,
    ResourceObject,
    ServiceResource,
    Session,
    Str,
    Unit,
    Values,
    Waiter,
    by_snake,
    collection_item,
)
from faasguard.code.values import Gap, SymStr


class Interpreter(Protocol):
    """What a scope reads and updates of the interpreter running it
    (:class:`faasguard.code.python.sdk_calls.Interpreter`)."""

    root: Path
    modules: dict[str, ModuleState]
    units: dict[str, Unit]
    class_attrs: dict[str, dict[str, Values]]
    recording: bool
    current_unit: str
    edges: dict[str, set[str]]
    paginated: set[tuple[str, int, int]]
    pending_paginators: dict[Paginator, tuple[str, int, int]]

    def load(self, path: Path) -> ModuleState | None:
        """Parse ``path`` and the modules it imports."""
        ...

    def gap(self, gap: Gap) -> None:
        """Record something the analysis could not follow."""
        ...

    def record(
        self,
        service: str,
        operation: str,
        params: dict[str, Values],
        site: tuple[str, int, int],
        via: str = "",
    ) -> None:
        """Record an SDK call."""
        ...

    def merge_into(self, table: dict[str, Values], name: str, values: Values) -> None:
        """Add ``values`` to ``table[name]``."""
        ...

    def call_unit(self, key: str, args: list[Values], kwargs: dict[str, Values]) -> Values:
        """Bind the parameters of unit ``key``; what it returns."""
        ...

    def method_of(self, klass: str, name: str) -> str | None:
        """The unit implementing ``klass.name``."""
        ...

    def class_attr(self, klass: str, name: str) -> Values:
        """Values assigned to ``name`` on the class or its instances."""
        ...


def resource_attribute(
    interp: Interpreter,
    owner: ServiceResource | ResourceObject | Collection | BatchWriter,
    name: str,
    site: tuple[str, int, int],
) -> Values:
    """``owner.name`` for boto3 resources: methods, collections, ``meta`` and data
    attributes (reading one loads the resource: its ``load`` operation is recorded)."""
    if isinstance(owner, Collection | BatchWriter):
        return frozenset({Member(owner, name)})
    model = sdk.resource_model(owner.service)
    if name == "meta":
        return frozenset({Member(owner, "meta")})
    if model is None:
        return frozenset({Member(owner, name)})
    definition = _definition(model, owner)
    if by_snake(definition.get("hasMany"), name) is not None:
        return frozenset({Collection(owner, name)})
    if isinstance(owner, ResourceObject):
        identifier_names = {sdk.snake(i) for i, _ in owner.identifiers}
        attrs_known = (
            name in identifier_names
            or by_snake(definition.get("actions"), name) is not None
            or by_snake(definition.get("has"), name) is not None
            or name in ("load", "reload", "batch_writer", "get_available_subresources")
            or name.startswith("wait_until_")
        )
        if not attrs_known and not name.startswith("_"):
            load = sdk.request_of(definition.get("load"))
            if load is not None:
                _record_request(
                    interp,
                    owner.service,
                    load,
                    owner,
                    site,
                    f"resource {owner.type}.{name} (load)",
                )
            return EMPTY
    return frozenset({Member(owner, name)})


def _definition(model: dict[str, Any], owner: ServiceResource | ResourceObject) -> dict[str, Any]:
    """The resource model's definition of ``owner``: the service or its resource type."""
    if isinstance(owner, ServiceResource):
        return cast(dict[str, Any], model.get("service", {}))
    return cast(dict[str, Any], model.get("resources", {}).get(owner.type, {}))


def _record_request(
    interp: Interpreter,
    service: str,
    request: sdk.Request,
    owner: ResourceObject | None,
    site: tuple[str, int, int],
    what: str,
    kwargs: dict[str, Values] | None = None,
) -> None:
    """Record the API call a resource model's request names, its identifiers filled in."""
    interp.record(
        service, request.operation, _request_params(request, owner, kwargs or {}), site, what
    )


def _request_params(
    request: sdk.Request, owner: ResourceObject | None, kwargs: dict[str, Values]
) -> dict[str, Values]:
    params = dict(kwargs)
    identifiers = dict(owner.identifiers) if owner is not None else {}
    for target, source, value in request.params:
        if source == "identifier" and value in identifiers:
            params[target] = frozenset({Str(identifiers[value])})
        elif source == "string":
            params[target] = frozenset({Str(SymStr.literal(value))})
    return params


def _identifier_values(
    definition: dict[str, object],
    parent: ResourceObject | None,
    args: list[Values],
    kwargs: dict[str, Values],
    node: ast.Call,
) -> tuple[tuple[str, SymStr], ...]:
    """Identifier values of a resource created by a ``has`` entry (``Table(name)``)."""
    resource = definition.get("resource")
    if not isinstance(resource, dict):
        return ()
    parent_ids = dict(parent.identifiers) if parent is not None else {}
    inputs = iter(args)
    result = []
    for ident in resource.get("identifiers", ()):
        target = str(ident.get("target", ""))
        if ident.get("source") == "identifier" and ident.get("name") in parent_ids:
            result.append((target, parent_ids[str(ident["name"])]))
            continue
        values = next(inputs, None)
        if values is None:
            values = kwargs.get(sdk.snake(target), kwargs.get(target, EMPTY))
        strings = [v.value for v in values if isinstance(v, Str)]
        result.append(
            (target, strings[0] if len(strings) == 1 else SymStr.opaque(ast.unparse(node)))
        )
    return tuple(result)


def call_member(
    interp: Interpreter,
    member: Member,
    node: ast.Call,
    args: list[Values],
    kwargs: dict[str, Values],
    site: tuple[str, int, int],
) -> Values:
    """A call of a method of an SDK object."""
    owner, name = member.owner, member.name
    if isinstance(owner, Session):
        if name in ("client", "resource"):
            return make_client(interp, name, node, args, kwargs, site)
        return EMPTY
    if isinstance(owner, Client):
        return _call_client(interp, owner, name, node, args, kwargs, site)
    if isinstance(owner, Paginator):
        if name == "paginate" and interp.recording:
            interp.paginated.add(owner.site)
            interp.record(owner.service, owner.operation, kwargs, site, "paginator")
        return frozenset({owner}) if name in ("paginate", "search") else EMPTY
    if isinstance(owner, Waiter):
        if name == "wait":
            operation = sdk.waiter_operation(owner.service, owner.waiter)
            if operation is not None:
                interp.record(owner.service, operation, kwargs, site, f"waiter {owner.waiter}")
        return EMPTY
    if isinstance(owner, BatchWriter):
        if name in ("put_item", "delete_item"):
            params: dict[str, Values] = {
                "TableName": frozenset(
                    {Str(dict(owner.table.identifiers).get("Name", SymStr.opaque("table")))}
                )
            }
            interp.record(owner.table.service, "BatchWriteItem", params, site, "batch_writer")
        return EMPTY
    if isinstance(owner, Collection):
        return _call_collection(interp, owner, name, site)
    if isinstance(owner, ServiceResource | ResourceObject):
        return _call_resource(interp, owner, name, node, args, kwargs, site)
    return EMPTY


def _call_client(
    interp: Interpreter,
    client: Client,
    name: str,
    node: ast.Call,
    args: list[Values],
    kwargs: dict[str, Values],
    site: tuple[str, int, int],
) -> Values:
    first = [v.value.text for v in (args[0] if args else EMPTY) if isinstance(v, Str)]
    if name in ("get_paginator", "get_waiter"):
        operations = [f for f in first if f]
        if not operations:
            interp.gap(
                Gap(f"{name} argument computed at run time ({ast.unparse(node)})", *site[:2])
            )
            return EMPTY
        if name == "get_waiter":
            return frozenset(Waiter(client.service, op, site) for op in operations)
        paginators = frozenset(Paginator(client.service, op, site) for op in operations)
        for paginator in paginators if interp.recording else ():
            interp.pending_paginators.setdefault(paginator, site)
        return paginators
    if name == "generate_presigned_url":
        methods = args[0] if args else kwargs.get("ClientMethod", EMPTY)
        params: dict[str, Values] = {}
        for value in args[1] if len(args) > 1 else kwargs.get("Params", EMPTY):
            if isinstance(value, DictValue):
                params.update(dict(value.items))
        for method in methods:
            if isinstance(method, Str) and method.value.text:
                interp.record(client.service, method.value.text, params, site, "presigned URL")
        return frozenset({Str(SymStr.opaque("presigned URL"))})
    if name == "generate_presigned_post":
        params = {"Bucket": args[0] if args else kwargs.get("Bucket", EMPTY)}
        interp.record(client.service, "PutObject", params, site, "presigned POST")
        return EMPTY
    if name in CLIENT_LOCAL:
        return EMPTY
    params = dict(kwargs)
    if name in ("upload_file", "download_file", "upload_fileobj", "download_fileobj"):
        positions = (1, 2) if name.startswith("upload") else (0, 1)
        for label, index in zip(("Bucket", "Key"), positions, strict=False):
            if len(args) > index:
                params.setdefault(label, args[index])
    interp.record(client.service, name, params, site)
    return EMPTY


def _call_resource(
    interp: Interpreter,
    owner: ServiceResource | ResourceObject,
    name: str,
    node: ast.Call,
    args: list[Values],
    kwargs: dict[str, Values],
    site: tuple[str, int, int],
) -> Values:
    model = sdk.resource_model(owner.service)
    if model is None:
        return EMPTY
    definition = _definition(model, owner)
    parent = owner if isinstance(owner, ResourceObject) else None
    resources = model.get("resources", {})
    if parent is None and isinstance(resources, dict) and isinstance(resources.get(name), dict):
        # boto3 gives the service resource a constructor for every resource type, taking
        # its identifiers in order (``s3.Object(bucket, key)``), beyond the model's "has".
        names = [str(i.get("name")) for i in resources[name].get("identifiers", ())]
        has: dict[str, object] | None = {
            "resource": {
                "type": name,
                "identifiers": [{"target": n, "source": "input"} for n in names],
            }
        }
    else:
        has = by_snake(definition.get("has"), name)
    if has is not None:
        resource = has.get("resource")
        rtype = str(resource.get("type")) if isinstance(resource, dict) else name
        identifiers = _identifier_values(has, parent, args, kwargs, node)
        return frozenset({ResourceObject(owner.service, rtype, identifiers)})
    if name in ("load", "reload") and parent is not None:
        request = sdk.request_of(definition.get("load"))
        if request is not None:
            _record_request(
                interp, owner.service, request, parent, site, f"resource {parent.type}.{name}"
            )
        return EMPTY
    if name == "batch_writer" and parent is not None and parent.type == "Table":
        return frozenset({BatchWriter(parent)})
    if name.startswith("wait_until_") and parent is not None:
        waiters = definition.get("waiters") or {}
        for key, entry in waiters.items() if isinstance(waiters, dict) else ():
            if sdk.snake(key) == name[len("wait_until_") :]:
                waiter = str(entry.get("waiterName", ""))
                operation = sdk.waiter_operation(owner.service, waiter)
                if operation is not None:
                    request = sdk.Request(
                        operation,
                        tuple(
                            (str(p.get("target")), str(p.get("source")), str(p.get("name", "")))
                            for p in entry.get("params", ())
                        ),
                    )
                    interp.record(
                        owner.service,
                        operation,
                        _request_params(request, parent, kwargs),
                        site,
                        f"resource {parent.type}.{name}",
                    )
        return EMPTY
    action = by_snake(definition.get("actions"), name)
    request = sdk.request_of(action)
    if request is not None:
        label = parent.type if parent is not None else "service resource"
        _record_request(
            interp, owner.service, request, parent, site, f"resource {label}.{name}", kwargs
        )
        created = action.get("resource") if action else None
        if isinstance(created, dict) and isinstance(created.get("type"), str):
            return frozenset({ResourceObject(owner.service, created["type"], ())})
    return EMPTY


def _call_collection(
    interp: Interpreter, collection: Collection, name: str, site: tuple[str, int, int]
) -> Values:
    parent = collection.parent
    model = sdk.resource_model(parent.service)
    if model is None:
        return EMPTY
    owner_definition = _definition(model, parent)
    entry = by_snake(owner_definition.get("hasMany"), collection.name)
    request = sdk.request_of(entry)
    owner = parent if isinstance(parent, ResourceObject) else None
    if name in ("all", "filter", "limit", "page_size", "pages", "iterator"):
        if request is not None:
            _record_request(
                interp,
                parent.service,
                request,
                owner,
                site,
                f"collection {collection.name}.{name}",
            )
        return frozenset({collection})
    item = collection_item(collection)
    if item is None:
        return EMPTY
    item_definition = model.get("resources", {}).get(item.type, {})
    batch = by_snake(item_definition.get("batchActions"), name)
    batch_request = sdk.request_of(batch)
    if batch_request is not None:
        _record_request(
            interp,
            parent.service,
            batch_request,
            item,
            site,
            f"collection {collection.name}.{name}",
        )
    return EMPTY


def make_client(
    interp: Interpreter,
    kind: str,
    node: ast.Call,
    args: list[Values],
    kwargs: dict[str, Values],
    site: tuple[str, int, int],
) -> Values:
    """The boto3 clients or service resources ``boto3.client(...)`` makes."""
    names = args[0] if args else kwargs.get("service_name", EMPTY)
    services = [v.value.text for v in names if isinstance(v, Str) and v.value.text]
    if not services:
        interp.gap(
            Gap(
                f"boto3 {kind} whose service is computed at run time ({ast.unparse(node)})",
                site[0],
                site[1],
            )
        )
        return EMPTY
    if kind == "resource":
        return frozenset(ServiceResource(s) for s in services if s)
    return frozenset(Client(s) for s in services if s)
