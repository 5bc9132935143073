"""Function ran out of memory or came close.

What it finds:
REPORT records whose `Max Memory Used` reached `Memory Size` (or a JSON `Runtime.OutOfMemory`
report), runtime exits with `signal: killed` (out of memory), and invocations above 90 % of
their memory (reported with low severity), per function and hour.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against Lambda logs from the seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

Why it matters:
An out-of-memory exit kills the invocation without an application error: the event is retried
or lost, and the logs show no stack trace. Large attacker-controlled inputs (zip bombs, huge
JSON) cause exactly this.

Example:

```text
REPORT RequestId: 1c2d... Duration: 812.00 ms Billed Duration: 812 ms
  Memory Size: 1024 MB Max Memory Used: 1024 MB
RequestId: 1c2d... Error: Runtime exited with error: signal: killed
```

How to fix:
Bound input sizes, stream large objects instead of loading them, and raise the memory setting
if the need is legitimate.

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
    id="LOG011",
    name="out-of-memory",
    severity=Severity.HIGH,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
