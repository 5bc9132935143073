"""IAM model: roles, policies and statements, normalised from every source format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.model.location import Location, Unknown

#: A string that may not be statically known (``Resource: !GetAtt Table.Arn`` in a template
#: that could not be resolved, a Terraform reference, ...).
MaybeStr = str | Unknown


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One IAM policy statement, with every list-or-scalar field normalised to a tuple.

    ``principals`` maps a principal type (``AWS``, ``Service``, ``Federated``,
    ``CanonicalUser``) to its values; the bare ``"*"`` principal becomes ``{"*": ("*",)}``.
    ``conditions`` keeps the original operator → key → values structure.
    """

    effect: str = "Allow"
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
        """True for ``Effect: Allow`` (case-insensitive, as IAM treats it)."""
        return self.effect.lower() == "allow"


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
    """An IAM role, usually a function's execution role.

    ``ref`` is the identifier other model elements use to point at this role: the
    CloudFormation logical id, the Terraform address (``aws_iam_role.exec``) or the ARN of
    an existing role declared outside the app.
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
