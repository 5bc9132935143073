"""Function created or deleted outside the deployment pipeline.

What it finds:
CloudTrail `CreateFunction` and `DeleteFunction` calls not made by the deployment pipeline
(configured in `[logs.deployers]`, else learned; CloudFormation counts as the pipeline).
With no deployer known, nothing is flagged and the run says "no deployer known" once.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
A function nobody deployed through the pipeline is unreviewed code with a role: a rogue
function (crypto mining, persistence, exfiltration). A function deleted by hand is an outage
or the clean-up of such a function.

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
    """``CreateFunction``/``DeleteFunction`` calls outside the deployment pipeline."""
    for event, usual in changes_by_unusual_principal(facts):
        name = event.name
        if name.startswith("CreateFunctionUrl") or name.startswith("DeleteFunctionUrl"):
            continue
        if name.startswith(("CreateFunction", "DeleteFunction")) and not name.startswith(
            ("DeleteFunctionConcurrency", "DeleteFunctionCodeSigning", "DeleteFunctionEvent")
        ):
            verb = "created" if name.startswith("Create") else "deleted"
            yield event.alert(
                f"function {event.subject} was {verb} by {event.principal}, outside the "
                f"deployment pipeline ({usual})"
            )
