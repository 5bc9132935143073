"""Function URL created or changed with AuthType NONE.

What it finds:
CloudTrail `CreateFunctionUrlConfig`/`UpdateFunctionUrlConfig` calls with `authType` `NONE`.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
The function becomes invocable by anyone on the internet, without throttling or WAF.

Example:

```json
{"eventName": "CreateFunctionUrlConfig20211031", "requestParameters": {"authType": "NONE"}}
```

How to fix:
Use `AWS_IAM` or put the function behind API Gateway with authentication and throttling.

References:
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
- CWE-306
- OWASP Serverless Top 10: SAS-2
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
    id="LOG032",
    name="function-url-no-auth-created",
    severity=Severity.HIGH,
    practice=Practice.P2,
    cwe=("CWE-306",),
    owasp=("SAS-2",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Function URL configurations created or updated with ``AuthType`` ``NONE``."""
    for event in facts.trail.changes:
        if (
            event.name.startswith(("CreateFunctionUrlConfig", "UpdateFunctionUrlConfig"))
            and str(event.params.get("authType", "")).upper() == "NONE"
        ):
            yield event.alert(
                f"function URL of {event.subject} set to AuthType NONE by {event.principal}: "
                "anyone on the internet can invoke it"
            )
