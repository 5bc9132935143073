"""Hard-coded secret or credential in handler code.

What it finds:
String literals in a function's code (the handler file and the local modules it imports,
Python and Node.js) that are secrets:

- values matching a detect-secrets detector: AWS access keys, private keys, GitHub, GitLab,
  Slack, Stripe, npm, PyPI, OpenAI, SendGrid and Twilio tokens, JWTs, URLs with a password
  (critical);
- high-entropy or password-like literals (8+ characters, mixed character classes with a
  digit) assigned to, compared with or passed as a secret-like name: `password`, `secret`,
  `token`, `api_key`, `apiKey`, `client_secret`, `aws_secret_access_key`, ... (high).

Not reported, as obvious placeholders or test values: values shorter than 8 characters,
containing `example`, `dummy`, `placeholder`, `changeme`, `replace_me`, `your_`, `xxxx`,
`***`, `fake`, `sample`, `redacted`, `<...>`, `${...}` or `{{...}}`, starting or ending
with `test`, the jwt.io sample token, identifier-like values (`x-api-key`, `DB_PASSWORD`),
URLs and paths, names that locate a secret (`SECRET_ARN`, `TOKEN_URL`, `next_token`),
and docstrings. The message never shows the value: only its first two characters and its
length.

Why it matters:
The deployment package is readable by anyone with `lambda:GetFunction`, the code is in the
repository and its history, in CI caches and in every developer's checkout. A secret in the
code is shared with all of them and cannot be rotated without a redeploy.

Example:

```python
STRIPE_KEY = "sk_live_51H8..."        # a live key in the handler
```

How to fix:
Store the secret in AWS Secrets Manager or SSM Parameter Store (SecureString), read it at
run time (cached, e.g. with the Parameters and Secrets Lambda extension or Powertools
parameters), grant the function read access to that one secret, and rotate the exposed
value now: it is in your repository history.

References:
- https://github.com/Yelp/detect-secrets
- https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
- CWE-798: Use of Hard-coded Credentials
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.code.patterns import rule_hits
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule


@rule(
    id="CODE021",
    name="hardcoded-secret-in-code",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-798",),
    owasp=("SAS-7",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per secret literal in the functions' code."""
    yield from rule_hits(app, "CODE021")
