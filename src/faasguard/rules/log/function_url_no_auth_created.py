"""Function URL created or changed with AuthType NONE.

What it finds:
CloudTrail `CreateFunctionUrlConfig`/`UpdateFunctionUrlConfig` calls with `authType` `NONE`.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against CloudTrail records from the
seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG032",
    name="function-url-no-auth-created",
    severity=Severity.HIGH,
    practice=Practice.P2,
    cwe=("CWE-306",),
    owasp=("SAS-2",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
