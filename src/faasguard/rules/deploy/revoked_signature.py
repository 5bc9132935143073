"""Deployed code signed by a revoked signing profile.

What it finds:
Functions of the audited account whose code was signed by an AWS Signer profile that has
since been revoked (`GetSigningProfile` says `Revoked`). Read from the live account by
`faasguard audit`; needs no template or manifest.

Why it matters:
A signing profile is revoked when its key or the pipeline that used it is no longer
trusted: a leaked signing credential, a compromised build. Lambda then refuses new
deployments signed by it after the revocation date, but code already deployed keeps
running: the function still runs what the untrusted signer produced until someone
redeploys it.

Example:

```text
$ aws signer revoke-signing-profile --profile-name ci --profile-version 1a2b3c \
    --reason "build host compromised" --effective-time 2026-11-01T00:00:00Z
$ faasguard audit
DEPLOY010 arn:aws:lambda:eu-west-1:123456789012:function:payments
```

How to fix:
Rebuild the function from reviewed sources, sign it with a trusted profile and redeploy;
then review what the function did since the revocation date (its CloudTrail and logs).

References:
- https://docs.aws.amazon.com/signer/latest/developerguide/revocation.html
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
- CWE-347: Improper Verification of Cryptographic Signature
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Location
from faasguard.rules.base import Source, rule
from faasguard.rules.deploy._live import deployed


@rule(
    id="DEPLOY010",
    name="revoked-signature",
    severity=Severity.HIGH,
    practice=Practice.P4,
    cwe=("CWE-347",),
    owasp=("SAS-3",),
    formats=(),
    source=Source.LIVE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per deployed function whose code's signing profile is revoked."""
    for _, item in deployed(app):
        live = item.live
        if live.signing_profile_status != "Revoked" or not live.signing_profile_version_arn:
            continue
        since = f" (signatures from {live.signing_revoked_from} on are invalid)"
        by = f", revoked by {live.signing_revoked_by}" if live.signing_revoked_by else ""
        yield Hit(
            message=(
                f"function {live.name} runs code signed by the revoked signing profile "
                f"{live.signing_profile_version_arn}"
                f"{since if live.signing_revoked_from else ''}{by}: Lambda refuses new "
                "deployments it signs, but this code keeps running until it is rebuilt, "
                "signed by a trusted profile and redeployed"
            ),
            location=Location(file=live.arn, pointer="/SigningProfileVersionArn"),
            function=live.name,
        )
