"""REST API method without request validation.

What it finds:
API Gateway REST API methods that invoke a function with no request validator (neither on
the method nor as the API's default), so API Gateway forwards any body, query string and
headers to the handler. CORS preflight `OPTIONS` methods are skipped; when the setting is not
statically known the rule stays silent. HTTP APIs have no request validation feature and are
not reported here.

Why it matters:
A request validator rejects malformed and unexpected input at the edge, before it reaches
(and is billed to) the function, and narrows what an injection payload can look like. It is
a cheap first layer of the input validation every handler must still do.

Example:

```yaml
Resources:
  CreateOrder:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Post:
          Type: Api
          Properties:
            Path: /orders
            Method: post   # no RequestModel with ValidateBody: true
```

How to fix:
Attach a request validator (`AWS::ApiGateway::RequestValidator`,
`aws_api_gateway_request_validator`, SAM `RequestModel`/`RequestParameters` with
`ValidateBody`/`Required`, Serverless `request.schemas`) and a JSON schema model for bodies.

References:
- https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
- CWE-20: Improper Input Validation
- OWASP Serverless Top 10: SAS-1 Function Event-Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, TriggerKind
from faasguard.rules._helpers import describe
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="TRIG004",
    name="rest-method-without-request-validation",
    severity=Severity.LOW,
    practice=Practice.P2,
    cwe=("CWE-20",),
    owasp=("SAS-1",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per REST method without a request validator."""
    for fn in app.functions:
        for trigger in fn.triggers:
            http = trigger.http
            if trigger.kind is not TriggerKind.API_REST or http is None:
                continue
            if http.request_validation is not None and http.request_validation is not False:
                continue  # validated, or not statically known
            method = describe(http.method).upper() if http.method is not None else "ANY"
            if method == "OPTIONS":
                continue
            path = describe(http.path) if http.path is not None else "/"
            yield Hit(
                message=(
                    f"REST method {method} {path} of function {fn.display_name} has no request "
                    "validator: API Gateway passes any body and parameters to the handler; add "
                    "a request validator with a JSON schema model"
                ),
                location=trigger.location,
                function=fn.ref,
                key=f"{method} {path}",
            )
