"""Effective permissions of an execution role: what the function can really do.

Sources, in the model every loader produces: the role's inline policies, customer managed
policies declared in the app (already resolved into ``Role.policies`` by the loaders), SAM
policy templates (expanded by the SAM transform into inline policies), Serverless Framework
statements, Terraform policy documents, and AWS managed policies attached by ARN (read from
the packaged data, :mod:`faasguard.iam.managed`).

Evaluation, as IAM does it for one principal:

1. Every ``Allow`` statement becomes one :class:`Grant` per (catalog action, resource
   pattern). Action patterns (``*``, ``?``, any case) are expanded with the catalog;
   ``NotAction`` is every catalog action except the listed ones (``via_not_action``);
   ``NotResource`` is resource ``*`` minus the listed patterns (``Grant.not_resources``).
   Patterns the catalog does not know (a typo, an unknown service) stay as written with
   access level ``Unknown``.
2. Conditions are classified (:mod:`faasguard.iam.conditions`); an impossible condition
   removes the grant (kept in ``EffectivePermissions.impossible``).
3. Explicit ``Deny`` wins. An unconditional (or always-true) deny removes every grant whose
   action it matches (``Action``/``NotAction``) on a resource it covers: its ``Resource``
   pattern matches the grant's pattern, or the grant's pattern lies outside its
   ``NotResource``. A grant wider than the deny's resources is kept (IAM would still allow
   the rest); a grant wider than a ``NotResource`` deny's exceptions is narrowed to them. A
   deny with a narrowing condition does not remove grants; it marks them ``NARROWING``.
4. A permissions boundary intersects: a grant survives where the boundary allows the same
   action on a resource pattern covering it, and is narrowed to the boundary's pattern
   where that one is narrower.

What cannot be known statically is never guessed: unknown actions, resources, documents,
managed policies, boundaries and roles declared outside the app are listed in
``unknowns`` with a message ready for a diagnostic. Unknown ``Allow`` actions produce no
grant; unknown ``Allow`` resources produce grants whose resource is the unknown's text
(``Grant.resource_unknown``); unknown parts of a ``Deny`` or boundary never remove a grant
(the conservative reading for "what can this function do").
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import Any

from faasguard.iam.catalog import ACCESS_LEVELS, UNKNOWN_LEVEL, _compile, catalog
from faasguard.iam.conditions import ConditionEffect, classify
from faasguard.iam.managed import is_aws_managed_arn, managed_data, managed_policy
from faasguard.model import App, Location, Policy, Role, Statement, Unknown

_RESTRICTIVENESS = {
    ConditionEffect.NONE: 0,
    ConditionEffect.ALWAYS_TRUE: 1,
    ConditionEffect.NARROWING: 2,
    ConditionEffect.IMPOSSIBLE: 3,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """One action the role allows on one resource pattern, with where it comes from."""

    action: str
    resource: str
    condition_effect: ConditionEffect
    conditions: Mapping[str, Mapping[str, tuple[Any, ...]]]
    statement: Statement
    policy: Policy
    via_not_action: bool = False
    #: ``NotResource`` of the allowing statement: every resource except these.
    not_resources: tuple[str, ...] = ()
    #: The resource is an unknown value (``resource`` holds its text).
    resource_unknown: bool = False
    #: The action pattern as written that produced this grant (``"s3:*"``, ``"*"``).
    pattern: str = ""

    @property
    def access_level(self) -> str:
        """The catalog access level of the action (``Unknown`` for unknown actions)."""
        return catalog().access_level(self.action)


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectivePermissions:
    """What a role allows after denies, boundaries and impossible conditions."""

    role: Role | None
    #: The grants cut into runs granted by one statement, in order (:attr:`grants` is their
    #: concatenation). The run of an AWS managed statement that no deny or boundary
    #: changed is the tuple every role attaching it shares, so facts about it can be
    #: computed once, and a role that nobody asks for every grant holds no copy of them.
    segments: tuple[tuple[Grant, ...], ...] = ()
    denied: tuple[Grant, ...] = ()
    unknowns: tuple[str, ...] = ()
    #: Grants removed because their condition can never hold.
    impossible: tuple[Grant, ...] = ()
    #: The line attaching each AWS managed statement, by ``id`` of the statement: the
    #: grants of a managed statement are shared by every role attaching it (computed once
    #: per statement), so where one role attaches it is kept here, not in the grant.
    attached_at: Mapping[int, Location] = field(default_factory=dict, repr=False, compare=False)
    _flat: list[tuple[Grant, ...]] = field(default_factory=list, repr=False, compare=False)
    _index: dict[str, list[Grant]] = field(default_factory=dict, repr=False, compare=False)

    def _by_action(self) -> dict[str, list[Grant]]:
        if not self._index and self.grants:
            for grant in self.grants:
                self._index.setdefault(grant.action.lower(), []).append(grant)
        return self._index

    @property
    def grants(self) -> tuple[Grant, ...]:
        """Every grant the role has, in order (concatenated on first use)."""
        if not self._flat:
            self._flat.append(tuple(chain.from_iterable(self.segments)))
        return self._flat[0]

    def statement_groups(self) -> tuple[tuple[Grant, ...], ...]:
        """:attr:`grants` cut into runs granted by one statement object, in order."""
        return self.segments

    def statement_location(self, statement: Statement) -> Location:
        """Where ``statement`` is, for this role: the line attaching it for an AWS managed
        policy's statement, its own location otherwise."""
        return self.attached_at.get(id(statement), statement.location)

    def location_of(self, grant: Grant) -> Location:
        """Where the statement granting ``grant`` is, for this role (see
        :meth:`statement_location`)."""
        return self.attached_at.get(id(grant.statement), grant.statement.location)

    def allowed(self, action: str, resource: str = "*") -> tuple[Grant, ...]:
        """Grants allowing ``action`` (any case) on ``resource``.

        ``resource="*"`` means on any resource: every grant of the action counts, whatever
        its pattern (inspect ``.resource``). A specific ARN (or pattern) counts when a
        grant's pattern covers it and its ``NotResource`` does not; grants with an unknown
        resource are included too, because they may cover it.
        """
        grants = self._by_action().get(action.lower(), [])
        if resource == "*":
            return tuple(grants)
        return tuple(
            g
            for g in grants
            if g.resource_unknown
            or (
                covers(g.resource, resource)
                and not any(covers(excluded, resource) for excluded in g.not_resources)
            )
        )

    def actions(self) -> frozenset[str]:
        """Every allowed action (canonical names; raw patterns for unknown ones)."""
        return frozenset(g.action for g in self.grants)

    def by_access_level(self) -> dict[str, tuple[Grant, ...]]:
        """Grants grouped by access level, in the order List, Read, Write, Permissions
        management, Tagging, Unknown (levels without grants are left out)."""
        cat = catalog()
        groups: dict[str, list[Grant]] = {}
        for grant in self.grants:
            groups.setdefault(cat.access_level(grant.action), []).append(grant)
        return {
            level: tuple(groups[level])
            for level in (*ACCESS_LEVELS, UNKNOWN_LEVEL)
            if level in groups
        }


