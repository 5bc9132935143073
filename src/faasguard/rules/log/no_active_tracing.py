"""Function without active X-Ray tracing.

What it finds:
Functions whose tracing mode is not `Active` (unset or `PassThrough`). A tracing mode that is
not statically known is not reported. Several functions with no tracing set share one cause,
the missing app-wide default: they get one finding, at SAM `Globals.Function` or Serverless
`provider` when the app has that section (else at the first function), that names them and
lists their declarations as related locations. A function that sets another mode itself has
its own finding.

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
from faasguard.rules._causes import Missing, one_per_cause
from faasguard.rules.base import ALL_FORMATS, rule

_SHARED_FIX = {
    "sam": "set Globals.Function.Tracing: Active",
    "serverless": "set provider.tracing.lambda: true",
}


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
    """One hit per function that sets another mode; one for all that set none."""
    unset: list[Missing] = []
    for fn in app.functions:
        tracing = fn.tracing
        if isinstance(tracing, Unknown):
            continue
        if tracing is not None and tracing.lower() == "active":
            continue
        mode = tracing if tracing is not None else "not set"
        hit = Hit(
            message=(
                f"function {fn.display_name} has no active X-Ray tracing (tracing: {mode}): "
                "set Tracing to Active"
            ),
            location=fn.loc("tracing"),
            function=fn.ref,
        )
        if tracing is None:
            unset.append(Missing(fn, hit))
        else:
            yield hit
    fix = _SHARED_FIX.get(app.format, "set Tracing to Active on each")
    yield from one_per_cause(app, unset, "have no active X-Ray tracing (tracing not set)", fix)
