"""Function without active X-Ray tracing.

What it finds:
Functions whose tracing mode is not `Active` (unset or `PassThrough`). A tracing mode that is
not statically known is not reported.

Why it matters:
Without traces, an investigation cannot follow a request from the API through the function
to the databases and services it called: which invocation touched which record, where time
went during a slowdown or a denial-of-wallet attack. Traces are the cheapest audit trail of a
function's outbound calls.

Example:

```yaml
provider:
  name: aws
  runtime: python3.12
  # tracing: {lambda: true} missing
```

How to fix:
Set `Tracing: Active` (SAM `Globals.Function.Tracing`, Serverless `provider.tracing.lambda:
true`, Terraform `tracing_config { mode = "Active" }`) and grant the role
`xray:PutTraceSegments` (the AWSXRayDaemonWriteAccess policy).

References:
- https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
- CWE-778: Insufficient Logging
- OWASP Serverless Top 10: SAS-5 Inadequate Function Monitoring and Logging
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Unknown
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="LOG002",
    name="no-active-tracing",
    severity=Severity.LOW,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function without ``Active`` tracing."""
    for fn in app.functions:
        tracing = fn.tracing
        if isinstance(tracing, Unknown):
            continue
        if tracing is not None and tracing.lower() == "active":
            continue
        mode = tracing if tracing is not None else "not set"
        yield Hit(
            message=(
                f"function {fn.display_name} has no active X-Ray tracing (tracing: {mode}): "
                "set Tracing to Active"
            ),
            location=fn.loc("tracing"),
            function=fn.ref,
        )
