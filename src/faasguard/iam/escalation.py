"""Privilege-escalation path finder over a role's effective permissions.

The methods are data (``faasguard/data/iam_escalation.json``: Rhino Security Labs,
Bishop Fox ``iam-vulnerable``, pathfinding.cloud, Cloudsplaining); this module decides,
for one role, which of them its effective permissions complete, and returns each as an
ordered path of steps, every step naming the grant (policy and statement) that allows it.

What blocks a path (documented in the PERM004 rule):

- an explicit ``Deny`` or a permissions boundary (the effective-permission engine has
  already removed the grant) and an impossible condition (the grant is ignored here);
- an ``iam:PassedToService`` condition on ``iam:PassRole`` that does not allow the service
  the method passes the role to (``glue.amazonaws.com`` does not help a Lambda method);
- ``iam:PassRole``/``sts:AssumeRole`` limited to specific role ARNs (no wildcard) whose
  roles are declared in the app and are neither administrators nor able to escalate
  themselves, or are not declared in the app at all (faasguard cannot see them); a
  resource that is not statically known counts only when it is a reference to a role or
  function of the app (``aws_iam_role.admin.arn``), which is then followed;
- ``lambda:UpdateFunctionCode``/``UpdateFunctionConfiguration`` limited to specific
  functions that run with the same role, or with a role that can neither administer nor
  escalate, or that are not declared in the app.

Any other condition (a tag, a source ARN, a VPC endpoint, ...) does not block the path but
marks it ``narrowed``, which lowers the finding's severity.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from faasguard.iam.catalog import catalog
from faasguard.iam.conditions import classify
from faasguard.iam.effective import ConditionEffect, EffectivePermissions, Grant, covers
from faasguard.model import Function, Location, Role, Unknown

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")

#: How many roles a chain (assume role → update function → pass role ...) may traverse.
MAX_CHAIN = 4


@dataclass(frozen=True, slots=True)
class Method:
    """One documented escalation method: ordered step groups (all-of) of actions (any-of)."""

    id: str
    name: str
    kind: str
    requires: tuple[tuple[str, ...], ...]
    passes_role_to: str | None
    effect: str
    references: tuple[str, ...]
    #: resource patterns no step can act on (AWS managed policies cannot be versioned)
    excludes: tuple[str, ...] = ()

    def can_target(self, grant: Grant) -> bool:
        """False when the grant's resources all lie in :attr:`excludes`."""
        return grant.resource_unknown or not any(
            covers(pattern, grant.resource) for pattern in self.excludes
        )


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a path: the action used, the grant allowing it and the role holding it."""

    action: str
    grant: Grant
    role: str
    note: str = ""
    #: the role this step reaches (a chain), and that role's own path when it escalates
    reaches: str | None = None
    then: EscalationPath | None = None
    #: the kind of principal holding the step (``role``, ``user``, ``group``, ``policy``)
    kind: str = "role"
    #: the step needs no grant of the principal: the target role's trust policy names it
    #: (``grant`` is then that trust-policy statement)
    trusted: bool = False
    #: where the grant's statement is for the role holding it (the attaching line of an
    #: AWS managed policy: ``EffectivePermissions.location_of``); ``None``: the
    #: statement's own location
    located: Location | None = None

    @property
    def location(self) -> Location:
        """Where the statement granting this step is."""
        return self.grant.statement.location if self.located is None else self.located


@dataclass(frozen=True, slots=True)
class EscalationPath:
    """A complete escalation: the method, its steps in order, what the attacker gains.

    ``chain`` lists the roles reached on the way (empty for a one-role path);
    ``narrowed`` is true when a step's grant carries a narrowing condition.
    """

    method: Method
    steps: tuple[Step, ...]
    effect: str
    narrowed: bool

    @property
    def chain(self) -> tuple[str, ...]:
        """The roles reached on the way, in order (empty for a one-role path)."""
        found: list[str] = []
        for step in self.steps:
            if step.reaches:
                found.append(step.reaches)
            if step.then is not None:
                found.extend(step.then.chain)
        return tuple(found)

    def all_steps(self) -> tuple[Step, ...]:
        """The steps in order, with the steps of every reached role's path after each."""
        out: list[Step] = []
        for step in self.steps:
            out.append(step)
            if step.then is not None:
                out.extend(step.then.all_steps())
        return tuple(out)

    def describe(self) -> str:
        """``iam:PassRole (any role matching *) → lambda:CreateFunction → ...``."""
        return " → ".join(
            f"{s.action} ({s.note})" if s.note else s.action for s in self.all_steps()
        )


