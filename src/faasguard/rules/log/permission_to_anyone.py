"""AddPermission opened a function to any principal.

What it finds:
CloudTrail `AddPermission` calls whose principal is `*`.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against CloudTrail records from the
seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG031",
    name="permission-to-anyone",
    severity=Severity.CRITICAL,
    practice=Practice.P1,
    cwe=("CWE-284",),
    owasp=("SAS-4",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
