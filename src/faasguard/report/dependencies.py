"""The report of ``faasguard deps``: each function's shipped dependencies, their reach and
known vulnerabilities, as a JSON-ready document and as text. Pure: audits in, values out."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faasguard.deps.audit import FunctionAudit
    from faasguard.deps.matcher import PackageResult
    from faasguard.deps.model import Dependency

#: The audits of the functions of each app: ``[(app name, audits), ...]``.
AppAudits = Sequence[tuple[str, Sequence["FunctionAudit"]]]


def vulnerable_count(results: AppAudits) -> int:
    """How many shipped packages (per function) have a known vulnerability or are malicious."""
    return sum(
        len({(r.dependency.ecosystem, r.dependency.key) for r in audit.vulnerable})
        for _, audits in results
        for audit in audits
    )


def deps_document(results: AppAudits) -> list[dict[str, Any]]:
    """One entry per audited function (the JSON of ``deps --format json``)."""
    document = []
    for app_name, audits in results:
        for audit in audits:
            flagged = {(r.dependency.ecosystem, r.dependency.key): r for r in audit.vulnerable}
            document.append(
                {
                    "app": app_name,
                    "function": audit.function.ref,
                    "project": audit.project.directory,
                    "manifests": [m.path for src in audit.sources for m in src.project.manifests],
                    "artifacts": [src.artifact.path for src in audit.sources if src.artifact],
                    "layers": [src.label for src in audit.sources if src.layer],
                    "dependencies": [
                        _dependency_row(audit, dep, flagged.get((dep.ecosystem, dep.key)))
                        for dep in audit.shipped
                    ],
                }
            )
    return document


def _dependency_row(
    audit: FunctionAudit, dep: Dependency, result: PackageResult | None
) -> dict[str, Any]:
    origin = audit.source_of(dep)
    return {
        "name": dep.name,
        "version": dep.version,
        "spec": dep.spec,
        "ecosystem": dep.ecosystem,
        "direct": dep.direct,
        "source": dep.source,
        "declared_at": str(audit.declaration(dep)),
        "shipped_by": origin.label if origin else "function code",
        "installed_in": dep.artifact,
        "reachability": audit.reach_of(dep).status,
        "vulnerabilities": [
            {
                "ids": list(v.ids),
                "severity": v.severity.label,
                "fixed": list(v.fixed),
                "malicious": v.malicious,
            }
            for v in (result.vulnerabilities if result else ())
        ],
        "upgrade": result.upgrade if result else None,
    }


def render_deps_json(document: list[dict[str, Any]]) -> str:
    """``deps --format json``."""
    return json.dumps(document, indent=2) + "\n"


def render_deps_text(document: list[dict[str, Any]], vulnerable: int) -> str:
    """``deps``: per function its packages with their tags, vulnerabilities and upgrade."""
    lines: list[str] = []
    for entry in document:
        manifests = ", ".join(Path(str(m)).name for m in entry["manifests"])
        lines.append(f"{entry['app']} / {entry['function']}  ({manifests or 'no manifest'})")
        lines.extend(_dependency_text(row) for row in entry["dependencies"])
    lines.append(f"{vulnerable} vulnerable package(s) in {len(document)} function(s)")
    return "\n".join(lines) + "\n"


def _dependency_text(row: dict[str, Any]) -> str:
    version = row["version"] or row["spec"] or "?"
    kind = "direct" if row["direct"] else "transitive"
    tags = f"{row['ecosystem']}, {kind}, {row['reachability']}"
    if row["shipped_by"] != "function code":
        tags += f", {row['shipped_by']}"
    if row["installed_in"]:
        tags += ", installed"
    text = f"  {row['name']} {version}  [{tags}]"
    for vuln in row["vulnerabilities"]:
        fix = f"fixed in {vuln['fixed'][0]}" if vuln["fixed"] else "no fix"
        tag = "MALICIOUS" if vuln["malicious"] else vuln["severity"]
        text += f"\n      {tag}: {', '.join(vuln['ids'][:3])} ({fix})"
    if row["upgrade"]:
        text += f"\n      -> upgrade to {row['upgrade']}"
    return text
