"""Function timeout longer than its trigger can wait.

What it finds:
Functions whose timeout exceeds the longest time one of their synchronous triggers waits for
an answer: API Gateway REST, WebSocket and HTTP API integrations, AppSync resolvers, Cognito
user pool triggers, and Application Load Balancers (their default idle timeout); the limits
are listed under Thresholds. Unknown timeouts are not reported.

Why it matters:
When the trigger gives up, the caller gets an error, but the function keeps running (and
billing) until its own timeout, possibly retried by the client each time. A function with the
maximum timeout behind API Gateway is useless once the API has given up, and turns every slow
request into up to 15 minutes of paid compute: a ready-made denial-of-wallet lever.

Example:

```yaml
Resources:
  Search:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 300        # API Gateway stops waiting long before
      Events:
        Api:
          Type: Api
          Properties: {Path: /search, Method: get}
```

How to fix:
Set the timeout just above the function's real p99 duration and no higher than the trigger's
limit. Work that takes longer belongs in an asynchronous flow (queue, Step Functions) with
the API returning 202. (Regional and private REST APIs can raise their limit with a quota
increase; set the timeout to match that quota, not to the maximum.)

References:
- https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
- https://docs.aws.amazon.com/appsync/latest/devguide/resolver-reference-overview-js.html
- https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout
- CWE-400: Uncontrolled Resource Consumption
- OWASP Serverless Top 10: SAS-8 Denial of Service & Financial Resource Exhaustion
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, TriggerKind
from faasguard.rules.base import ALL_FORMATS, rule, thresholds

#: How long each synchronous trigger waits for the function, in seconds.
LIMITS = thresholds(
    api_gateway_rest_seconds=29,
    api_gateway_websocket_seconds=29,
    api_gateway_http_seconds=30,
    appsync_seconds=30,
    cognito_seconds=5,
    alb_idle_seconds=60,
)

#: Each synchronous trigger's limit (a key of LIMITS) and why the caller stops waiting.
_TRIGGER_LIMITS: dict[TriggerKind, tuple[str, str]] = {
    TriggerKind.API_REST: (
        "api_gateway_rest_seconds",
        "API Gateway REST integrations time out after {} s",
    ),
    TriggerKind.WEBSOCKET: (
        "api_gateway_websocket_seconds",
        "API Gateway WebSocket integrations time out after {} s",
    ),
    TriggerKind.API_HTTP: (
        "api_gateway_http_seconds",
        "API Gateway HTTP API integrations time out after {} s",
    ),
    TriggerKind.APPSYNC: ("appsync_seconds", "AppSync resolvers time out after {} s"),
    TriggerKind.COGNITO: ("cognito_seconds", "Cognito user pool triggers time out after {} s"),
    TriggerKind.ALB: (
        "alb_idle_seconds",
        "load balancers close idle connections after {} s by default",
    ),
}


def _limit(kind: TriggerKind) -> tuple[int, str]:
    """The trigger kind's limit in seconds and the sentence saying so."""
    key, why = _TRIGGER_LIMITS[kind]
    return LIMITS[key], why.format(LIMITS[key])


@rule(
    id="TIME001",
    name="timeout-above-trigger-limit",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    formats=ALL_FORMATS,
    thresholds=LIMITS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function whose timeout exceeds its strictest synchronous trigger."""
    for fn in app.functions:
        if not isinstance(fn.timeout, int):
            continue
        limits = [_limit(t.kind) for t in fn.triggers if t.kind in _TRIGGER_LIMITS]
        if not limits:
            continue
        limit, reason = min(limits)
        if fn.timeout <= limit:
            continue
        yield Hit(
            message=(
                f"function {fn.display_name} has a {fn.timeout} s timeout but {reason}: the "
                f"caller gets an error while the function runs on; set Timeout to at most "
                f"{limit} s or make the work asynchronous"
            ),
            location=fn.loc("timeout"),
            function=fn.ref,
            properties={"timeout": fn.timeout, "limit": limit},
        )
