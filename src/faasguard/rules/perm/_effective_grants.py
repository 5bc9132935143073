"""Helpers shared by the PERM rules: effective permissions per function, grant grouping,
resource breadth and the wording every PERM message uses.

Rules stay pure functions of the model: the effective permissions are computed from the
role by :mod:`faasguard.iam.effective`, which caches them per role object, so twelve rules
do not compute them twelve times per scan.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain
from typing import Any

from faasguard.context import current_config
from faasguard.findings import Hit, Principal, Severity
from faasguard.iam.effective import (
    ConditionEffect,
    EffectivePermissions,
    Grant,
    effective_permissions,
)
from faasguard.iam.escalation import applies
from faasguard.memo import memo
from faasguard.model import App, Function, Location, Role
from faasguard.rules.base import thresholds

#: Share of every action in the IAM catalog that a role must be allowed on every resource
#: to count as an administrator (``*`` is 100 %; ``NotAction: iam:*`` is about 99 %;
#: ``PowerUserAccess`` about 98 %). PERM001 documents it; the PERM rules that leave
#: administrators to PERM001 use the same test.
ADMINISTRATOR = thresholds(administrator_action_share=0.90)

#: A resource pattern's part after ``arn:partition:service:region:account:`` that names
#: every resource of a type: ``*``, ``table/*``, ``function:*``, ``secret:*``, ``*/*``.
_EVERYTHING = re.compile(r"(?:[A-Za-z][\w-]*[:/])?[*/:]*\*[*/:]*")


def permissions(role: Role, app: App) -> EffectivePermissions:
    """The role's effective permissions in ``app``, dated by the scan's ``today``."""
    return effective_permissions(role, app=app, today=current_config().today)


@cache
def risk_actions() -> dict[str, Any]:
    """The risk categories of ``data/iam_risk_actions.json`` (read on first use)."""
    text = resources.files("faasguard.data").joinpath("iam_risk_actions.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def risk_set(category: str) -> frozenset[str]:
    """The lower-cased actions of one list of ``iam_risk_actions.json``."""
    return frozenset(a.lower() for a in risk_actions()[category])


def function_roles(app: App) -> Iterator[tuple[Function, Role]]:
    """Every function with its execution role (functions without a known role are skipped)."""
    for function in app.functions:
        if function.role is not None:
            yield function, function.role


def other_principals(app: App) -> Iterator[Role]:
    """Every IAM principal declared in the app that no function runs as: users, groups,
    roles (a deployer, a CI role, a cross-account role) and customer managed policies
    attached to none of them."""
    used = {role.ref for _, role in function_roles(app)}
    for role in app.roles:
        if role.ref not in used and not role.external:
            yield role


def principal_of(role: Role) -> Principal:
    """The finding's ``principal`` for a principal no function runs as."""
    return Principal(kind=role.kind, name=role.ref, location=role.location)


def principal_label(role: Role) -> str:
    """``user ci-deployer`` (the deployed name when static, else the ref)."""
    return f"{role.kind} {role.display_name}"


def roles_with_functions(app: App) -> Iterator[tuple[Role, list[Function]]]:
    """Every execution role of the app with the functions using it, in declaration order."""
    users: dict[str, tuple[Role, list[Function]]] = {}
    for function, role in function_roles(app):
        users.setdefault(role.ref, (role, []))[1].append(function)
    yield from users.values()


def usable(grant: Grant) -> bool:
    """A grant that can take effect: an impossible condition removes it."""
    return grant.condition_effect is not ConditionEffect.IMPOSSIBLE


def unconditional(grant: Grant) -> bool:
    """A grant without a condition that restricts it."""
    return grant.condition_effect in (ConditionEffect.NONE, ConditionEffect.ALWAYS_TRUE)


def covers_everything(resource: str) -> bool:
    """True for ``*`` and for ARN patterns naming every resource of their type."""
    if resource.strip() == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) != 6:
        return False
    if parts[2] == "s3":  # S3 ARNs have no type token: ``bucket/*`` names one bucket
        return set(parts[5]) <= {"*", "/"}
    return _EVERYTHING.fullmatch(parts[5]) is not None


