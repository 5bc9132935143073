"""AWS credentials from the environment returned or logged.

What it finds:
The function's own temporary AWS credentials flowing to the caller or to the logs:
`os.environ["AWS_SECRET_ACCESS_KEY"]`, `AWS_SESSION_TOKEN` and `AWS_ACCESS_KEY_ID`
(subscript, `.get`, `os.getenv`), the whole `os.environ` (`dict(os.environ)`),
`boto3.Session().get_credentials()` / `get_frozen_credentials()`; Node
`process.env.AWS_SECRET_ACCESS_KEY` (also destructured from `process.env`), the whole
`process.env`, `AWS.config.credentials`, `client.config.credentials()`. Reported when the
value reaches the handler's return value (for functions with an HTTP trigger), a response
body, `callback(null, ...)`, `res.send/json`, or a log call: critical when the secret key or
session token (or the whole environment) is returned, high when logged, medium for the
access key id alone.

The flow is followed inside one function (assignments, destructuring, containers,
f-strings): a helper that returns the credentials to the handler, which then returns them,
is not found. Credentials used to sign a request are not exposure and are not reported.

Why it matters:
Lambda puts the execution role's temporary credentials in the environment. Whoever gets the
three values can act as the function's role from anywhere until they expire (up to 12
hours): read its tables, write its buckets, and escalate with whatever the role allows.
Debug endpoints that echo the environment are a classic way to leak them.

Example:

```javascript
exports.handler = async () => ({ statusCode: 200, body: JSON.stringify(process.env) });
```

How to fix:
Never return or log the environment or credentials. Let the SDK read them; log their
presence or the role ARN if you must.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
- CWE-522: Insufficiently Protected Credentials
- CWE-532: Insertion of Sensitive Information into Log File
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
    id="CODE026",
    name="aws-credentials-exposed",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-522", "CWE-532"),
    owasp=("SAS-7",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per return, response or log call carrying AWS credentials."""
    yield from rule_hits(app, "CODE026")