def covers(pattern: str, value: str) -> bool:
    """True when the resource ``pattern`` (IAM ``*``/``?``) matches every resource ``value``
    denotes. ``value``'s own wildcards are taken literally, which is exact for ``*`` in the
    pattern and conservative otherwise. ARNs are case-sensitive."""
    if pattern in ("*", value):
        return True
    if "*" not in pattern and "?" not in pattern:
        return False
    return _resource_regex(pattern).fullmatch(value) is not None


def _resource_regex(pattern: str) -> Any:
    # ``_compile`` is shared with action matching; resources are case-sensitive, so only
    # actions are lowercased before compiling.
    return _compile(pattern)


def _action_matches(patterns: Iterable[str], action: str) -> bool:
    lower = action.lower()
    return any(_compile(p.lower()).fullmatch(lower) is not None for p in patterns)


# ---------------------------------------------------------------------- policy sources


@dataclass(slots=True)
class _Sources:
    policies: list[Policy]
    unknowns: list[str]
    #: The attaching line of every AWS managed statement, by ``id`` of the statement.
    attached_at: dict[int, Location]


def _known_managed_commit() -> str:
    commit = managed_data().commit
    return f" (data from iam-dataset commit {commit[:12]})" if commit else ""


def _attached(role: Role, app: App | None) -> _Sources:
    """Every policy of the principal: its own, then managed policies attached by ARN; a
    user also gets every policy of the groups it belongs to."""
    holders = [role, *_groups_of(role, app)]
    policies = [policy for holder in holders for policy in holder.policies]
    unknowns: list[str] = []
    attached_at: dict[int, Location] = {}
    known_arns = {p.arn for p in policies if isinstance(p.arn, str)}
    for holder in holders:
        # Old cached models may predate the field; treat them as "no locations known".
        locations: Mapping[str, Location] = getattr(holder, "managed_policy_locations", None) or {}
        for arn in holder.managed_policy_arns:
            if isinstance(arn, Unknown):
                unknowns.append(
                    f"managed policy {arn.expression} attached to {holder.kind} {holder.ref} "
                    "is not statically known; its permissions are not analysed"
                )
                continue
            if arn in known_arns:
                continue
            known_arns.add(arn)
            resolved = resolve_policy_arn(arn, app)
            if resolved is None:
                unknowns.append(_missing_policy_message(arn, holder))
                continue
            policies.append(resolved)
            if _is_aws_managed_data(resolved):
                where = locations.get(arn, holder.location)
                attached_at.update((id(s), where) for s in resolved.statements)
    return _Sources(policies=policies, unknowns=unknowns, attached_at=attached_at)


