"""IAM of a template: roles, inline, attached and managed policies, and a function's role."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
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


#: CloudFormation principal types → the model's principal kind and their name property.
_PRINCIPAL_TYPES = {
    "AWS::IAM::Role": ("role", "RoleName"),
    "AWS::IAM::User": ("user", "UserName"),
    "AWS::IAM::Group": ("group", "GroupName"),
}
#: The property of a policy resource that lists the principals of each kind it attaches to.
_ATTACH_PROPERTIES = (("Roles", "role"), ("Users", "user"), ("Groups", "group"))


def _target(t: Template, value: Any) -> str | None:
    """The logical id (or, for a plain string, the name) an attachment entry names."""
    return t.ref_of(value) or (value if isinstance(value, str) else None)


def _policy_resources(
    t: Template,
) -> tuple[dict[tuple[str, str], list[Policy]], dict[str, Policy], set[str]]:
    """(policies attached per (kind, target), managed policies by id, ids attached at all)."""
    attached: dict[tuple[str, str], list[Policy]] = {}
    managed_docs: dict[str, Policy] = {}
    used: set[str] = set()
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
        for prop, kind in _ATTACH_PROPERTIES:
            for entry in items(props.get(prop)):
                target = _target(t, entry)
                if target is not None:
                    attached.setdefault((kind, target), []).append(policy)
                    used.add(lid)
    return attached, managed_docs, used


def _memberships(t: Template) -> dict[str, list[str]]:
    """User (logical id or name) → the groups (logical ids or names) it is added to."""
    members: dict[str, list[str]] = {}
    for lid, props in t.of_type("AWS::IAM::User"):
        for group in items(props.get("Groups")):
            target = _target(t, group)
            if target is not None:
                members.setdefault(lid, []).append(target)
    for _lid, props in t.of_type("AWS::IAM::UserToGroupAddition"):
        group = _target(t, props.get("GroupName"))
        for user in items(props.get("Users")):
            target = _target(t, user)
            if group is not None and target is not None:
                members.setdefault(target, []).append(group)
    return members


def build_roles(t: Template) -> dict[str, Role]:
    """Every IAM principal of the template: roles, users, groups, and customer managed
    policies attached to none of them (as ``policy`` principals), by logical id."""
    attached, managed_docs, used = _policy_resources(t)
    members = _memberships(t)
    principals: dict[str, Role] = {}
    for lid, kind_type in t.types.items():
        if kind_type in _PRINCIPAL_TYPES:
            principals[lid] = _principal(t, lid, kind_type, attached, managed_docs, members)
    names = {p.name: p.ref for p in principals.values() if isinstance(p.name, str)}
    for lid, principal in principals.items():
        if principal.groups:
            groups = tuple(dict.fromkeys(names.get(g, g) for g in principal.groups))
            principals[lid] = replace(principal, groups=groups)
    for lid, policy in managed_docs.items():
        referenced = any(policy in p.policies for p in principals.values())
        if lid not in used and not referenced:
            principals[lid] = Role(
                ref=lid,
                name=policy.name,
                arn=policy.arn,
                policies=(policy,),
                location=t.loc(lid),
                kind="policy",
            )
    return principals


def _principal(
    t: Template,
    lid: str,
    resource_type: str,
    attached: Mapping[tuple[str, str], list[Policy]],
    managed_docs: Mapping[str, Policy],
    members: Mapping[str, list[str]],
) -> Role:
    kind, name_property = _PRINCIPAL_TYPES[resource_type]
    props = t.props[lid]
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
    name = as_str(props.get(name_property))
    for key in (lid, name):
        for policy in attached.get((kind, key), []) if isinstance(key, str) else []:
            if policy not in policies:
                policies.append(policy)
    trust = props.get("AssumeRolePolicyDocument")
    groups = [*members.get(lid, [])]
    if isinstance(name, str):
        groups.extend(members.get(name, []))
    return Role(
        ref=lid,
        name=name,
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
        kind=kind,
        groups=tuple(groups),
    )


def function_role(
    t: Template, value: Any, roles: Mapping[str, Role], location: Location
) -> Role | None:
    if value is None:
        return None
    found = t.ref_of(value)
    if found is not None and found in roles and roles[found].kind == "role":
        return roles[found]
    if isinstance(value, str):
        for role in roles.values():
            if value == role.name and role.kind == "role":
                return role
        return Role(ref=value, arn=value, external=True, location=location)
    unknown = value if isinstance(value, Unknown) else Unknown(expression_text(value))
    return Role(ref=unknown.expression, arn=unknown, external=True, location=location)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
