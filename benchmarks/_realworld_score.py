"""Scoring faasguard findings against ``../shared/realworld/GROUND_TRUTH.json``.

The rules are the data set's own (its README, "Scoring"), applied mechanically:

1. *Location*: same file (relative to the app directory), line within the item's
   ``lines`` widened by 3 on each side, or at one of its ``also`` locations or its
   ``source`` location; ``lines: null`` is the whole file.
2. *Meaning*: the finding's rule is one of the item's ``rule_hint`` ids, or one of the
   rule's CWEs is the item's CWE (or an equivalent one, :data:`CWE_EQUIVALENT`).
   Dependency items (``kind: sca`` with a ``version``) match on package and version, and on
   one of the item's ``advisories`` when the finding names advisories.
3. A finding that matches an item (required or optional) is never counted against a
   negative. A finding on a negative's location that says what ``must_not`` describes
   (its ``rule_hint`` rules; any non-hygiene finding when it has none; for
   advisory-specific negatives only a finding naming one of those advisories) is a false
   alarm.
4. Hygiene findings (``ignored_findings``) are neither hits nor false positives unless a
   negative names them.
5. Everything else is *unclassified*: it is looked up in the review file
   (``realworld_review.toml``), where a person classified it as ``true`` (true but not
   listed in the ground truth) or ``false``, with a reason. Unreviewed findings count as
   false in the precision figure and are listed.

Resource agreement for config/IAM/secret items is implied by the location rule (the item's
lines are the resource's block), so it is not checked separately.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TOLERANCE = 3
#: CWEs the data set treats as the same weakness (README: "CWE-943 vs SQL/NoSQL injection").
CWE_EQUIVALENT: tuple[frozenset[str], ...] = (
    frozenset({"CWE-89", "CWE-943"}),
    frozenset({"CWE-311", "CWE-312"}),
)
#: ``ignored_findings.hygiene`` of the data set, as faasguard rule ids.
HYGIENE_RULES = frozenset(
    {
        "DEPLOY001",  # no code-signing configuration
        "LOG001",  # no log group / no retention
        "LOG002",  # no active X-Ray tracing
        "LOG003",  # no CloudWatch alarms
        "TIME004",  # no reserved concurrency
        "TRIG002",  # API without WAF
        "TRIG005",  # API without throttling
        "TRIG004",  # REST method without request validation
        "TRIG003",  # inventory of triggers a WAF cannot see
        "PERM012",  # shared execution role (info)
    }
)
#: ``ignored_findings.accepted_patterns``: actions a finding may name and still be ignored.
ACCEPTED_ACTIONS = frozenset(
    {
        "logs:createloggroup",
        "logs:createlogstream",
        "logs:putlogevents",
        "ec2:createnetworkinterface",
        "ec2:describenetworkinterfaces",
        "ec2:deletenetworkinterface",
    }
)
_ACTION = re.compile(r"\b([a-z0-9-]+:[A-Za-z*][A-Za-z0-9*]*)")
_ADVISORY = re.compile(r"\b(GHSA(?:-[0-9a-z]{4}){3}|CVE-\d{4}-\d{4,}|PYSEC-\d{4}-\d+)\b", re.I)


@dataclass(frozen=True)
class Finding:
    """One faasguard finding, reduced to what scoring reads."""

    rule: str
    file: str
    line: int
    message: str
    cwes: frozenset[str]
    package: str | None = None
    version: str | None = None
    advisories: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], cwes: Mapping[str, Sequence[str]]) -> Finding:
        """A finding of ``faasguard scan --format json``."""
        location = raw.get("location") or {}
        props = raw.get("properties") or {}
        ids: set[str] = set()
        for advisory in props.get("advisories") or ():
            ids.update(str(i).upper() for i in advisory.get("ids") or ())
        return cls(
            rule=raw["rule_id"],
            file=str(location.get("file") or ""),
            line=int(location.get("line") or 0),
            message=str(raw.get("message") or ""),
            cwes=frozenset(cwes.get(raw["rule_id"], ())),
            package=props.get("package"),
            version=props.get("version"),
            advisories=frozenset(ids),
        )

    def key(self) -> tuple[str, str, int]:
        """(rule, file, line): how the review file names a finding."""
        return (self.rule, self.file, self.line)


@dataclass
class AppScore:
    """Everything measured on one app."""

    app: str
    category: str
    held_out: bool
    items: dict[str, list[Finding]] = field(default_factory=dict)  # item id → its hits
    item_meta: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    negatives_hit: dict[str, list[Finding]] = field(default_factory=dict)
    negatives_total: int = 0
    matched: list[Finding] = field(default_factory=list)  # findings matching an item
    ignored: list[Finding] = field(default_factory=list)
    reviewed_true: list[tuple[Finding, str]] = field(default_factory=list)
    reviewed_false: list[tuple[Finding, str]] = field(default_factory=list)
    unreviewed: list[Finding] = field(default_factory=list)
    functions: list[dict[str, Any]] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counted(self) -> int:
        """Findings in the precision denominator (everything but ignored hygiene)."""
        return (
            len(self.matched)
            + sum(len(v) for v in self.negatives_hit.values())
            + len(self.reviewed_true)
            + len(self.reviewed_false)
            + len(self.unreviewed)
        )

    @property
    def true_findings(self) -> int:
        """Findings matching an item, plus those reviewed as true but unlisted."""
        return len(self.matched) + len(self.reviewed_true)

    def recall(self, *, scope: str | None = None, kind: str | None = None) -> tuple[int, int]:
        """(hit, total) over required items, optionally of one scope or kind."""
        hit = total = 0
        for item_id, meta in self.item_meta.items():
            if not meta.get("required"):
                continue
            if scope is not None and meta.get("scope") != scope:
                continue
            if kind is not None and meta.get("kind") != kind:
                continue
            total += 1
            hit += bool(self.items.get(item_id))
        return hit, total


def _widen(lines: Sequence[int] | None) -> tuple[int, int] | None:
    if lines is None:
        return None
    return lines[0] - TOLERANCE, lines[1] + TOLERANCE


def _at(finding: Finding, file: str, lines: Sequence[int] | None) -> bool:
    if finding.file != file:
        return False
    span = _widen(lines)
    return span is None or span[0] <= finding.line <= span[1]


def _locations(entry: Mapping[str, Any]) -> Iterable[tuple[str, Sequence[int] | None]]:
    yield entry["file"], entry.get("lines")
    for other in entry.get("also") or ():
        yield other["file"], other.get("lines")
    source = entry.get("source")
    if source:
        yield source["file"], source.get("lines")


def _same_cwe(finding: Finding, cwe: str | None) -> bool:
    if not cwe:
        return False
    if cwe in finding.cwes:
        return True
    return any(cwe in group and finding.cwes & group for group in CWE_EQUIVALENT)


def _norm_package(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _advisory_ids(text: str, aliases: Mapping[str, frozenset[str]]) -> frozenset[str]:
    ids: set[str] = set()
    for raw in _ADVISORY.findall(text):
        ids.add(raw.upper())
        ids.update(aliases.get(raw.upper(), ()))
    return frozenset(ids)


def item_matches(
    finding: Finding, item: Mapping[str, Any], aliases: Mapping[str, frozenset[str]]
) -> bool:
    """Whether ``finding`` reports ``item`` (location and meaning)."""
    if item.get("kind") == "sca" and item.get("version"):
        return _dependency_matches(finding, item, aliases)
    if not any(_at(finding, f, lines) for f, lines in _locations(item)):
        return False
    hints = item.get("rule_hint") or ()
    return finding.rule in hints or _same_cwe(finding, item.get("cwe"))


def _dependency_matches(
    finding: Finding, item: Mapping[str, Any], aliases: Mapping[str, frozenset[str]]
) -> bool:
    if finding.rule not in (item.get("rule_hint") or ("DEP001",)):
        return False
    if finding.package is None or finding.version is None:
        return False
    if _norm_package(finding.package) != _norm_package(item["package"]):
        return False
    if finding.version != item["version"]:
        return False
    wanted: set[str] = set()
    for advisory in item.get("advisories") or ():
        wanted.add(advisory.upper())
        wanted.update(aliases.get(advisory.upper(), ()))
    return not finding.advisories or not wanted or bool(finding.advisories & wanted)


def negative_hit(
    finding: Finding, negative: Mapping[str, Any], aliases: Mapping[str, frozenset[str]]
) -> bool:
    """Whether ``finding`` lands on ``negative`` (or one of its ``also`` locations) and says
    what it must not say. A negative without ``rule_hint`` takes any finding that is not
    ignored hygiene (the conservative reading of its ``must_not``)."""
    if not any(_at(finding, f, lines) for f, lines in _locations(negative)):
        return False
    hints = negative.get("rule_hint")
    if hints and finding.rule not in hints:
        return False
    if not hints and is_hygiene(finding):
        return False
    named = _advisory_ids(f"{negative.get('desc', '')} {negative.get('must_not', '')}", aliases)
    if finding.rule == "DEP001" and named and finding.advisories:
        return bool(finding.advisories & named)
    return True


def is_hygiene(finding: Finding) -> bool:
    """Findings of the kinds the data set ignores (hygiene, accepted IAM patterns)."""
    if finding.rule in HYGIENE_RULES:
        return True
    if finding.rule == "DEP006" and "--hash" in finding.message:
        return True
    if finding.rule.startswith("PERM"):
        actions = {a.lower() for a in _ACTION.findall(finding.message) if "." not in a}
        return bool(actions) and actions <= ACCEPTED_ACTIONS
    return False


def score_app(
    app: Mapping[str, Any],
    findings: Sequence[Finding],
    review: Mapping[tuple[str, str, str, int], tuple[str, str]],
    aliases: Mapping[str, frozenset[str]],
    *,
    held_out: bool,
) -> AppScore:
    """Score one app's findings against its ground truth."""
    score = AppScore(app=app["id"], category=app["category"], held_out=held_out)
    score.negatives_total = len(app.get("negatives") or ())
    for item in app.get("items") or ():
        score.items[item["id"]] = []
        score.item_meta[item["id"]] = item
    for finding in findings:
        hit_items = [i for i in app.get("items") or () if item_matches(finding, i, aliases)]
        if hit_items:
            for item in hit_items:
                score.items[item["id"]].append(finding)
            score.matched.append(finding)
            continue
        negatives = [n for n in app.get("negatives") or () if negative_hit(finding, n, aliases)]
        if negatives:
            for negative in negatives:
                score.negatives_hit.setdefault(negative["id"], []).append(finding)
            continue
        if is_hygiene(finding):
            score.ignored.append(finding)
            continue
        verdict = review.get((app["id"], *finding.key()))
        if verdict is None:
            score.unreviewed.append(finding)
        elif verdict[0] == "true":
            score.reviewed_true.append((finding, verdict[1]))
        else:
            score.reviewed_false.append((finding, verdict[1]))
    return score


_PARAM = re.compile(r"<[^>]*>|\{[^}]*\}|:[A-Za-z_][A-Za-z0-9_]*")


def normalise_route(method: str, path: str) -> tuple[str, str]:
    """(METHOD, path) with every path parameter written ``{}`` and no trailing slash."""
    path = _PARAM.sub("{}", path.strip())
    if len(path) > 1:
        path = path.rstrip("/")
    return method.strip().upper(), path or "/"


def expected_routes(spec: str) -> list[tuple[str, str]]:
    """The routes of a ground-truth route string (``"GET,POST /login"``, with remarks)."""
    spec = re.sub(r"\s*\(.*\)\s*$", "", spec.strip())
    methods, _, path = spec.partition(" ")
    return [normalise_route(m, path) for m in methods.split(",") if m]


def route_found(route: tuple[str, str], found: Iterable[tuple[str, str]]) -> bool:
    """Whether a discovered route serves ``route`` (``ANY`` serves every method)."""
    return any(path == route[1] and method in (route[0], "ANY", "*") for method, path in found)
