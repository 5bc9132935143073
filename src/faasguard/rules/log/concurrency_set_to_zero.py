"""Reserved concurrency set to zero.

What it finds:
CloudTrail `PutFunctionConcurrency` calls with `reservedConcurrentExecutions` 0.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against CloudTrail records from the
seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG034",
    name="concurrency-set-to-zero",
    severity=Severity.MEDIUM,
    practice=Practice.P4,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
