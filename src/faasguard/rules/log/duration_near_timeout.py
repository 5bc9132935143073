"""Invocations ran close to the function timeout.

What it finds:
Completed invocations (not timed out) whose `REPORT` duration reached at least 80 % of the
function's configured timeout, per function: how many, when the first and the last ran, the
longest one, and the longest lines as evidence. The timeout comes from the scanned app
(`faasguard logs analyze --app PATH`, matched by function name) or, without one, from the
function's own `Task timed out after N seconds` lines. Durations are kept in 100 ms buckets
per function (mergeable across workers and Spark partitions); Lambda timeouts are whole
seconds, so the count is exact.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against Lambda logs from the seeded
generator (`faasguard logs generate`, which injects invocations at 82-95 % of a timeout and
records them as ground truth) and with small hand-written logs in
`tests/logs/test_logs_near_timeout.py`.

Why it matters:
"Duration approaching the timeout" is what serverless monitors alert on before timeouts
start: the next slow dependency call turns these invocations into LOG010 timeouts, with
partial writes, retried events and the full timeout billed. It is also the signal that a
timeout cut for denial-of-wallet reasons (`faasguard logs suggest`) went too far.

Example:

```text
REPORT RequestId: 3f1c...  Duration: 9120.55 ms  Billed Duration: 9121 ms  Memory Size: 512 MB ...
```

(for a function with a 10 s timeout)

How to fix:
Trace the slow invocations and set client timeouts on their dependencies below the function
timeout; if the work is legitimately that long, raise the timeout deliberately
(`faasguard logs suggest` gives a value from the observed durations) or split the work.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
- CWE-400
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG019",
    name="duration-near-timeout",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-400",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