def _groups_of(role: Role, app: App | None) -> list[Role]:
    """The groups of the app a user belongs to (none for other principals)."""
    if app is None or not getattr(role, "groups", ()):
        return []
    wanted = set(role.groups)
    return [g for g in app.roles if g.kind == "group" and g.ref in wanted]


def _missing_policy_message(arn: str, role: Role) -> str:
    if is_aws_managed_arn(arn):
        return (
            f"managed policy {arn} attached to {role.kind} {role.ref} is not in faasguard's data"
            f"{_known_managed_commit()}; its permissions are unknown"
        )
    return (
        f"customer managed policy {arn} attached to {role.kind} {role.ref} is not declared in the "
        "app; its permissions are unknown"
    )


def resolve_policy_arn(arn: str, app: App | None = None) -> Policy | None:
    """The policy an ARN (or bare AWS managed policy name) designates: AWS managed from the
    data, customer managed when ``app`` declares it; ``None`` when unknown."""
    if is_aws_managed_arn(arn) or not arn.startswith("arn:"):
        return managed_policy(arn)
    if app is not None:
        for role in app.roles:
            for policy in role.policies:
                if policy.managed and policy.arn == arn:
                    return policy
    return None


def _is_aws_managed_data(policy: Policy) -> bool:
    """True for an AWS managed policy read from the packaged data (one shared object per
    policy, :func:`faasguard.iam.managed.managed_policy`)."""
    return policy.location.file.startswith("aws-managed:")


# ---------------------------------------------------------------------- evaluation


#: Grants of AWS managed statements, by (``id`` of the statement, condition effect): the
#: statement (kept alive by the entry, so its id is not reused) and its grants.
_SHARED: dict[tuple[int, ConditionEffect], tuple[Statement, tuple[Grant, ...]]] = {}


