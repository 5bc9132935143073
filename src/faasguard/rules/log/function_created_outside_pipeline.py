"""Function created outside the deployment pipeline.

What it finds:
CloudTrail `CreateFunction` calls made by a principal other than the usual deployers.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against CloudTrail records from the
seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

Why it matters:
A function nobody deployed through the pipeline is unreviewed code with a role: a rogue
function (crypto mining, persistence, exfiltration).

Example:

```json
{"eventName": "CreateFunction20150331", "requestParameters": {"functionName": "crypto-miner"}}
```

How to fix:
Identify the creator; delete the function if it is not known, and restrict
`lambda:CreateFunction` to the deployment role.

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
    id="LOG037",
    name="function-created-outside-pipeline",
    severity=Severity.HIGH,
    practice=Practice.P4,
    cwe=("CWE-284",),
    owasp=("SAS-4",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
