"""IAM of a template: roles, inline, attached and managed policies, and a function's role."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from faasguard.loaders.cloudformation.intrinsics import expression_text
from faasguard.loaders.cloudformation.template import Template
from faasguard.loaders.cloudformation.values import (
    as_str,
    as_str_tuple,
    get,
    items,
)
from faasguard.model import (
    Diagnostic,
    Location,
    MaybeStr,
    Policy,
    Role,
    Statement,
    Unknown,
)


def build_policy(
    t: Template,
    document: Any,
    name: str,
    pointer: tuple[str | int, ...],
    *,
    arn: MaybeStr | None = None,
    managed: bool = False,
) -> Policy:
    lid, *rest = pointer
    location = t.loc(str(lid), *rest)
    if isinstance(document, str) and document.strip().startswith("{"):
        document = _json_or_none(document)
    if not isinstance(document, Mapping):
        return Policy(
            name=name,
            arn=arn,
            managed=managed,
            unresolved=document
            if isinstance(document, Unknown)
            else Unknown(expression_text(document), reason="policy document not readable"),
            location=location,
        )
    statements = []
    raw_statements = document.get("Statement")
    for index, raw in enumerate(items(raw_statements)):
        path = (
            (*rest, "Statement", index)
            if isinstance(raw_statements, list)
            else (
                *rest,
                "Statement",
            )
        )
        converted = Statement.from_document(raw, t.loc(str(lid), *path))
        if isinstance(converted, Diagnostic):
            t.diagnostics.append(converted)
        else:
            statements.append(converted)
    return Policy(
        name=name, statements=tuple(statements), arn=arn, managed=managed, location=location
    )


def build_roles(t: Template) -> dict[str, Role]:
    attached: dict[str, list[Policy]] = {}
    managed_docs: dict[str, Policy] = {}
    for lid, props in t.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        is_managed = t.types[lid] == "AWS::IAM::ManagedPolicy"
        name = as_str(props.get("PolicyName") or props.get("ManagedPolicyName")) or lid
        policy = build_policy(
            t,
            props.get("PolicyDocument"),
            name if isinstance(name, str) else lid,
            (lid, "Properties", "PolicyDocument"),
            arn=t.resolver.get_att(lid, "Arn") if is_managed else None,
            managed=is_managed,
        )
        if is_managed:
            managed_docs[lid] = policy
            t.resolver.placeholders[lid] = lid
        for role in items(props.get("Roles")):
            role_id = t.ref_of(role) or (role if isinstance(role, str) else None)
            if role_id is not None:
                attached.setdefault(role_id, []).append(policy)
    roles: dict[str, Role] = {}
    for lid, props in t.of_type("AWS::IAM::Role"):
        policies: list[Policy] = []
        for index, raw in enumerate(items(props.get("Policies"))):
            inline_name = as_str(get(raw, "PolicyName"))
            policies.append(
                build_policy(
                    t,
                    get(raw, "PolicyDocument"),
                    inline_name if isinstance(inline_name, str) else f"{lid}-inline-{index}",
                    (lid, "Properties", "Policies", index, "PolicyDocument"),
                )
            )
        managed_arns = as_str_tuple(props.get("ManagedPolicyArns"))
        managed_where = {
            arn: t.loc(lid, "Properties", "ManagedPolicyArns", index)
            for index, arn in enumerate(managed_arns)
            if isinstance(arn, str)
        }
        for arn in managed_arns:
            managed = managed_docs.get(t.ref_of(arn) or "")
            if managed is not None:
                policies.append(managed)
        # ``Ref`` to a managed policy of the template is its ARN in CloudFormation.
        managed_arns = tuple(
            managed_docs[arn].arn or arn if isinstance(arn, str) and arn in managed_docs else arn
            for arn in managed_arns
        )
        role_name = as_str(props.get("RoleName"))
        for policy in attached.get(lid, []):
            if policy not in policies:
                policies.append(policy)
        if isinstance(role_name, str):
            for policy in attached.get(role_name, []):
                if policy not in policies:
                    policies.append(policy)
        trust = props.get("AssumeRolePolicyDocument")
        roles[lid] = Role(
            ref=lid,
            name=role_name,
            arn=t.resolver.get_att(lid, "Arn"),
            assume_role_policy=build_policy(
                t,
                trust,
                "AssumeRolePolicyDocument",
                (lid, "Properties", "AssumeRolePolicyDocument"),
            )
            if trust is not None
            else None,
            policies=tuple(policies),
            managed_policy_arns=managed_arns,
            managed_policy_locations=managed_where,
            permissions_boundary=as_str(props.get("PermissionsBoundary")),
            location=t.loc(lid),
        )
    return roles


def function_role(
    t: Template, value: Any, roles: Mapping[str, Role], location: Location
) -> Role | None:
    if value is None:
        return None
    found = t.ref_of(value)
    if found is not None and found in roles:
        return roles[found]
    if isinstance(value, str):
        for role in roles.values():
            if value == role.name:
                return role
        return Role(ref=value, arn=value, external=True, location=location)
    unknown = value if isinstance(value, Unknown) else Unknown(expression_text(value))
    return Role(ref=unknown.expression, arn=unknown, external=True, location=location)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