def _allow_grants(
    statement: Statement,
    policy: Policy,
    effect: ConditionEffect,
    unknowns: list[str],
) -> tuple[Grant, ...]:
    """The grants of an ``Allow`` statement. Those of an AWS managed policy are built once
    per statement and condition effect and shared by every role attaching it
    (``AdministratorAccess``: some 17,000 grants); the packaged data is fully static, so
    such a statement adds no unknowns."""
    if not _is_aws_managed_data(policy):
        return _new_grants(statement, policy, effect, unknowns)
    key = (id(statement), effect)
    hit = _SHARED.get(key)
    if hit is None or hit[0] is not statement:
        hit = (statement, _new_grants(statement, policy, effect, unknowns))
        _SHARED[key] = hit
    return hit[1]


def _new_grants(
    statement: Statement,
    policy: Policy,
    effect: ConditionEffect,
    unknowns: list[str],
) -> tuple[Grant, ...]:
    where = f"{statement.location}"
    for value in statement.actions:
        if isinstance(value, Unknown):
            unknowns.append(
                f"Action is not statically known ({value.expression}) in policy "
                f"{policy.name} at {where}; no grant is assumed for it"
            )
    for value in statement.not_actions:
        if isinstance(value, Unknown):
            unknowns.append(
                f"NotAction is not statically known ({value.expression}) in policy "
                f"{policy.name} at {where}; nothing is assumed excluded"
            )
    actions = _expanded_actions(
        tuple(v for v in statement.actions if isinstance(v, str)),
        tuple(v for v in statement.not_actions if isinstance(v, str)),
        bool(statement.not_actions),
    )
    resources: list[tuple[str, bool]] = []
    for value in statement.resources:
        if isinstance(value, Unknown):
            unknowns.append(
                f"Resource is not statically known ({value.expression}) in policy "
                f"{policy.name} at {where}"
            )
            resources.append((str(value), True))
        else:
            resources.append((value, False))
    not_resources = tuple(v for v in statement.not_resources if isinstance(v, str))
    if len(not_resources) != len(statement.not_resources):
        unknowns.append(
            f"NotResource is not statically known in policy {policy.name} at {where}; "
            "only its known entries are excluded"
        )
    if statement.not_resources or not resources:
        resources = [("*", False)]
    return tuple(
        Grant(
            action=action,
            resource=resource,
            condition_effect=effect,
            conditions=statement.conditions,
            statement=statement,
            policy=policy,
            via_not_action=via_not,
            not_resources=not_resources,
            resource_unknown=unknown_resource,
            pattern=pattern,
        )
        for action, pattern, via_not in actions
        for resource, unknown_resource in resources
    )


@functools.lru_cache(maxsize=1024)
def _expanded_actions(
    actions: tuple[str, ...], not_actions: tuple[str, ...], has_not_action: bool
) -> tuple[tuple[str, str, bool], ...]:
    """``(action, pattern as written, via NotAction)`` a statement's action lists allow.

    Memoised on the lists themselves: the same AWS managed policy attached to 2,000 roles
    (``AdministratorAccess``: ``*``, some 17,000 catalog actions) is expanded and sorted
    once, not once per role.
    """
    cat = catalog()
    found: dict[str, tuple[str, bool]] = {}
    for value in actions:
        expanded = cat.expand(value)
        # Sorted so grants (and everything built on them) come out in a stable order.
        for action in sorted(expanded) if expanded else (value,):
            found.setdefault(action, (value, False))
    if has_not_action:
        excluded: set[str] = set()
        for value in not_actions:
            excluded |= cat.expand(value)
        for action in sorted(cat.expand("*") - excluded):
            found.setdefault(action, ("*", True))
    return tuple((action, pattern, via_not) for action, (pattern, via_not) in found.items())


@dataclass(slots=True)
class _Deny:
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    conditional: bool

    def matches_action(self, action: str) -> bool:
        if self.not_actions:
            return not _action_matches(self.not_actions, action)
        return _action_matches(self.actions, action)


