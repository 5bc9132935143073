"""One role shared by functions whose code needs different permissions.

What it finds:
Execution roles used by two or more functions where one function's code (or event
source) needs actions another does not: each function then holds permissions it never
uses. The finding points at the role's declaration and says, per function, which actions
it gets only because it shares the role. A function whose code analysis is incomplete
(see PERM050) still contributes what it is known to need, but is never the one said to
receive unneeded permissions. PERM012 reports every shared role as information; this rule
reports the ones where sharing actually widens a function's rights.

Why it matters:
Least privilege is per function. With a shared role, the weakest function (a public
webhook, a function parsing untrusted files) carries the strongest function's rights (the
one deleting orders or reading secrets), so one injection reaches everything.

Example:

```yaml
provider:
  iam:
    role:                     # used by createOrder (dynamodb:PutItem)
      statements: [...]       # and processUpload (s3:GetObject)
```

How to fix:
Give each function its own role: SAM `Policies` per function, the Serverless plugin
`serverless-iam-roles-per-function`, one `aws_iam_role` per `aws_lambda_function`.
`faasguard iam suggest` prints each function's policy.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
- CWE-250: Execution with Unnecessary Privileges
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.usage import usage_of
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, Source, rule
from faasguard.rules.perm._code_derived import short_list
from faasguard.rules.perm._effective_grants import roles_with_functions


@rule(
    id="PERM052",
    name="shared-role-divergent-needs",
    severity=Severity.MEDIUM,
    practice=Practice.P1,
    cwe=("CWE-250",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per shared role whose functions need different actions."""
    for role, functions in roles_with_functions(app):
        if len(functions) < 2:
            continue
        usages = [usage_of(f, app) for f in functions]
        needs = {u.function.ref: u.actions() for u in usages}
        extras: list[str] = []
        for usage in usages:
            if not usage.complete:
                continue
            others = frozenset().union(
                *(a for ref, a in needs.items() if ref != usage.function.ref)
            )
            extra = sorted(others - needs[usage.function.ref], key=str.lower)
            if extra:
                extras.append(f"{usage.function.display_name} gets {short_list(extra, 4)}")
        if not extras:
            continue
        yield Hit(
            message=(
                f"role {role.ref} is shared by {len(functions)} functions whose code needs "
                f"different permissions: {'; '.join(extras)} without needing it; give each "
                "function its own role ('faasguard iam suggest' prints each policy)"
            ),
            location=role.location,
            function=functions[0].ref,
            resource=role.ref,
            key=role.ref,
        )
