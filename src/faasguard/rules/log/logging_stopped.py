"""Logging or auditing stopped or weakened.

What it finds:
CloudTrail `StopLogging`, `DeleteTrail`, `UpdateTrail`, `PutEventSelectors` and CloudWatch Logs
`DeleteLogGroup`, `DeleteLogStream`, `PutRetentionPolicy`, `DeleteSubscriptionFilter` calls.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
Attackers switch off the audit trail first. Every later detection depends on these logs.

Example:

```json
{"eventName": "StopLogging", "eventSource": "cloudtrail.amazonaws.com"}
```

How to fix:
Restart logging, find who stopped it, and protect trails with an SCP.

References:
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
- CWE-778
- OWASP Serverless Top 10: SAS-5
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts

#: CloudTrail and CloudWatch Logs calls that stop, delete or weaken logging.
LOGGING_OFF = frozenset(
    {
        "StopLogging",
        "DeleteTrail",
        "UpdateTrail",
        "PutEventSelectors",
        "DeleteLogGroup",
        "DeleteLogStream",
        "PutRetentionPolicy",
        "DeleteSubscriptionFilter",
    }
)


@log_rule(
    id="LOG036",
    name="logging-stopped",
    severity=Severity.CRITICAL,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Calls that switch logging or auditing off or weaken it."""
    for event in facts.trail.changes:
        if event.name in LOGGING_OFF:
            yield event.alert(
                f"{event.name} on {event.subject} by {event.principal}: logging or auditing "
                "was switched off or weakened"
            )
