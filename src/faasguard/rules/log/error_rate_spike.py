"""Error-rate spike against the function's own baseline.

What it finds:
5-minute windows in which a function's errors (ERROR-level lines, timeouts, runtime exits) are
at least 5 and their rate exceeds max(10 %, 4 x the function's overall rate, median + 6 robust
deviations of its windows); adjacent windows are merged. The baseline includes earlier runs
kept in `.faasguard/logs.duckdb`.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against Lambda logs from the seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

Why it matters:
Error spikes are the first trace of injection probes, malformed-event fuzzing, a broken
dependency or a bad deployment. Nobody reads logs by hand in time.

Example:

```text
10:40-10:50 orders-api: 14 errors in 23 invocations (61 %) against a baseline of 1.2 %
```

How to fix:
Read the evidence lines, correlate with deployments (CloudTrail) and with injection findings
(LOG017), and set a CloudWatch alarm on the Errors metric.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-778
- OWASP Serverless Top 10: SAS-5
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG012",
    name="error-rate-spike",
    severity=Severity.MEDIUM,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
