"""A starting runtime-guard policy for a function, from what ``scan`` knows about it:
its trigger kinds (the model), the sink families its handler code reaches (the taint
engine) and the hosts it calls (AWS SDK calls → AWS endpoints, URL literals in its code).

The result is TOML text for :mod:`faasguard.guard.policy`, commented so a reader sees where
each line comes from. It starts the behaviour limits in ``monitor`` mode except where the
code gives no reason for the behaviour (no command sink: child processes are blocked), so a
team can watch the security events and tighten it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from pathlib import Path

from faasguard.code.sdk_calls import analyse_function
from faasguard.code.taint.base import flows_for
from faasguard.guard.policy import TRIGGER_KINDS, load_policy
from faasguard.model import App, Function, TriggerKind

#: Model trigger kinds → the trigger kinds the guard tells apart at run time.
_GUARD_TRIGGERS: dict[TriggerKind, tuple[str, ...]] = {
    TriggerKind.API_REST: ("apigw-v1",),
    TriggerKind.API_HTTP: ("apigw-v2", "apigw-v1"),  # payload format 2.0 or 1.0
    TriggerKind.ALB: ("alb",),
    TriggerKind.FUNCTION_URL: ("function-url",),
    TriggerKind.S3: ("s3",),
    TriggerKind.SQS: ("sqs",),
    TriggerKind.SNS: ("sns",),
    TriggerKind.DYNAMODB_STREAM: ("dynamodb",),
    TriggerKind.KINESIS: ("kinesis",),
    TriggerKind.EVENTBRIDGE: ("eventbridge",),
    TriggerKind.SCHEDULE: ("schedule",),
    TriggerKind.COGNITO: ("cognito",),
}
_URL = re.compile(
    r"""https?://([A-Za-z0-9_.-]+\.[A-Za-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?"""
)
_EXAMPLE_HOSTS = re.compile(r"(^|\.)(example\.(com|org|net)|localhost)$")
_MAX_FILE_BYTES = 2_000_000


def guard_triggers(function: Function) -> list[str]:
    """The guard trigger kinds of ``function``'s triggers (a function URL included)."""
    kinds: list[str] = []
    sources = [trigger.kind for trigger in function.triggers]
    if function.url is not None:
        sources.append(TriggerKind.FUNCTION_URL)
    for kind in sources:
        for name in _GUARD_TRIGGERS.get(kind, ("unknown",)):
            if name not in kinds:
                kinds.append(name)
    return [kind for kind in TRIGGER_KINDS if kind in kinds]


def url_hosts(files: Iterable[str]) -> list[str]:
    """Hosts (``name`` or ``name:port``) of the URL literals in ``files``, sorted."""
    hosts: set[str] = set()
    for file in files:
        try:
            with open(file, "rb") as handle:
                text = handle.read(_MAX_FILE_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        for match in _URL.finditer(text):
            host = match.group(1).lower()
            if _EXAMPLE_HOSTS.search(host):
                continue
            hosts.add(f"{host}:{match.group(2)}" if match.group(2) else host)
    return sorted(hosts)


def starting_policy(app: App, function: Function, root: str = "") -> str:
    """The TOML text of a starting guard policy for ``function``."""
    triggers = guard_triggers(function)
    flows = flows_for(function, app)
    families = sorted({flow.sink_family for flow in flows})
    analysis = analyse_function(function, app)
    services = sorted({call.service for call in analysis.calls})
    hosts = url_hosts(analysis.files)
    allow = (["*.amazonaws.com"] if services else []) + hosts
    command = [flow for flow in flows if flow.sink_family == "command-injection"]
    lines = [
        f"# faasguard runtime guard policy for {function.name or function.ref}",
        f"# written by 'faasguard guard policy' from {_where(function, root)}; review it,",
        "# watch the security events in monitor mode, then switch the limits to block.",
        "",
        "# trigger kinds of this function (another kind is reported as unexpected)",
        f"triggers = {_toml_list(triggers or ['unknown'])}",
        "",
        "[inspect]",
        'mode = "block"',
    ]
    if families:
        lines.append(f"# sinks the handler code reaches from the event: {', '.join(families)}")
    else:
        lines.append("# no flow from the event to a dangerous call was found in the code")
    lines += ["", "[network]", 'mode = "monitor"']
    if services:
        lines.append(f"# AWS SDK calls to: {', '.join(services)}")
    if hosts:
        lines.append(f"# URL literals in the code: {', '.join(hosts)}")
    if not analysis.complete:
        lines.append("# the code could not be read completely: hosts may be missing")
    lines += [f"allow = {_toml_list(allow)}", "", "[processes]"]
    if command:
        sink = command[0].sink.location
        lines += [
            f"# the code starts processes (e.g. {sink.file}:{sink.line}): list the programs",
            'mode = "monitor"',
            "allow = []",
        ]
    else:
        lines += ["# no command-execution call was found in the code", 'mode = "block"']
    lines += [
        "",
        "[environ]",
        'mode = "monitor"',
        'allow_modules = ["boto3", "botocore", "awslambdaric", "aws_lambda_powertools"]',
        "",
        "[tmp]",
        'mode = "monitor"',
        "max_mb = 512",
        "",
        "[timeout]",
        f"# function timeout: {function.timeout if function.timeout is not None else 'default'}",
        "margin_ms = 500",
        "",
        "# [shape]",
        '# schema = "schemas/event.json"   # a JSON Schema of the events this function accepts',
        "",
    ]
    text = "\n".join(lines)
    _check(text)
    return text


def _check(text: str) -> None:
    """The policy must load as written (a bug here must not reach a user's function)."""
    import tomllib  # noqa: PLC0415 - only when writing a policy

    load_policy(tomllib.loads(text))


def _where(function: Function, root: str) -> str:
    location = function.location
    file = location.file
    if root:
        with contextlib.suppress(ValueError):
            file = str(Path(file).relative_to(root))
    return f"{file}:{location.line}" if location.line else file


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"
