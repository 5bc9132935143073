"""AddPermission opened a function to any principal.

What it finds:
CloudTrail `AddPermission` (function) and `AddLayerVersionPermission` (layer) calls that
grant anyone: the principal `*` in any of its request forms (`principal: "*"`,
`principal: {"AWS": "*"}`, `arn:aws:iam::*:root`, a statement in a `policy` document), unless
an organization condition (`principalOrgID`, `organizationId`) limits it.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

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

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from faasguard.findings import Practice, Severity
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG031",
    name="permission-to-anyone",
    severity=Severity.CRITICAL,
    practice=Practice.P1,
    cwe=("CWE-284",),
    owasp=("SAS-4",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """``AddPermission``/``AddLayerVersionPermission`` calls that grant anyone."""
    for event in facts.trail.changes:
        params = event.params
        layer = event.name.startswith("AddLayerVersionPermission")
        if not (layer or event.name.startswith("AddPermission")) or not grants_anyone(params):
            continue
        what = (
            f"layer {event.subject} version {params.get('versionNumber', '?')}"
            if layer
            else (event.subject)
        )
        api = "AddLayerVersionPermission" if layer else "AddPermission"
        yield event.alert(
            f"{api} opened {what} to any principal ('*') "
            f"(statement {params.get('statementId', '?')}, by {event.principal})"
        )


#: Principal values that mean "anyone".
_ANYONE = frozenset({"*", "arn:aws:iam::*:root"})


def grants_anyone(params: dict[str, Any]) -> bool:
    """Whether a permission request names every principal and no organization limits it."""
    if params.get("principalOrgID") or params.get("organizationId"):
        return False
    principals = [params.get("principal"), params.get("Principal")]
    policy = params.get("policy")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            policy = None
    if isinstance(policy, dict):
        statements = policy.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if isinstance(statement, dict) and not statement.get("Condition"):
                principals.append(statement.get("Principal"))
    return any(_is_anyone(p) for p in principals)


def _is_anyone(value: object) -> bool:
    if isinstance(value, str):
        return value.strip() in _ANYONE
    if isinstance(value, dict):
        return any(_is_anyone(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_anyone(v) for v in value)
    return False