@cache
def methods() -> tuple[Method, ...]:
    """Every escalation method of the data file (read on first use)."""
    text = resources.files("faasguard.data").joinpath("iam_escalation.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return tuple(
        Method(
            id=entry["id"],
            name=entry["name"],
            kind=entry["kind"],
            requires=tuple(tuple(group) for group in entry["requires"]),
            passes_role_to=entry.get("passes_role_to"),
            effect=entry["effect"],
            references=tuple(entry.get("references", ())),
            excludes=tuple(entry.get("excludes", ())),
        )
        for entry in raw["methods"]
    )


def is_wildcard(pattern: str) -> bool:
    """True for a resource pattern that can match more than one resource."""
    return "*" in pattern or "?" in pattern


def usable(grant: Grant) -> bool:
    """A grant that can take effect (an impossible condition removes it)."""
    return grant.condition_effect is not ConditionEffect.IMPOSSIBLE


def narrowing(grant: Grant) -> bool:
    """True when the grant only applies under a narrowing condition."""
    return grant.condition_effect is ConditionEffect.NARROWING


def applies(grant: Grant) -> bool:
    """True when the grant's resource pattern can name a resource the action acts on.

    A statement such as ``NotAction: iam:DeleteRole`` on ``arn:aws:iam::1:role/*`` yields a
    grant for every action on that pattern, but ``lambda:CreateFunction`` on a role ARN
    allows nothing: the pattern must overlap one of the action's ARN formats (``${...}``
    read as ``*``), or be ``*``.
    """
    if grant.resource == "*" or grant.resource_unknown:
        return True
    return _overlaps_formats(grant.action, grant.resource)


@lru_cache(maxsize=65536)
def _overlaps_formats(action: str, resource: str) -> bool:
    for template in catalog().resource_arn_formats(action):
        glob = _PLACEHOLDER.sub("*", template)
        if fnmatch.fnmatchcase(resource, glob) or fnmatch.fnmatchcase(glob, resource):
            return True
    return False


def _referenced(text: str) -> str:
    """``<unknown: aws_iam_role.admin.arn>`` → ``aws_iam_role.admin`` (a Terraform address
    whose ARN is computed at apply time); other unknown texts come back unchanged."""
    inner = text.removeprefix("<unknown: ").removesuffix(">").strip()
    for suffix in (".arn", ".qualified_arn", ".invoke_arn"):
        if inner.endswith(suffix):
            return inner.removesuffix(suffix)
    return inner


def _last_segment(arn: str, marker: str) -> str:
    """``role/path/name`` → ``name``; ``function:name:alias`` → ``name``."""
    tail = arn.split(marker, 1)[1] if marker in arn else arn
    if marker == ":function:":
        return tail.split(":", 1)[0]
    return tail.rsplit("/", 1)[-1]


def _passed_services_allow(grant: Grant, service: str | None) -> bool:
    """False when an ``iam:PassedToService`` condition excludes ``service``."""
    if service is None:
        return True
    conditions: Mapping[str, Mapping[str, Sequence[Any]]] = grant.conditions or {}
    for operator, entries in conditions.items():
        for key, values in entries.items():
            if key.lower() != "iam:passedtoservice":
                continue
            texts = [v for v in values if isinstance(v, str)]
            if len(texts) != len(values):
                continue  # an unresolved value: cannot prove the service is excluded
            op = operator.lower().removeprefix("foranyvalue:").removeprefix("forallvalues:")
            op = op.removesuffix("ifexists")
            like = "like" in op
            matches = any(
                fnmatch.fnmatchcase(service, v) if like else v.lower() == service for v in texts
            )
            if op.startswith("stringnot") and matches:
                return False
            if op.startswith("string") and not op.startswith("stringnot") and not matches:
                return False
    return True


@dataclass(frozen=True, slots=True)
class _Reach:
    """What a role- or function-targeting grant reaches."""

    note: str
    role: str | None = None
    then: EscalationPath | None = None


