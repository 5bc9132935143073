"""Function able to mint credentials.

What it finds:
Functions whose role allows, on every resource, an action that returns new credentials or
tokens: `iam:CreateAccessKey`, `iam:CreateLoginProfile`, `sts:GetSessionToken`,
`sts:GetFederationToken`, `ecr:GetAuthorizationToken`, `redshift:GetClusterCredentials`,
`rds-db:connect`, `ec2:GetPasswordData`, ... (the list is
`faasguard/data/iam_risk_actions.json`, after Cloudsplaining's credentials-exposure category).
Most of these actions cannot be scoped to a resource, so any grant of them counts as `*`. A
narrowing condition lowers the severity. `sts:AssumeRole` is judged by PERM004.
Roles with administrator access are reported by PERM001 only.

Why it matters:
Credentials outlive the invocation: an attacker who gets code execution in the function
takes long-lived keys or tokens home and keeps access after the bug is fixed.

Example:

```yaml
- Effect: Allow
  Action: iam:CreateAccessKey
  Resource: "*"
```

How to fix:
Functions should use their own role's short-lived credentials. Remove these actions, or
scope them to the one user, cluster user or database user the function must act for.

References:
- https://github.com/salesforce/cloudsplaining#credentials-exposure
- CWE-522: Insufficiently Protected Credentials
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import Category, category_hits, risk_set


@rule(
    id="PERM007",
    name="credentials-exposure",
    severity=Severity.HIGH,
    practice=Practice.P1,
    cwe=("CWE-522",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and granting statement."""
    actions = risk_set("credentials_exposure")
    yield from category_hits(
        app,
        Category(
            label="mint credentials",
            advice="use the function's own role credentials instead",
            matches=lambda action: action.lower() in actions,
            severity=Severity.HIGH,
        ),
    )
