"""API without throttling limits.

What it finds:
API Gateway REST, HTTP and WebSocket APIs for which no throttling limit is set anywhere: not
as the API's default (Serverless `provider.apiGateway`), not on any stage
(`MethodSettings`/`DefaultRouteSettings` `ThrottlingRateLimit`/`ThrottlingBurstLimit`, usage
plans), not on any route. APIs the format creates implicitly are reported at their first
route.

Why it matters:
Without an API-specific limit, only the account-wide default (10,000 requests per second
shared by every API in the region) applies. One flood, scripted abuse or runaway client can
scale the functions behind the API to their concurrency limit, run up the bill (denial of
wallet) and starve every other API of the account.

Example:

```yaml
Resources:
  ShopApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      # no MethodSettings with ThrottlingRateLimit / ThrottlingBurstLimit
```

How to fix:
Set stage-level throttling (`MethodSettings` with `HttpMethod: "*"`, `ResourcePath: "/*"`,
`ThrottlingRateLimit` and `ThrottlingBurstLimit`; `aws_api_gateway_method_settings`;
`DefaultRouteSettings` for HTTP APIs; `provider.apiGateway.throttle` in Serverless), sized to
the expected peak, and per-client limits with usage plans where callers are known.

References:
- https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
- https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
- CWE-770: Allocation of Resources Without Limits or Throttling
- OWASP Serverless Top 10: SAS-8 Denial of Service & Financial Resource Exhaustion
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import Api, App, Stage, Throttling, Trigger, TriggerKind
from faasguard.rules.base import ALL_FORMATS, rule

_KINDS = {
    TriggerKind.API_REST: "rest",
    TriggerKind.API_HTTP: "http",
    TriggerKind.WEBSOCKET: "websocket",
}
_LABEL = {"rest": "REST API", "http": "HTTP API", "websocket": "WebSocket API"}


def _set(throttling: Throttling | None) -> bool:
    return throttling is not None and (
        throttling.rate_limit is not None or throttling.burst_limit is not None
    )


def _message(kind: str, name: str) -> str:
    return (
        f"{_LABEL[kind]} {name} has no throttling limit (API, stage and route throttling are "
        "all unset), so only the account-wide limit applies: set a rate and burst limit"
    )


@rule(
    id="TRIG005",
    name="api-without-throttling",
    severity=Severity.MEDIUM,
    practice=Practice.P2,
    cwe=("CWE-770",),
    owasp=("SAS-8",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per API Gateway API with no throttling configured at any level."""
    routes: dict[tuple[str, str | None], list[Trigger]] = {}
    for fn in app.functions:
        for trigger in fn.triggers:
            if trigger.kind in _KINDS and trigger.http is not None:
                key = (_KINDS[trigger.kind], trigger.http.api)
                routes.setdefault(key, []).append(trigger)
    stages = {s.ref: s for s in app.of_type(Stage)}
    declared = set()
    for api in app.of_type(Api):
        declared.add(api.ref)
        if api.kind not in _LABEL:
            continue
        api_stages = [stages[s] for s in api.stages if s in stages]
        api_stages += [s for s in stages.values() if s.api == api.ref and s.ref not in api.stages]
        members = routes.get((api.kind, api.ref), [])
        if (
            _set(api.default_throttling)
            or any(_set(s.throttling) for s in api_stages)
            or any(t.http is not None and _set(t.http.throttling) for t in members)
        ):
            continue
        name = api.name if isinstance(api.name, str) else api.ref
        yield Hit(message=_message(api.kind, name), location=api.location, resource=api.ref)
    for (kind, api_ref), members in routes.items():
        if api_ref in declared:
            continue
        if any(t.http is not None and _set(t.http.throttling) for t in members):
            continue
        yield Hit(
            message=_message(kind, api_ref or f"(implicit {_LABEL[kind]})"),
            location=members[0].location,
            resource=api_ref,
            key=f"{kind}:{api_ref or 'implicit'}",
        )