@dataclass
class _Graph:
    """The app's roles and functions, with cached effective permissions and results."""

    roles: Sequence[Role]
    functions: Sequence[Function]
    permissions: Callable[[Role], EffectivePermissions]
    is_admin: Callable[[EffectivePermissions], bool]
    results: dict[str, tuple[EscalationPath, ...]] = field(default_factory=dict)

    def role_for_arn(self, arn: str, unknown: bool) -> Role | None:
        if unknown:
            ref = _referenced(arn)
            return next((r for r in self.roles if r.ref == ref), None)
        name = _last_segment(arn, ":role/")
        for role in self.roles:
            if arn == role.arn or name in (role.ref, role.name):
                return role
        return None

    def function_for_arn(self, arn: str, unknown: bool) -> Function | None:
        if unknown:
            ref = _referenced(arn)
            return next((f for f in self.functions if f.ref == ref), None)
        name = _last_segment(arn, ":function:")
        for function in self.functions:
            if name in (function.ref, function.name):
                return function
        return None

    def dangerous(self, role: Role, depth: int, seen: frozenset[str]) -> _Reach | None:
        """What holding ``role`` gives beyond a harmless role, or ``None``."""
        if role.ref in seen or depth >= MAX_CHAIN:
            return None
        perms = self.permissions(role)
        if self.is_admin(perms):
            return _Reach(f"role {role.ref}, an administrator", role.ref)
        found = self.paths(role, depth + 1, seen | {role.ref})
        if found:
            return _Reach(
                f"role {role.ref}, which can escalate: {found[0].method.name}", role.ref, found[0]
            )
        return None

    def paths(self, role: Role, depth: int, seen: frozenset[str]) -> tuple[EscalationPath, ...]:
        if depth == 0 and role.ref in self.results:
            return self.results[role.ref]
        perms = self.permissions(role)
        found = tuple(
            path
            for method in methods()
            if (
                path := self._trusted(method, role, depth, seen | {role.ref})
                if method.kind == "trusted"
                else self._complete(method, role, perms, depth, seen | {role.ref})
            )
        )
        if depth == 0:
            self.results[role.ref] = found
        return found

    def _trusted(
        self, method: Method, role: Role, depth: int, seen: frozenset[str]
    ) -> EscalationPath | None:
        """A same-account role whose trust policy names ``role`` itself: IAM lets the
        principal assume it without any ``sts:AssumeRole`` grant of its own."""
        if role.kind not in ("role", "user"):
            return None  # groups and policies cannot be named in a trust policy
        for target in self.roles:
            if target.kind != "role" or target.ref == role.ref or target.ref in seen:
                continue
            grant = _trust_grant(target, role)
            if grant is None or _denies_assume(role, target):
                continue
            reached = self.dangerous(target, depth, seen)
            if reached is None:
                continue
            step = Step(
                action="sts:AssumeRole",
                grant=grant,
                role=role.ref,
                note=reached.note,
                reaches=reached.role,
                then=reached.then,
                kind=role.kind,
                trusted=True,
            )
            return EscalationPath(
                method=method,
                steps=(step,),
                effect=f"{method.effect}; reaches {reached.note}",
                narrowed=narrowing(grant),
            )
        return None

    def _targets(
        self, method: Method, role: Role, grant: Grant, depth: int, seen: frozenset[str]
    ) -> _Reach | None:
        """For a role- or function-targeting first step: what the grant reaches, or None."""
        pattern = grant.resource
        if method.kind == "passrole" and not _passed_services_allow(grant, method.passes_role_to):
            return None
        if method.kind in ("passrole", "assume"):
            if is_wildcard(pattern) and not grant.resource_unknown:
                return _Reach(f"any role matching {pattern}")
            target = self.role_for_arn(pattern, grant.resource_unknown)
            if target is None or target.ref == role.ref:
                return None
            return self.dangerous(target, depth, seen)
        if is_wildcard(pattern) and not grant.resource_unknown:
            return _Reach(f"any function matching {pattern}")
        function = self.function_for_arn(pattern, grant.resource_unknown)
        if function is None or function.role is None or function.role.ref == role.ref:
            return None
        gain = self.dangerous(function.role, depth, seen)
        if gain is None:
            return None
        return _Reach(f"function {function.ref}, which runs as {gain.note}", gain.role, gain.then)

    def _complete(
        self,
        method: Method,
        role: Role,
        perms: EffectivePermissions,
        depth: int,
        seen: frozenset[str],
    ) -> EscalationPath | None:
        steps: list[Step] = []
        effect = method.effect
        for index, group in enumerate(method.requires):
            targeted = index == 0 and method.kind != "direct"
            best: Step | None = None
            for action in group:
                for grant in perms.allowed(action):
                    if not usable(grant) or not applies(grant) or not method.can_target(grant):
                        continue
                    reached: _Reach | None = None
                    if targeted:
                        reached = self._targets(method, role, grant, depth, seen)
                        if reached is None:
                            continue
                    candidate = Step(
                        action=action,
                        grant=grant,
                        located=perms.location_of(grant),
                        role=role.ref,
                        kind=role.kind,
                        note=reached.note if reached else "",
                        reaches=reached.role if reached else None,
                        then=reached.then if reached else None,
                    )
                    if best is None or (narrowing(best.grant) and not narrowing(grant)):
                        best = candidate
            if best is None:
                return None
            steps.append(best)
            if best.reaches is not None:
                effect = f"{method.effect}; reaches {best.note}"
        return EscalationPath(
            method=method,
            steps=tuple(steps),
            effect=effect,
            narrowed=any(narrowing(s.grant) for s in steps),
        )


