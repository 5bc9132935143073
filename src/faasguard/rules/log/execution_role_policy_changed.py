"""IAM role policy changed.

What it finds:
CloudTrail IAM calls that change a role's permissions (`PutRolePolicy`, `AttachRolePolicy`,
`DetachRolePolicy`, `DeleteRolePolicy`, `UpdateAssumeRolePolicy`, `CreatePolicyVersion`,
`SetDefaultPolicyVersion`).

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against CloudTrail records from the
seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG035",
    name="execution-role-policy-changed",
    severity=Severity.HIGH,
    practice=Practice.P1,
    cwe=("CWE-269",),
    owasp=("SAS-4",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