def _deny(
    statement: Statement, policy: Policy, effect: ConditionEffect, unknowns: list[str]
) -> _Deny | None:
    unknown_parts = [
        v
        for v in (
            *statement.actions,
            *statement.not_actions,
            *statement.resources,
            *statement.not_resources,
        )
        if isinstance(v, Unknown)
    ]
    if unknown_parts:
        unknowns.append(
            f"Deny statement in policy {policy.name} at {statement.location} is not "
            f"statically known ({unknown_parts[0].expression}); it is not applied"
        )
        return None
    if effect is ConditionEffect.IMPOSSIBLE:
        return None
    return _Deny(
        actions=tuple(v for v in statement.actions if isinstance(v, str)),
        not_actions=tuple(v for v in statement.not_actions if isinstance(v, str)),
        resources=tuple(v for v in statement.resources if isinstance(v, str)) or ("*",),
        not_resources=tuple(v for v in statement.not_resources if isinstance(v, str)),
        conditional=effect is ConditionEffect.NARROWING,
    )


def _apply_deny(grant: Grant, deny: _Deny) -> tuple[list[Grant], bool]:
    """(surviving grants, whether the deny touched the grant)."""
    if not deny.matches_action(grant.action):
        return [grant], False
    if deny.not_resources:
        if grant.resource_unknown or any(covers(p, grant.resource) for p in deny.not_resources):
            return [grant], False
        narrowed = [
            replace(grant, resource=p) for p in deny.not_resources if covers(grant.resource, p)
        ]
        if deny.conditional:
            return [_narrowed(grant)], True
        return narrowed, True
    if not any(covers(p, grant.resource) for p in deny.resources):
        return [grant], False
    if grant.resource_unknown and "*" not in deny.resources:
        return [grant], False
    if deny.conditional:
        return [_narrowed(grant)], True
    return [], True


def _narrowed(grant: Grant) -> Grant:
    if _RESTRICTIVENESS[grant.condition_effect] >= _RESTRICTIVENESS[ConditionEffect.NARROWING]:
        return grant
    return replace(grant, condition_effect=ConditionEffect.NARROWING)


@dataclass(slots=True)
class _Evaluation:
    #: Surviving grants cut by granting statement (the shared tuple of an AWS managed
    #: statement stays the same object when no deny touches it).
    segments: list[tuple[Grant, ...]]
    denied: list[Grant]
    impossible: list[Grant]

    @property
    def grants(self) -> list[Grant]:
        return list(chain.from_iterable(self.segments))


def _evaluate(
    policies: Iterable[Policy], unknowns: list[str], today: dt.date | None
) -> _Evaluation:
    allows: list[tuple[Grant, ...]] = []
    impossible: list[Grant] = []
    denies: list[_Deny] = []
    for policy in policies:
        if policy.unresolved is not None:
            unknowns.append(
                f"policy {policy.name} at {policy.location} could not be read statically "
                f"({policy.unresolved.expression}); its permissions are unknown"
            )
        for statement in policy.statements:
            effect = classify(statement.conditions, today=today)
            if statement.allows:
                grants = _allow_grants(statement, policy, effect, unknowns)
                if effect is ConditionEffect.IMPOSSIBLE:
                    impossible.extend(grants)
                elif grants:
                    allows.append(grants)
            else:
                deny = _deny(statement, policy, effect, unknowns)
                if deny is not None:
                    denies.append(deny)
    denied: list[Grant] = []
    for deny in denies:
        allows = [s for s in (_denied_segment(s, deny, denied) for s in allows) if s]
    return _Evaluation(segments=allows, denied=denied, impossible=impossible)


def _denied_segment(
    segment: tuple[Grant, ...], deny: _Deny, denied: list[Grant]
) -> tuple[Grant, ...]:
    """What ``deny`` leaves of one statement's grants (the same tuple when it touches none);
    the grants it removes are appended to ``denied``."""
    survivors: list[Grant] = []
    changed = False
    for grant in segment:
        kept, touched = _apply_deny(grant, deny)
        survivors.extend(kept)
        changed = changed or touched
        if touched and not kept:
            denied.append(grant)
    return tuple(survivors) if changed else segment


def _segments(grants: Iterable[Grant]) -> list[tuple[Grant, ...]]:
    """``grants`` cut into runs granted by one statement object."""
    runs: list[list[Grant]] = []
    for grant in grants:
        if runs and runs[-1][-1].statement is grant.statement:
            runs[-1].append(grant)
        else:
            runs.append([grant])
    return [tuple(run) for run in runs]


