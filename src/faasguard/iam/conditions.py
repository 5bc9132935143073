"""Classify the ``Condition`` block of a statement in a Lambda execution role's policy.

The question is always the same: for calls made *with this function's role* (an assumed-
role session of the Lambda service), does the condition keep the grant from applying to
everything the action and resource allow?

- ``NONE``: there is no condition.
- ``NARROWING``: the condition limits the grant to some resources, sources, tags,
  networks, callers or request values (``aws:ResourceTag/...``, ``aws:SourceArn``,
  ``aws:SourceVpce``, ``s3:prefix``, ``kms:ViaService``, ...). Severity of a finding may be
  lowered, the grant is kept.
- ``ALWAYS_TRUE``: there are conditions, but none of them restricts a call made with the
  role, so the grant is as wide as without them.
- ``IMPOSSIBLE``: no call made with the role can satisfy the condition; the grant is
  removed from the effective permissions.

Heuristics (each one is a small, documented table or branch below):

1. *Keys always present for a Lambda role session* (:data:`ALWAYS_PRESENT_KEYS`):
   ``Null {key: "true"}`` on them is impossible, ``Null {key: "false"}`` always true.
   ``aws:username`` is never present for a role session, so ``Null {"aws:username":
   "false"}`` is impossible (and ``"true"`` always true).
2. *Keys that do not narrow who or what* (:data:`NON_NARROWING_KEYS`): the requested
   region, TLS, user agent and referer (the caller controls the last two), the principal
   type. Any clause on them counts as always true, except ``Bool aws:SecureTransport
   false`` which keeps plain-HTTP calls only and counts as narrowing.
3. ``Bool`` with both ``true`` and ``false`` listed is always true;
   ``Bool aws:MultiFactorAuthPresent true`` is impossible (role sessions of a function
   never carry MFA).
4. ``StringLike``/``ArnLike`` whose only value is ``*`` is always true for an
   always-present key and for every ``...IfExists`` operator; otherwise it only requires
   the key to be present, which narrows.
5. Equality contradictions, per key (case-insensitive): the values allowed by every
   ``StringEquals``/``ArnEquals``/``ForAnyValue:StringEquals`` clause (case-folded for
   ``...IgnoreCase``), minus the values excluded by ``StringNotEquals``/``ArnNotEquals``,
   must leave something, and a ``ForAnyValue`` value must be among the values a
   ``ForAllValues`` clause allows; otherwise impossible. ``...IfExists`` clauses never
   contradict (the key may be absent).
6. Numeric keys are never negative: ``NumericLessThan`` with a value ≤ 0 and
   ``NumericLessThanEquals`` with a negative value are impossible; a lower bound (``Greater
   Than``/``GreaterThanEquals``) above an upper bound on the same key is impossible.
7. ``aws:CurrentTime``/``aws:EpochTime``/``aws:TokenIssueTime`` against *today* (as dates,
   and ``aws:EpochTime``/``aws:TokenIssueTime`` also as epoch seconds with ``Numeric...``):
   ``DateLessThan`` (or ``...Equals``) a date in the past is impossible; ``DateGreaterThan``
   a date in the past is always true; ``DateGreaterThan`` a future date is narrowing (not
   active yet); ``DateLessThan`` a future date is always true (active now, only until
   then). A ``Numeric...`` or ``Date...`` clause on a key role sessions never carry
   (``aws:MultiFactorAuthAge``) is impossible, always true with ``...IfExists``.
8. Every other condition narrows (``aws:SourceArn``, ``aws:SourceAccount``, org ids,
   ``aws:ResourceTag``/``RequestTag``/``PrincipalTag``, ``aws:TagKeys``, ``aws:SourceVpce``,
   ``aws:SourceVpc``, ``aws:SourceIp``, ``aws:VpcSourceIp``, ``aws:CalledVia*``, and every
   service-specific key such as ``s3:prefix``, ``kms:ViaService``, ``iam:PassedToService``).
   This is deliberate: an unrecognised condition is assumed to restrict something.

The statement's class is the worst of its clauses: any impossible clause makes it
impossible (all clauses must hold), else any narrowing clause makes it narrowing, else it
is always true.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any


class ConditionEffect(enum.Enum):
    """What a statement's conditions do to its grant (see the module documentation)."""

    NONE = "none"
    NARROWING = "narrowing"
    ALWAYS_TRUE = "always-true"
    IMPOSSIBLE = "impossible"