@dataclass(frozen=True, slots=True)
class Administrator:
    """What makes a role administrator: its grants on every resource (``Resource: "*"``,
    no ``NotResource``), per statement."""

    #: The grants per granting statement object, in first-seen order (the tuple shared by
    #: every role attaching an AWS managed statement, not a per-role copy).
    statements: tuple[Sequence[Grant], ...]
    #: How many distinct actions they allow.
    action_count: int


def is_administrator(perms: EffectivePermissions) -> bool:
    """True when ``perms`` amounts to administrator access (:func:`administrator` tells
    which grants make it so).

    Administrator (or equivalent) means: at least the ``administrator_action_share`` of
    :data:`ADMINISTRATOR` of every action the IAM catalog knows is allowed on every resource
    (``Resource: "*"``, no ``NotResource``).
    Conditions do not change the verdict (callers lower the severity for narrowing ones).
    """
    return administrator(perms) is not None


def administrator(perms: EffectivePermissions) -> Administrator | None:
    """:func:`is_administrator` with the grants per statement, ``None`` when not one.

    Memoised per permissions object for the app being checked: a dozen PERM rules ask it of
    every role. The work is per statement: the 17,000 grants of an AWS managed statement
    (``AdministratorAccess``) are one tuple shared by every role attaching it, looked
    through once (:func:`_broad`), not once per role.
    """
    memo_key = ("perm-is-administrator", id(perms))
    remembered = memo().get(memo_key)
    if isinstance(remembered, tuple) and remembered[0] is perms:
        result: Administrator | None = remembered[1]
        return result
    result = _administrator(perms)
    memo()[memo_key] = (perms, result)  # holds perms, so its id is not reused meanwhile
    return result


def _administrator(perms: EffectivePermissions) -> Administrator | None:
    from faasguard.iam.catalog import catalog  # noqa: PLC0415 - loaded on first use only

    parts = [_broad(segment) for segment in perms.statement_groups()]
    parts = [(broad, actions) for broad, actions in parts if broad]
    actions = parts[0][1] if len(parts) == 1 else frozenset().union(*(a for _, a in parts))
    if len(actions) < ADMINISTRATOR["administrator_action_share"] * catalog().action_count():
        return None
    by_statement: dict[int, list[tuple[Grant, ...]]] = {}
    for broad, _ in parts:
        by_statement.setdefault(id(broad[0].statement), []).append(broad)
    return Administrator(
        statements=tuple(
            runs[0] if len(runs) == 1 else list(chain.from_iterable(runs))
            for runs in by_statement.values()
        ),
        action_count=len(actions),
    )


#: Facts about one statement's run of grants, by ``id`` of the run (kept alive by the
#: entry): the run of an AWS managed statement is shared by every role attaching it.
_RUNS: dict[tuple[str, int], tuple[Sequence[Grant], Any]] = {}
_RUNS_LIMIT = 4096


def _per_run(kind: str, run: Sequence[Grant], compute: Callable[[Sequence[Grant]], Any]) -> Any:
    """``compute(run)``, once per run object (runs are immutable tuples)."""
    if not isinstance(run, tuple):
        return compute(run)
    key = (kind, id(run))
    hit = _RUNS.get(key)
    if hit is None or hit[0] is not run:
        if len(_RUNS) >= _RUNS_LIMIT:
            _RUNS.clear()
        hit = (run, compute(run))
        _RUNS[key] = hit
    return hit[1]


def _broad(run: tuple[Grant, ...]) -> tuple[tuple[Grant, ...], frozenset[str]]:
    """The grants of ``run`` on every resource (``run`` itself when all are) and their
    actions (catalog actions are canonical: no need to lower 17,000 names)."""

    def compute(grants: Sequence[Grant]) -> tuple[tuple[Grant, ...], frozenset[str]]:
        broad = tuple(g for g in grants if g.resource == "*" and not g.not_resources)
        if len(broad) == len(grants):
            broad = run
        return broad, frozenset(g.action for g in broad)

    result: tuple[tuple[Grant, ...], frozenset[str]] = _per_run("broad", run, compute)
    return result


