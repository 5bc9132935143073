"""Small helpers shared by the configuration rules: value rendering, resolution, redaction.

Rules stay pure functions of the model; these helpers only read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TypeVar

from faasguard.model import App, Function, LogGroup, Resource, Trigger, TriggerKind, Unknown

R = TypeVar("R", bound=Resource)

#: Default function timeout in seconds when the template sets none (Serverless Framework
#: uses 6 s, CloudFormation, SAM and Terraform use Lambda's own default of 3 s).
DEFAULT_TIMEOUT = {"serverless": 6}
LAMBDA_DEFAULT_TIMEOUT = 3

#: Triggers whose events come from outside the account's control: anyone on the internet
#: (HTTP), anyone who can upload an object, send a message or an e-mail.
UNTRUSTED_KINDS = frozenset(
    {
        TriggerKind.API_REST,
        TriggerKind.API_HTTP,
        TriggerKind.WEBSOCKET,
        TriggerKind.ALB,
        TriggerKind.FUNCTION_URL,
        TriggerKind.APPSYNC,
        TriggerKind.S3,
        TriggerKind.SQS,
        TriggerKind.SNS,
        TriggerKind.SES,
        TriggerKind.IOT,
    }
)

_ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:[\w-]+:[\w-]*:(?P<account>[^:]*):")


def describe(value: object) -> str:
    """A value as a message shows it: unknown values say what could not be resolved."""
    if isinstance(value, Unknown):
        return f"not statically known ({value.expression})"
    return str(value)


def effective_timeout(app: App, function: Function) -> int | Unknown:
    """The function's timeout in seconds, with the format's default when unset."""
    if function.timeout is None:
        return DEFAULT_TIMEOUT.get(app.format, LAMBDA_DEFAULT_TIMEOUT)
    return function.timeout


def find_resource(app: App, value: object, cls: type[R]) -> R | None:
    """The resource of class ``cls`` that ``value`` (a ref, a name or an ARN) designates.

    An unresolved reference (``aws_sqs_queue.jobs.arn``, ``{"Ref":"Jobs"}``) designates the
    one resource of class ``cls`` it mentions; when it mentions several, none is guessed.
    """
    if isinstance(value, Unknown):
        named = [r for r in app.of_type(cls) if mentions(value.expression, r.ref)]
        return named[0] if len(named) == 1 else None
    if not isinstance(value, str) or not value:
        return None
    last = re.split(r"[:/]", value)[-1]
    for resource in app.of_type(cls):
        if value in (resource.ref, resource.name, resource.properties.get("Arn")):
            return resource
        if value.startswith("arn:") and isinstance(resource.name, str) and resource.name == last:
            return resource
    return None


def arn_account(value: object) -> str | None:
    """The account id field of an ARN, or ``None`` when ``value`` is no ARN."""
    if not isinstance(value, str):
        return None
    match = _ARN_ACCOUNT.match(value)
    return match.group("account") if match else None


def mentions(text: str, ref: str) -> bool:
    """True when ``text`` (an unresolved expression) refers to ``ref`` as a whole token."""
    return re.search(rf"(?<![\w.-]){re.escape(ref)}(?![\w-])", text) is not None


def refers_to_function(value: object, function: Function) -> bool:
    """True when a resource field (a name, a ref, an unresolved expression) is the function."""
    names = {function.ref, *([function.name] if isinstance(function.name, str) else [])}
    if isinstance(value, str):
        return value in names or any(mentions(value, n) for n in names)
    if isinstance(value, Unknown):
        return any(mentions(value.expression, n) for n in names)
    return False


def expected_log_group(function: Function) -> str | Unknown | None:
    """The log group the function writes to: its logging config, else ``/aws/lambda/NAME``."""
    if function.logging is not None and function.logging.log_group is not None:
        return function.logging.log_group
    if isinstance(function.name, str):
        return f"/aws/lambda/{function.name}"
    return None


def function_log_group(app: App, function: Function) -> LogGroup | None:
    """The :class:`LogGroup` declared for the function, matched by name or by reference."""
    expected = expected_log_group(function)
    for group in app.of_type(LogGroup):
        name = group.log_group_name
        # CloudFormation loaders resolve ``!Ref Group`` to the group's logical id.
        if isinstance(expected, str) and expected in (name, group.ref):
            return group
        text = name if isinstance(name, str) else name.expression if name is not None else ""
        if isinstance(expected, Unknown) and text == expected.expression:
            return group
        # ``!Sub /aws/lambda/${Fn}`` or ``/aws/lambda/${aws_lambda_function.fn.function_name}``:
        # the function name is generated, so match the reference to the function instead.
        if "aws/lambda" in text and refers_to_function(text, function):
            return group
    return None


def trigger_label(trigger: Trigger) -> str:
    """``kind (source)`` for messages, e.g. ``s3 (UploadsBucket)``."""
    source = trigger.source
    if source is None:
        return f"{trigger.kind.value} ({trigger.name})" if trigger.name else trigger.kind.value
    return f"{trigger.kind.value} ({describe(source)})"


def join(items: Iterable[str]) -> str:
    """Comma-separated, de-duplicated, order preserved."""
    return ", ".join(dict.fromkeys(items))


def strings(values: Iterable[object]) -> Iterator[str]:
    """Only the statically known strings of ``values``."""
    for value in values:
        if isinstance(value, str):
            yield value