#: Global keys every request signed with a Lambda execution role's session carries.
ALWAYS_PRESENT_KEYS = frozenset(
    {
        "aws:currenttime",
        "aws:epochtime",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:userid",
        "aws:securetransport",
        "aws:requestedregion",
        "aws:principalisawsservice",
        "aws:viaawsservice",
    }
)
#: Keys that role sessions never carry.
NEVER_PRESENT_KEYS = frozenset({"aws:username", "aws:multifactorauthage"})
#: Keys whose clauses do not limit what the role can reach.
NON_NARROWING_KEYS = frozenset(
    {
        "aws:requestedregion",
        "aws:securetransport",
        "aws:useragent",
        "aws:referer",
        "aws:principaltype",
    }
)
#: Keys holding a moment that is now (``aws:TokenIssueTime``: at most a session's length
#: ago, which the day-level comparison below cannot tell apart from now).
_TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime", "aws:tokenissuetime"})
_NUMERIC = ("numericlessthan", "numericlessthanequals", "numericgreaterthan")


def _values(raw: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in raw)


def _parse_time(value: str) -> dt.datetime | None:
    text = value.strip()
    try:
        if text.isdigit():
            return dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def classify_clause(  # noqa: C901 - over the limit before it came in; may only shrink
    operator: str, key: str, values: tuple[Any, ...], *, today: dt.date | None = None
) -> ConditionEffect:
    """The effect of one ``operator: {key: values}`` clause (heuristics 1-4, 6-8)."""
    op = operator.lower()
    lower_key = key.lower()
    texts = _values(values)
    if_exists = op.endswith("ifexists")
    base = op.removesuffix("ifexists")
    if base == "null":
        wanted = {t.lower() for t in texts}
        if wanted >= {"true", "false"}:
            return ConditionEffect.ALWAYS_TRUE
        if lower_key in ALWAYS_PRESENT_KEYS:
            return ConditionEffect.IMPOSSIBLE if wanted == {"true"} else ConditionEffect.ALWAYS_TRUE
        if lower_key in NEVER_PRESENT_KEYS:
            return ConditionEffect.ALWAYS_TRUE if wanted == {"true"} else ConditionEffect.IMPOSSIBLE
        return ConditionEffect.NARROWING
    if base == "bool":
        wanted = {t.lower() for t in texts}
        if wanted >= {"true", "false"}:
            return ConditionEffect.ALWAYS_TRUE
        if lower_key == "aws:multifactorauthpresent" and wanted == {"true"} and not if_exists:
            return ConditionEffect.IMPOSSIBLE
        if lower_key == "aws:securetransport":
            return ConditionEffect.ALWAYS_TRUE if wanted == {"true"} else ConditionEffect.NARROWING
    special = _time_or_absent(base, lower_key, texts, if_exists, today)
    if special is not None:
        return special
    if base.endswith(("stringlike", "arnlike")) and texts and all(t == "*" for t in texts):
        if if_exists or lower_key in ALWAYS_PRESENT_KEYS:
            return ConditionEffect.ALWAYS_TRUE
        return ConditionEffect.NARROWING
    if base in ("numericlessthan", "numericlessthanequals") and not if_exists:
        numbers = [n for n in (_number(t) for t in texts) if n is not None]
        if numbers and len(numbers) == len(texts):
            limit = max(numbers)
            if limit < 0 or (base == "numericlessthan" and limit <= 0):
                return ConditionEffect.IMPOSSIBLE
    if lower_key in NON_NARROWING_KEYS:
        return ConditionEffect.ALWAYS_TRUE
    return ConditionEffect.NARROWING


def _time_or_absent(
    base: str, key: str, texts: tuple[str, ...], if_exists: bool, today: dt.date | None
) -> ConditionEffect | None:
    """Heuristic 7 (moments compared with today, as dates or as epoch seconds) and numeric
    clauses on a key the session never carries (``aws:MultiFactorAuthAge``); ``None`` when
    neither applies."""
    numeric = base.startswith(_NUMERIC)
    if key in NEVER_PRESENT_KEYS and (numeric or base.startswith("date")):
        # An operator other than Null on an absent key does not match, unless ...IfExists.
        return ConditionEffect.ALWAYS_TRUE if if_exists else ConditionEffect.IMPOSSIBLE
    if key not in _TIME_KEYS:
        return None
    if base.startswith("date"):
        return _classify_time(base, texts, today or dt.date.today())
    if numeric and key != "aws:currenttime":
        operator = base.replace("numeric", "date")
        return _classify_time(operator, texts, today or dt.date.today())
    return None


