"""Function timeout at the Lambda maximum.

What it finds:
Functions whose timeout is set to the highest value Lambda allows, 15 minutes (see
Thresholds). Unknown timeouts are not reported.

Why it matters:
The maximum is rarely a measured need: it is what gets set when a function timed out once.
It lets a hung call, an infinite loop or an attacker-controlled slow input burn 15 minutes of
compute per invocation, multiplied by concurrency and retries (denial of wallet), and hides
performance regressions that a tight timeout would surface.

Example:

```hcl
resource "aws_lambda_function" "report" {
  function_name = "report"
  timeout       = 900
}
```

How to fix:
Measure the function's duration (CloudWatch `Duration` p99, `faasguard` timeout
right-sizing) and set the timeout a little above it. Long batch work belongs in Step
Functions, ECS or AWS Batch.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
- CWE-400: Uncontrolled Resource Consumption
- OWASP Serverless Top 10: SAS-8 Denial of Service & Financial Resource Exhaustion
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule, thresholds

LIMITS = thresholds(max_timeout_seconds=900)


@rule(
    id="TIME002",
    name="timeout-at-maximum",
    severity=Severity.LOW,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    formats=ALL_FORMATS,
    thresholds=LIMITS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function whose timeout is at the maximum."""
    for fn in app.functions:
        if isinstance(fn.timeout, int) and fn.timeout >= LIMITS["max_timeout_seconds"]:
            yield Hit(
                message=(
                    f"function {fn.display_name} has the maximum timeout of {fn.timeout} s: "
                    "set it just above the measured duration"
                ),
                location=fn.loc("timeout"),
                function=fn.ref,
            )
