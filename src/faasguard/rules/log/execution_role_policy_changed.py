"""IAM role policy changed.

What it finds:
CloudTrail IAM calls that change a role's permissions (`PutRolePolicy`, `AttachRolePolicy`,
`DetachRolePolicy`, `DeleteRolePolicy`, `UpdateAssumeRolePolicy`, `CreatePolicyVersion`,
`SetDefaultPolicyVersion`).

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
Widening a function's execution role is the classic privilege-escalation step after getting
code execution.

Example:

```json
{"eventName": "PutRolePolicy",
 "requestParameters": {"roleName": "shop-lambda-exec", "policyName": "inline-admin"}}
```

How to fix:
Review the change; manage roles only through infrastructure as code and alert on drift.

References:
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
- CWE-269
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

#: IAM calls that change what a role may do or who may assume it.
ROLE_CHANGES = frozenset(
    {
        "PutRolePolicy",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "DeleteRolePolicy",
        "UpdateAssumeRolePolicy",
        "CreatePolicyVersion",
        "SetDefaultPolicyVersion",
    }
)


@log_rule(
    id="LOG035",
    name="execution-role-policy-changed",
    severity=Severity.HIGH,
    practice=Practice.P1,
    cwe=("CWE-269",),
    owasp=("SAS-4",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """IAM role and policy changes recorded in CloudTrail."""
    for event in facts.trail.changes:
        if event.name in ROLE_CHANGES and event.event_source == "iam.amazonaws.com":
            yield event.alert(
                f"{event.name} on {event.subject} by {event.principal}: the permissions of a "
                "role changed outside the deployment"
            )
