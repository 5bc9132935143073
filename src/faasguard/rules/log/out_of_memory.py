"""Function ran out of memory or came close.

What it finds:
REPORT records whose `Max Memory Used` reached `Memory Size` (or a JSON `Runtime.OutOfMemory`
report), runtime exits with `signal: killed` (out of memory), and invocations above 90 % of
their memory (reported with low severity), per function and hour.

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.facts import seen_alert
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG011",
    name="out-of-memory",
    severity=Severity.HIGH,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    source=Source.LAMBDA_LOGS,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """One alert per function, hour and kind: out of memory, or close to it (low)."""
    near = f"{facts.near_memory_share * 100:g}"
    for (function, hour, what), seen in sorted(facts.state.memory.items()):
        size = seen.extra.get("memory_mb")
        used = seen.extra.get("max_memory_used_mb")
        if what == "oom":
            text = (
                f"{function} ran out of memory ({used:g} of {size:g} MB used)"
                if size
                else f"{function} was killed by the runtime (out of memory)"
            )
        else:
            text = (
                f"{function} used {used:g} of {size:g} MB (≥ {near} %) in {seen.count} "
                "invocation(s): close to an out-of-memory exit"
            )
        alert = seen_alert(
            function,
            seen,
            text,
            f"{hour}:{what}",
            kind=what,
            memory_mb=size,
            max_memory_used_mb=used,
        )
        yield alert if what == "oom" else replace(alert, severity=Severity.LOW)
