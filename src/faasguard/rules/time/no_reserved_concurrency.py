"""Function exposed to untrusted events without reserved concurrency.

What it finds:
Functions with at least one trigger that outsiders can fire (HTTP APIs, load balancers,
function URLs, AppSync, S3 uploads, SQS, SNS, SES, IoT) and no reserved concurrency. The
finding is medium for HTTP-exposed functions and low otherwise. Unknown values are not
reported.

Why it matters:
Without a cap, a flood of requests or uploads scales the function to the whole account's
concurrency: every invocation is billed (denial of wallet), downstream databases are
overwhelmed, and every other function of the account is throttled for lack of concurrency.

Example:

```yaml
functions:
  upload:
    handler: upload.handler
    events:
      - httpApi: POST /upload   # no reservedConcurrency
```

How to fix:
Set `ReservedConcurrentExecutions` (`reservedConcurrency` in Serverless,
`reserved_concurrent_executions` in Terraform) to the concurrency the function really needs
at peak; combine with API throttling (TRIG005) and billing alarms.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
- CWE-770: Allocation of Resources Without Limits or Throttling
- OWASP Serverless Top 10: SAS-8 Denial of Service & Financial Resource Exhaustion
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules._helpers import UNTRUSTED_KINDS, join
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="TIME004",
    name="no-reserved-concurrency",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-770",),
    owasp=("SAS-8",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per untrusted-triggered function without reserved concurrency."""
    for fn in app.functions:
        if fn.reserved_concurrency is not None:
            continue
        exposed = [t for t in fn.triggers if t.kind in UNTRUSTED_KINDS]
        exposed_kinds = (["function-url"] if fn.url is not None else []) + [
            t.kind.value for t in exposed
        ]
        if not exposed_kinds:
            continue
        http = fn.url is not None or any(t.kind.is_http for t in exposed)
        yield Hit(
            message=(
                f"function {fn.display_name} is triggered by {join(exposed_kinds)} but has no "
                "reserved concurrency: a flood of events can scale it without limit (denial "
                "of wallet); set reserved concurrency"
            ),
            location=fn.loc("reserved_concurrency"),
            function=fn.ref,
            severity=Severity.MEDIUM if http else Severity.LOW,
        )
