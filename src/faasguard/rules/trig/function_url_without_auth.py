"""Function URL without authentication.

What it finds:
Functions with a function URL whose `AuthType` is `NONE`. Unknown values are not reported.

Why it matters:
A function URL with `AuthType: NONE` is a public HTTPS endpoint: no API Gateway in front, so
no authorizer, no throttling, no WAF, no request validation. Anyone who finds the URL can
invoke the function at your expense and with its permissions.

Example:

```yaml
Resources:
  Webhook:
    Type: AWS::Serverless::Function
    Properties:
      FunctionUrlConfig:
        AuthType: NONE
```

How to fix:
Use `AuthType: AWS_IAM` and sign requests (SigV4), or put the function behind API Gateway or
CloudFront with authentication. If the endpoint must stay public (a webhook), verify a
signature on every request in the handler and set reserved concurrency.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
- CWE-306: Missing Authentication for Critical Function
- OWASP Serverless Top 10: SAS-2 Broken Authentication
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Function, Location, TriggerKind
from faasguard.rules.base import ALL_FORMATS, rule


def _auth_location(fn: Function, fallback: Location) -> Location:
    """The line that sets the URL's auth type, when the loader knows it."""
    for trigger in fn.triggers:
        if trigger.kind is TriggerKind.FUNCTION_URL and trigger.http is not None:
            return trigger.http.loc("authorization", fallback)
    return fallback


@rule(
    id="TRIG007",
    name="function-url-without-auth",
    severity=Severity.HIGH,
    practice=Practice.P2,
    cwe=("CWE-306",),
    owasp=("SAS-2",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function URL with ``AuthType: NONE``."""
    for fn in app.functions:
        url = fn.url
        if url is None or not isinstance(url.auth_type, str):
            continue
        if url.auth_type.upper() != "NONE":
            continue
        yield Hit(
            message=(
                f"function URL of {fn.display_name} has AuthType NONE: anyone on the internet "
                "can invoke it; use AuthType AWS_IAM or front it with an authenticated API"
            ),
            location=_auth_location(fn, url.location),
            function=fn.ref,
        )
