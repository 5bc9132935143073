"""Terraform IAM: ``aws_iam_policy_document`` data sources, policy documents, roles with
their inline, attached and managed policies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.terraform.hcl import JsonText, LineIndex
from faasguard.loaders.terraform.records import (
    Builder,
    TfResource,
    all_blocks,
    as_json,
    as_str,
    short_text,
)
from faasguard.model import (
    Diagnostic,
    DiagnosticLevel,
    Location,
    MaybeStr,
    Policy,
    Role,
    Statement,
    Unknown,
)


def policy_document_json(values: Mapping[str, Any], lines: LineIndex) -> JsonText:
    """``data "aws_iam_policy_document"`` arguments → the JSON document it renders.

    ``source_policy_documents`` statements come first, then the document's own, then
    ``override_policy_documents`` ones replace statements with the same ``Sid`` (Terraform's
    merge rule, best effort). Each statement keeps the line of its ``statement`` block.
    """
    statements: list[Any] = []
    for source in _doc_list(values.get("source_policy_documents")):
        statements.extend(_doc_statements(source, lines, statements))
    own = values.get("statement")
    blocks = own if isinstance(own, list) else []
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        where = lines.get(blocks, index)
        statement = _statement_from_block(block)
        if where is not None:
            lines.record(statements, len(statements), *where)
        statements.append(statement)
    if "statement" in (values.get("__dynamic__") or []):
        statements.append(Unknown(expression="dynamic statement", reason="dynamic block"))
    for override in _doc_list(values.get("override_policy_documents")):
        for statement in _doc_statements(override, lines, []):
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            replaced = False
            if sid:
                for i, existing in enumerate(statements):
                    if isinstance(existing, dict) and existing.get("Sid") == sid:
                        statements[i] = statement
                        replaced = True
            if not replaced:
                statements.append(statement)
    version = values.get("version")
    document: dict[str, Any] = {
        "Version": version if isinstance(version, str) else "2012-10-17",
        "Statement": statements,
    }
    return JsonText(document)


def _doc_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def _doc_statements(doc: Any, lines: LineIndex, target: list[Any]) -> list[Any]:
    parsed = as_json(doc)
    if isinstance(parsed, Unknown) or not isinstance(parsed, dict):
        return [Unknown(expression=short_text(doc), reason="policy document not static")]
    found = parsed.get("Statement")
    items = found if isinstance(found, list) else [found] if found is not None else []
    result: list[Any] = []
    for i, item in enumerate(items):
        where = lines.get(items, i) if isinstance(found, list) else None
        if where is not None:
            lines.record(target, len(target) + len(result), *where)
        result.append(item)
    return result


def _statement_from_block(block: Mapping[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if block.get("sid") is not None:
        statement["Sid"] = block["sid"]
    statement["Effect"] = block.get("effect") or "Allow"
    for key, name in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if block.get(key) is not None:
            statement[name] = block[key]
    for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals: dict[str, Any] = {}
        for principal in all_blocks(block, key):
            kind = principal.get("type")
            ids = principal.get("identifiers")
            if kind == "*":
                principals["*"] = ["*"]
            elif isinstance(kind, str):
                principals.setdefault(kind, []).extend(ids if isinstance(ids, list) else [ids])
        if principals:
            statement[name] = "*" if list(principals) == ["*"] else principals
    conditions: dict[str, Any] = {}
    for condition in all_blocks(block, "condition"):
        test, variable, cond_values = (
            condition.get("test"),
            condition.get("variable"),
            condition.get("values"),
        )
        if isinstance(test, str) and isinstance(variable, str):
            conditions.setdefault(test, {})[variable] = cond_values
    if conditions:
        statement["Condition"] = conditions
    return statement


def build_policy(
    name: str, document: Any, location: Location, lines: LineIndex, *, arn: Any = None
) -> Policy:
    """A :class:`Policy` from a document value (``JsonText``, JSON string, dict, Unknown)."""
    parsed = as_json(document)
    managed = arn is not None
    if isinstance(parsed, Unknown) or not isinstance(parsed, dict):
        unknown = (
            parsed
            if isinstance(parsed, Unknown)
            else Unknown(expression=short_text(document), reason="not a policy document")
        )
        return Policy(
            name=name, arn=as_str(arn), managed=managed, unresolved=unknown, location=location
        )
    raw = parsed.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    statements: list[Statement] = []
    unresolved: Unknown | None = None
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            unresolved = (
                item
                if isinstance(item, Unknown)
                else Unknown(expression=short_text(item), reason="statement not static")
            )
            continue
        where = lines.get(items, index) if isinstance(raw, list) else lines.get(parsed, "Statement")
        statement_location = (
            Location(file=where[0], line=where[1], pointer=location.pointer)
            if where is not None
            else location
        )
        converted = Statement.from_document(item, statement_location)
        if isinstance(converted, Statement):
            statements.append(converted)
    return Policy(
        name=name,
        statements=tuple(statements),
        arn=as_str(arn),
        managed=managed,
        unresolved=unresolved,
        location=location,
    )


#: Terraform principal types → the model's principal kind.
_PRINCIPALS = {"aws_iam_role": "role", "aws_iam_user": "user", "aws_iam_group": "group"}
#: Inline-policy resources: type → (principal type, argument naming the principal).
_INLINE = {
    "aws_iam_role_policy": ("aws_iam_role", "role"),
    "aws_iam_user_policy": ("aws_iam_user", "user"),
    "aws_iam_group_policy": ("aws_iam_group", "group"),
}
#: One-principal attachment resources: type → (principal type, argument naming it).
_ATTACHMENTS = {
    "aws_iam_role_policy_attachment": ("aws_iam_role", "role"),
    "aws_iam_user_policy_attachment": ("aws_iam_user", "user"),
    "aws_iam_group_policy_attachment": ("aws_iam_group", "group"),
}
#: ``aws_iam_policy_attachment`` lists its principals under these arguments.
_MULTI_ATTACH = (("roles", "aws_iam_role"), ("users", "aws_iam_user"), ("groups", "aws_iam_group"))

_Attached = dict[str, list[tuple[Any, Location]]]


def _unlinked(b: Builder, record: TfResource, argument: str, value: Any) -> None:
    """A diagnostic for an attachment whose principal is not a resource of the app."""
    b.diagnostics.append(
        Diagnostic(
            level=DiagnosticLevel.WARNING,
            message=(
                f"{record.address}: {argument} = {short_text(value)} names no IAM principal "
                "declared in the app; what it attaches is not analysed"
            ),
            location=b.loc(record, argument),
            code="terraform-iam-link",
        )
    )


def _link_principal(
    b: Builder, record: TfResource, argument: str, value: Any, wanted: str
) -> str | None:
    linked = b.link(value, (wanted,))
    if linked is None:
        _unlinked(b, record, argument, value)
    return linked


def _inline_policies(b: Builder) -> dict[str, list[Policy]]:
    inline: dict[str, list[Policy]] = {}
    for kind, (wanted, argument) in _INLINE.items():
        for record in b.typed(kind):
            owner = _link_principal(b, record, argument, record.values.get(argument), wanted)
            if owner is None:
                continue
            name = record.values.get("name")
            inline.setdefault(owner, []).append(
                build_policy(
                    name if isinstance(name, str) else record.address,
                    record.values.get("policy"),
                    b.loc(record, "policy"),
                    b.lines,
                )
            )
    return inline


def _attachments(b: Builder) -> _Attached:
    attached: _Attached = {}
    for kind, (wanted, argument) in _ATTACHMENTS.items():
        for record in b.typed(kind):
            owner = _link_principal(b, record, argument, record.values.get(argument), wanted)
            if owner is not None:
                attached.setdefault(owner, []).append(
                    (record.values.get("policy_arn"), b.loc(record, "policy_arn"))
                )
    for record in b.typed("aws_iam_policy_attachment"):
        for argument, wanted in _MULTI_ATTACH:
            values = record.values.get(argument)
            for value in values if isinstance(values, list) else [values] if values else []:
                owner = _link_principal(b, record, argument, value, wanted)
                if owner is not None:
                    attached.setdefault(owner, []).append(
                        (record.values.get("policy_arn"), b.loc(record, "policy_arn"))
                    )
    return attached


#: Membership resources: type → (argument naming one principal, its type, argument listing
#: the others, their type); the user is whichever side is ``aws_iam_user``.
_MEMBERSHIPS = {
    "aws_iam_user_group_membership": ("user", "aws_iam_user", "groups", "aws_iam_group"),
    "aws_iam_group_membership": ("group", "aws_iam_group", "users", "aws_iam_user"),
}


def _memberships(b: Builder) -> dict[str, list[str]]:
    """User address → the group addresses it belongs to."""
    members: dict[str, list[str]] = {}
    for kind, (one, one_type, many, many_type) in _MEMBERSHIPS.items():
        for record in b.typed(kind):
            single = _link_principal(b, record, one, record.values.get(one), one_type)
            for value in record.values.get(many) or []:
                other = _link_principal(b, record, many, value, many_type)
                if single is None or other is None:
                    continue
                user, group = (single, other) if one_type == "aws_iam_user" else (other, single)
                members.setdefault(user, []).append(group)
    return members


def build_roles(b: Builder) -> list[Role]:
    """Every IAM principal: roles, users (with their groups), groups, and customer managed
    policies (``aws_iam_policy``) attached to none of them, as ``policy`` principals."""
    inline = _inline_policies(b)
    attached = _attachments(b)
    members = _memberships(b)
    principals: list[Role] = []
    used_policies: set[str] = set()
    for record in b.typed(*_PRINCIPALS):
        principals.append(
            _principal(b, record, inline, attached, members.get(record.address, []), used_policies)
        )
    for record in b.typed("aws_iam_policy"):
        if record.address in used_policies:
            continue
        name = record.values.get("name")
        principals.append(
            Role(
                ref=record.address,
                name=as_str(name),
                arn=Unknown(expression=f"{record.address}.arn", reason="computed"),
                policies=(_customer_policy(b, record),),
                location=record.location,
                kind="policy",
            )
        )
    return principals


def _customer_policy(b: Builder, customer: TfResource) -> Policy:
    policy_name = customer.values.get("name")
    return build_policy(
        policy_name if isinstance(policy_name, str) else customer.address,
        customer.values.get("policy"),
        b.loc(customer, "policy"),
        b.lines,
        arn=Unknown(expression=f"{customer.address}.arn", reason="computed"),
    )


def _principal(
    b: Builder,
    record: TfResource,
    inline: Mapping[str, list[Policy]],
    attached: _Attached,
    groups: list[str],
    used_policies: set[str],
) -> Role:
    values = record.values
    policies: list[Policy] = []
    for index, block in enumerate(all_blocks(values, "inline_policy")):
        if block.get("policy") is None:
            continue
        name = block.get("name")
        policies.append(
            build_policy(
                name if isinstance(name, str) else f"inline_policy[{index}]",
                block.get("policy"),
                b.where(values.get("inline_policy"), index, record.location),
                b.lines,
            )
        )
    policies.extend(inline.get(record.address, []))
    managed: list[MaybeStr] = []
    arns: list[tuple[Any, Location]] = [
        (arn, b.loc(record, "managed_policy_arns"))
        for arn in (values.get("managed_policy_arns") or [])
    ]
    arns.extend(attached.get(record.address, []))
    managed_where: dict[str, Location] = {}
    for arn, _where in arns:
        customer = b.record(b.link(arn, ("aws_iam_policy",)))
        if customer is not None:
            used_policies.add(customer.address)
            policies.append(_customer_policy(b, customer))
            continue
        # AWS managed policies are often looked up with ``data "aws_iam_policy"``.
        data_ref = next((a for a in b.addresses(arn) if ".aws_iam_policy." in a), None)
        looked_up = b.record(data_ref) if data_ref else customer
        value = looked_up.values.get("arn", arn) if looked_up is not None else arn
        managed_arn = as_str(value) or Unknown(expression="null")
        managed.append(managed_arn)
        if isinstance(managed_arn, str):
            managed_where[managed_arn] = _where
    name = values.get("name")
    return Role(
        ref=record.address,
        name=as_str(name),
        arn=values.get("arn")
        if isinstance(values.get("arn"), str)
        else Unknown(expression=f"{record.address}.arn", reason="computed"),
        assume_role_policy=build_policy(
            "assume_role_policy",
            values.get("assume_role_policy"),
            b.loc(record, "assume_role_policy"),
            b.lines,
        )
        if values.get("assume_role_policy") is not None
        else None,
        policies=tuple(policies),
        managed_policy_arns=tuple(managed),
        managed_policy_locations=managed_where,
        permissions_boundary=as_str(values.get("permissions_boundary")),
        location=record.location,
        kind=_PRINCIPALS[record.type],
        groups=tuple(groups),
    )
