"""Match dependencies against the store: advisories per package, merged through aliases,
with the fixed versions and the smallest upgrade that clears every advisory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from faasguard.deps.model import REGISTRY, Dependency
from faasguard.deps.osv import Advisory, display_ids, merge_aliases
from faasguard.deps.store import Store
from faasguard.deps.versions import satisfies, spec_versions, version_key
from faasguard.findings import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class VulnMatch:
    """One vulnerability (a merged alias group) affecting one dependency."""

    dependency: Dependency
    advisories: tuple[Advisory, ...]
    ids: tuple[str, ...]
    severity: Severity
    score: float | None
    fixed: tuple[str, ...]
    malicious: bool
    #: For a dependency known only by a range (no lockfile): the affected versions the
    #: range allows, as ``(lowest, highest)`` among the versions the advisories and the
    #: range name, and whether every allowed version is affected.
    allowed_affected: tuple[str, str] | None = None
    every_allowed: bool = False

    @property
    def primary_id(self) -> str:
        """The id shown first (GHSA preferred)."""
        return self.ids[0]

    @property
    def summary(self) -> str:
        """The first non-empty summary of the group."""
        return next((a.summary for a in self.advisories if a.summary), "")


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageResult:
    """Every vulnerability of one dependency and the upgrade that clears them all."""

    dependency: Dependency
    vulnerabilities: tuple[VulnMatch, ...]
    upgrade: str | None


def match(dependencies: Iterable[Dependency], store: Store) -> list[PackageResult]:
    """Vulnerable dependencies among ``dependencies`` (registry packages only)."""
    by_ecosystem: dict[str, list[Dependency]] = {}
    for dependency in dependencies:
        if dependency.source == REGISTRY:
            by_ecosystem.setdefault(dependency.ecosystem, []).append(dependency)
    results: list[PackageResult] = []
    for ecosystem, deps in by_ecosystem.items():
        known = store.advisories_for(ecosystem, (d.name for d in deps))
        for dependency in deps:
            advisories = known.get(dependency.key)
            if advisories:
                result = match_one(dependency, advisories)
                if result is not None:
                    results.append(result)
    return results


def match_one(dependency: Dependency, advisories: Sequence[Advisory]) -> PackageResult | None:
    """The vulnerabilities of one dependency among the advisories of its package."""
    version = dependency.version
    hits: list[Advisory] = []
    spans: dict[str, tuple[tuple[str, str], bool]] = {}
    allowed = _allowed_candidates(dependency, advisories) if version is None else []
    for advisory in advisories:
        if version is None:
            # Without an exact version: malware (every version), or the versions the
            # declared range allows.
            if advisory.malicious:
                hits.append(advisory)
                continue
            affected = [v for v in allowed if advisory.affected.affects(v)]
            if affected:
                hits.append(advisory)
                spans[advisory.id] = ((affected[0], affected[-1]), len(affected) == len(allowed))
        elif advisory.affected.affects(version):
            hits.append(advisory)
    if not hits:
        return None
    current = version_key(dependency.ecosystem, version) if version else None
    vulnerabilities: list[VulnMatch] = []
    for group in merge_aliases(hits):
        scores = [a.score for a in group if a.score is not None]
        fixed = sorted(
            {
                f
                for a in group
                for f in a.affected.fixed_versions()
                if current is None or version_key(dependency.ecosystem, f) > current
            },
            key=lambda v: version_key(dependency.ecosystem, v),
        )
        span = next((spans[a.id] for a in group if a.id in spans), None)
        vulnerabilities.append(
            VulnMatch(
                dependency=dependency,
                advisories=tuple(group),
                ids=display_ids(group),
                severity=max(a.severity for a in group),
                score=max(scores) if scores else None,
                fixed=tuple(fixed),
                malicious=any(a.malicious for a in group),
                allowed_affected=span[0] if span else None,
                every_allowed=all(spans[a.id][1] for a in group if a.id in spans)
                if span
                else False,
            )
        )
    vulnerabilities.sort(key=lambda v: (-v.severity, v.primary_id))
    return PackageResult(
        dependency=dependency,
        vulnerabilities=tuple(vulnerabilities),
        upgrade=smallest_upgrade(dependency, advisories) if version else None,
    )


def _allowed_candidates(dependency: Dependency, advisories: Sequence[Advisory]) -> list[str]:
    """The versions a range requirement allows among those that matter: the advisories'
    boundaries (introduced, fixed, last affected) and the versions the range names. Without
    the registry's release list these stand for the versions in between."""
    spec = dependency.spec.strip()
    if spec.startswith(("git", "http", "file:", "link:", "npm:", "workspace:")) or "/" in spec:
        return []
    ecosystem = dependency.ecosystem
    names = {v for v in spec_versions(spec)}
    for advisory in advisories:
        for events in advisory.affected.ranges:
            names.update(v for kind, v in events if kind != "limit" and v not in ("0", "*"))
        names.update(advisory.affected.versions)
    allowed = [v for v in names if satisfies(ecosystem, v, spec)]
    return sorted(allowed, key=lambda v: version_key(ecosystem, v))


def smallest_upgrade(dependency: Dependency, advisories: Sequence[Advisory]) -> str | None:
    """The lowest ``fixed`` version above the current one that no advisory affects.

    Every advisory of the package is checked, not only those matching today, so the
    suggested upgrade does not step into another known vulnerability.
    """
    ecosystem = dependency.ecosystem
    current = version_key(ecosystem, dependency.version or "0")
    candidates = sorted(
        {
            f
            for a in advisories
            for f in a.affected.fixed_versions()
            if version_key(ecosystem, f) > current
        },
        key=lambda v: version_key(ecosystem, v),
    )
    for candidate in candidates:
        if not any(a.affected.affects(candidate) for a in advisories):
            return candidate
    return None
