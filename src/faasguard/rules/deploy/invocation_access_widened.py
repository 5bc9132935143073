"""Who may invoke a function was widened after the signed deployment.

What it finds:
Deployed functions whose resource policy allows principals the signed manifest does not
pin (a permission added for `*`, another account, a new service), or whose function URL
authentication changed (`AWS_IAM` to `NONE`, or a URL added), compared with
`faasguard audit --manifest`. Permissions removed since are not reported.

Why it matters:
`lambda:AddPermission` and `lambda:CreateFunctionUrlConfig` open a function to the world
in one call, without a deployment and without a change to the template: an attacker's
favourite persistence, and a common accident.

Example:

```text
$ aws lambda add-permission --function-name orders --principal '*' \
    --statement-id open --action lambda:InvokeFunction
$ faasguard audit --manifest manifest.signed.json --trusted-key ci.pub
DEPLOY008 arn:aws:lambda:eu-west-1:123456789012:function:orders  invocation now also allowed to *
```

How to fix:
Remove the added statement (`aws lambda remove-permission`) or put the URL's `AuthType`
back, find who changed it in CloudTrail (`AddPermission20150331v2`,
`UpdateFunctionUrlConfig`), and restrict those actions to the pipeline.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
- https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
- CWE-732: Incorrect Permission Assignment for Critical Resource
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Location
from faasguard.rules.base import Source, rule
from faasguard.rules.deploy._live import drift


@rule(
    id="DEPLOY008",
    name="invocation-access-widened",
    severity=Severity.HIGH,
    practice=Practice.P4,
    cwe=("CWE-732",),
    owasp=("SAS-3",),
    formats=(),
    source=Source.LIVE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per deployed function whose invocation access grew."""
    for item, pin, changes in drift(app, ("resource_policy", "url_auth")):
        listed = "; ".join(
            f"{'resource policy' if name == 'resource_policy' else 'function URL auth'}: {change}"
            for name, change in changes
        )
        url_only = all(name == "url_auth" for name, _ in changes)
        yield Hit(
            message=(
                f"who may invoke function {item.live.name} changed since the manifest "
                f"{pin.manifest}: {listed}"
            ),
            location=item.function.url.location
            if url_only and item.function.url is not None
            else Location(file=item.live.arn, pointer="/Policy"),
            function=item.live.name,
        )
