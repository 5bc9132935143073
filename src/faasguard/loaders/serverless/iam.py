"""IAM of a Serverless Framework service, in all its spellings.

- ``provider.iam.role.statements`` (v3+) and legacy ``provider.iamRoleStatements``;
- ``provider.iam.role.managedPolicies`` / legacy ``provider.iamManagedPolicies``;
- ``provider.iam.role.permissionsBoundary`` / legacy ``provider.rolePermissionsBoundary``;
- ``provider.iam.role`` or legacy ``provider.role`` as a string or ``!GetAtt``: an existing
  role (ARN or name → ``Role(external=True)``) or a role in ``resources.Resources``;
- function ``role:`` (same forms);
- per-function ``iamRoleStatements`` (plugin ``serverless-iam-roles-per-function``): the
  function gets its own role, plus the provider statements and managed policies when
  ``iamRoleStatementsInherit: true`` (or ``custom.serverless-iam-roles-per-function.
  defaultInherit: true``).

The framework's shared role ``IamRoleLambdaExecution`` also gets what the framework adds by
itself: log-stream permissions on the functions' log groups, the event-source permissions
for ``sqs`` and ``stream`` events, and ``AWSLambdaVPCAccessExecutionRole`` for VPC functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from faasguard.loaders.documents import pointer_join
from faasguard.loaders.serverless.common import Context, as_list, as_ref, as_str, mapping
from faasguard.model import Diagnostic, Location, Policy, Role, Statement, TriggerKind, Unknown
from faasguard.model.iam import MaybeStr

DEFAULT_ROLE = "IamRoleLambdaExecution"
VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
_STREAM_ACTIONS = {
    TriggerKind.DYNAMODB_STREAM: (
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:DescribeStream",
        "dynamodb:ListStreams",
    ),
    TriggerKind.KINESIS: (
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:ListShards",
        "kinesis:ListStreams",
    ),
}


def _values(value: Any) -> tuple[MaybeStr, ...]:
    result: list[MaybeStr] = []
    for item in as_list(value):
        converted = as_str(item)
        if converted is not None:
            result.append(converted)
    return tuple(result)


def statements(ctx: Context, raw: Any, pointer: str) -> list[Statement]:
    """Every statement of a list at ``pointer`` (malformed entries give a warning)."""
    result: list[Statement] = []
    if raw is None:
        return result
    if not isinstance(raw, list):
        ctx.warn("IAM statements must be a list", pointer)
        return result
    for index, item in enumerate(raw):
        converted = Statement.from_document(
            ctx.intrinsics(item), ctx.locate(pointer_join(pointer, index))
        )
        if isinstance(converted, Diagnostic):
            ctx.diagnostics.append(converted)
        else:
            result.append(converted)
    return result


@dataclass(slots=True)
class ProviderIam:
    """The provider-level IAM settings, whatever spelling the user chose."""

    statements: list[Statement] = field(default_factory=list)
    managed_policies: list[MaybeStr] = field(default_factory=list)
    #: where each static managed policy ARN is listed, for findings about that policy
    managed_locations: dict[str, Location] = field(default_factory=dict)
    boundary: MaybeStr | None = None
    #: an existing or resources-declared role every function uses (``provider.iam.role: X``)
    role_reference: Any = None
    role_pointer: str = "/provider"
    role_name: MaybeStr | None = None
    pointer: str = "/provider"


def provider_iam(ctx: Context) -> ProviderIam:
    """Read ``provider.iam`` and the legacy provider keys."""
    provider = ctx.provider
    result = ProviderIam()
    iam = mapping(provider.get("iam"))
    role = iam.get("role")
    if isinstance(role, dict) and "Fn::GetAtt" not in role and "Ref" not in role:
        base = "/provider/iam/role"
        result.pointer = base
        result.statements += statements(ctx, role.get("statements"), base + "/statements")
        result.managed_policies += list(_values(role.get("managedPolicies")))
        _locate_managed(ctx, role.get("managedPolicies"), base + "/managedPolicies", result)
        result.boundary = as_str(role.get("permissionsBoundary"))
        result.role_name = as_str(role.get("name"))
    elif role is not None:
        result.role_reference = role
        result.role_pointer = "/provider/iam/role"
    if "iamRoleStatements" in provider:
        result.statements += statements(
            ctx, provider.get("iamRoleStatements"), "/provider/iamRoleStatements"
        )
        if result.pointer == "/provider":
            result.pointer = "/provider/iamRoleStatements"
    result.managed_policies += list(_values(provider.get("iamManagedPolicies")))
    _locate_managed(ctx, provider.get("iamManagedPolicies"), "/provider/iamManagedPolicies", result)
    if result.boundary is None:
        result.boundary = as_str(provider.get("rolePermissionsBoundary"))
    if result.role_reference is None and provider.get("role") is not None:
        result.role_reference = provider.get("role")
        result.role_pointer = "/provider/role"
    return result


def referenced_role(ctx: Context, value: Any, pointer: str, roles: Mapping[str, Role]) -> Role:
    """The role a ``role:`` value designates: one from ``resources`` or an existing one."""
    location = ctx.locate(pointer)
    ref = as_ref(value)
    if isinstance(ref, str) and ref in roles:
        return roles[ref]
    if isinstance(ref, str):
        raw = mapping(ctx.raw_resources.get(ref))
        if raw.get("Type") == "AWS::IAM::Role":
            # Declared in resources but not analysed (no CloudFormation builder result).
            return Role(
                ref=ref,
                name=as_str(mapping(raw.get("Properties")).get("RoleName")),
                location=location,
            )
        if ref.startswith("arn:"):
            return Role(
                ref=ref, arn=ref, name=ref.rsplit("/", 1)[-1], external=True, location=location
            )
        return Role(ref=ref, name=ref, external=True, location=location)
    unknown = ref if isinstance(ref, Unknown) else Unknown(expression=str(value))
    return Role(ref=unknown.expression, arn=unknown, external=True, location=location)


@dataclass(slots=True)
class RoleInputs:
    """What a framework-generated role needs from the functions that use it."""

    function_names: list[MaybeStr] = field(default_factory=list)
    queues: list[MaybeStr] = field(default_factory=list)
    streams: list[tuple[TriggerKind, MaybeStr]] = field(default_factory=list)
    vpc: bool = False


def _locate_managed(ctx: Context, raw: Any, pointer: str, result: ProviderIam) -> None:
    if not isinstance(raw, list):
        return
    for index, arn in enumerate(raw):
        if isinstance(arn, str):
            result.managed_locations.setdefault(arn, ctx.locate(f"{pointer}/{index}"))


def generated_role(
    ctx: Context,
    *,
    ref: str,
    name: MaybeStr | None,
    user_statements: Sequence[Statement],
    managed_policies: Sequence[MaybeStr],
    boundary: MaybeStr | None,
    inputs: RoleInputs,
    location: Location,
    managed_locations: Mapping[str, Location] | None = None,
) -> Role:
    """A role the framework (or the per-function plugin) creates, with its added statements."""
    framework: list[Statement] = []
    region = ctx.region if isinstance(ctx.region, str) else "${AWS::Region}"
    groups: list[MaybeStr] = []
    for function_name in inputs.function_names:
        if isinstance(function_name, Unknown):
            groups.append(function_name)
        else:
            groups.append(
                f"arn:aws:logs:{region}:${{AWS::AccountId}}:log-group:/aws/lambda/{function_name}:*"
            )
    if groups:
        framework.append(
            Statement(
                actions=("logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"),
                resources=tuple(groups),
                location=location,
            )
        )
        framework.append(
            Statement(
                actions=("logs:PutLogEvents",),
                resources=tuple(g if isinstance(g, Unknown) else g + ":*" for g in groups),
                location=location,
            )
        )
    if inputs.queues:
        framework.append(
            Statement(
                actions=("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
                resources=tuple(dict.fromkeys(inputs.queues)),
                location=location,
            )
        )
    for kind, actions in _STREAM_ACTIONS.items():
        sources = [source for stream_kind, source in inputs.streams if stream_kind == kind]
        if sources:
            framework.append(
                Statement(
                    actions=actions, resources=tuple(dict.fromkeys(sources)), location=location
                )
            )
    policies = [
        Policy(
            name=f"{ref}-policy",
            statements=tuple(framework) + tuple(user_statements),
            location=location,
        )
    ]
    managed = list(managed_policies)
    if inputs.vpc and VPC_POLICY not in managed:
        managed.append(VPC_POLICY)
    trust = (
        Statement(
            effect="Allow",
            principals={"Service": ("lambda.amazonaws.com",)},
            actions=("sts:AssumeRole",),
            location=location,
        ),
    )
    return Role(
        ref=ref,
        name=name,
        assume_role_policy=Policy(
            name="AssumeRolePolicyDocument", statements=trust, location=location
        ),
        policies=tuple(policies),
        managed_policy_arns=tuple(managed),
        managed_policy_locations={
            arn: where for arn, where in (managed_locations or {}).items() if arn in managed
        },
        permissions_boundary=boundary,
        location=location,
    )
