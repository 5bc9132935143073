"""AddPermission opened a function to any principal.

What it finds:
CloudTrail `AddPermission` calls whose principal is `*`.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
A resource policy with principal `*` lets any AWS account (or anyone, through a function URL)
invoke the function.

Example:

```json
{"eventName": "AddPermission20150331v2", "requestParameters": {"principal": "*"}}
```

How to fix:
Remove the statement (`aws lambda remove-permission`) and grant the specific service principal
with a `SourceArn`.

References:
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
- CWE-284
- OWASP Serverless Top 10: SAS-4
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
    id="LOG031",
    name="permission-to-anyone",
    severity=Severity.CRITICAL,
    practice=Practice.P1,
    cwe=("CWE-284",),
    owasp=("SAS-4",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """``AddPermission`` calls with principal ``*``."""
    for event in facts.trail.changes:
        params = event.params
        if event.name.startswith("AddPermission") and str(params.get("principal")) == "*":
            yield event.alert(
                f"AddPermission opened {event.subject} to any principal ('*') "
                f"(statement {params.get('statementId', '?')}, by {event.principal})"
            )
