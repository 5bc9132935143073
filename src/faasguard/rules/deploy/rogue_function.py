"""Function in the account that no template or manifest declares.

What it finds:
Functions of the audited account and region that none of the templates given with
`faasguard audit --app` and no function of the manifest given with `--manifest` declares.
A template function without a static name matches the name CloudFormation generates for it
(`stack-LogicalId-SUFFIX`). Without `--app` or `--manifest` the rule does not run: there is
nothing to compare with.

Why it matters:
A function created by hand, by a compromised CI job or by an attacker who obtained
`lambda:CreateFunction` and `iam:PassRole` runs code nobody reviewed, with a role nobody
approved, and a template in git that still looks fine hides it.

Example:

```text
$ faasguard audit --region eu-west-1 --app . --manifest manifest.signed.json
DEPLOY004 arn:aws:lambda:eu-west-1:123456789012:function:backup-helper
```

How to fix:
Find out who created it (CloudTrail `CreateFunction20150331`); delete it, or bring it under
the pipeline by declaring it in a template and a signed manifest.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/security-dataprotection.html
- CWE-912: Hidden Functionality
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule


@rule(
    id="DEPLOY004",
    name="rogue-function",
    severity=Severity.HIGH,
    practice=Practice.P4,
    cwe=("CWE-912",),
    owasp=("SAS-3",),
    formats=(),
    source=Source.LIVE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per deployed function that nothing declares."""
    state = app.live
    if state is None or not state.inventory:
        return
    for live in state.functions:
        if state.declaration(live.name) is not None or state.pin(live.name) is not None:
            continue
        yield Hit(
            message=(
                f"function {live.name} is deployed in {state.account}/{state.region} but no "
                "template or manifest declares it: it runs code and a role nobody approved"
            ),
            location=live.location,
            function=live.name,
        )