def _classify_time(operator: str, texts: tuple[str, ...], today: dt.date) -> ConditionEffect:
    moments = [m for m in (_parse_time(t) for t in texts) if m is not None]
    if not moments or len(moments) != len(texts):
        return ConditionEffect.NARROWING
    now = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC)
    if operator in ("datelessthan", "datelessthanequals"):
        # True while now < the latest bound.
        return ConditionEffect.IMPOSSIBLE if max(moments) <= now else ConditionEffect.ALWAYS_TRUE
    if operator in ("dategreaterthan", "dategreaterthanequals"):
        return ConditionEffect.ALWAYS_TRUE if min(moments) <= now else ConditionEffect.NARROWING
    return ConditionEffect.NARROWING


def _satisfiable(constraints: list[tuple[set[str], bool]], excluded: set[str]) -> bool:
    """Whether one value can equal a member of every set (``bool``: compare ignoring case)
    and none of ``excluded``."""
    candidates = set().union(*(values for values, _ in constraints))
    for candidate in candidates:
        if candidate in excluded:
            continue
        if all(
            candidate in values
            or (ignore_case and candidate.lower() in {v.lower() for v in values})
            for values, ignore_case in constraints
        ):
            return True
    return False


def _contradiction(conditions: Mapping[str, Mapping[str, tuple[Any, ...]]]) -> bool:
    """Heuristics 5 and 6: clauses on the same key that no request can satisfy together."""
    equal: dict[str, list[tuple[set[str], bool]]] = {}
    excluded: dict[str, set[str]] = {}
    all_values: dict[str, set[str]] = {}
    any_values: dict[str, set[str]] = {}
    lower_bound: dict[str, float] = {}
    upper_bound: dict[str, float] = {}
    for operator, entries in conditions.items():
        op = operator.lower()
        if op.endswith("ifexists"):
            continue
        for key, raw in entries.items():
            lower_key = key.lower()
            texts = set(_values(raw))
            numbers = [n for n in (_number(t) for t in texts) if n is not None]
            if op in ("stringequals", "arnequals", "stringequalsignorecase"):
                equal.setdefault(lower_key, []).append((texts, op.endswith("ignorecase")))
            elif op in ("stringnotequals", "arnnotequals"):
                excluded.setdefault(lower_key, set()).update(texts)
            elif op == "forallvalues:stringequals":
                all_values[lower_key] = all_values.get(lower_key, texts) & texts
            elif op == "foranyvalue:stringequals":
                equal.setdefault(lower_key, []).append((texts, False))
                any_values.setdefault(lower_key, set()).update(texts)
            elif op in ("numericgreaterthan", "numericgreaterthanequals") and numbers:
                lower_bound[lower_key] = max(lower_bound.get(lower_key, -1e308), min(numbers))
            elif op in ("numericlessthan", "numericlessthanequals") and numbers:
                upper_bound[lower_key] = min(upper_bound.get(lower_key, 1e308), max(numbers))
    for key, constraints in equal.items():
        if not _satisfiable(constraints, excluded.get(key, set())):
            return True
    for key, values in any_values.items():
        if key in all_values and not values & all_values[key]:
            return True
    return any(key in upper_bound and lower_bound[key] > upper_bound[key] for key in lower_bound)


def classify(
    conditions: Mapping[str, Mapping[str, tuple[Any, ...]]], *, today: dt.date | None = None
) -> ConditionEffect:
    """The effect of a whole ``Condition`` block (all clauses must hold)."""
    if not conditions:
        return ConditionEffect.NONE
    if _contradiction(conditions):
        return ConditionEffect.IMPOSSIBLE
    effects = {
        classify_clause(operator, key, tuple(values), today=today)
        for operator, entries in conditions.items()
        for key, values in entries.items()
    }
    if not effects:
        return ConditionEffect.NONE
    if ConditionEffect.IMPOSSIBLE in effects:
        return ConditionEffect.IMPOSSIBLE
    if ConditionEffect.NARROWING in effects:
        return ConditionEffect.NARROWING
    return ConditionEffect.ALWAYS_TRUE


__all__ = ["ALWAYS_PRESENT_KEYS", "NON_NARROWING_KEYS", "ConditionEffect", "classify"]
