"""Logging or auditing stopped or weakened.

What it finds:
CloudTrail `StopLogging`, `DeleteTrail`, `UpdateTrail`, `PutEventSelectors` and CloudWatch Logs
`DeleteLogGroup`, `DeleteLogStream`, `PutRetentionPolicy`, `DeleteSubscriptionFilter` calls.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against CloudTrail records from the
seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG036",
    name="logging-stopped",
    severity=Severity.CRITICAL,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
