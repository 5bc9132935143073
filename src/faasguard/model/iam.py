"""IAM model: roles, policies and statements, normalised from every source format."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.model.diagnostics import Diagnostic, DiagnosticLevel
from faasguard.model.location import Location, Unknown

#: A string that may not be statically known (``Resource: !GetAtt Table.Arn`` in a template
#: that could not be resolved, a Terraform reference, ...).
MaybeStr = str | Unknown

#: The principal type of a ``Principal`` that is neither ``"*"`` nor a mapping of types
#: (an unresolved intrinsic, a bare ARN string): its type is not known.
UNKNOWN_PRINCIPAL_TYPE = "?"

_MAX_EXPRESSION = 240


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One IAM policy statement, with every list-or-scalar field normalised to a tuple.

    ``principals`` maps a principal type (``AWS``, ``Service``, ``Federated``,
    ``CanonicalUser``) to its values; the bare ``"*"`` principal becomes ``{"*": ("*",)}``.
    ``conditions`` keeps the original operator → key → values structure.
    """

    effect: MaybeStr = "Allow"
    sid: str | None = None
    actions: tuple[MaybeStr, ...] = ()
    not_actions: tuple[MaybeStr, ...] = ()
    resources: tuple[MaybeStr, ...] = ()
    not_resources: tuple[MaybeStr, ...] = ()
    principals: Mapping[str, tuple[MaybeStr, ...]] = field(default_factory=dict)
    not_principals: Mapping[str, tuple[MaybeStr, ...]] = field(default_factory=dict)
    conditions: Mapping[str, Mapping[str, tuple[Any, ...]]] = field(default_factory=dict)
    location: Location

    @property
    def allows(self) -> bool:
        """True for ``Effect: Allow`` (case-insensitive, as IAM treats it).

        An unknown effect counts as Allow: the conservative reading for every question
        faasguard asks (what may this function do, who may assume this role).
        """
        return isinstance(self.effect, Unknown) or self.effect.lower() == "allow"

    @classmethod
    def from_document(cls, raw: object, location: Location) -> Statement | Diagnostic:
        """Normalise one statement of a policy document, as any source format writes it.

        ``raw`` is the statement after the loader resolved what it could (unresolvable
        parts are :class:`Unknown` values). Never raises. A statement that is not a mapping
        gives a warning :class:`Diagnostic` at ``location`` instead; inside a statement,
        what IAM would not accept becomes an explicit :class:`Unknown`, never a guess:

        - ``Effect`` missing or not a string: an Unknown effect (``allows`` reads it
          conservatively as Allow);
        - ``Principal`` neither ``"*"`` nor a mapping: its values under the principal type
          :data:`UNKNOWN_PRINCIPAL_TYPE`;
        - a list entry that is not a string (a nested list, a mapping): an Unknown with its
          JSON; numbers and booleans become their text; ``null`` entries are dropped;
        - ``Sid``: a string, or the text of a number; anything else is no sid;
        - ``Condition``: operators whose entries are not a mapping keep no keys; a
          ``Condition`` that is not a mapping gives none.
        """
        if not isinstance(raw, Mapping):
            return Diagnostic(
                level=DiagnosticLevel.WARNING,
                message=f"IAM statement is not a mapping ({_expression(raw)}); ignored",
                location=location,
                code="iam",
            )
        return cls(
            effect=_effect(raw),
            sid=_sid(raw.get("Sid")),
            actions=_values(raw.get("Action")),
            not_actions=_values(raw.get("NotAction")),
            resources=_values(raw.get("Resource")),
            not_resources=_values(raw.get("NotResource")),
            principals=_principals(raw.get("Principal")),
            not_principals=_principals(raw.get("NotPrincipal")),
            conditions=_conditions(raw.get("Condition")),
            location=location,
        )


