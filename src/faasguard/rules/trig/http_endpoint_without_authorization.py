"""HTTP endpoint with no authorization.

What it finds:
An API Gateway REST or HTTP API route, a WebSocket `$connect` route or an ALB target that
invokes a function with no authorizer, `AuthorizationType: NONE`, no API key and no IAM
authorization. Endpoints declared intentionally public (`x-faasguard-public: true`, see the
README) are skipped, as are CORS preflight `OPTIONS` routes. When the authorization is not
statically known (a template parameter, `${ssm:...}`) the rule stays silent rather than guess.
Function URLs are covered by TRIG007.

Why it matters:
Anyone on the internet can call the function, and with it whatever the function's role
allows: read the table, write to the bucket, send e-mail. A WAF in front does not
authenticate callers.

Example:

```yaml
Resources:
  GetOrder:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Api:
          Type: Api
          Properties:
            Path: /orders/{id}
            Method: get   # no Auth: anyone can read any order
```

How to fix:
Add an authorizer (Cognito user pool, JWT, Lambda authorizer) or IAM authorization to the
route or as the API's default, or require an API key for machine-to-machine callers. If the
endpoint must be public, mark it public so the decision is explicit and reviewed.

References:
- https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html
- https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html
- CWE-306: Missing Authentication for Critical Function
- OWASP Serverless Top 10: SAS-2 Broken Authentication
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Trigger, TriggerKind, Unknown
from faasguard.rules._helpers import describe
from faasguard.rules.base import ALL_FORMATS, rule

_CHECKED = frozenset(
    {TriggerKind.API_REST, TriggerKind.API_HTTP, TriggerKind.WEBSOCKET, TriggerKind.ALB}
)


def _is_open(trigger: Trigger) -> bool:
    http = trigger.http
    if http is None or http.marked_public:
        return False
    if isinstance(http.method, str) and http.method.upper() == "OPTIONS":
        return False
    # Only the $connect route of a WebSocket API can carry an authorizer.
    if trigger.kind is TriggerKind.WEBSOCKET and http.path != "$connect":
        return False
    auth = http.authorization
    if isinstance(auth, Unknown) or http.api_key_required is not False:
        return False
    return auth.upper() == "NONE" and http.authorizer is None


@rule(
    id="TRIG001",
    name="http-endpoint-without-authorization",
    severity=Severity.HIGH,
    practice=Practice.P2,
    cwe=("CWE-306",),
    owasp=("SAS-2",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per unauthenticated HTTP route of each function."""
    for fn in app.functions:
        for trigger in fn.triggers:
            if trigger.kind not in _CHECKED or not _is_open(trigger):
                continue
            http = trigger.http
            assert http is not None  # _is_open checked it
            method = describe(http.method).upper() if http.method is not None else "ANY"
            path = describe(http.path) if http.path is not None else "/"
            yield Hit(
                message=(
                    f"{method} {path} invokes function {fn.display_name} with no authorization "
                    "(no authorizer, no IAM auth, no API key): add an authorizer or mark the "
                    "endpoint public explicitly"
                ),
                # The line that sets the authorization (``authorization = "NONE"``) when the
                # user wrote one, else the route itself.
                location=http.loc("authorization", trigger.location),
                function=fn.ref,
                key=f"{trigger.name or trigger.kind.value}:{method} {path}",
            )
