"""Function role (or other IAM principal) with administrator access.

What it finds:
Functions whose execution role allows every action on every resource: `Action: "*"` on
`Resource: "*"`, the `AdministratorAccess` managed policy, or an equivalent. *Equivalent*
means the role's effective permissions allow, on `Resource: "*"`, nearly every action in
the IAM catalog (the share is under Thresholds): `NotAction: iam:*` (about 99 %) or
`PowerUserAccess` (about 98 %) still allow reading every secret, running code anywhere and
deleting any resource.
Explicit denies and permissions boundaries are applied first; a narrowing condition on the
granting statement lowers the severity to high. The finding points at the statement (or
the managed-policy attachment) that grants the most of it, and names that policy.
Every other IAM principal declared in the app is judged the same way: users (with the
policies of their groups), groups, roles no function uses (a deployer, a CI role) and
customer managed policies attached to none of them; such a finding carries `principal`
(kind, name, location) instead of a function.

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
from dataclasses import replace

from faasguard.findings import Hit, Practice, Severity
from faasguard.iam.catalog import catalog
from faasguard.model import App, Role
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import (
    ADMINISTRATOR,
    administrator,
    function_roles,
    lowered,
    other_principals,
    permissions,
    principal_label,
    principal_of,
    statement_sources,
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
    """One hit per function whose role amounts to administrator access, and one per other
    principal of the app (user, group, role, customer managed policy) that does."""
    for function, role in function_roles(app):
        hit = _admin_hit(app, role, f"function {function.display_name}")
        if hit is not None:
            yield replace(hit, function=function.ref)
    for principal in other_principals(app):
        hit = _admin_hit(app, principal, principal_label(principal))
        if hit is not None:
            yield replace(hit, principal=principal_of(principal))


def _admin_hit(app: App, role: Role, subject: str) -> Hit | None:
    perms = permissions(role, app)
    found = administrator(perms)
    if found is None:
        return None
    # The statement granting the most actions is the cause; grouping by statement (not by
    # line) keeps two managed policies attached on one line apart.
    main = max(found.statements, key=len)
    share = found.action_count / catalog().action_count()
    first = main[0]
    how = (
        f"NotAction {first.statement.not_actions!r} on every resource, equivalent to "
        f"administrator ({share:.0%} of all IAM actions)"
        if first.via_not_action
        else f"{first.pattern or first.action} on every resource"
    )
    narrowed = not any(unconditional(g) for g in main)
    holder = "" if role.kind == "policy" else f" of {role.kind} {role.ref}"
    advice = (
        "the code needs (faasguard iam suggest)" if subject.startswith("function ") else "it needs"
    )
    return Hit(
        message=(
            f"{subject} has administrator access: {how}, granted "
            f"by {where(first, perms.location_of(first))}{holder}"
            f"{' (under a narrowing condition)' if narrowed else ''}; grant only what "
            f"{advice}"
            f"{unknown_note(perms)}"
        ),
        location=perms.location_of(first),
        resource=role.ref,
        key=first.policy.name,
        severity=lowered(SEVERITY) if narrowed else None,
        properties={"granted_by": statement_sources([main], perms.location_of)},
    )
