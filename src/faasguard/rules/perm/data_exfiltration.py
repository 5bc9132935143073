"""Function able to read secrets or data from every resource.

What it finds:
Functions whose role allows data-reading actions that attackers use to exfiltrate —
`secretsmanager:GetSecretValue`, `ssm:GetParameter*`, `s3:GetObject`, `dynamodb:Scan`,
`dynamodb:Query`, `kms:Decrypt`, `rds-data:ExecuteStatement`, ... (the list is
`faasguard/data/iam_risk_actions.json`, after Cloudsplaining's data-exfiltration category)
— on every resource: `Resource: "*"` or a pattern naming every resource of its type
(`arn:aws:s3:::*/*`, `...:secret:*`). A narrowing condition lowers the severity one step.
Roles with administrator access are reported by PERM001 only.

Why it matters:
The function needs one secret, one parameter path or one bucket; with `*` a single code
injection reads every secret, every parameter and every object in the account.

Example:

```yaml
- Effect: Allow
  Action: secretsmanager:GetSecretValue
  Resource: "*"
```

How to fix:
Name the secrets, parameter paths, buckets, tables and keys the function uses
(`!Ref DbSecret`, `arn:aws:ssm:...:parameter/app/*`).

References:
- https://github.com/salesforce/cloudsplaining#data-exfiltration
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
    id="PERM005",
    name="data-exfiltration",
    severity=Severity.MEDIUM,
    practice=Practice.P1,
    cwe=("CWE-732",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and granting statement."""
    actions = risk_set("data_exfiltration")
    yield from category_hits(
        app,
        Category(
            label="read data from every resource",
            advice="name the secrets, parameters, buckets, tables and keys it uses",
            matches=lambda action: action.lower() in actions,
            severity=Severity.MEDIUM,
        ),
    )
