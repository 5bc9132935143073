"""Cold-start burst.

What it finds:
5-minute windows with at least 5 cold starts (`Init Duration` in REPORT, `initDurationMs` in
JSON) and a cold-start rate above max(20 %, median + 6 robust deviations).

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against Lambda logs from the seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

Why it matters:
Bursts of cold starts mean many new execution environments: a traffic burst, a deployment, or
concurrency being churned. They add latency and can cascade into timeouts.

Example:

```text
REPORT RequestId: ...	Duration: 98.10 ms	...	Init Duration: 612.40 ms
```

How to fix:
Correlate with deployments and surges; use provisioned concurrency or SnapStart for
latency-critical functions.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-400
- OWASP Serverless Top 10: SAS-5
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG016",
    name="cold-start-burst",
    severity=Severity.LOW,
    practice=Practice.P6,
    cwe=("CWE-400",),
    owasp=("SAS-5",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
