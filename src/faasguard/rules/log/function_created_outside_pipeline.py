"""Function created outside the deployment pipeline.

What it finds:
CloudTrail `CreateFunction` calls made by a principal other than the usual deployers.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.rules.base import Source, log_rule
from faasguard.rules.log._cloudtrail import changes_by_unusual_principal

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG037",
    name="function-created-outside-pipeline",
    severity=Severity.HIGH,
    practice=Practice.P4,
    cwe=("CWE-284",),
    owasp=("SAS-4",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """``CreateFunction`` calls by a principal that is not a usual deployer."""
    for event, usual in changes_by_unusual_principal(facts):
        name = event.name
        if name.startswith("CreateFunction") and not name.startswith("CreateFunctionUrl"):
            yield event.alert(
                f"function {event.subject} was created by {event.principal}, not by the usual "
                f"deployer ({usual})"
            )
