"""One execution role shared by several functions.

What it finds:
Roles used as the execution role of more than one function of the app, with the list of
functions. The Serverless Framework does this by default (one `IamRoleLambdaExecution`
for the whole service, unless functions declare their own `iamRoleStatements` with
`serverless-iam-roles-per-function` or a `role:`). Whether the functions' code needs
different permissions is judged by the code-derived rules; this one reports the sharing
itself, as information.

Why it matters:
A shared role is the union of what every function needs: each function gets the others'
permissions, so the weakest function (a public webhook) carries the strongest function's
rights (a payment writer), and least privilege cannot be reached.

Example:

```yaml
ListOrders:
  Properties:
    Role: !GetAtt AppRole.Arn
DeleteOrders:
  Properties:
    Role: !GetAtt AppRole.Arn
```

How to fix:
Give every function its own role (SAM `Policies`, `serverless-iam-roles-per-function`, one
`aws_iam_role` per function) and grant each what `faasguard iam suggest` derives from its
code.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
- CWE-250: Execution with Unnecessary Privileges
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import roles_with_functions


@rule(
    id="PERM012",
    name="shared-execution-role",
    severity=Severity.INFO,
    practice=Practice.P1,
    cwe=("CWE-250",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per role used by two or more functions, at the role's declaration."""
    for role, functions in roles_with_functions(app):
        if len(functions) < 2:
            continue
        ref = role.ref
        names = ", ".join(f.display_name for f in functions)
        yield Hit(
            message=(
                f"role {ref} is the execution role of {len(functions)} functions ({names}): "
                "each gets the permissions all of them need; give each function its own role"
            ),
            location=role.location,
            function=functions[0].ref,
            resource=ref,
            key=ref,
        )
