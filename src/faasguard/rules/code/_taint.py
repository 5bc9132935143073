"""What the taint rules (CODE001-CODE011) share: one hit per flow, trigger-aware messages.

Each rule is a module per sink family; this helper turns the flows of its family into hits
with the whole path, and raises the severity of flows no WAF can see (practice P2).
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.code.taint import TaintFlow, flows_for
from faasguard.code.taint.base import gaps_for
from faasguard.context import note
from faasguard.findings import FlowStep, Hit, Severity
from faasguard.model import App, Diagnostic, DiagnosticLevel, Function, Location, TriggerKind

#: How a trigger kind is named in messages.
_KIND_NAMES: dict[TriggerKind, str] = {
    TriggerKind.API_REST: "REST API",
    TriggerKind.API_HTTP: "HTTP API",
    TriggerKind.WEBSOCKET: "WebSocket API",
    TriggerKind.ALB: "load balancer",
    TriggerKind.FUNCTION_URL: "function URL",
    TriggerKind.APPSYNC: "AppSync",
    TriggerKind.S3: "S3",
    TriggerKind.SQS: "SQS",
    TriggerKind.SNS: "SNS",
    TriggerKind.DYNAMODB_STREAM: "DynamoDB stream",
    TriggerKind.KINESIS: "Kinesis",
    TriggerKind.EVENTBRIDGE: "EventBridge",
    TriggerKind.COGNITO: "Cognito",
    TriggerKind.IOT: "IoT",
    TriggerKind.KAFKA: "Kafka",
    TriggerKind.MQ: "Amazon MQ",
    TriggerKind.CLOUDWATCH_LOGS: "CloudWatch Logs",
    TriggerKind.SES: "SES",
}


def waf_blind(flow: TaintFlow) -> bool:
    """True when no trigger delivering the source is one a WAF can sit in front of."""
    return bool(flow.trigger_kinds) and not any(k.is_http for k in flow.trigger_kinds)


def _raise(severity: Severity) -> Severity:
    return Severity(min(int(severity) + 1, int(Severity.CRITICAL)))


def _where(flow: TaintFlow) -> str:
    location = flow.sink.location
    return f"{location.file.rsplit('/', 1)[-1]}:{location.line}"


def taint_hits(app: App, family: str, what: str, severity: Severity) -> Iterator[Hit]:
    """One hit per flow of ``family`` in every function of ``app``.

    ``what`` names the weakness in messages ("command injection"); ``severity`` is the
    rule's default, raised one level when only triggers a WAF cannot see deliver the input.
    """
    for fn in app.functions:
        for flow in flows_for(fn, app):
            if flow.sink_family == family:
                yield _hit(fn, flow, what, severity)
        for gap in gaps_for(fn, app):
            # Said once per scan however many CODE rules see it (note() de-duplicates).
            note(
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message=(
                        f"handler code of function {fn.display_name} was not fully analysed "
                        f"for injection flows: {gap.message}"
                    ),
                    location=Location(file=gap.file or app.root_file, line=gap.line),
                    code="code-analysis-gap",
                )
            )


def _hit(fn: Function, flow: TaintFlow, what: str, severity: Severity) -> Hit:
    source = flow.source.message
    sink = flow.sink.message
    kinds = ", ".join(_KIND_NAMES.get(k, k.value) for k in flow.trigger_kinds)
    if not flow.trigger_kinds:
        note = (
            "; the function has no trigger faasguard knows, so its whole event is treated "
            "as attacker-controlled"
        )
        final = None
    elif waf_blind(flow):
        note = f" — input no WAF inspects ({kinds} trigger)"
        final = _raise(severity)
    else:
        note = f" ({kinds} trigger)"
        final = None
    message = f"{what}: {source} → {sink} ({_where(flow)}){note}"
    path = (
        FlowStep(location=flow.source.location, message=flow.source.message),
        *(FlowStep(location=s.location, message=s.message) for s in flow.steps),
        FlowStep(location=flow.sink.location, message=flow.sink.message),
    )
    return Hit(
        message=message,
        location=flow.sink.location,
        function=fn.ref,
        key=flow.key,
        severity=final,
        flow=path,
        properties={
            "sinkFamily": flow.sink_family,
            "language": flow.language,
            "triggers": [k.value for k in flow.trigger_kinds],
            "wafVisible": not waf_blind(flow),
        },
    )
