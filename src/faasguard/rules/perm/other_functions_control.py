"""Function able to invoke, change or delete other functions.

What it finds:
Functions whose role allows `lambda:InvokeFunction`, `lambda:UpdateFunctionCode`,
`lambda:UpdateFunctionConfiguration`, `lambda:DeleteFunction` (and aliases, concurrency;
the list is `faasguard/data/iam_risk_actions.json`) on `*` or on a pattern whose function
name is a wildcard (`arn:aws:lambda:*:*:function:*`, `...:function:shop-*`), so it reaches
functions other than the ones named. A pattern that only varies the qualifier of one named
function (`function:orders:*`) is not reported. Changing code or configuration is high;
invoking only is medium. A narrowing condition lowers the severity one step. Roles with
administrator access are reported by PERM001 only.

Why it matters:
Invoking any function bypasses the authentication of its API; updating its code or
configuration (a layer, `AWS_LAMBDA_EXEC_WRAPPER`) runs attacker code with that function's
role — a privilege escalation (PERM004 follows it when the other role is stronger);
deleting functions is an outage.

Example:

```yaml
- Effect: Allow
  Action: lambda:InvokeFunction
  Resource: "*"
```

How to fix:
Name the functions it calls (`!GetAtt Worker.Arn`); use an event bus or queue between
functions instead of direct invocation with a wildcard.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
- CWE-284: Improper Access Control
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.effective import Grant
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import (
    lowered,
    risk_actions,
    statements_granting,
    summarise,
)

SEVERITY = Severity.HIGH


def reaches_other_functions(resource: str) -> bool:
    """True for ``*`` and patterns whose function-name part has a wildcard."""
    if resource.strip() == "*":
        return True
    _, marker, tail = resource.partition(":function:")
    if not marker:
        return "*" in resource.split(":", 5)[-1] if resource.count(":") >= 5 else False
    name = tail.split(":", 1)[0]
    return "*" in name or "?" in name


@rule(
    id="PERM009",
    name="other-functions-control",
    severity=SEVERITY,
    practice=Practice.P1,
    cwe=("CWE-284",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and granting statement."""
    control = risk_actions()["function_control"]
    invoke = frozenset(a.lower() for a in control["invoke"])
    modify = frozenset(a.lower() for a in control["modify"])

    def on_other_functions(grant: Grant) -> bool:
        return (
            grant.action.lower() in invoke | modify
            and not grant.resource_unknown
            and reaches_other_functions(grant.resource)
        )

    for statement in statements_granting(app, on_other_functions):
        group = statement.grants
        changes = any(g.action.lower() in modify for g in group)
        severity = SEVERITY if changes else lowered(SEVERITY)
        yield statement.hit(
            f"function {statement.function.display_name} can "
            f"{'change or delete' if changes else 'invoke'} other functions: "
            f"{summarise(g.action for g in group)} on "
            f"{summarise(g.resource for g in group)}, granted by {statement.sources()} "
            f"of role {statement.role.ref}; name the functions it calls",
            key=f"{statement.first.policy.name}:{'modify' if changes else 'invoke'}",
            severity=lowered(severity) if statement.narrowed else severity,
        )
