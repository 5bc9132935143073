"""Reserved concurrency set to zero.

What it finds:
CloudTrail `PutFunctionConcurrency` calls with `reservedConcurrentExecutions` 0.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
Zero reserved concurrency switches the function off: an easy, quiet denial of service, or an
incident response step that should be known.

Example:

```json
{"eventName": "PutFunctionConcurrency20171031",
 "requestParameters": {"reservedConcurrentExecutions": 0}}
```

How to fix:
Confirm who did it and why; restore the intended concurrency.

References:
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
- CWE-400
- OWASP Serverless Top 10: SAS-8
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG034",
    name="concurrency-set-to-zero",
    severity=Severity.MEDIUM,
    practice=Practice.P4,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """``PutFunctionConcurrency`` calls that reserve 0 concurrent executions."""
    for event in facts.trail.changes:
        if (
            event.name.startswith("PutFunctionConcurrency")
            and str(event.params.get("reservedConcurrentExecutions")) == "0"
        ):
            yield event.alert(
                f"reserved concurrency of {event.subject} set to 0 by {event.principal}: "
                "the function is switched off"
            )
