"""OSV advisories: the compact form faasguard stores, and matching per the OSV specification.

Matching (https://ossf.github.io/osv-schema/#evaluation): a version is affected when it is
listed in ``versions``, or when an ``ECOSYSTEM``/``SEMVER`` range's events, sorted by
version with ``introduced: "0"`` first, leave it inside an affected interval: ``introduced``
opens one (a repeated ``introduced`` simply opens the next interval), ``fixed`` closes it
(excluded), ``last_affected`` closes it after that version (included), and ``limit``
bounds the whole range. ``GIT`` ranges name commits, not versions, and are skipped.
Withdrawn advisories are dropped at import; advisories that are aliases of each other are
merged by :func:`merge_aliases`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from faasguard.deps.versions import ECOSYSTEMS, VersionKey, normalize_name, version_key
from faasguard.findings import Severity

#: Range types whose events are versions of the package (``GIT`` events are commits).
VERSION_RANGE_TYPES = ("ECOSYSTEM", "SEMVER")

Event = tuple[str, str]  # ("introduced" | "fixed" | "last_affected" | "limit", version)


class RecordError(ValueError):
    """An OSV record whose structure is not the schema's (a list that is a number, ...)."""


def listed(mapping: Mapping[str, Any], key: str) -> list[Any]:
    """``mapping[key]`` when it is a list, ``[]`` when absent or null; else :class:`RecordError`.

    A record with a wrong type is skipped as a whole rather than half-imported: matching on
    what remains of it could miss the affected range the record is about.
    """
    value = mapping.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"'{key}' is {type(value).__name__}, not a list")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class AffectedPackage:
    """One ``affected[]`` entry of an advisory, reduced to what matching needs."""

    ecosystem: str
    name: str
    ranges: tuple[tuple[Event, ...], ...] = ()
    versions: tuple[str, ...] = ()

    def affects(self, version: str) -> bool:
        """Whether ``version`` of this package is affected (OSV evaluation rules)."""
        if version in self.versions:
            return True
        key = version_key(self.ecosystem, version)
        return any(_in_range(key, self.ecosystem, events) for events in self.ranges)

    def fixed_versions(self) -> tuple[str, ...]:
        """Every ``fixed`` event of the entry, in range order."""
        return tuple(v for events in self.ranges for kind, v in events if kind == "fixed")


@dataclass(frozen=True, slots=True, kw_only=True)
class Advisory:
    """An OSV advisory for one package, with its severity already derived."""

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    severity: Severity = Severity.MEDIUM
    score: float | None = None
    severity_source: str = ""
    malicious: bool = False
    published: str = ""
    modified: str = ""
    url: str = ""
    affected: AffectedPackage = field(
        default_factory=lambda: AffectedPackage(ecosystem="", name="")
    )


def _event_sort_key(ecosystem: str, event: Event) -> tuple[int, VersionKey | None]:
    kind, value = event
    if kind == "introduced" and value == "0":
        return (0, None)
    return (1, version_key(ecosystem, value))


def _in_range(version: VersionKey, ecosystem: str, events: Sequence[Event]) -> bool:
    limits = [version_key(ecosystem, v) for kind, v in events if kind == "limit" and v != "*"]
    if limits and all(version >= limit for limit in limits):
        return False
    affected = False
    ordered = sorted(
        (e for e in events if e[0] != "limit"),
        key=lambda e: _event_sort_key(ecosystem, e),
    )
    for kind, value in ordered:
        if kind == "introduced":
            if value == "0" or version >= version_key(ecosystem, value):
                affected = True
        elif kind == "fixed":
            if version >= version_key(ecosystem, value):
                affected = False
        elif kind == "last_affected" and version > version_key(ecosystem, value):
            affected = False
    return affected


