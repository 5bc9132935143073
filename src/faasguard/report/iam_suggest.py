"""The report of ``faasguard iam suggest``: each function's least-privilege policy in the
format the app is written in, ready to paste. Pure: suggestions in, text out.

- ``json``: an IAM policy document per function (deploy-time values as CloudFormation
  ``${...}`` placeholders), with every need, its origin (``file:line`` of the call) and the
  notes;
- ``sam``: the function's ``Policies:`` block (``!GetAtt`` / ``!Ref`` / ``!Sub``), or a
  ``PolicyName``/``PolicyDocument`` entry for a role declared separately;
- ``serverless``: ``iamRoleStatements`` per function (the
  ``serverless-iam-roles-per-function`` plugin) and, for the shared provider role,
  ``provider.iam.role.statements`` with the union;
- ``terraform``: a ``data "aws_iam_policy_document"`` block per function (resource
  attributes such as ``aws_dynamodb_table.orders.arn``) and the ``aws_iam_role_policy`` that
  attaches it, plus the ``aws_partition``/``aws_region``/``aws_caller_identity`` data
  sources the ARNs use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from faasguard.data import load_json
from faasguard.iam.suggest import SuggestedStatement, Suggestion, union_of
from faasguard.iam.usage import Pseudo, RefArn, RefName, ResourcePattern, Text
from faasguard.model import App, Function
from faasguard.report.common import place

FORMATS = ("json", "sam", "serverless", "terraform")
#: Bumped when the JSON of ``iam suggest`` changes incompatibly.
SCHEMA_VERSION = 1


def _resource_types() -> dict[str, Any]:
    data: dict[str, Any] = load_json("lambda_usage.json")["resource_types"]
    return data


# ---------------------------------------------------------------------------- JSON


def render_json(suggestions: Sequence[Suggestion], root: str) -> str:
    """The stable JSON document of ``iam suggest --format json``."""
    functions = []
    for item in suggestions:
        where = place(item.function.location, root)
        functions.append(
            {
                "app": item.app.name,
                "format": item.app.format,
                "function": item.function.ref,
                "name": item.function.display_name,
                "location": {"file": where.file, "line": where.line, "column": where.column},
                "complete": item.usage.complete,
                "policy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": list(s.actions),
                            "Resource": [r.plain() for r in s.resources],
                        }
                        for s in item.statements
                    ],
                },
                "needs": [
                    {
                        "action": n.action,
                        "resource": n.resource.plain(),
                        "origin": n.origin,
                        "reason": n.reason,
                    }
                    for n in item.usage.needs
                ],
                "notes": list(item.notes),
            }
        )
    document = {"tool": "faasguard", "schema_version": SCHEMA_VERSION, "functions": functions}
    return json.dumps(document, indent=2) + "\n"


# ---------------------------------------------------------------------------- CloudFormation


def _cfn_reference(ref: str, spec: dict[str, Any] | None, which: str) -> str | None:
    """``Ref`` / ``GetAtt:Attr`` of the resource type as ``${...}`` inside ``!Sub``."""
    how = spec.get(which) if spec else None
    if how == "Ref":
        return f"${{{ref}}}"
    if isinstance(how, str) and how.startswith("GetAtt:"):
        return f"${{{ref}.{how[len('GetAtt:') :]}}}"
    return None


def cfn_resource(pattern: ResourcePattern, app: App) -> str:
    """A resource pattern as a CloudFormation YAML value (``!GetAtt X.Arn``, ``!Sub ...``)."""
    types = _resource_types()
    parts = pattern.parts
    if pattern.is_star:
        return '"*"'
    if len(parts) == 1 and isinstance(parts[0], RefArn):
        resource = app.resource(parts[0].ref)
        how = types.get(resource.type, {}).get("cfn_arn") if resource else None
        if how == "Ref":
            return f"!Ref {parts[0].ref}"
        if how == "GetAtt:Arn":
            return f"!GetAtt {parts[0].ref}.Arn"
    out: list[str] = []
    for part in parts:
        if isinstance(part, Text):
            out.append(part.text.replace("${", "${!"))
        elif isinstance(part, Pseudo):
            out.append(f"${{AWS::{'AccountId' if part.name == 'Account' else part.name}}}")
        elif isinstance(part, RefName | RefArn):
            resource = app.resource(part.ref)
            spec = types.get(resource.type) if resource else None
            which = "cfn_name" if isinstance(part, RefName) else "cfn_arn"
            out.append(_cfn_reference(part.ref, spec, which) or "*")
        else:
            out.append("*")
    text = "".join(out)
    if "${" in text.replace("${!", ""):
        return f'!Sub "{text}"'
    return json.dumps(text.replace("${!", "${"))


def _yaml_statements(statements: Iterable[SuggestedStatement], app: App, indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for statement in statements:
        lines.append(f"{pad}- Effect: Allow")
        lines.append(f"{pad}  Action:")
        lines.extend(f"{pad}    - {action}" for action in statement.actions)
        lines.append(f"{pad}  Resource:")
        lines.extend(f"{pad}    - {cfn_resource(r, app)}" for r in statement.resources)
    return lines


def _comments(item: Suggestion, root: str, prefix: str = "# ") -> list[str]:
    where = place(item.function.location, root)
    lines = [f"{prefix}{item.function.display_name} ({where.file}:{where.line})"]
    lines.extend(f"{prefix}  note: {note}" for note in item.notes)
    return lines


def render_sam(suggestions: Sequence[Suggestion], root: str) -> str:
    """Per function, the ``Policies:`` block to put in its ``Properties``."""
    blocks = []
    for item in suggestions:
        lines = _comments(item, root)
        role = item.function.role
        generated = role is None or role.ref == f"{item.function.ref}Role"
        if generated:
            lines.append("# replace the function's Policies with:")
            lines.append("      Policies:")
            lines.append("        - Statement:")
            lines.extend(_yaml_statements(item.statements, item.app, 12))
        else:
            lines.append(
                f"# the function uses role {role.ref if role else '?'}: give it its own role, "
                "or put this in the role's Policies:"
            )
            lines.append(f"        - PolicyName: {item.function.ref}LeastPrivilege")
            lines.append("          PolicyDocument:")
            lines.append('            Version: "2012-10-17"')
            lines.append("            Statement:")
            lines.extend(_yaml_statements(item.statements, item.app, 14))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else "No functions found.\n"


def render_serverless(suggestions: Sequence[Suggestion], root: str) -> str:
    """Per function ``iamRoleStatements`` and, per shared provider role, the union."""
    blocks = []
    shared: dict[str, list[Suggestion]] = {}
    for item in suggestions:
        lines = _comments(item, root)
        lines.append("# with serverless-iam-roles-per-function, under functions:")
        key = item.function.ref
        lines.append(f"  {key}:")
        lines.append("    iamRoleStatements:")
        lines.extend(_yaml_statements(item.statements, item.app, 6))
        blocks.append("\n".join(lines))
        if item.function.role is not None:
            shared.setdefault(f"{item.app.name}\0{item.function.role.ref}", []).append(item)
    for key, items in shared.items():
        if len(items) < 2:
            continue
        role = key.split("\0", 1)[1]
        union = union_of(items)
        names = ", ".join(i.function.ref for i in items)
        lines = [
            f"# {role}, the role shared by {names}: the union of what they need",
            "provider:",
            "  iam:",
            "    role:",
            "      statements:",
            *_yaml_statements(union, items[0].app, 8),
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else "No functions found.\n"


# ---------------------------------------------------------------------------- Terraform

_TF_PSEUDO = {
    "Partition": ("data.aws_partition.current.partition", 'data "aws_partition" "current" {}'),
    "Region": ("data.aws_region.current.name", 'data "aws_region" "current" {}'),
    "Account": (
        "data.aws_caller_identity.current.account_id",
        'data "aws_caller_identity" "current" {}',
    ),
}


def tf_resource(pattern: ResourcePattern, app: App, used: set[str]) -> str:
    """A resource pattern as an HCL expression; ``used`` collects the data sources."""
    types = _resource_types()
    parts = pattern.parts
    if pattern.is_star:
        return '"*"'
    if len(parts) == 1 and isinstance(parts[0], RefArn):
        resource = app.resource(parts[0].ref)
        attribute = types.get(resource.type, {}).get("tf_arn") if resource else None
        if attribute:
            return f"{parts[0].ref}.{attribute}"
    out: list[str] = []
    for part in parts:
        if isinstance(part, Text):
            out.append(part.text.replace("${", "$${").replace('"', '\\"'))
        elif isinstance(part, Pseudo):
            expression, block = _TF_PSEUDO[part.name]
            used.add(block)
            out.append(f"${{{expression}}}")
        elif isinstance(part, RefName | RefArn):
            resource = app.resource(part.ref)
            spec = types.get(resource.type) if resource else None
            attribute = (
                spec.get("tf_name" if isinstance(part, RefName) else "tf_arn") if spec else None
            )
            out.append(f"${{{part.ref}.{attribute}}}" if attribute else "*")
        else:
            out.append("*")
    return '"' + "".join(out) + '"'


def _tf_name(function: Function) -> str:
    name = function.ref.rsplit(".", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_]", "_", name) + "_least_privilege"


def render_terraform(suggestions: Sequence[Suggestion], root: str) -> str:
    """Per function an ``aws_iam_policy_document`` and the ``aws_iam_role_policy`` using it."""
    blocks = []
    used: set[str] = set()
    for item in suggestions:
        name = _tf_name(item.function)
        lines = _comments(item, root)
        lines.append(f'data "aws_iam_policy_document" "{name}" {{')
        for statement in item.statements:
            lines.append("  statement {")
            actions = ", ".join(f'"{a}"' for a in statement.actions)
            resources = ", ".join(tf_resource(r, item.app, used) for r in statement.resources)
            lines.append(f"    actions   = [{actions}]")
            lines.append(f"    resources = [{resources}]")
            lines.append("  }")
        lines.append("}")
        role = item.function.role
        if role is not None and re.fullmatch(r"(module\.[\w-]+\.)*aws_iam_role\.[\w-]+", role.ref):
            lines.append("")
            lines.append(f'resource "aws_iam_role_policy" "{name}" {{')
            lines.append(f"  role   = {role.ref}.id")
            lines.append(f"  policy = data.aws_iam_policy_document.{name}.json")
            lines.append("}")
        blocks.append("\n".join(lines))
    if not blocks:
        return "No functions found.\n"
    blocks.extend(sorted(used))
    return "\n\n".join(blocks) + "\n"


def render(fmt: str, suggestions: Sequence[Suggestion], root: str) -> str:
    """Render in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return render_json(suggestions, root)
    if fmt == "sam":
        return render_sam(suggestions, root)
    if fmt == "serverless":
        return render_serverless(suggestions, root)
    if fmt == "terraform":
        return render_terraform(suggestions, root)
    raise ValueError(f"unknown format {fmt!r}")


def default_format(app: App) -> str:
    """The output format matching how ``app`` is written."""
    if app.format in ("sam", "cloudformation", "cdk"):
        return "sam"
    if app.format in ("serverless", "terraform"):
        return app.format
    return "json"


__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "cfn_resource",
    "default_format",
    "render",
    "tf_resource",
]
