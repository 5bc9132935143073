"""Function invocations timed out.

What it finds:
Invocations that ended with `Task timed out after N seconds` (text logs) or a `platform.report`
record with status `timeout` (JSON log format), grouped per function and hour, with the timeout
value and the timed-out lines as evidence.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against Lambda logs from the seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

Why it matters:
A timeout kills the invocation mid-work (partial writes, retried events, duplicate side
effects) and bills the full timeout. Bursts of timeouts are also what a slow-input or ReDoS
attack looks like.

Example:

```text
2024-05-01T02:12:10.412Z 8f5f...-4a2b Task timed out after 10.00 seconds
```

How to fix:
Find the slow dependency (trace it), set client timeouts below the function timeout, and
right-size the timeout with `faasguard logs suggest`.

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
    id="LOG010",
    name="function-timeouts",
    severity=Severity.HIGH,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