#: Where a grant's statement is for the role holding it: ``EffectivePermissions.location_of``
#: (an AWS managed statement is at the line attaching it, which differs per role).
Locate = Callable[[Grant], Location]


def granting_statements(grants: Iterable[Grant], locate: Locate) -> dict[Location, list[Grant]]:
    """Grants grouped by the statement that grants them (where ``locate`` puts it), in
    first-seen order."""
    grouped: dict[Location, list[Grant]] = {}
    # Hashing a Location per grant is most of the cost for a role with 17,000 grants; a
    # statement's group is looked up once per statement object instead.
    by_statement: dict[int, list[Grant]] = {}
    for grant in grants:
        group = by_statement.get(id(grant.statement))
        if group is None:
            group = grouped.setdefault(locate(grant), [])
            by_statement[id(grant.statement)] = group
        group.append(grant)
    return grouped


def aws_managed(grant: Grant) -> bool:
    """True when the grant comes from an AWS managed policy (``arn:aws:iam::aws:policy/``)."""
    arn = grant.policy.arn
    return grant.policy.managed and isinstance(arn, str) and ":aws:policy/" in arn


def where(grant: Grant, location: Location) -> str:
    """``policy NAME, statement at line N`` (the statement id when there is one); AWS
    managed policies are named with the line that attaches them. ``location`` is where
    the grant's statement is for its role (:data:`Locate`)."""
    statement = grant.statement
    line = f" at line {location.line}" if location.line else ""
    if aws_managed(grant):
        return f"AWS managed policy {grant.policy.name} (attached{line})"
    label = f"statement {statement.sid!r}" if statement.sid else "statement"
    return f"policy {grant.policy.name}, {label}{line}"


def _by_statement(grants: Iterable[Grant]) -> list[list[Grant]]:
    """Grants grouped by the statement object that grants them, in first-seen order (two
    AWS managed policies attached on one line are two statements, not one place)."""
    groups: dict[int, list[Grant]] = {}
    for grant in grants:
        groups.setdefault(id(grant.statement), []).append(grant)
    return list(groups.values())


def granted_by(grants: Iterable[Grant], locate: Locate, limit: int = 3) -> str:
    """Every policy and statement that grants some of ``grants``, named as :func:`where`
    does, the one granting the most first; ``+N more`` past ``limit``."""
    groups = sorted(_by_statement(grants), key=len, reverse=True)
    named = list(dict.fromkeys(where(group[0], locate(group[0])) for group in groups))
    shown = " and ".join(named[:limit])
    return f"{shown} (+{len(named) - limit} more)" if len(named) > limit else shown


#: How many actions :func:`grant_sources` lists per statement.
_SOURCE_ACTIONS = 20


def grant_sources(grants: Iterable[Grant], locate: Locate) -> list[dict[str, Any]]:
    """``properties["granted_by"]`` of a finding: per granting statement its policy (name,
    ARN), statement id, line and (up to 20 of) the reported actions it grants."""
    return statement_sources(_by_statement(grants), locate)


def statement_sources(groups: Iterable[Sequence[Grant]], locate: Locate) -> list[dict[str, Any]]:
    """:func:`grant_sources` of grants already grouped by statement."""
    sources: list[dict[str, Any]] = []
    for group in sorted(groups, key=len, reverse=True):
        first = group[0]
        arn = first.policy.arn
        actions = list(_per_run("source-actions", group, _source_actions))
        sources.append(
            {
                "policy": first.policy.name,
                "arn": arn if isinstance(arn, str) else None,
                "sid": first.statement.sid,
                "line": locate(first).line,
                "actions": actions,
            }
        )
    return sources


def _source_actions(group: Sequence[Grant]) -> list[str]:
    # nsmallest, not sorted: an administrator statement has some 17,000 actions.
    return heapq.nsmallest(_SOURCE_ACTIONS, {g.action for g in group}, key=str.lower)


def unknown_note(perms: EffectivePermissions) -> str:
    """A message suffix when part of the role could not be read statically."""
    if not perms.unknowns:
        return ""
    more = f" (+{len(perms.unknowns) - 1} more)" if len(perms.unknowns) > 1 else ""
    return f"; not everything could be analysed: {perms.unknowns[0]}{more}"


