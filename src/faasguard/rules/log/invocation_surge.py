"""Invocation surge (possible flood or denial of wallet).

What it finds:
5-minute windows with at least 50 invocations, at least 5 x the function's median window and 10
robust deviations above it, with the number of extra invocations and what they cost (dated
price table, region and architecture).

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against Lambda logs from the seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

Why it matters:
Serverless scales with the attacker: a flood does not take the function down, it sends the bill
up (denial of wallet) and can exhaust the account's concurrency for every other function.

Example:

```text
11:25-11:35 orders-api: 1412 invocations in 5 minutes against a median of 94
```

How to fix:
Throttle at the edge (API Gateway usage plans, WAF rate rules), set reserved concurrency on
exposed functions, and alarm on invocations.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-770
- OWASP Serverless Top 10: SAS-8
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG015",
    name="invocation-surge",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-770",),
    owasp=("SAS-8",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
