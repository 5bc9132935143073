"""Function memory at the Lambda maximum without a justification.

What it finds:
Functions configured with the most memory Lambda allows (see Thresholds) that do not carry the tag
`faasguard:memory-justification` (any non-empty value, e.g. the benchmark that showed the
need). The tag silences the rule. Unknown values are not reported.

Why it matters:
Lambda bills memory times duration: at the maximum, every second costs about 80 times a 128 MB
function, so a flood of invocations or a slow input is far more expensive. The maximum is
usually a guess made while debugging a timeout, not a measured need.

Example:

```yaml
Resources:
  Thumbnail:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 10240
```

How to fix:
Measure with AWS Lambda Power Tuning or the `Max Memory Used` of the function's REPORT log
lines and set the memory to what the function needs. If the maximum is needed, say why in a
`faasguard:memory-justification` tag.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
- https://github.com/alexcasalboni/aws-lambda-power-tuning
- CWE-400: Uncontrolled Resource Consumption
- OWASP Serverless Top 10: SAS-8 Denial of Service & Financial Resource Exhaustion
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule, thresholds

LIMITS = thresholds(max_memory_mb=10240)
JUSTIFICATION_TAG = "faasguard:memory-justification"


@rule(
    id="TIME005",
    name="memory-at-maximum",
    severity=Severity.LOW,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    formats=ALL_FORMATS,
    thresholds=LIMITS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function at maximum memory without the justification tag."""
    for fn in app.functions:
        if not isinstance(fn.memory, int) or fn.memory < LIMITS["max_memory_mb"]:
            continue
        if fn.tags.get(JUSTIFICATION_TAG):
            continue
        yield Hit(
            message=(
                f"function {fn.display_name} uses the maximum memory ({fn.memory} MB): right-size "
                f"it, or record why in a '{JUSTIFICATION_TAG}' tag"
            ),
            location=fn.loc("memory"),
            function=fn.ref,
        )
