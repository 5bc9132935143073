"""Function able to rewrite resource policies or make resources public.

What it finds:
Functions whose role allows, on every resource, an action that changes who can access a
resource: `s3:PutBucketPolicy`, `s3:PutBucketAcl`, `s3:PutBucketPublicAccessBlock`,
`lambda:AddPermission`, `sqs:SetQueueAttributes`, `sns:SetTopicAttributes`,
`kms:PutKeyPolicy`, `ecr:SetRepositoryPolicy`, `secretsmanager:PutResourcePolicy`,
`ec2:ModifySnapshotAttribute`, ... (the list is `faasguard/data/iam_risk_actions.json`, after
Cloudsplaining's resource-exposure category). A narrowing condition lowers the severity.
Roles with administrator access are reported by PERM001 only.

Why it matters:
One compromised invocation can make a bucket, queue, key or snapshot readable by anyone on
the internet or by another account, which survives the end of the attack.

Example:

```hcl
statement {
  actions   = ["s3:PutBucketPolicy"]
  resources = ["*"]
}
```

How to fix:
Manage resource policies in the template, not from function code. If the function really
must change one, name that resource's ARN.

References:
- https://github.com/salesforce/cloudsplaining#resource-exposure
- CWE-732: Incorrect Permission Assignment for Critical Resource
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import Category, category_hits, risk_set


@rule(
    id="PERM006",
    name="resource-exposure",
    severity=Severity.HIGH,
    practice=Practice.P1,
    cwe=("CWE-732",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and granting statement."""
    actions = risk_set("resource_exposure")
    yield from category_hits(
        app,
        Category(
            label="rewrite resource policies on every resource",
            advice="manage resource policies in the template, or name the one resource",
            matches=lambda action: action.lower() in actions,
            severity=Severity.HIGH,
        ),
    )
