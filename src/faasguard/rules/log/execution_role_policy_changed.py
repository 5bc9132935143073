"""IAM role, user or group policy or trust changed, read for its content.

What it finds:
CloudTrail IAM calls that change what a role, user or group may do or who may assume a role
(`Put/Attach/Detach/Delete` `Role/User/GroupPolicy`, `UpdateAssumeRolePolicy`,
`CreatePolicyVersion`, `SetDefaultPolicyVersion`), made outside the deployment pipeline
(`[logs.deployers]`, else learned; CloudFormation counts as the pipeline). The request is
read: a policy that grants administrator access (`*` on `*`, or an AWS managed policy that
does), that completes a privilege-escalation method of the IAM engine, or a trust policy that
lets `*` or another account assume the role is said so; the wording says whether the role
runs a function (named in `CreateFunction` or created with a `lambda.amazonaws.com` trust).
With no deployer known, only changes whose content is dangerous are flagged.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
Widening a function's execution role is the classic privilege-escalation step after getting
code execution; a trust policy opened to another account is a backdoor into any role.

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
from typing import TYPE_CHECKING, Any

from faasguard.findings import Practice, Severity
from faasguard.rules.base import Source, log_rule
from faasguard.rules.log._cloudtrail import short_name
from faasguard.rules.log._policy_content import (
    allowed,
    escalations,
    is_admin,
    trust_outsiders,
)

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
        "PutUserPolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "DeleteUserPolicy",
        "PutGroupPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
        "DeleteGroupPolicy",
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
    """IAM policy and trust changes outside the pipeline, worded for their content."""
    trail = facts.trail
    for event in trail.changes:
        if event.name not in ROLE_CHANGES or event.event_source != "iam.amazonaws.com":
            continue
        if event.by_pipeline:
            continue
        danger = _danger(event.params, event.name, event.account)
        if not danger and not trail.deployer_known:
            continue  # said once: "no deployer known"
        yield event.alert(
            f"{short_name(event)} on {_what(event.params, trail.function_roles)} by "
            f"{event.principal}, outside the deployment pipeline"
            + (f": {danger}" if danger else "")
        )


def _what(params: dict[str, Any], function_roles: frozenset[str]) -> str:
    if params.get("roleName"):
        role = str(params["roleName"])
        kind = "function execution role" if role in function_roles else "role"
        return f"{kind} {role}"
    if params.get("userName"):
        return f"user {params['userName']}"
    if params.get("groupName"):
        return f"group {params['groupName']}"
    return f"policy {params.get('policyArn', '?')}"


def _danger(params: dict[str, Any], name: str, account: str) -> str:
    """What the change grants that matters, or ``""``."""
    if name == "UpdateAssumeRolePolicy":
        outsiders = trust_outsiders(params, account)
        return f"the trust policy lets {', '.join(outsiders)} assume it" if outsiders else ""
    if name.startswith(("Detach", "Delete")):
        return ""
    pairs = allowed(params)
    if is_admin(pairs):
        return "it now grants administrator access ('*' on '*')"
    found = escalations(pairs)
    if found:
        return f"it allows privilege escalation ({'; '.join(found[:3])})"
    return ""
