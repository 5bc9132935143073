"""Deployed code differs from the signed manifest.

What it finds:
Functions whose deployed code hash (`CodeSha256`, as `ListFunctions` reports it) is not the
hash the signed manifest pins for them (`faasguard audit --manifest`), and aliases that
invoke a published version with other code (an alias `prod` on a tampered version while
`$LATEST` is clean). Functions the manifest does not pin, or pins without an artifact
(container images), are not compared.

Why it matters:
The code running in the account is not the code that was reviewed, built and signed: a
compromised workstation or CI job, or anyone with `lambda:UpdateFunctionCode`, replaced it.

Example:

```text
$ faasguard audit --manifest manifest.signed.json --trusted-key ci.pub
DEPLOY005 arn:aws:lambda:eu-west-1:123456789012:function:payments  (CodeSha256)
```

How to fix:
Treat it as an incident: keep the deployed package for analysis (`GetFunction` gives its
location), find who updated it in CloudTrail, redeploy the signed artifact and enforce code
signing (`UntrustedArtifactOnDeployment: Enforce`).

References:
- https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html
- CWE-494: Download of Code Without Integrity Check
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.deploy._live import pinned


@rule(
    id="DEPLOY005",
    name="code-drift",
    severity=Severity.CRITICAL,
    practice=Practice.P4,
    cwe=("CWE-494",),
    owasp=("SAS-3",),
    formats=(),
    source=Source.LIVE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per deployed function whose code is not the signed code."""
    for item, pin in pinned(app):
        if not pin.code_sha256:
            continue
        running = {"": item.live.code_sha256, **item.live.aliases}
        for alias, code_sha256 in sorted(running.items()):
            if code_sha256 == pin.code_sha256:
                continue
            what = (
                f"alias {alias} of function {item.live.name}"
                if alias
                else (f"function {item.live.name}")
            )
            yield Hit(
                message=(
                    f"{what} runs code with CodeSha256 {code_sha256}, not the "
                    f"{pin.code_sha256} signed in {pin.manifest}: the deployed code was "
                    "changed outside the approved pipeline"
                ),
                location=item.live.location,
                function=item.live.name,
                key=alias,
            )
