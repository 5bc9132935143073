"""Deployed configuration differs from the signed manifest.

What it finds:
Deployed functions whose runtime, handler, environment (variable names, and values by
digest), layers, timeout, memory or reserved concurrency differ from what the signed
manifest pins (`faasguard audit --manifest`). One finding per function lists every field
that differs. Values the manifest could not know statically (a `!Ref` resolved at deploy
time) are not compared. Role, resource policy, function URL and code signing changes have
rules of their own (DEPLOY006, DEPLOY008, DEPLOY009).

Why it matters:
A changed handler or environment variable redirects a function without touching its code
(`NODE_OPTIONS=--require /tmp/x.js`, `AWS_LAMBDA_EXEC_WRAPPER`, a new endpoint URL); a
new layer injects code; a zero reserved concurrency switches the function off. None of it
shows in the template.

Example:

```text
$ faasguard audit --manifest manifest.signed.json --trusted-key ci.pub
DEPLOY007 arn:aws:lambda:eu-west-1:123456789012:function:orders
  layers: [] in the manifest, [arn:aws:lambda:eu-west-1:111122223333:layer:x:1] deployed
```

How to fix:
Redeploy the approved configuration and find the change in CloudTrail
(`UpdateFunctionConfiguration20150331v2`); restrict `lambda:UpdateFunctionConfiguration`
to the deployment pipeline.

References:
- https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
- CWE-15: External Control of System or Configuration Setting
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.deploy._live import drift

#: The fields this rule compares; role, resource policy, URL auth and signing have rules of
#: their own.
_FIELDS = (
    "runtime",
    "handler",
    "environment",
    "layers",
    "timeout",
    "memory",
    "reserved_concurrency",
)


@rule(
    id="DEPLOY007",
    name="configuration-drift",
    severity=Severity.MEDIUM,
    practice=Practice.P4,
    cwe=("CWE-15",),
    owasp=("SAS-3",),
    formats=(),
    source=Source.LIVE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per deployed function whose pinned configuration changed."""
    for item, pin, changes in drift(app, _FIELDS):
        listed = "; ".join(f"{name}: {change}" for name, change in changes)
        yield Hit(
            message=(
                f"configuration of function {item.live.name} differs from the manifest "
                f"{pin.manifest}: {listed}"
            ),
            location=item.function.loc(changes[0][0]),
            function=item.live.name,
        )
