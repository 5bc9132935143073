"""Invocation duration anomaly.

What it finds:
5-minute windows with at least 5 invocations whose geometric-mean duration is at least 3 x the
function's median window and 6 robust deviations (median absolute deviation) above it.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against Lambda logs from the seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

Why it matters:
Sudden slowness costs money on every invocation and is the signature of slow-input attacks
(ReDoS, huge payloads), of a degraded dependency, or of code doing something new (mining,
exfiltration).

Example:

```text
10:20-10:30 notify: geometric-mean duration 330 ms, 8.2x the usual 40 ms
```

How to fix:
Trace the slow invocations (evidence), bound input sizes and regular expressions, and set
client timeouts.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-400
- OWASP Serverless Top 10: SAS-8
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG014",
    name="duration-anomaly",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
