"""Unsigned code where code signing is expected.

What it finds:
Deployed zip functions whose manifest (`faasguard audit --manifest`) pins a code-signing
configuration, but which now have none (it was removed), or whose deployed code carries no
signature (`SigningProfileVersionArn` is empty: the configuration only warns, or was
attached after the code was deployed).

Why it matters:
Code signing is the control that stops a stolen deployment credential from shipping code.
Removing the configuration (`lambda:DeleteFunctionCodeSigningConfig`) or deploying under a
`Warn` policy switches it off without a trace in the template.

Example:

```text
$ aws lambda delete-function-code-signing-config --function-name payments
$ faasguard audit --manifest manifest.signed.json --trusted-key ci.pub
DEPLOY009 arn:aws:lambda:eu-west-1:123456789012:function:payments
```

How to fix:
Attach the code-signing configuration again with `UntrustedArtifactOnDeployment: Enforce`,
redeploy the signed package, and deny `lambda:DeleteFunctionCodeSigningConfig` and
`lambda:PutFunctionCodeSigningConfig` outside the pipeline.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
- CWE-347: Improper Verification of Cryptographic Signature
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Location
from faasguard.rules.base import Source, rule
from faasguard.rules.deploy._live import pinned


@rule(
    id="DEPLOY009",
    name="unsigned-code",
    severity=Severity.HIGH,
    practice=Practice.P4,
    cwe=("CWE-347",),
    owasp=("SAS-3",),
    formats=(),
    source=Source.LIVE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per deployed function whose expected signature is missing."""
    for item, pin in pinned(app):
        if pin.config.get("code_signing") is not True or item.live.package_type == "Image":
            continue
        if item.function.code_signing_config is None:
            problem = "has no code-signing configuration any more"
        elif not item.live.signing_profile_version_arn:
            problem = "runs code that carries no signature"
        else:
            continue
        yield Hit(
            message=(
                f"function {item.live.name} {problem}, but the manifest {pin.manifest} "
                "expects signed code: anyone able to update it can deploy unsigned code"
            ),
            location=Location(file=item.live.arn, pointer="/CodeSigningConfigArn"),
            function=item.live.name,
        )
