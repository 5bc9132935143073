"""Plaintext secret in a function's environment variables.

What it finds:
Environment variables whose statically known value is a secret: a value that matches one
of the detect-secrets detectors (AWS access keys, private keys, GitHub, GitLab, Slack,
Stripe, npm, PyPI, OpenAI, SendGrid and Twilio tokens, JWTs), a long high-entropy token, or
any literal value of a variable whose name says it holds a secret (`PASSWORD`, `SECRET`,
`TOKEN`, `API_KEY`, `PRIVATE_KEY`, `CLIENT_SECRET`, ...). References are not secrets and are
skipped: ARNs, `{{resolve:...}}`, `${ssm:...}` and other variables, values that are not
statically known, and obvious placeholders (`changeme`, `<token>`, `xxx`). Names that locate
a secret rather than hold it (`DB_SECRET_ARN`, `TOKEN_TABLE`) are skipped too. The message
never shows the value, only its first two characters and its length.

Why it matters:
Environment variables are readable by anyone with `lambda:GetFunctionConfiguration` (many
read-only roles and tools), appear in the template in the repository and its history, in
CloudFormation and Terraform state, and in CI logs. A secret there is shared with everyone
who can read any of those.

Example:

```yaml
Resources:
  Checkout:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          STRIPE_API_KEY: sk_live_51H8...   # a live key in the template
```

How to fix:
Store the secret in AWS Secrets Manager or SSM Parameter Store (SecureString), pass its ARN
or name in the environment, read it at run time (the Parameters and Secrets Lambda
extension caches it), and rotate the exposed secret now: it is in your repository history.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption
- https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
- https://github.com/Yelp/detect-secrets
- CWE-798: Use of Hard-coded Credentials
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Unknown
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.secrets import (
    is_high_entropy,
    is_literal,
    is_secret_name,
    known_secret_type,
    redact,
)


def classify(name: str, value: object) -> tuple[str, Severity, str] | None:
    """Why ``value`` of variable ``name`` is a plaintext secret, how bad, and what kind of
    secret it is (for :func:`redact`), or ``None``."""
    if isinstance(value, Unknown) and value.literal_secret:
        if value.reason.startswith("it"):
            # read from a live account (faasguard audit): the verdict below was kept when the
            # value was read, the value was not; its severity follows from the verdict
            severity = (
                Severity.CRITICAL
                if value.reason.startswith("it matches the")
                else Severity.MEDIUM
                if value.reason.startswith("it is a long")
                else Severity.HIGH
            )
            return value.reason, severity, "secret"
        # a NoEcho parameter's default: in the template in plain text, its value kept out
        if is_secret_name(name):
            return "its name says it holds a secret", Severity.HIGH, "secret"
        return "it is the default of a NoEcho parameter", Severity.HIGH, "secret"
    if not is_literal(value):
        return None
    assert isinstance(value, str)  # is_literal guarantees it
    kind = known_secret_type(value)
    if kind is not None:
        return f"it matches the {kind} pattern", Severity.CRITICAL, kind
    if is_secret_name(name):
        return "its name says it holds a secret", Severity.HIGH, "secret"
    if is_high_entropy(value):
        return "it is a long random-looking token", Severity.MEDIUM, "token"
    return None


@rule(
    id="CONF002",
    name="plaintext-secret-in-environment",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-798",),
    owasp=("SAS-7",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per environment variable holding a literal secret."""
    for fn in app.functions:
        for name, value in fn.environment.items():
            verdict = classify(name, value)
            if verdict is None:
                continue
            reason, severity, kind = verdict
            yield Hit(
                message=(
                    f"environment variable {name} of function {fn.display_name} holds a "
                    f"plaintext secret ({redact(str(value), kind)}; {reason}): store it in Secrets "
                    "Manager or SSM Parameter Store, pass its name, and rotate it"
                ),
                location=fn.loc(f"environment.{name}"),
                function=fn.ref,
                key=name,
                severity=severity,
            )
