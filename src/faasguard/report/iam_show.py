"""The report of ``faasguard iam show``: what each function's execution role really
allows, by access level, as text or as a stable JSON document. Pure: permissions in, text out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from faasguard.iam.effective import EffectivePermissions, Grant
from faasguard.iam.managed import is_aws_managed_arn
from faasguard.model import App, Function, Location, Role
from faasguard.report.common import place

#: Bumped when the JSON of ``iam show`` changes incompatibly.
IAM_SHOW_SCHEMA = 1

#: The functions shown, each with its app and its effective permissions.
FunctionPermissions = Sequence[tuple[App, Function, EffectivePermissions]]
#: The other principals shown (users, groups, roles, policies), likewise.
PrincipalPermissions = Sequence[tuple[App, Role, EffectivePermissions]]


def render_permissions_text(
    results: FunctionPermissions, root: str, principals: PrincipalPermissions = ()
) -> str:
    """``iam show``: per function its role and its grants, grouped by access level; then
    per other principal (``--all``, ``--principal``) the same."""
    blocks = [_function_text(app, fn, perms, root) for app, fn, perms in results]
    blocks.extend(_principal_text(role, perms, root) for _app, role, perms in principals)
    if not blocks:
        return "No functions found.\n"
    return "\n".join(blocks)


def render_permissions_json(
    results: FunctionPermissions, root: str, principals: PrincipalPermissions = ()
) -> str:
    """``iam show --format json`` (schema :data:`IAM_SHOW_SCHEMA`); ``principals`` is
    present only when other principals were asked for."""
    document: dict[str, Any] = {
        "tool": "faasguard",
        "schema_version": IAM_SHOW_SCHEMA,
        "functions": [_function_json(app, fn, perms, root) for app, fn, perms in results],
    }
    if principals:
        document["principals"] = [
            _principal_json(app, role, perms, root) for app, role, perms in principals
        ]
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def _where(location: Location, root: str) -> str:
    if location.file.startswith("aws-managed:"):
        return str(location.file)
    return str(place(location, root))


@dataclass(frozen=True, slots=True)
class _Row:
    """One display row: the grants of one statement with one action (or one wildcard
    pattern), one condition class and access level, over all their resources."""

    level: str
    grants: tuple[Grant, ...]
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    @property
    def first(self) -> Grant:
        return self.grants[0]


def _rows(perms: EffectivePermissions) -> list[_Row]:
    rows: list[_Row] = []
    for level, grants in perms.by_access_level().items():
        groups: dict[tuple[Any, ...], list[Grant]] = {}
        for grant in grants:
            wildcard = grant.via_not_action or "*" in grant.pattern or "?" in grant.pattern
            key = (
                id(grant.statement),
                grant.policy.name,
                grant.not_resources,
                grant.condition_effect,
                grant.pattern if wildcard else grant.action,
                grant.via_not_action,
            )
            groups.setdefault(key, []).append(grant)
        for group in groups.values():
            rows.append(
                _Row(
                    level=level,
                    grants=tuple(group),
                    actions=tuple(dict.fromkeys(g.action for g in group)),
                    resources=tuple(dict.fromkeys(g.resource for g in group)),
                )
            )
    return rows


def _action_label(row: _Row) -> str:
    first = row.first
    if first.via_not_action:
        excluded = ", ".join(str(a) for a in first.statement.not_actions)
        return f"NotAction [{excluded}] ({len(row.actions)} actions)"
    if len(row.actions) == 1:
        return row.actions[0]
    return f"{first.pattern} ({len(row.actions)} actions)"


def _resource_label(row: _Row) -> str:
    if row.first.not_resources:
        return f"NotResource [{', '.join(row.first.not_resources)}]"
    more = f" (+{len(row.resources) - 1} more)" if len(row.resources) > 1 else ""
    return row.resources[0] + more


def _policy_label(grant: Grant) -> str:
    kind = " (AWS managed)" if grant.policy.managed and _aws_managed(grant) else ""
    return f"{grant.policy.name}{kind}"


def _aws_managed(grant: Grant) -> bool:
    return isinstance(grant.policy.arn, str) and is_aws_managed_arn(grant.policy.arn)


def _function_text(app: App, fn: Function, perms: EffectivePermissions, root: str) -> str:
    lines = [f"{_where(fn.location, root)}  {fn.display_name}"]
    role = fn.role
    if role is None:
        lines.append("  role: none declared")
    else:
        external = " (declared outside the app)" if role.external else ""
        lines.append(f"  role: {role.ref}{external}  {_where(role.location, root)}")
    return _grants_text(lines, perms, root)


def _principal_text(role: Role, perms: EffectivePermissions, root: str) -> str:
    lines = [f"{_where(role.location, root)}  {role.kind} {role.display_name} ({role.ref})"]
    if role.groups:
        lines.append(f"  member of: {', '.join(role.groups)}")
    return _grants_text(lines, perms, root)


def _grants_text(lines: list[str], perms: EffectivePermissions, root: str) -> str:
    rows = _rows(perms)
    if not rows:
        lines.append("  no permissions granted")
    table: list[tuple[str, ...]] = []
    current = None
    for row in rows:
        if row.level != current:
            count = len({a for r in rows if r.level == row.level for a in r.actions})
            table.append((f"  {row.level} ({count} actions)",))
            current = row.level
        grant = row.first
        table.append(
            (
                "    " + _action_label(row),
                _resource_label(row),
                grant.condition_effect.value,
                _policy_label(grant),
                _where(perms.location_of(grant), root),
            )
        )
    widths = [max((len(r[i]) for r in table if len(r) > i), default=0) for i in range(4)]
    for cells in table:
        if len(cells) == 1:
            lines.append(cells[0])
        else:
            padded = [cell.ljust(widths[i]) for i, cell in enumerate(cells[:4])]
            lines.append("  ".join([*padded, cells[4]]).rstrip())
    if perms.unknowns:
        lines.append("  unknowns:")
        lines.extend(f"    - {message}" for message in perms.unknowns)
    if perms.denied:
        lines.append(f"  {len(perms.denied)} grant(s) removed by an explicit Deny or a boundary")
    return "\n".join(lines) + "\n"


def _location_json(loc: Location, root: str) -> dict[str, Any]:
    if loc.file.startswith("aws-managed:"):
        return {"file": loc.file, "line": 0, "column": 0}
    where = place(loc, root)
    return {"file": where.file, "line": where.line, "column": where.column}


def _principal_json(app: App, role: Role, perms: EffectivePermissions, root: str) -> dict[str, Any]:
    return {
        "app": app.name,
        "kind": role.kind,
        "principal": role.ref,
        "name": role.display_name,
        "location": _location_json(role.location, root),
        "groups": list(role.groups),
        "grants": _grants_json(perms, root),
        "unknowns": list(perms.unknowns),
        "denied": len(perms.denied),
    }


def _function_json(
    app: App, fn: Function, perms: EffectivePermissions, root: str
) -> dict[str, Any]:
    def location(loc: Location) -> dict[str, Any]:
        return _location_json(loc, root)

    role = fn.role
    return {
        "app": app.name,
        "function": fn.ref,
        "name": fn.display_name,
        "location": location(fn.location),
        "role": None
        if role is None
        else {"ref": role.ref, "external": role.external, "location": location(role.location)},
        "grants": _grants_json(perms, root),
        "unknowns": list(perms.unknowns),
        "denied": len(perms.denied),
    }


def _grants_json(perms: EffectivePermissions, root: str) -> list[dict[str, Any]]:
    def location(loc: Location) -> dict[str, Any]:
        return _location_json(loc, root)

    grants = []
    for row in _rows(perms):
        grant = row.first
        grants.append(
            {
                "access_level": row.level,
                "actions": sorted(row.actions),
                "pattern": grant.pattern,
                "via_not_action": grant.via_not_action,
                "resources": list(row.resources),
                "resource_unknown": any(g.resource_unknown for g in row.grants),
                "not_resources": list(grant.not_resources),
                "condition": grant.condition_effect.value,
                "conditions": {
                    op: {k: [str(v) for v in vals] for k, vals in keys.items()}
                    for op, keys in grant.conditions.items()
                },
                "policy": {
                    "name": grant.policy.name,
                    "arn": grant.policy.arn if isinstance(grant.policy.arn, str) else None,
                    "aws_managed": _aws_managed(grant),
                },
                "location": location(perms.location_of(grant)),
            }
        )
    return grants
