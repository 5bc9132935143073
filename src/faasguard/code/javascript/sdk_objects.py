"""AWS SDK objects in the Node.js SDK-call interpreter: what calling a v3 paginator or
waiter, a v3 client's ``send`` (or an aggregated client's method) and a v2 client's
method records."""

from __future__ import annotations

from typing import Any, Protocol

from faasguard.code.javascript.sdk_values import (
    EMPTY,
    V2_LOCAL,
    Member,
    ObjectValue,
    Str,
    V2Client,
    V3Client,
    V3Command,
    V3Export,
    Values,
    v3_kind,
    v3_waiter_operation,
)


class Recorder(Protocol):
    """The interpreter, as far as these calls go: it records SDK calls."""

    def record(
        self, service: str, operation: str, params: Values, node: Any, sdk: str, via: str = ""
    ) -> None:
        """Record a call of ``operation`` of ``service`` at ``node``."""
        ...


def call_v3_export(recorder: Recorder, value: V3Export, args: list[Values], node: Any) -> Values:
    """A call of a named export of a v3 package (``paginateXxx``, ``waitUntilXxx``)."""
    kind = v3_kind(value.name)
    if kind == "paginator":
        params = args[1] if len(args) > 1 else EMPTY
        operation = value.name[len("paginate") :]
        recorder.record(value.package, operation, params, node, "aws-sdk-v3", "paginator")
    elif kind == "waiter":
        params = args[1] if len(args) > 1 else EMPTY
        waiter = value.name.removeprefix("waitUntil").removeprefix("waitFor")
        polled = v3_waiter_operation(value.package, waiter)
        if polled is not None:
            recorder.record(value.package, polled, params, node, "aws-sdk-v3", "waiter")
    return EMPTY


def call_member(recorder: Recorder, member: Member, args: list[Values], node: Any) -> Values:
    """A call of a method of an SDK object: a v3 client's ``send``, a v2 client method."""
    owner, name = member.owner, member.name
    first = args[0] if args else EMPTY
    if isinstance(owner, V3Export):
        if name == "from" and v3_kind(owner.name) in ("client", "aggregated"):
            aggregated = v3_kind(owner.name) == "aggregated"
            return frozenset({V3Client(owner.package, aggregated=aggregated)})
        return EMPTY
    if isinstance(owner, V3Client):
        if name == "send":
            for command in first:
                if isinstance(command, V3Command):
                    params = frozenset({ObjectValue(command.params)})
                    recorder.record(command.package, command.name, params, node, "aws-sdk-v3")
            return EMPTY
        if name in ("destroy", "middlewareStack", "config"):
            return EMPTY
        if owner.aggregated:
            recorder.record(owner.package, name, first, node, "aws-sdk-v3")
        return EMPTY
    if isinstance(owner, V2Client):
        return _call_v2(recorder, owner, name, args, node)
    return EMPTY


def _call_v2(
    recorder: Recorder, client: V2Client, name: str, args: list[Values], node: Any
) -> Values:
    first = args[0] if args else EMPTY
    operations = [v.value.text for v in first if isinstance(v, Str) and v.value.text]
    params = args[1] if len(args) > 1 else EMPTY
    if name in ("makeRequest", "getSignedUrl", "getSignedUrlPromise"):
        for operation in operations:
            recorder.record(client.name, operation, params, node, "aws-sdk-v2", name)
        return EMPTY
    if name == "waitFor":
        for waiter in operations:
            polled = v3_waiter_operation(client.name, waiter[:1].upper() + waiter[1:])
            if polled is not None:
                recorder.record(client.name, polled, params, node, "aws-sdk-v2", "waiter")
        return EMPTY
    if name == "createPresignedPost":
        recorder.record(client.name, "PutObject", first, node, "aws-sdk-v2", name)
        return EMPTY
    if name in V2_LOCAL:
        return EMPTY
    recorder.record(client.name, name, first, node, "aws-sdk-v2")
    return EMPTY