def _names(value: object, principal: Role) -> bool:
    """True when a trust policy's ``AWS`` principal value is ``principal`` itself (its
    ARN, a reference to it, or ``arn:...:user/NAME`` / ``role/NAME``)."""
    if isinstance(value, Unknown):
        arn = principal.arn
        return _referenced(str(value)) == principal.ref or (
            isinstance(arn, Unknown) and arn.expression == value.expression
        )
    if not isinstance(value, str) or not value.startswith("arn:"):
        return False
    if value == principal.arn:
        return True
    name = principal.name
    return isinstance(name, str) and value.endswith(f":{principal.kind}/{name}")


def _denies_assume(principal: Role, target: Role) -> bool:
    """True when the principal's own policies deny ``sts:AssumeRole`` on ``target`` without
    a condition that might not hold: an explicit Deny wins over the trust policy's Allow
    (IAM evaluates both sides)."""
    arn = target.arn if isinstance(target.arn, str) else ""
    for policy in principal.policies:
        for statement in policy.statements:
            if statement.allows or statement.not_actions or statement.not_resources:
                continue
            if classify(statement.conditions) not in (
                ConditionEffect.NONE,
                ConditionEffect.ALWAYS_TRUE,
            ):
                continue
            actions = [a.lower() for a in statement.actions if isinstance(a, str)]
            if not any(fnmatch.fnmatchcase("sts:assumerole", a) for a in actions):
                continue
            resources = [r for r in statement.resources if isinstance(r, str)] or ["*"]
            if any(r == "*" or (arn and fnmatch.fnmatchcase(arn, r)) for r in resources):
                return True
    return False


def _trust_grant(target: Role, principal: Role) -> Grant | None:
    """The grant of ``sts:AssumeRole`` that ``target``'s trust policy gives ``principal``
    by naming it (an impossible condition gives none)."""
    trust = target.assume_role_policy
    if trust is None:
        return None
    allowing: list[Grant] = []
    for statement in trust.statements:
        if not any(_names(v, principal) for v in statement.principals.get("AWS", ())):
            continue
        actions = [a.lower() for a in statement.actions if isinstance(a, str)]
        if not any(fnmatch.fnmatchcase("sts:assumerole", a) for a in actions):
            continue
        effect = classify(statement.conditions)
        if not statement.allows:
            if effect is not ConditionEffect.IMPOSSIBLE:
                return None  # an explicit Deny in the trust policy wins
            continue
        if effect is ConditionEffect.IMPOSSIBLE:
            continue
        allowing.append(
            Grant(
                action="sts:AssumeRole",
                resource=target.arn if isinstance(target.arn, str) else target.ref,
                condition_effect=effect,
                conditions=statement.conditions,
                statement=statement,
                policy=trust,
            )
        )
    return allowing[0] if allowing else None


def find_paths(
    role: Role,
    *,
    roles: Iterable[Role] = (),
    functions: Iterable[Function] = (),
    permissions: Callable[[Role], EffectivePermissions],
    is_admin: Callable[[EffectivePermissions], bool],
) -> tuple[EscalationPath, ...]:
    """Every escalation method ``role`` completes, one path per method.

    ``roles`` and ``functions`` are the app's, so that a step limited to one specific role
    or function can be followed to what that role can do (a chain); ``permissions``
    computes (and may cache) a role's effective permissions; ``is_admin`` says whether
    permissions amount to administrator access (a role that is already an administrator
    has nothing to escalate to, callers usually skip it).
    """
    graph = _Graph(
        roles=tuple(roles), functions=tuple(functions), permissions=permissions, is_admin=is_admin
    )
    return graph.paths(role, 0, frozenset())
