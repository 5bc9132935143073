"""Policy statement granting every action of a service.

What it finds:
Allow statements of a function's role whose `Action` names a whole service: `s3:*`,
`dynamodb:*`, `sqs:*` (on any resource). It points at the statement, names the service and
how many actions the wildcard grants. `*` alone is PERM001; partial wildcards such as
`s3:Get*` are not reported here. Grants removed by a deny, a boundary or an impossible
condition do not count; roles with administrator access are reported by PERM001 only.

Why it matters:
`service:*` grants today's and tomorrow's actions, including deletes and the
permissions-management actions of that service (`s3:PutBucketPolicy`, `dynamodb:DeleteTable`),
where the code needs a handful of reads and writes.

Example:

```yaml
iam:
  role:
    statements:
      - Effect: Allow
        Action: dynamodb:*
        Resource: !GetAtt OrdersTable.Arn
```

How to fix:
List the actions the code calls (`dynamodb:GetItem`, `dynamodb:PutItem`);
`faasguard iam suggest` prints them.

References:
- https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
- CWE-250: Execution with Unnecessary Privileges
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.effective import Grant
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import lowered, statements_granting

SEVERITY = Severity.MEDIUM


def _service_wide(grant: Grant) -> bool:
    service, sep, action = grant.pattern.partition(":")
    return (
        not grant.via_not_action
        and bool(sep)
        and action == "*"
        and "*" not in service
        and "?" not in service
    )


@rule(
    id="PERM002",
    name="service-wide-wildcard",
    severity=SEVERITY,
    practice=Practice.P1,
    cwe=("CWE-250",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function, statement and service wildcard."""
    for statement in statements_granting(app, _service_wide):
        patterns: dict[str, list[Grant]] = {}
        for grant in statement.grants:
            patterns.setdefault(grant.pattern.lower(), []).append(grant)
        for pattern, grants in patterns.items():
            # The policies granting this pattern, not whichever statement shares its line.
            yield statement.hit(
                f"function {statement.function.display_name} is granted {pattern} "
                f"({len({g.action for g in grants})} actions) by {statement.sources(grants)} of "
                f"role {statement.role.ref}; list only the actions the code calls",
                key=f"{grants[0].policy.name}:{pattern}",
                severity=lowered(SEVERITY) if statement.narrowed else None,
                grants=grants,
            )