def _apply_boundary(grants: list[Grant], boundary: list[Grant]) -> tuple[list[Grant], list[Grant]]:
    index: dict[str, list[Grant]] = {}
    raw_patterns: list[Grant] = []
    cat = catalog()
    for b in boundary:
        if cat.action_exists(b.action):
            index.setdefault(b.action.lower(), []).append(b)
        else:
            raw_patterns.append(b)
    kept: list[Grant] = []
    removed: list[Grant] = []
    for grant in grants:
        candidates = index.get(grant.action.lower(), []) + [
            b for b in raw_patterns if _action_matches((b.action,), grant.action)
        ]
        result: list[Grant] = []
        for b in candidates:
            effect = max(
                grant.condition_effect, b.condition_effect, key=_RESTRICTIVENESS.__getitem__
            )
            if b.resource_unknown or covers(b.resource, grant.resource):
                result = [replace(grant, condition_effect=effect)]
                break
            if covers(grant.resource, b.resource):
                result.append(replace(grant, resource=b.resource, condition_effect=effect))
        if result:
            kept.extend(result)
        else:
            removed.append(grant)
    return kept, removed


def compute(
    role: Role | None, *, app: App | None = None, today: dt.date | None = None
) -> EffectivePermissions:
    """Effective permissions of ``role`` (uncached; see :func:`effective_permissions`)."""
    if role is None:
        return EffectivePermissions(
            role=None,
            unknowns=("the function declares no execution role; its permissions are unknown",),
        )
    unknowns: list[str] = []
    if role.external:
        unknowns.append(f"role {role.ref} is declared outside the app; its policies are unknown")
    sources = _attached(role, app)
    unknowns.extend(sources.unknowns)
    evaluation = _evaluate(sources.policies, unknowns, today)
    segments, denied = evaluation.segments, evaluation.denied
    boundary = role.permissions_boundary
    if isinstance(boundary, Unknown):
        unknowns.append(
            f"permissions boundary of role {role.ref} is not statically known "
            f"({boundary.expression}); it is not applied"
        )
    elif isinstance(boundary, str):
        boundary_policy = resolve_policy_arn(boundary, app)
        if boundary_policy is None:
            unknowns.append(
                f"permissions boundary {boundary} of role {role.ref} is not known to faasguard; "
                "it is not applied"
            )
        else:
            bounds = _evaluate([boundary_policy], unknowns, today)
            grants, removed = _apply_boundary(evaluation.grants, bounds.grants)
            segments = _segments(grants)
            denied.extend(removed)
    return EffectivePermissions(
        role=role,
        segments=tuple(segments),
        denied=tuple(denied),
        unknowns=tuple(dict.fromkeys(unknowns)),
        impossible=tuple(evaluation.impossible),
        attached_at=sources.attached_at,
    )


_CACHE: dict[tuple[int, int, dt.date | None], tuple[Role, App | None, EffectivePermissions]] = {}
_CACHE_LIMIT = 4096


def effective_permissions(
    role: Role | None, *, app: App | None = None, today: dt.date | None = None
) -> EffectivePermissions:
    """Effective permissions of a function's execution role (cached per role object).

    Pass ``app`` so customer managed policies and boundaries declared elsewhere in the app
    resolve by ARN; ``today`` (default: the real date) dates ``aws:CurrentTime`` conditions.
    Several functions sharing one role share one result.
    """
    key = (id(role), id(app), today)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is role and hit[1] is app:
        return hit[2]
    result = compute(role, app=app, today=today)
    if role is not None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        # The cache keeps the role alive, so its id is not reused while the entry exists.
        _CACHE[key] = (role, app, result)
    return result


__all__ = [
    "ConditionEffect",
    "EffectivePermissions",
    "Grant",
    "covers",
    "effective_permissions",
    "resolve_policy_arn",
]
