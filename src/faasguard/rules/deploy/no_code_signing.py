"""Function without a code-signing configuration.

What it finds:
Zip-packaged functions with no code-signing configuration (`CodeSigningConfigArn`,
`code_signing_config_arn`). Container-image functions are skipped: Lambda code signing does
not apply to them (sign images with AWS Signer and verify them in the registry instead).
Several unsigned functions of one app give one finding, at SAM `Globals.Function` or
Serverless `provider` when the app has that section (else at the first function), that names
them and lists their declarations as related locations.

Why it matters:
Without code signing, anyone who obtains `lambda:UpdateFunctionCode` (a leaked CI key, an
over-privileged role) can replace the function's code with their own, and Lambda runs it.
With an enforced signing configuration, only code signed by your signing profiles deploys.

Example:

```hcl
resource "aws_lambda_function" "payments" {
  function_name = "payments"
  filename      = "payments.zip"
  # no code_signing_config_arn
}
```

How to fix:
Create an AWS Signer signing profile, a code-signing configuration that allows it with
`UntrustedArtifactOnDeployment: Enforce`, sign the deployment packages in CI, and set the
function's `CodeSigningConfigArn`.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
- CWE-494: Download of Code Without Integrity Check
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules._causes import Missing, one_per_cause
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="DEPLOY001",
    name="no-code-signing",
    severity=Severity.LOW,
    practice=Practice.P4,
    cwe=("CWE-494",),
    owasp=("SAS-3",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit for the zip functions without a code-signing configuration."""
    unsigned: list[Missing] = []
    for fn in app.functions:
        if fn.package_type.lower() == "image" or fn.code.kind == "image":
            continue
        if fn.code_signing_config is not None:
            continue
        hit = Hit(
            message=(
                f"function {fn.display_name} has no code-signing configuration: anyone able to "
                "update its code can deploy unsigned code; attach a CodeSigningConfig with "
                "Enforce"
            ),
            location=fn.location,
            function=fn.ref,
        )
        unsigned.append(Missing(fn, hit))
    problem = (
        "have no code-signing configuration: anyone able to update their code can deploy "
        "unsigned code"
    )
    fix = "attach a CodeSigningConfig with Enforce to each"
    yield from one_per_cause(app, unsigned, problem, fix)