def summarise(actions: Iterable[str], limit: int = 6) -> str:
    """Sorted, de-duplicated, at most ``limit`` names then ``+N more``."""
    unique = sorted(set(actions), key=str.lower)
    shown = ", ".join(unique[:limit])
    return f"{shown} (+{len(unique) - limit} more)" if len(unique) > limit else shown


def lowered(severity: Severity) -> Severity:
    """One step lower (a narrowing condition), never below ``info``."""
    return Severity(max(severity - 1, Severity.INFO))


@dataclass(frozen=True, slots=True)
class StatementGrants:
    """The grants one statement gives a function's role, among those a rule selected."""

    function: Function
    role: Role
    perms: EffectivePermissions
    location: Location
    grants: list[Grant]

    @property
    def first(self) -> Grant:
        """The first selected grant of the statement (names its policy and statement)."""
        return self.grants[0]

    @property
    def narrowed(self) -> bool:
        """True when a narrowing condition restricts every selected grant."""
        return not any(unconditional(g) for g in self.grants)

    def sources(self, grants: Iterable[Grant] | None = None) -> str:
        """:func:`granted_by` of ``grants`` (default: every selected grant) in this role."""
        return granted_by(self.grants if grants is None else grants, self.perms.location_of)

    def hit(
        self,
        message: str,
        *,
        key: str,
        severity: Severity | None = None,
        grants: Iterable[Grant] | None = None,
    ) -> Hit:
        """A hit at the statement, for the function and its role; ``message`` is followed
        by the note on what could not be analysed; ``properties["granted_by"]`` names the
        statements granting ``grants`` (default: every selected grant)."""
        return Hit(
            message=f"{message}{unknown_note(self.perms)}",
            location=self.location,
            function=self.function.ref,
            resource=self.role.ref,
            key=key,
            severity=severity,
            properties={
                "granted_by": grant_sources(
                    self.grants if grants is None else grants, self.perms.location_of
                )
            },
        )


def statements_granting(app: App, selected: Callable[[Grant], bool]) -> Iterator[StatementGrants]:
    """Per function and statement of its role, the effective grants ``selected`` keeps.

    Roles with administrator access are skipped: PERM001 reports them, and every rule
    judging a part of what they grant would repeat it.
    """
    for function, role in function_roles(app):
        perms = permissions(role, app)
        if is_administrator(perms):
            continue
        grants = [g for g in perms.grants if selected(g)]
        for location, group in granting_statements(grants, perms.location_of).items():
            yield StatementGrants(function, role, perms, location, group)


@dataclass(frozen=True, slots=True)
class Category:
    """A family of risky actions judged on broad resources (PERM005-PERM008)."""

    label: str
    advice: str
    matches: Callable[[str], bool]
    severity: Severity
    broad_only: bool = True


def category_hits(app: App, category: Category) -> Iterator[Hit]:
    """One hit per function and granting statement for actions of ``category``.

    With ``broad_only`` only grants on every resource (``*`` or ``type/*``) count, and only
    where the pattern can name a resource of the action (``s3:GetObject`` on a role ARN,
    from a ``NotAction`` statement, allows nothing); a
    narrowing condition lowers the severity one step. Administrators are left to PERM001.
    """

    def selected(grant: Grant) -> bool:
        return (
            category.matches(grant.action)
            and usable(grant)
            and (not category.broad_only or covers_everything(grant.resource))
            and applies(grant)
        )

    for statement in statements_granting(app, selected):
        group = statement.grants
        yield statement.hit(
            f"function {statement.function.display_name} can {category.label}: "
            f"{summarise(g.action for g in group)} on {summarise(g.resource for g in group)}, "
            f"granted by {statement.sources()} of role {statement.role.ref}"
            f"{' (under a narrowing condition)' if statement.narrowed else ''}; "
            f"{category.advice}",
            key=f"{statement.first.policy.name}:{summarise((g.action for g in group), 50)}",
            severity=lowered(category.severity) if statement.narrowed else None,
        )
