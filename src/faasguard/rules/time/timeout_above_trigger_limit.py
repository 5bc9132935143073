"""Function timeout longer than its trigger can wait.

What it finds:
Functions whose timeout exceeds the longest time one of their synchronous triggers waits for
an answer: API Gateway REST and WebSocket integrations (29 s), HTTP API integrations (30 s),
AppSync resolvers (30 s), Cognito user pool triggers (5 s), and Application Load Balancers
(60 s, the default idle timeout). Unknown timeouts are not reported.

Why it matters:
When the trigger gives up, the caller gets an error, but the function keeps running (and
billing) until its own timeout, possibly retried by the client each time. A 900 s function
behind API Gateway is useless past 29 s and turns every slow request into up to 15 minutes of
paid compute: a ready-made denial-of-wallet lever.

Example:

```yaml
Resources:
  Search:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 300        # API Gateway stops waiting after 29 s
      Events:
        Api:
          Type: Api
          Properties: {Path: /search, Method: get}
```

How to fix:
Set the timeout just above the function's real p99 duration and no higher than the trigger's
limit. Work that takes longer belongs in an asynchronous flow (queue, Step Functions) with
the API returning 202. (Regional and private REST APIs can raise the 29 s limit with a quota
increase; set the timeout to match that quota, not to 900 s.)

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
from faasguard.rules.base import ALL_FORMATS, rule

#: How long each synchronous trigger waits for the function, in seconds, and why.
TRIGGER_LIMITS: dict[TriggerKind, tuple[int, str]] = {
    TriggerKind.API_REST: (29, "API Gateway REST integrations time out after 29 s"),
    TriggerKind.WEBSOCKET: (29, "API Gateway WebSocket integrations time out after 29 s"),
    TriggerKind.API_HTTP: (30, "API Gateway HTTP API integrations time out after 30 s"),
    TriggerKind.APPSYNC: (30, "AppSync resolvers time out after 30 s"),
    TriggerKind.COGNITO: (5, "Cognito user pool triggers time out after 5 s"),
    TriggerKind.ALB: (60, "load balancers close idle connections after 60 s by default"),
}


@rule(
    id="TIME001",
    name="timeout-above-trigger-limit",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function whose timeout exceeds its strictest synchronous trigger."""
    for fn in app.functions:
        if not isinstance(fn.timeout, int):
            continue
        limits = [TRIGGER_LIMITS[t.kind] for t in fn.triggers if t.kind in TRIGGER_LIMITS]
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
