"""What an IAM change in CloudTrail grants, read from its request (for LOG035).

A policy document (``policyDocument`` of ``Put*Policy``/``CreatePolicyVersion``) is read
statement by statement; an attached managed policy (``policyArn``) is read from the AWS
managed policies faasguard ships, when it is one. The escalation methods are the IAM
engine's (:func:`faasguard.iam.escalation.methods`): a method counts when every one of its
steps is allowed by some action of the document.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Iterator
from typing import Any

from faasguard.iam.effective import resolve_policy_arn
from faasguard.iam.escalation import methods


def _statements(document: object) -> Iterator[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return
    if not isinstance(document, dict):
        return
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict):
            yield statement


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def allowed(params: dict[str, Any]) -> list[tuple[str, str]]:
    """``(action, resource)`` pairs the requested policy allows (lowercased actions)."""
    pairs: list[tuple[str, str]] = []
    for statement in _statements(params.get("policyDocument")):
        if statement.get("Effect") != "Allow":
            continue
        resources = _strings(statement.get("Resource")) or ["*"]
        for action in _strings(statement.get("Action")):
            pairs.extend((action.lower(), r) for r in resources)
    arn = params.get("policyArn")
    policy = resolve_policy_arn(arn) if isinstance(arn, str) else None
    for managed in policy.statements if policy is not None else ():
        if managed.effect != "Allow":
            continue
        resources = [r for r in managed.resources if isinstance(r, str)] or ["*"]
        for managed_action in managed.actions:
            if isinstance(managed_action, str):
                pairs.extend((managed_action.lower(), r) for r in resources)
    return pairs


def is_admin(pairs: Iterable[tuple[str, str]]) -> bool:
    """Every action on every resource."""
    return any(a in ("*", "*:*") and r == "*" for a, r in pairs)


def escalations(pairs: list[tuple[str, str]]) -> list[str]:
    """Names of the escalation methods the allowed actions complete."""
    actions = {a for a, _ in pairs}
    if not actions:
        return []

    def allows(wanted: str) -> bool:
        return any(fnmatch.fnmatchcase(wanted.lower(), a) for a in actions)

    return [
        m.name
        for m in methods()
        if m.requires and all(any(allows(x) for x in group) for group in m.requires)
    ]


def trust_outsiders(params: dict[str, Any], account: str) -> list[str]:
    """Principals of a trust policy (``UpdateAssumeRolePolicy``) that are ``*`` or another
    account than ``account``."""
    found: list[str] = []
    for statement in _statements(params.get("policyDocument")):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        values = (
            [("*", principal)]
            if isinstance(principal, str)
            else list(principal.items())
            if isinstance(principal, dict)
            else []
        )
        for kind, value in values:
            if kind not in ("*", "AWS"):
                continue
            for who in _strings(value):
                other = _account_of(who)
                if who == "*" or (other and account and other != account):
                    found.append(who)
    return found


def _account_of(principal: str) -> str:
    if principal.isdigit():
        return principal
    parts = principal.split(":")
    return parts[4] if len(parts) > 4 and principal.startswith("arn:") else ""
