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

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from faasguard.code.facts import (
    CodeMatch,
    Label,
    Labels,
    LabelSpec,
    Sink,
    describe,
    label,
    match_key,
)
from faasguard.code.javascript.facts import JsFile
from faasguard.code.python.facts import PyFile
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits


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
    yield from pattern_hits(app, match_python, match_javascript)


#: The environment variables holding the function's AWS credentials, and the label kind
#: each gets (the key id alone cannot sign a request).
AWS_CREDENTIAL_VARIABLES = {
    "AWS_SECRET_ACCESS_KEY": "cred-secret",
    "AWS_SESSION_TOKEN": "cred-secret",
    "AWS_ACCESS_KEY_ID": "cred-id",
}


class CredentialSpec(LabelSpec):
    """AWS credentials from the environment or the SDK's credential chain."""

    precise_calls = True

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        if qual in ("os.environ", "process.env"):
            return label("environment", line, column, f"the whole environment ({qual})")
        if qual in ("os.getenv()", "os.environ.get()"):
            return None  # narrowed by its first argument in the language walkers
        if qual is not None and qual.endswith(
            (".get_credentials()", ".get_frozen_credentials()", ".credentials()")
        ):
            return label("cred-secret", line, column, qual.removesuffix("()") + "()")
        if qual in (
            "AWS.config.credentials",
            "aws-sdk.config.credentials",
            "@aws-sdk/credential-providers.fromEnv()()",
            "@aws-sdk/credential-provider-node.defaultProvider()()",
            "@aws-sdk/credential-providers.fromNodeProviderChain()()",
        ):
            return label("cred-secret", line, column, qual.replace("()()", "()"))
        return None

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        result: set[Label] = set()
        for found in labels:
            if found.kind == "environment":
                if key == "*":
                    result.add(found)
                elif key in AWS_CREDENTIAL_VARIABLES:
                    result.add(Label(AWS_CREDENTIAL_VARIABLES[key], line, column, key))
            elif key not in ("method", "expiry_time", "expiration"):
                result.add(found)
        return frozenset(result)


#: What carries AWS credentials (also read by CODE023, which leaves these log calls to us).
CREDENTIALS = CredentialSpec()


def _exposures(path: Path, sinks: Iterable[tuple[Sink, Labels]]) -> Iterator[CodeMatch]:
    for sink, labels in sinks:
        carried = frozenset(
            lab for lab in labels if lab.kind in ("cred-secret", "cred-id", "environment")
        )
        if not carried:
            continue
        secret = any(lab.kind in ("cred-secret", "environment") for lab in carried)
        logged = sink.kind == "log"
        yield CodeMatch(
            str(path),
            sink.line,
            sink.column,
            f"AWS credentials ({describe(carried)}) are "
            + ("logged" if logged else "returned to the caller")
            + ": with them anyone can act as the function's role from anywhere until they "
            "expire; never expose them (the SDK reads them itself)",
            match_key(path, "credentials", sink.kind, describe(carried)),
            (Severity.CRITICAL if not logged else Severity.HIGH) if secret else Severity.MEDIUM,
            handler_return=sink.export,
            requires_http=sink.kind == "return",
        )


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """AWS credentials in what a handler returns or logs."""
    found = []
    for scope in file.scopes:
        flow = file.flow(scope, CREDENTIALS)
        for sink in file.sinks(scope):
            if sink.kind == "return" and sink.export is None:
                continue  # a helper returning credentials to its caller is not exposure
            found.append((sink, flow.labels(sink.value)))
    return _exposures(file.path, found)


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """AWS credentials in what a handler returns, responds or logs."""
    found: list[tuple[Sink, Labels]] = []
    for scope in file.scopes:
        flow = file.flow(scope, CREDENTIALS)
        for sink in file.sinks(scope):
            if sink.kind == "callback-error" or (sink.kind == "return" and sink.export is None):
                continue
            found.append((sink, flow.labels(sink.value)))
    return _exposures(file.path, found)
