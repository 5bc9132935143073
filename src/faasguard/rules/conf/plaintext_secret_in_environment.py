"""Plaintext secret in a function's environment variables.

What it finds:
Environment variables whose statically known value is a secret: a value that matches one
of the detect-secrets detectors (AWS access keys, private keys, GitHub, GitLab, Slack,
Stripe, npm, PyPI, OpenAI, SendGrid and Twilio tokens, JWTs), a long high-entropy token, or
any literal value of a variable whose name says it holds a secret (`PASSWORD`, `SECRET`,
`TOKEN`, `API_KEY`, `PRIVATE_KEY`, `CLIENT_SECRET`, ...). Obvious placeholders (`changeme`,
`<token>`, `xxx`, `REPLACE_WITH_TOKEN`) are skipped. Names that locate a secret rather than
hold it (`DB_SECRET_ARN`, `TOKEN_TABLE`) are skipped too. The message never shows the value,
only its first two characters and its length.

Secrets that the deployment resolves into the environment are reported at medium severity:
the variable ends up holding the secret in plain text in the function's configuration
(and in Terraform state) although the template does not:

- Terraform references to `random_password.*.result`, `aws_iam_access_key.*.secret`,
  `aws_secretsmanager_secret_version.*.secret_string`, `tls_private_key.*.private_key_pem`,
  and `aws_ssm_parameter` values bound to a variable whose name says it holds a secret;
- CloudFormation dynamic references `{{resolve:secretsmanager:...}}` and
  `{{resolve:ssm-secure:...}}` (and `{{resolve:ssm:...}}` for a secret-named variable);
- Serverless Framework `${ssm:...}` values for SecureString (`~true`), Secrets Manager
  (`/aws/reference/secretsmanager/`) or secret-named variables.

Other references (ARNs, parameter names, other variables) and values that are not
statically known are not secrets.

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

import re
from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Unknown
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.secrets import (
    is_high_entropy,
    is_literal,
    is_secret_field,
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


#: Terraform attributes that hold a secret's value (``module.x.`` prefixes allowed).
_TF_SECRET_VALUE = re.compile(
    r"(?<![\w.-])(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(?:"
    r"random_password\.[\w-]+(?:\[[^\]]*\])?\.(?:result|bcrypt_hash)"
    r"|aws_iam_access_key\.[\w-]+(?:\[[^\]]*\])?\.(?:secret|ses_smtp_password_v4)"
    r"|(?:data\.)?aws_secretsmanager_secret_version\.[\w-]+(?:\[[^\]]*\])?\.secret_string"
    r"|tls_private_key\.[\w-]+(?:\[[^\]]*\])?\.private_key_\w+"
    r")\b"
)
#: Terraform SSM parameter values: a secret when the variable's name says so.
_TF_SSM_VALUE = re.compile(
    r"(?<![\w.-])(?:module\.[\w-]+\.)*(?:data\.)?aws_ssm_parameter\.[\w-]+\.(?:value|insecure_value)\b"
)
#: CloudFormation dynamic references resolved into the property at deploy time.
_CFN_SECRET_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):", re.IGNORECASE)
_CFN_SSM_REFERENCE = re.compile(r"\{\{resolve:ssm:", re.IGNORECASE)
#: Serverless Framework ``${ssm:...}`` (v3 decrypts SecureString parameters).
_SLS_SECRET_REFERENCE = re.compile(r"\$\{ssm:[^}]*(/aws/reference/secretsmanager/|~true)")
_SLS_SSM_REFERENCE = re.compile(r"\$\{ssm:")


#: The JSON key a reference picks out of a secret: CloudFormation's
#: ``{{resolve:secretsmanager:id:SecretString:username}}``, Terraform's
#: ``jsondecode(...secret_string)["username"]``.
_JSON_KEY = re.compile(
    r"resolve:secretsmanager:.*?:SecretString:([^:}]+)"
    r"|secret_string\)?\s*(?:\[\s*\"([^\"]+)\"|\.(\w+))"
)


def resolved_secret(name: str, value: object) -> str | None:
    """What makes ``value`` a secret that the deployment resolves into the function's
    configuration in plain text (a reference to a generated password, an access key's
    secret, a Secrets Manager or SecureString value), or ``None``."""
    text = value.expression if isinstance(value, Unknown) else value
    if not isinstance(text, str):
        return None
    picked = _JSON_KEY.search(text)
    if picked is not None:
        key = next(g for g in picked.groups() if g)
        if not is_secret_field(key) and not is_secret_name(name):
            return None  # one non-secret field of a secret (the user name, the host)
    # an SSM parameter is a secret when the variable or the parameter's own name says so
    tail = re.split(r"[/:.]", re.sub(r"(~true)?\}+$", "", text))[-1]
    secret_name = is_secret_name(name) or is_secret_field(tail)
    found = _TF_SECRET_VALUE.search(text) or (secret_name and _TF_SSM_VALUE.search(text))
    if found:
        return (
            f"the value of {found.group(0)}, which Terraform writes into the function configuration"
        )
    found = _CFN_SECRET_REFERENCE.search(text) or (secret_name and _CFN_SSM_REFERENCE.search(text))
    if found:
        return (
            "a CloudFormation dynamic reference, resolved at deploy time into the function "
            "configuration"
        )
    found = _SLS_SECRET_REFERENCE.search(text) or (secret_name and _SLS_SSM_REFERENCE.search(text))
    if found:
        return "an SSM/Secrets Manager value the Serverless Framework resolves at deploy time"
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
                resolved = resolved_secret(name, value)
                if resolved is not None:
                    yield Hit(
                        message=(
                            f"environment variable {name} of function {fn.display_name} "
                            f"receives a secret at deploy time ({resolved}): anyone who can "
                            "read the function's configuration reads it in plain text; pass "
                            "the secret's name or ARN and read it at run time"
                        ),
                        location=fn.loc(f"environment.{name}"),
                        function=fn.ref,
                        key=name,
                        severity=Severity.MEDIUM,
                    )
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
