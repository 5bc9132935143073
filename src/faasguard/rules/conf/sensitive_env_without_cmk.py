"""Sensitive environment variables without a customer managed KMS key.

What it finds:
Functions with environment variables whose names say they hold secrets (`PASSWORD`,
`SECRET`, `TOKEN`, `API_KEY`, ...; see CONF002 for the list), whatever their value, literal
or resolved at deploy time (`{{resolve:ssm:...}}`, `${ssm:...}`), and no customer managed
KMS key (`KmsKeyArn`, `kms_key_arn`, `awsKmsKeyArn`). Variables that only locate a secret
(`DB_SECRET_ARN`) do not count.

Why it matters:
Lambda encrypts environment variables at rest with an AWS managed key that every principal
allowed to read the function's configuration can use implicitly: `lambda:GetFunction
Configuration` returns the decrypted values. A customer managed key adds a second gate
(`kms:Decrypt` in the key policy) and an audit trail of every decryption in CloudTrail.

Example:

```yaml
functions:
  report:
    handler: report.handler
    environment:
      DB_PASSWORD: ${ssm:/shop/db-password}   # resolved into the config, AWS managed key
```

How to fix:
Better: do not put secrets in the environment at all (read them from Secrets Manager at run
time). Otherwise set `KmsKeyArn` to a customer managed key whose policy grants `kms:Decrypt`
only to the function's role.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html
- CWE-311: Missing Encryption of Sensitive Data
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.secrets import is_secret_name


@rule(
    id="CONF003",
    name="sensitive-env-without-cmk",
    severity=Severity.LOW,
    practice=Practice.P7,
    cwe=("CWE-311",),
    owasp=("SAS-7",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function with sensitive variables and no customer managed key."""
    for fn in app.functions:
        if fn.kms_key is not None:
            continue
        names = sorted(name for name in fn.environment if is_secret_name(name))
        if not names:
            continue
        yield Hit(
            message=(
                f"function {fn.display_name} has sensitive environment variables "
                f"({', '.join(names)}) encrypted only with the AWS managed key: set KmsKeyArn "
                "to a customer managed key, or read the secrets at run time"
            ),
            location=fn.location,
            function=fn.ref,
        )
