"""Dependency with known vulnerabilities.

What it finds:
Packages shipped with a function (from its lockfile, or from its manifests when there is no
lockfile) whose exact version is affected by an advisory in the offline OSV store
(`faasguard db update`). A package known only by a range (`^2.0.10`, `>=0.42`, no lockfile)
is evaluated on the versions the range allows among the advisories' boundaries and the
versions the range names: when every allowed version is affected (the fix is outside the
range) the finding has the advisory's severity; when only some are (a fresh install picks a
fixed one, an old cache or mirror may not), it is low and names the affected versions.
One finding per function and package, on the line that declares
the package (the manifest line for direct dependencies, the lockfile entry for transitive
ones), listing every advisory (aliases merged: a GHSA and a PYSEC record for one CVE count
once), the fixed versions, and the smallest upgrade that clears all known advisories of the
package. Severity comes from the advisory's CVSS score (v4, then v3), else the GitHub
advisory label; it is lowered one level when the function's code never imports the package,
neither directly nor through a package it imports (reachability by import scanning).
Development-only dependencies are not shipped and not reported. Malicious packages are
reported by DEP002, not here. Without vulnerability data the rule reports nothing and the
scan says so once.

How it is tested: this rule needs vulnerability data, so its tests live in `tests/deps`, which build
a store from the fixture OSV records in `tests/deps/data/osv` and scan fixture projects and
the example app with `--db` (`formats=()`: no template fixture applies).

Why it matters:
A function runs its dependencies with its own permissions and receives untrusted events:
a deserialisation or request-smuggling bug in a library is a bug in the function. Known
vulnerabilities are the first thing attackers scan for, and they have public exploits.

Example:

```text
# src/orders/requirements.txt
PyYAML==5.3        # CVE-2020-1747, CVE-2020-14343: arbitrary code execution in full_load
```

How to fix:
Upgrade to the version named in the finding (the smallest one that clears every known
advisory), regenerate the lockfile, and redeploy. When no fix exists, remove the package or
make sure the vulnerable code path is unreachable and suppress with a reason.

References:
- https://ossf.github.io/osv-schema/
- CWE-1395: Dependency on Vulnerable Third-Party Component
- OWASP Top 10 2021: A06 Vulnerable and Outdated Components
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies

"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from faasguard.deps.reach import lowered
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.dep._function_audits import advisories, package_hit

if TYPE_CHECKING:
    from faasguard.deps.audit import FunctionAudit
    from faasguard.deps.matcher import VulnMatch
    from faasguard.deps.model import Dependency


@rule(
    id="DEP001",
    name="vulnerable-dependency",
    severity=Severity.HIGH,
    practice=Practice.P3,
    cwe=("CWE-1395",),
    owasp=("A06:2021", "SAS-6"),
    formats=(),
    source=Source.DEPENDENCIES,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and vulnerable (non-malicious) package."""
    for audit, result, vulns in advisories(app, lambda v: not v.malicious):
        dep = result.dependency
        if dep.version is None:
            yield _range_hit(audit, dep, vulns)
            continue
        reach = audit.reach_of(dep)
        worst = max(v.severity for v in vulns)
        listed = "; ".join(
            f"{'/'.join(v.ids[:2])} ({v.severity.label}"
            f"{f', CVSS {v.score:.1f}' if v.score is not None else ''}"
            f"{', fixed in ' + v.fixed[0] if v.fixed else ', no fix'})"
            f"{': ' + v.summary if v.summary else ''}"
            for v in vulns
        )
        if result.upgrade:
            advice = f"upgrade to {result.upgrade} (smallest version clearing all of them)"
        else:
            advice = "no released version clears all of them: remove or replace it"
        yield package_hit(
            audit,
            dep,
            f"{dep.name} {dep.version} has {len(vulns)} known "
            f"vulnerabilit{'y' if len(vulns) == 1 else 'ies'}: {listed}. {advice}; "
            f"{reach.describe()}",
            {
                "package": dep.name,
                "ecosystem": dep.ecosystem,
                "version": dep.version,
                "direct": dep.direct,
                "advisories": [
                    {
                        "ids": list(v.ids),
                        "severity": v.severity.label,
                        "cvss": v.score,
                        "fixed": list(v.fixed),
                        "summary": v.summary,
                    }
                    for v in vulns
                ],
                "fixed_versions": sorted({f for v in vulns for f in v.fixed}),
                "upgrade": result.upgrade,
                "reachability": reach.status,
                "reached_via": reach.via or None,
                "base_severity": worst.label,
            },
            severity=Severity(lowered(int(worst), reach)),
        )


def _range_hit(audit: FunctionAudit, dep: Dependency, vulns: list[VulnMatch]) -> Hit:
    """A dependency known only by its range (no lockfile): which advisories every allowed
    version has, and which only some allowed versions have (a fresh install picks the
    newest allowed version; an old cache or mirror may not)."""
    spec = dep.spec.strip() or "any version"
    every = [v for v in vulns if v.every_allowed]
    some = [v for v in vulns if not v.every_allowed]
    parts = []
    if every:
        parts.append(
            f"every version {spec} allows has "
            + "; ".join(
                f"{'/'.join(v.ids[:2])} ({v.severity.label}, "
                + (f"fixed in {v.fixed[0]}, outside the range)" if v.fixed else "no fix)")
                for v in every
            )
        )
    if some:
        parts.append(
            "some versions it allows have "
            + "; ".join(
                f"{'/'.join(v.ids[:2])} ({v.severity.label}: "
                f"{v.allowed_affected[0]} to {v.allowed_affected[1]} affected"
                f"{', fixed in ' + v.fixed[0] if v.fixed else ''})"
                for v in some
                if v.allowed_affected is not None
            )
        )
    reach = audit.reach_of(dep)
    worst = max(v.severity for v in every) if every else Severity.LOW
    advice = (
        "narrow the range above the fixed versions and commit a lockfile"
        if every
        else "commit a lockfile (or a lower bound at the fixed version) so no affected "
        "version can be installed"
    )
    return package_hit(
        audit,
        dep,
        f"{dep.name} {spec} is not locked: {'; '.join(parts)}. {advice}; {reach.describe()}",
        {
            "package": dep.name,
            "ecosystem": dep.ecosystem,
            "version": None,
            "range": dep.spec,
            "direct": dep.direct,
            "advisories": [
                {
                    "ids": list(v.ids),
                    "severity": v.severity.label,
                    "every_allowed_version": v.every_allowed,
                    "affected_allowed": list(v.allowed_affected or ()),
                    "fixed": list(v.fixed),
                }
                for v in vulns
            ],
            "reachability": reach.status,
            "base_severity": worst.label,
        },
        severity=Severity(lowered(int(worst), reach)) if every else Severity.LOW,
    )
