"""Code-signing configuration only warns about unsigned code.

What it finds:
Code-signing configurations whose `UntrustedArtifactOnDeployment` policy is `Warn`, or is
not set (Lambda then defaults to `Warn`), with the functions that use them. Functions are
matched to configurations by reference or ARN. A policy that is not statically known is not
reported.

Why it matters:
With `Warn`, Lambda logs a CloudWatch metric for unsigned or wrongly signed code and deploys
it anyway: the configuration gives a sense of protection and none of the protection.

Example:

```yaml
Resources:
  Signing:
    Type: AWS::Lambda::CodeSigningConfig
    Properties:
      AllowedPublishers:
        SigningProfileVersionArns: [!Ref ProfileVersionArn]
      CodeSigningPolicies:
        UntrustedArtifactOnDeployment: Warn
```

How to fix:
Set `UntrustedArtifactOnDeployment: Enforce` once the CI pipeline signs every package.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
- https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-codesigningconfig-codesigningpolicies.html
- CWE-494: Download of Code Without Integrity Check
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, CodeSigningConfig, Unknown
from faasguard.rules._helpers import find_resource, join
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="DEPLOY002",
    name="code-signing-warn-only",
    severity=Severity.MEDIUM,
    practice=Practice.P4,
    cwe=("CWE-494",),
    owasp=("SAS-3",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per code-signing configuration that does not enforce signatures."""
    users: dict[str, list[str]] = {}
    for fn in app.functions:
        config = find_resource(app, fn.code_signing_config, CodeSigningConfig)
        if config is not None:
            users.setdefault(config.ref, []).append(fn.display_name)
    for config in app.of_type(CodeSigningConfig):
        policy = config.policy
        if isinstance(policy, Unknown) or (policy is not None and policy.lower() == "enforce"):
            continue
        setting = policy if policy is not None else "not set (defaults to Warn)"
        used_by = users.get(config.ref, [])
        where = f" (used by {join(used_by)})" if used_by else ""
        yield Hit(
            message=(
                f"code-signing configuration {config.ref}{where} has "
                f"UntrustedArtifactOnDeployment {setting}: unsigned code still deploys; set "
                "it to Enforce"
            ),
            location=config.location,
            resource=config.ref,
        )
