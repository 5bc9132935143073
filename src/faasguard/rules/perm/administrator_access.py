"""Function role with administrator access.

What it finds:
Functions whose execution role allows every action on every resource: `Action: "*"` on
`Resource: "*"`, the `AdministratorAccess` managed policy, or an equivalent. *Equivalent*
means the role's effective permissions allow, on `Resource: "*"`, nearly every action in
the IAM catalog (the share is under Thresholds): `NotAction: iam:*` (about 99 %) or
`PowerUserAccess` (about 98 %) still allow reading every secret, running code anywhere and
deleting any resource.
Explicit denies and permissions boundaries are applied first; a narrowing condition on the
granting statement lowers the severity to high. The finding points at the statement (or
the managed-policy attachment) that grants the most of it.

Why it matters:
A function is code reachable by its triggers: one injection, one vulnerable dependency or
one leaked deployment credential gives the attacker the whole AWS account, including IAM,
billing and every other workload in it.

Example:

```yaml
Policies:
  - Statement:
      - Effect: Allow
        Action: "*"
        Resource: "*"
```

How to fix:
Grant only the actions the code calls, on the resources it uses: `faasguard iam suggest`
prints a least-privilege policy derived from the function's code.

References:
- https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
- CWE-250: Execution with Unnecessary Privileges
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.catalog import catalog
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import (
    ADMINISTRATOR,
    function_roles,
    granting_statements,
    is_administrator,
    lowered,
    permissions,
    unconditional,
    unknown_note,
    where,
)

SEVERITY = Severity.CRITICAL


def warm_up() -> None:
    """Load the whole IAM catalog once, before the engine forks its workers."""
    catalog().action_count()


@rule(
    id="PERM001",
    name="administrator-access",
    severity=SEVERITY,
    practice=Practice.P1,
    cwe=("CWE-250",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
    thresholds=ADMINISTRATOR,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function whose role amounts to administrator access."""
    total = catalog().action_count()
    for function, role in function_roles(app):
        perms = permissions(role, app)
        grants = is_administrator(perms)
        if not grants:
            continue
        by_statement = granting_statements(grants)
        location, main = max(by_statement.items(), key=lambda item: len(item[1]))
        share = len({g.action.lower() for g in grants}) / total
        first = main[0]
        how = (
            f"NotAction {first.statement.not_actions!r} on every resource, equivalent to "
            f"administrator ({share:.0%} of all IAM actions)"
            if first.via_not_action
            else f"{first.pattern or first.action} on every resource"
        )
        narrowed = not any(unconditional(g) for g in main)
        yield Hit(
            message=(
                f"function {function.display_name} has administrator access: {how}, granted "
                f"by {where(first)} of role {role.ref}"
                f"{' (under a narrowing condition)' if narrowed else ''}; grant only what "
                f"the code needs (faasguard iam suggest){unknown_note(perms)}"
            ),
            location=location,
            function=function.ref,
            resource=role.ref,
            key=first.policy.name,
            severity=lowered(SEVERITY) if narrowed else None,
        )
