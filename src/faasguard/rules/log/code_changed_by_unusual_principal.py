"""Function code or configuration changed by an unusual principal.

What it finds:
CloudTrail `UpdateFunctionCode` and `UpdateFunctionConfiguration` calls not made by the
deployment pipeline: the `[logs.deployers]` configuration (principals, roles, user agents,
source IPs) when there is one, else the learned `principal|tool` signatures (at least 3 of
the infrastructure changes and a quarter of them, plus those of earlier runs); CloudFormation
(`invokedBy`) always counts as the pipeline. With no deployer known, nothing is flagged and
the run says "no deployer known" once.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
Whoever can update a function's code owns everything its role can do. A change outside the
pipeline is either a hotfix that bypassed review or an intruder.

Example:

```json
{"eventName": "UpdateFunctionCode20150331v2",
 "userIdentity": {"arn": "arn:aws:sts::111122223333:assumed-role/dev-admin/mallory"}}
```

How to fix:
Confirm the change with its author; restrict `lambda:Update*` to the deployment role and
enforce code signing.

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
from faasguard.rules.log._cloudtrail import changes_by_unusual_principal, short_name

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG030",
    name="code-changed-by-unusual-principal",
    severity=Severity.HIGH,
    practice=Practice.P4,
    cwe=("CWE-284",),
    owasp=("SAS-4",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Code or configuration updates by a principal that is not a usual deployer."""
    for event, usual in changes_by_unusual_principal(facts):
        if event.name.startswith(("UpdateFunctionCode", "UpdateFunctionConfiguration")):
            yield event.alert(
                f"{short_name(event)} on {event.subject} by {event.principal}, outside the "
                f"deployment pipeline ({usual})"
            )
