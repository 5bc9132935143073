"""Function role (or other IAM principal) that can escalate its privileges.

What it finds:
Every publicly documented IAM privilege-escalation method the function's role completes,
alone or together with other roles of the app, and the same for every other IAM principal
declared in the app (users with their groups' policies, groups, roles no function uses,
customer managed policies attached to none of them; such findings carry `principal`
instead of a function): policy-version and policy-attachment
tricks (`iam:CreatePolicyVersion`, `iam:SetDefaultPolicyVersion`, `iam:Attach*Policy`,
`iam:Put*Policy`, `iam:AddUserToGroup`), access keys and login profiles, trust-policy
rewrites with `sts:AssumeRole`, permissions-boundary removal, `iam:PassRole` combined with
a service that runs code as the passed role (Lambda, Glue, CloudFormation, EC2 and Auto
Scaling, CodeBuild, SageMaker, Data Pipeline, ECS, Batch, Step Functions, App Runner,
EMR), updating another function's code or configuration, SSM commands and sessions,
EC2 Instance Connect and user data, updating an existing CloudFormation stack (its own
service role applies the change), opening an existing SageMaker notebook, `sts:AssumeRole`
chains, and roles whose trust policy names the principal itself (no grant needed). The
methods are data: `faasguard/data/iam_escalation.json` (Rhino Security Labs, Bishop Fox
`iam-vulnerable`, pathfinding.cloud, Cloudsplaining). Grants split across several
policies of the role and grants hidden behind `NotAction` count. One finding per method;
it points at the statement granting the first step and lists every step, in order, with
the statement granting it, and what the attacker gains. Principals with administrator
access are reported by PERM001 only.

What blocks a path (no finding): an explicit `Deny` or a permissions boundary removing a
step; an impossible condition on a step (including `aws:TokenIssueTime`, `aws:EpochTime`
and `aws:MultiFactorAuthAge` bounds that cannot hold today); a step only on resources it
cannot act on (`iam:CreatePolicyVersion` on AWS managed policies,
`arn:aws:iam::aws:policy/`); an `iam:PassedToService` condition that does not allow the
method's service; `iam:PassRole` or `sts:AssumeRole` limited to specific role
ARNs (no wildcard) of roles that are neither administrators nor able to escalate
themselves, or not declared in the app; `lambda:UpdateFunction*` limited to specific
functions running with the same role or with such a harmless role, or not declared in the
app. A path whose steps are reachable only under another narrowing condition (a tag, a
source ARN, a VPC endpoint) is still reported, one severity lower.

Why it matters:
An escalation path makes the role an administrator in a few API calls: whoever gets code
execution in the function owns the account, whatever the rest of the policy says.

Example:

```yaml
- Effect: Allow
  Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]
  Resource: "*"
```

How to fix:
Remove the IAM write actions from function roles; limit `iam:PassRole` to the role ARNs
the function must pass, with an `iam:PassedToService` condition; name the functions,
instances and roles it may touch.

References:
- https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
- https://github.com/BishopFox/iam-vulnerable
- https://pathfinding.cloud/
- CWE-269: Improper Privilege Management
- OWASP Serverless Top 10: SAS-4 Over-Privileged Function Permissions and Roles
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from faasguard.findings import FlowStep, Hit, Practice, Severity
from faasguard.iam.effective import EffectivePermissions
from faasguard.iam.escalation import EscalationPath, Step, find_paths
from faasguard.model import App, Role
from faasguard.rules.base import ALL_FORMATS, rule
from faasguard.rules.perm._effective_grants import (
    function_roles,
    grant_sources,
    is_administrator,
    lowered,
    other_principals,
    permissions,
    principal_label,
    principal_of,
    unknown_note,
    where,
)

SEVERITY = Severity.HIGH


def _step_text(step: Step) -> str:
    target = f" on {step.note}" if step.note else ""
    if step.trusted:
        return (
            f"{step.action}{target} (no grant of {step.kind} {step.role} needed: the trust "
            f"policy of role {step.reaches} names it, {where(step.grant, step.location)})"
        )
    return f"{step.action}{target} ({step.kind} {step.role}, {where(step.grant, step.location)})"


def _source(step: Step) -> dict[str, Any]:
    """The ``granted_by`` entry of one step (its statement where its role has it)."""
    return grant_sources([step.grant], lambda _: step.location)[0]


def _message(subject: str, path: EscalationPath) -> str:
    steps = " → ".join(_step_text(s) for s in path.all_steps())
    return f"{subject} can escalate privileges ({path.method.name}): {steps}; effect: {path.effect}"


@rule(
    id="PERM004",
    name="privilege-escalation",
    severity=SEVERITY,
    practice=Practice.P1,
    cwe=("CWE-269",),
    owasp=("SAS-4",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and escalation method its role completes, and per other
    principal of the app (user, group, role, customer managed policy) and method."""

    def perms_of(role: Role) -> EffectivePermissions:
        return permissions(role, app)

    def admin(perms: EffectivePermissions) -> bool:
        return is_administrator(perms)

    found: dict[str, tuple[EscalationPath, ...]] = {}

    def paths_of(role: Role) -> tuple[EscalationPath, ...]:
        if role.ref not in found:
            found[role.ref] = find_paths(
                role,
                roles=app.roles,
                functions=app.functions,
                permissions=perms_of,
                is_admin=admin,
            )
        return found[role.ref]

    for function, role in function_roles(app):
        perms = permissions(role, app)
        if admin(perms):
            continue
        for path in paths_of(role):
            hit = _hit(f"function {function.display_name}", role, perms, path)
            yield replace(hit, function=function.ref)
    for principal in other_principals(app):
        perms = permissions(principal, app)
        if admin(perms):
            continue
        for path in paths_of(principal):
            hit = _hit(principal_label(principal), principal, perms, path)
            yield replace(hit, principal=principal_of(principal))


def _hit(subject: str, role: Role, perms: EffectivePermissions, path: EscalationPath) -> Hit:
    first = path.steps[0]
    return Hit(
        message=_message(subject, path) + unknown_note(perms),
        location=first.location,
        resource=role.ref,
        key=path.method.id,
        severity=lowered(SEVERITY) if path.narrowed else None,
        flow=tuple(FlowStep(location=s.location, message=_step_text(s)) for s in path.all_steps()),
        properties={
            "method": path.method.id,
            "steps": [s.action for s in path.all_steps()],
            "chain": list(path.chain),
            "granted_by": [_source(s) for s in path.all_steps()],
        },
    )