def _expression(value: object) -> str:
    """Compact JSON of a value, shortened, for the expression of an :class:`Unknown`."""
    if isinstance(value, Unknown):
        return value.expression
    try:
        text = json.dumps(value, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    if len(text) > _MAX_EXPRESSION:
        text = text[: _MAX_EXPRESSION - 3] + "..."
    return text


def _effect(raw: Mapping[Any, Any]) -> MaybeStr:
    if "Effect" not in raw:
        return Unknown("<missing>", reason="statement has no Effect")
    effect = raw["Effect"]
    if isinstance(effect, str | Unknown):
        return effect
    return Unknown(_expression(effect), reason="Effect is not Allow or Deny")


def _sid(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def scalar_str(
    value: object,
    render: Callable[[Any], str] = _expression,
    reason: str = "not a string",
) -> MaybeStr | None:
    """A string field as the model holds it, whatever the format.

    ``None`` stays ``None``, strings and :class:`Unknown` are kept, booleans become
    ``true``/``false`` and numbers their text; anything else (an intrinsic, a mapping) is
    an :class:`Unknown` whose expression is ``render(value)`` (each format renders its own
    source) with ``reason``.
    """
    if value is None:
        return None
    if isinstance(value, str | Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return Unknown(render(value), reason=reason)


def _values(value: object) -> tuple[MaybeStr, ...]:
    entries = value if isinstance(value, list) else [value]
    return tuple(item for item in (scalar_str(entry) for entry in entries) if item is not None)


def _principals(value: object) -> dict[str, tuple[MaybeStr, ...]]:
    if value is None:
        return {}
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, Mapping):
        return {str(kind): _values(values) for kind, values in value.items()}
    found = _values(value)
    return {UNKNOWN_PRINCIPAL_TYPE: found} if found else {}


def _conditions(value: object) -> dict[str, dict[str, tuple[Any, ...]]]:
    if not isinstance(value, Mapping):
        return {}
    result: dict[str, dict[str, tuple[Any, ...]]] = {}
    for operator, entries in value.items():
        keys = entries if isinstance(entries, Mapping) else {}
        result[str(operator)] = {
            str(key): _condition_values(values) for key, values in keys.items()
        }
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A policy document: inline, customer managed, AWS managed or a resource policy.

    ``arn`` is set for managed policies. ``unresolved`` holds an :class:`Unknown` when the
    document itself could not be read statically (an ARN of an unknown managed policy, a
    ``data`` source whose arguments are not static, ...): rules treat it as "may allow
    anything" and say so.
    """

    name: str
    statements: tuple[Statement, ...] = ()
    arn: MaybeStr | None = None
    managed: bool = False
    unresolved: Unknown | None = None
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    """An IAM principal: a role (usually a function's execution role), a user, a group, or
    a customer managed policy attached to no principal of the app (``kind``).

    ``ref`` is the identifier other model elements use to point at this principal: the
    CloudFormation logical id, the Terraform address (``aws_iam_role.exec``) or the ARN of
    an existing role declared outside the app. Users and groups carry the same policy
    fields as roles (users also ``groups``: the refs of the groups they are a member of,
    whose policies they get); a ``policy`` principal holds the one policy, so what anyone
    it is attached to gets is analysed like any principal.
    """

    ref: str
    name: MaybeStr | None = None
    arn: MaybeStr | None = None
    assume_role_policy: Policy | None = None
    policies: tuple[Policy, ...] = ()
    managed_policy_arns: tuple[MaybeStr, ...] = ()
    permissions_boundary: MaybeStr | None = None
    external: bool = False
    location: Location
    #: Where each (static) managed policy ARN is attached (``ManagedPolicyArns`` entry,
    #: ``policy_arn`` of an attachment resource, ``managedPolicies`` item), so findings about
    #: an AWS managed policy point at the line to change; loaders fill it when they know it.
    managed_policy_locations: Mapping[str, Location] = field(default_factory=dict)
    #: ``role``, ``user``, ``group`` or ``policy`` (see :data:`PRINCIPAL_KINDS`).
    kind: str = "role"
    #: For a user: the refs of the groups it belongs to (declared in the app).
    groups: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        """The deployed name when known statically, else the ref."""
        return self.name if isinstance(self.name, str) else self.ref


#: Every kind of principal the loaders produce, in the order reports list them.
PRINCIPAL_KINDS = ("role", "user", "group", "policy")


def _condition_values(values: object) -> tuple[Any, ...]:
    if values is None:
        return ()
    return tuple(values) if isinstance(values, list) else (values,)
