"""Terraform IAM: ``aws_iam_policy_document`` data sources, policy documents, roles with
their inline, attached and managed policies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.terraform.hcl import JsonText, LineIndex
from faasguard.loaders.terraform.records import (
    ROLE_TYPES,
    Builder,
    all_blocks,
    as_json,
    as_str,
    short_text,
)
from faasguard.model import (
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


def build_roles(b: Builder) -> list[Role]:
    inline: dict[str, list[Policy]] = {}
    for record in b.typed("aws_iam_role_policy"):
        role = b.link(record.values.get("role"), ROLE_TYPES)
        if role is None:
            continue
        name = record.values.get("name")
        inline.setdefault(role, []).append(
            build_policy(
                name if isinstance(name, str) else record.address,
                record.values.get("policy"),
                b.loc(record, "policy"),
                b.lines,
            )
        )
    attached: dict[str, list[tuple[Any, Location]]] = {}
    for record in b.typed("aws_iam_role_policy_attachment"):
        role = b.link(record.values.get("role"), ROLE_TYPES)
        if role is not None:
            attached.setdefault(role, []).append(
                (record.values.get("policy_arn"), b.loc(record, "policy_arn"))
            )
    for record in b.typed("aws_iam_policy_attachment"):
        for role_value in record.values.get("roles") or []:
            role = b.link(role_value, ROLE_TYPES)
            if role is not None:
                attached.setdefault(role, []).append(
                    (record.values.get("policy_arn"), b.loc(record, "policy_arn"))
                )
    roles: list[Role] = []
    for record in b.typed("aws_iam_role"):
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
                policy_name = customer.values.get("name")
                policies.append(
                    build_policy(
                        policy_name if isinstance(policy_name, str) else customer.address,
                        customer.values.get("policy"),
                        b.loc(customer, "policy"),
                        b.lines,
                        arn=Unknown(expression=f"{customer.address}.arn", reason="computed"),
                    )
                )
            else:
                # AWS managed policies are often looked up with ``data "aws_iam_policy"``.
                looked_up = b.record(b.link(arn, ("aws_iam_policy",)))
                data_ref = next((a for a in b.addresses(arn) if ".aws_iam_policy." in a), None)
                looked_up = b.record(data_ref) if data_ref else looked_up
                value = looked_up.values.get("arn", arn) if looked_up is not None else arn
                managed_arn = as_str(value) or Unknown(expression="null")
                managed.append(managed_arn)
                if isinstance(managed_arn, str):
                    managed_where[managed_arn] = _where
        name = values.get("name")
        roles.append(
            Role(
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
            )
        )
    return roles
