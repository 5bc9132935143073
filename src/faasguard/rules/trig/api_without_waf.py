"""API, load balancer or GraphQL API without a WAF.

What it finds:
A REST API (none of whose stages has a web ACL associated), an Application Load Balancer
or an AppSync API that fronts functions without an AWS WAF web ACL association. HTTP APIs
and WebSocket APIs (API Gateway v2) cannot be associated with AWS WAF at all: they are
reported too, with the advice to use a REST API or to put CloudFront with a web ACL in front.
APIs the format creates implicitly (SAM's `ServerlessRestApi`, Serverless Framework's
`http` events) are reported at their first route.

Why it matters:
A WAF stops commodity attacks (SQL injection probes, known bad bots, request floods) before
they reach and bill your functions. It is not a substitute for authorization or input
validation (see TRIG003 for the inputs a WAF never sees), but an internet-facing API without
one takes every malicious request at full cost.

Example:

```yaml
Resources:
  ShopApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod   # no AWS::WAFv2::WebACLAssociation targets this stage
```

How to fix:
Create an `AWS::WAFv2::WebACL` (start with the AWS managed rule groups) and associate it
with the API stage, ALB or AppSync API (`AWS::WAFv2::WebACLAssociation`,
`aws_wafv2_web_acl_association`). For HTTP APIs, move to a REST API or serve the API through
a CloudFront distribution that has a web ACL.

References:
- https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html
- https://docs.aws.amazon.com/waf/latest/developerguide/waf-chapter.html
- CWE-693: Protection Mechanism Failure
- OWASP Serverless Top 10: SAS-1 Function Event-Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import Api, App, HttpSettings, Trigger, TriggerKind, WebAclAssociation
from faasguard.rules.base import ALL_FORMATS, rule

_KIND_OF_TRIGGER = {
    TriggerKind.API_REST: "rest",
    TriggerKind.API_HTTP: "http",
    TriggerKind.WEBSOCKET: "websocket",
    TriggerKind.ALB: "alb",
    TriggerKind.APPSYNC: "appsync",
}
_LABEL = {
    "rest": "REST API",
    "http": "HTTP API",
    "websocket": "WebSocket API",
    "alb": "load balancer",
    "appsync": "AppSync API",
}


def _message(kind: str, name: str) -> str:
    if kind in ("http", "websocket"):
        return (
            f"{_LABEL[kind]} {name} cannot be protected by AWS WAF (API Gateway v2 does not "
            "support web ACLs): use a REST API with a web ACL, or put CloudFront with a "
            "web ACL in front of it"
        )
    return (
        f"{_LABEL[kind]} {name} has no AWS WAF web ACL associated: associate a WAFv2 web ACL "
        "(e.g. with the AWS managed core rule set)"
    )


def _routes(app: App) -> dict[tuple[str, str | None], list[tuple[Trigger, HttpSettings]]]:
    routes: dict[tuple[str, str | None], list[tuple[Trigger, HttpSettings]]] = {}
    for fn in app.functions:
        for trigger in fn.triggers:
            kind = _KIND_OF_TRIGGER.get(trigger.kind)
            if kind is not None and trigger.http is not None:
                routes.setdefault((kind, trigger.http.api), []).append((trigger, trigger.http))
    return routes


@rule(
    id="TRIG002",
    name="api-without-waf",
    severity=Severity.MEDIUM,
    practice=Practice.P2,
    cwe=("CWE-693",),
    owasp=("SAS-1",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per API, load balancer or AppSync API without a web ACL."""
    protected = {a.target for a in app.of_type(WebAclAssociation) if isinstance(a.target, str)}
    routes = _routes(app)
    declared = set()
    for api in app.of_type(Api):
        declared.add(api.ref)
        if api.kind not in _LABEL:
            continue
        on_routes = any(h.waf is not None for _, h in routes.get((api.kind, api.ref), []))
        if api.ref in protected or protected.intersection(api.stages) or on_routes:
            continue
        name = api.name if isinstance(api.name, str) else api.ref
        yield Hit(message=_message(api.kind, name), location=api.location, resource=api.ref)
    # APIs the format creates implicitly have no declaration of their own.
    for (kind, api_ref), members in routes.items():
        if api_ref in declared or api_ref in protected:
            continue
        if any(h.waf is not None for _, h in members):
            continue
        trigger = members[0][0]
        name = api_ref or f"(implicit {_LABEL[kind]})"
        yield Hit(
            message=_message(kind, name),
            location=trigger.location,
            resource=api_ref,
            key=f"{kind}:{api_ref or 'implicit'}",
        )
