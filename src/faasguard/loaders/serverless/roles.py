"""Which role each Serverless function gets: a referenced role (its own ``role`` or the
provider's), a per-function role (``serverless-iam-roles-per-function``), or the framework's
shared ``IamRoleLambdaExecution``. The roles themselves are built by
:mod:`faasguard.loaders.serverless.iam`."""

from __future__ import annotations

from collections.abc import Mapping

from faasguard.loaders.serverless.common import (
    Context,
    as_bool,
    as_str,
    joined,
    mapping,
    normalized_function_name,
)
from faasguard.loaders.serverless.functions import Plan
from faasguard.loaders.serverless.iam import (
    DEFAULT_ROLE,
    ProviderIam,
    RoleInputs,
    generated_role,
    referenced_role,
    statements,
)
from faasguard.model import Role


def choose_roles(ctx: Context, plans: list[Plan], iam: ProviderIam) -> None:
    """Decide which kind of role each function gets (``role``, per-function statements, ...)."""
    per_function = mapping(ctx.custom.get("serverless-iam-roles-per-function"))
    default_inherit = as_bool(per_function.get("defaultInherit")) is True
    for plan in plans:
        raw = plan.raw
        if raw.get("role") is not None:
            plan.role_kind = "reference"
            plan.role_value = raw["role"]
            plan.role_pointer = plan.pointer + "/role"
        elif raw.get("iamRoleStatements") is not None:
            plan.role_kind = "own"
            plan.own_statements = statements(
                ctx, raw["iamRoleStatements"], plan.pointer + "/iamRoleStatements"
            )
            inherit = as_bool(raw.get("iamRoleStatementsInherit"))
            plan.inherit = inherit is True or (inherit is None and default_inherit)
        elif iam.role_reference is not None:
            plan.role_kind = "provider"
            plan.role_value = iam.role_reference
            plan.role_pointer = iam.role_pointer


def assign_roles(
    ctx: Context,
    plans: list[Plan],
    iam: ProviderIam,
    roles: dict[str, Role],
    cfn_roles: Mapping[str, Role],
) -> None:
    """Give every planned function its role: referenced, its own, or the shared default."""
    default_inputs = RoleInputs()
    for plan in plans:
        if plan.role_kind in {"reference", "provider"}:
            role = referenced_role(ctx, plan.role_value, plan.role_pointer, cfn_roles)
            plan.locations["role"] = ctx.locate(plan.role_pointer)
            roles.setdefault(role.ref, role)
            plan.fields["role"] = roles[role.ref]
            continue
        inputs = RoleInputs(
            function_names=[plan.fields["name"]],
            queues=list(plan.events.queue_sources),
            streams=list(plan.events.stream_sources),
            vpc=plan.fields.get("vpc") is not None,
        )
        if plan.role_kind == "own":
            location = ctx.locate(plan.pointer + "/iamRoleStatements")
            ref = normalized_function_name(plan.key) + "IamRoleLambdaExecution"
            user = list(plan.own_statements) + (list(iam.statements) if plan.inherit else [])
            raw = plan.raw
            role = generated_role(
                ctx,
                ref=ref,
                name=as_str(raw.get("iamRoleStatementsName"))
                or joined(ctx.service, ctx.stage, plan.key, ctx.region, "lambdaRole"),
                user_statements=user,
                managed_policies=list(iam.managed_policies) if plan.inherit else [],
                boundary=as_str(raw.get("iamPermissionsBoundary")) or iam.boundary,
                inputs=inputs,
                location=location,
                managed_locations=iam.managed_locations,
            )
            roles[ref] = role
            plan.fields["role"] = role
            plan.locations["role"] = location
            continue
        default_inputs.function_names += inputs.function_names
        default_inputs.queues += inputs.queues
        default_inputs.streams += inputs.streams
        default_inputs.vpc = default_inputs.vpc or inputs.vpc
    users = [plan for plan in plans if plan.role_kind == "default"]
    if not users:
        return
    location = ctx.locate(iam.pointer)
    role = generated_role(
        ctx,
        ref=DEFAULT_ROLE,
        name=iam.role_name or joined(ctx.service, ctx.stage, ctx.region, "lambdaRole"),
        user_statements=iam.statements,
        managed_policies=iam.managed_policies,
        boundary=iam.boundary,
        inputs=default_inputs,
        location=location,
        managed_locations=iam.managed_locations,
    )
    roles[DEFAULT_ROLE] = role
    for plan in users:
        plan.fields["role"] = role
        if iam.pointer != "/provider":
            plan.locations["role"] = location
