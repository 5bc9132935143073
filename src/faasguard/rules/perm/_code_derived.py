"""Helpers shared by the code-derived PERM rules (PERM050-PERM052): whether a role's
policies are fully known, which needs a function cannot run without, and short lists."""

from __future__ import annotations

from faasguard.iam.effective import resolve_policy_arn
from faasguard.iam.usage import FunctionUsage, Need
from faasguard.model import App, Role, Unknown


def policies_fully_known(role: Role, app: App) -> bool:
    """True when every policy of ``role`` can be read statically: a role declared outside
    the app, a policy or managed policy faasguard cannot read, or an action that is not a
    static string may grant anything, so "not granted" cannot be concluded."""
    if role.external:
        return False
    for arn in role.managed_policy_arns:
        if isinstance(arn, Unknown) or (
            arn not in {p.arn for p in role.policies} and resolve_policy_arn(arn, app) is None
        ):
            return False
    if _unlinked_attachment(role, app):
        return False
    for policy in role.policies:
        if policy.unresolved is not None:
            return False
        for statement in policy.statements:
            if any(isinstance(a, Unknown) for a in (*statement.actions, *statement.not_actions)):
                return False
    return True


#: Terraform resources that add policies to a role from outside it.
_ATTACHMENTS = frozenset(
    {"aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_role_policy"}
)


def _unlinked_attachment(role: Role, app: App) -> bool:
    """True when the app attaches a policy the loader could not link to any role (its
    role or policy is not statically known): it may target ``role``, so the role may hold
    more than the model shows. Linked ones appear in some role's policies: inline ones
    named by their address, attached ones by their ARN (or its unknown expression)."""
    del role  # any unlinked attachment may target any role of the app
    # A customer managed policy attached to no principal is a principal of its own
    # (``kind == "policy"``): its ARN appearing there does not mean it was linked.
    holders = [r for r in app.roles if r.kind != "policy"]
    inline = {p.name for r in holders for p in r.policies}
    arns = {str(a) for r in holders for a in r.managed_policy_arns}
    arns |= {
        p.arn.expression if isinstance(p.arn, Unknown) else str(p.arn)
        for r in holders
        for p in r.policies
        if p.arn is not None
    }
    for resource in app.resources:
        if resource.type not in _ATTACHMENTS:
            continue
        if resource.type == "aws_iam_role_policy":
            if resource.ref not in inline:
                return True
            continue
        policy = resource.properties.get("policy_arn")
        text = policy.expression if isinstance(policy, Unknown) else str(policy)
        if text not in arns:
            return True
    return False


def runtime_needs(usage: FunctionUsage) -> list[Need]:
    """Needs whose absence breaks the function: its SDK calls and the minimum its event
    sources, dead-letter target and VPC need (missing logs or X-Ray permissions lose logs
    and traces, which the LOG rules judge, but do not stop the function)."""
    return [n for n in usage.needs if n.required]


def short_list(items: list[str], limit: int = 6) -> str:
    """``a, b, c (+N more)``."""
    shown = ", ".join(items[:limit])
    return f"{shown} (+{len(items) - limit} more)" if len(items) > limit else shown
