"""Function invocations timed out.

What it finds:
Invocations that ended with `Task timed out after N seconds` (text logs) or a `platform.report`
record with status `timeout` (JSON log format), grouped per function and hour, with the timeout
value and the timed-out lines as evidence.

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.facts import iso_ms, seen_alert
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG010",
    name="function-timeouts",
    severity=Severity.HIGH,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    source=Source.LAMBDA_LOGS,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """One alert per function and hour with timed-out invocations."""
    for (function, hour), seen in sorted(facts.state.timeouts.items()):
        limit = seen.extra.get("timeout_s")
        after = f" after {limit:g} s" if limit else ""
        yield seen_alert(
            function,
            seen,
            f"{function} timed out {seen.count} time(s){after} "
            f"between {iso_ms(seen.first_ms)} and {iso_ms(seen.last_ms)}",
            f"{hour}",
            timeout_s=limit,
        )