def severity_of(record: Mapping[str, Any]) -> tuple[Severity, float | None, str]:
    """Severity, CVSS base score and where it came from, for one OSV record.

    A CVSS vector (v4 preferred, then v3) gives the score; otherwise the GitHub advisory
    database's ``database_specific.severity`` label; otherwise MEDIUM ("not rated").
    Malware records are always critical.
    """
    if str(record.get("id", "")).startswith("MAL-"):
        return Severity.CRITICAL, None, "malware"
    vectors = {
        str(s.get("type")): str(s.get("score"))
        for s in listed(record, "severity")
        if isinstance(s, dict)
    }
    for kind in ("CVSS_V4", "CVSS_V3"):
        vector = vectors.get(kind)
        if not vector:
            continue
        score = _cvss_score(kind, vector)
        if score is not None:
            return _severity_from_score(score), score, kind.replace("_", " ").replace("V", "v")
    specific = record.get("database_specific")
    label = specific.get("severity") if isinstance(specific, dict) else None
    if isinstance(label, str):
        mapped = {
            "CRITICAL": Severity.CRITICAL,
            "HIGH": Severity.HIGH,
            "MODERATE": Severity.MEDIUM,
            "MEDIUM": Severity.MEDIUM,
            "LOW": Severity.LOW,
        }.get(label.upper())
        if mapped is not None:
            return mapped, None, "advisory label"
    return Severity.MEDIUM, None, "not rated"


def _cvss_score(kind: str, vector: str) -> float | None:
    from cvss import CVSS3, CVSS4  # noqa: PLC0415 - only needed while importing data
    from cvss.exceptions import CVSSError  # noqa: PLC0415 - loaded on first use (start-up speed)

    try:
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        return float(CVSS3(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError, TypeError):
        return None


def _severity_from_score(score: float) -> Severity:
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0:
        return Severity.LOW
    return Severity.INFO


def affected_entries(record: Mapping[str, Any]) -> list[AffectedPackage]:
    """The PyPI and npm ``affected[]`` entries of a record, normalised for matching.

    Entries with neither version ranges nor a ``versions`` list affect nothing we can match
    and are dropped, except for malware records, where OSV's convention is that every
    version of the package is malicious (they then get an ``introduced: 0`` range).
    """
    malicious = str(record.get("id", "")).startswith("MAL-")
    entries: list[AffectedPackage] = []
    for item in listed(record, "affected"):
        if not isinstance(item, dict):
            continue
        package = item.get("package")
        if not isinstance(package, dict):
            continue
        ecosystem = str(package.get("ecosystem", ""))
        name = package.get("name")
        if ecosystem not in ECOSYSTEMS or not isinstance(name, str) or not name:
            continue
        ranges: list[tuple[Event, ...]] = []
        for spec in listed(item, "ranges"):
            if not isinstance(spec, dict) or spec.get("type") not in VERSION_RANGE_TYPES:
                continue
            events: list[Event] = []
            for event in listed(spec, "events"):
                if not isinstance(event, dict):
                    continue
                for kind in ("introduced", "fixed", "last_affected", "limit"):
                    value = event.get(kind)
                    if isinstance(value, str) and value:
                        events.append((kind, value))
            if any(kind == "introduced" for kind, _ in events):
                ranges.append(tuple(events))
        versions = tuple(v for v in listed(item, "versions") if isinstance(v, str))
        if not ranges and not versions:
            if not malicious:
                continue
            ranges.append((("introduced", "0"),))
        entries.append(
            AffectedPackage(
                ecosystem=ecosystem,
                name=normalize_name(ecosystem, name),
                ranges=tuple(ranges),
                versions=versions,
            )
        )
    return entries


def merge_aliases(advisories: Iterable[Advisory]) -> list[list[Advisory]]:
    """Group advisories that describe the same vulnerability (linked through ``aliases``).

    The PyPI export holds both ``PYSEC-`` and ``GHSA-`` records for most CVEs; reporting
    both would double every finding. Union-find over ids and aliases.
    """
    items = list(advisories)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for advisory in items:
        for alias in advisory.aliases:
            parent[find(alias)] = find(advisory.id)
    groups: dict[str, list[Advisory]] = {}
    for advisory in items:
        groups.setdefault(find(advisory.id), []).append(advisory)
    return [sorted(g, key=_preference) for g in groups.values()]


def _preference(advisory: Advisory) -> tuple[int, str]:
    # GHSA records carry CVSS and fix data most often; show them first.
    order = {"GHSA": 0, "PYSEC": 1, "MAL": 2}
    return (order.get(advisory.id.split("-", 1)[0], 3), advisory.id)


def display_ids(group: Sequence[Advisory]) -> tuple[str, ...]:
    """Representative id, then CVE aliases, then the other ids of a merged group."""
    seen: dict[str, None] = {group[0].id: None}
    for advisory in group:
        for alias in (advisory.id, *advisory.aliases):
            if alias.startswith("CVE-"):
                seen.setdefault(alias, None)
    for advisory in group:
        seen.setdefault(advisory.id, None)
    return tuple(seen)
