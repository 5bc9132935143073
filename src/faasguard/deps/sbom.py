"""Software bills of materials per function: CycloneDX 1.6 JSON (``cyclonedx-python-lib``,
package URLs from ``packageurl-python``) and SPDX 2.3 JSON.

One BOM covers the selected functions: each function is an ``application`` component that
depends on the packages it ships; packages are deduplicated by package URL and carry their
version, hashes from the lockfile and their dependency graph; vulnerabilities found in the
offline store are listed with the components they affect. ``reproducible`` fixes the serial
number (derived from the content) and the timestamp (``SOURCE_DATE_EPOCH`` or the epoch).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from faasguard import __version__
from faasguard.deps.audit import FunctionAudit
from faasguard.deps.model import Dependency
from faasguard.deps.versions import NPM

FORMATS = ("cyclonedx-json", "spdx-json")


def purl(dependency: Dependency) -> str:
    """The package URL of a dependency (``pkg:pypi/requests@2.19.1``)."""
    from packageurl import PackageURL  # noqa: PLC0415 - loaded on first use (start-up speed)

    if dependency.ecosystem == NPM:
        namespace, _, name = dependency.name.rpartition("/")
        return str(
            PackageURL(
                type="npm", namespace=namespace or None, name=name, version=dependency.version
            )
        )
    return str(PackageURL(type="pypi", name=dependency.key, version=dependency.version))


def _hashes(dependency: Dependency) -> list[tuple[str, str]]:
    """(algorithm, hex digest) pairs from lockfile hashes (``sha256:..``, SRI ``sha512-..``)."""
    found: list[tuple[str, str]] = []
    for text in dependency.hashes:
        for item in text.split():
            algorithm, sep, value = item.partition(":" if ":" in item else "-")
            if not sep:
                continue
            algorithm = algorithm.lower()
            if algorithm not in ("sha1", "sha256", "sha384", "sha512", "md5"):
                continue
            if all(c in "0123456789abcdef" for c in value.lower()) and len(value) >= 32:
                found.append((algorithm, value.lower()))
            else:
                try:
                    found.append((algorithm, base64.b64decode(value).hex()))
                except ValueError:
                    continue
    return found


def _timestamp(reproducible: bool) -> dt.datetime:
    if reproducible:
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
        return dt.datetime.fromtimestamp(epoch, dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _packages(audits: Sequence[FunctionAudit]) -> dict[str, Dependency]:
    packages: dict[str, Dependency] = {}
    for audit in audits:
        for dependency in audit.shipped:
            packages.setdefault(purl(dependency), dependency)
    return dict(sorted(packages.items()))


def cyclonedx_json(app_name: str, audits: Sequence[FunctionAudit], *, reproducible: bool) -> str:
    """A CycloneDX 1.6 JSON document for the functions in ``audits``."""
    from cyclonedx.model import HashAlgorithm, HashType, XsUri  # noqa: PLC0415 - loaded on first use (start-up speed)
    from cyclonedx.model.bom import Bom  # noqa: PLC0415 - loaded on first use (start-up speed)
    from cyclonedx.model.bom_ref import BomRef  # noqa: PLC0415 - loaded on first use (start-up speed)
    from cyclonedx.model.component import Component, ComponentScope, ComponentType  # noqa: PLC0415 - loaded on first use (start-up speed)
    from cyclonedx.model.vulnerability import (  # noqa: PLC0415 - loaded on first use (start-up speed)
        BomTarget,
        Vulnerability,
        VulnerabilityAdvisory,
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
        VulnerabilitySource,
    )
    from cyclonedx.output.json import JsonV1Dot6  # noqa: PLC0415 - loaded on first use (start-up speed)
    from packageurl import PackageURL  # noqa: PLC0415 - loaded on first use (start-up speed)

    algorithms = {
        "md5": HashAlgorithm.MD5,
        "sha1": HashAlgorithm.SHA_1,
        "sha256": HashAlgorithm.SHA_256,
        "sha384": HashAlgorithm.SHA_384,
        "sha512": HashAlgorithm.SHA_512,
    }
    packages = _packages(audits)
    components: dict[str, Component] = {}
    for ref, dependency in packages.items():
        components[ref] = Component(
            name=dependency.name,
            version=dependency.version or dependency.spec or None,
            type=ComponentType.LIBRARY,
            purl=PackageURL.from_string(ref),
            bom_ref=BomRef(ref),
            scope=ComponentScope.REQUIRED,
            hashes=[HashType(alg=algorithms[a], content=h) for a, h in _hashes(dependency)],
        )
    bom = Bom()
    root = Component(
        name=app_name,
        type=ComponentType.APPLICATION,
        bom_ref=BomRef(f"app:{app_name}"),
    )
    bom.metadata.component = root
    bom.metadata.timestamp = _timestamp(reproducible)
    for component in components.values():
        bom.components.add(component)
    function_components: list[Component] = []
    for audit in sorted(audits, key=lambda a: a.function.ref):
        fn_component = Component(
            name=audit.function.display_name,
            type=ComponentType.APPLICATION,
            bom_ref=BomRef(f"function:{audit.function.ref}"),
            description=f"AWS Lambda function {audit.function.ref}",
        )
        bom.components.add(fn_component)
        function_components.append(fn_component)
        direct = [components[purl(d)] for d in audit.shipped if d.direct]
        bom.register_dependency(fn_component, direct)
    bom.register_dependency(root, function_components)
    by_name: dict[tuple[str, str], list[str]] = {}
    for ref, dependency in packages.items():
        by_name.setdefault((dependency.ecosystem, dependency.key), []).append(ref)
    for ref, dependency in packages.items():
        children = [
            components[child]
            for name in dependency.requires
            for child in by_name.get((dependency.ecosystem, name.lower().replace("_", "-")), [])
            if child != ref
        ]
        if children:
            bom.register_dependency(components[ref], children)
    seen: set[str] = set()
    for audit in audits:
        for result in audit.vulnerable:
            ref = purl(result.dependency)
            for vuln in result.vulnerabilities:
                key = f"{vuln.primary_id}|{ref}"
                if key in seen or ref not in components:
                    continue
                seen.add(key)
                ratings = []
                if vuln.score is not None:
                    v4 = any(a.severity_source == "CVSS v4" for a in vuln.advisories)
                    ratings.append(
                        VulnerabilityRating(
                            score=Decimal(str(vuln.score)),
                            severity=VulnerabilitySeverity(vuln.severity.label),
                            method=VulnerabilityScoreSource.CVSS_V4
                            if v4
                            else VulnerabilityScoreSource.CVSS_V3_1,
                        )
                    )
                else:
                    ratings.append(
                        VulnerabilityRating(severity=VulnerabilitySeverity(vuln.severity.label))
                    )
                bom.vulnerabilities.add(
                    Vulnerability(
                        bom_ref=BomRef(key),
                        id=vuln.primary_id,
                        source=VulnerabilitySource(
                            name="OSV",
                            url=XsUri(f"https://osv.dev/vulnerability/{vuln.primary_id}"),
                        ),
                        description=vuln.summary or None,
                        recommendation=(f"Upgrade to {result.upgrade}" if result.upgrade else None),
                        advisories=[
                            VulnerabilityAdvisory(url=XsUri(a.url))
                            for a in vuln.advisories
                            if a.url
                        ],
                        ratings=ratings,
                        affects=[BomTarget(ref=ref)],
                    )
                )
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    document: dict[str, Any] = json.loads(text)
    if reproducible:
        content = {k: v for k, v in document.items() if k != "serialNumber"}
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        document["serialNumber"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, digest)}"
    document.setdefault("metadata", {}).setdefault("tools", {}).setdefault("components", []).append(
        {"type": "application", "name": "faasguard", "version": __version__}
    )
    return json.dumps(document, indent=2, sort_keys=reproducible) + "\n"


def spdx_json(app_name: str, audits: Sequence[FunctionAudit], *, reproducible: bool) -> str:
    """An SPDX 2.3 JSON document: one package per dependency, DEPENDS_ON relationships."""
    packages = _packages(audits)
    ids = {ref: f"SPDXRef-Package-{index}" for index, ref in enumerate(packages, 1)}
    spdx_packages: list[dict[str, Any]] = []
    relationships: list[dict[str, str]] = []
    used_ids: set[str] = set()
    for audit in sorted(audits, key=lambda a: a.function.ref):
        base_id = "SPDXRef-Function-" + "".join(
            c if c.isascii() and c.isalnum() else "-" for c in audit.function.ref
        )
        fn_id, suffix = base_id, 1
        while fn_id in used_ids:  # the same ref in two apps (SAM and Serverless variants)
            suffix += 1
            fn_id = f"{base_id}-{suffix}"
        used_ids.add(fn_id)
        spdx_packages.append(
            {
                "SPDXID": fn_id,
                "name": audit.function.display_name,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": False,
                "primaryPackagePurpose": "APPLICATION",
            }
        )
        relationships.append(
            {
                "spdxElementId": "SPDXRef-DOCUMENT",
                "relationshipType": "DESCRIBES",
                "relatedSpdxElement": fn_id,
            }
        )
        for dependency in audit.shipped:
            if dependency.direct:
                relationships.append(
                    {
                        "spdxElementId": fn_id,
                        "relationshipType": "DEPENDS_ON",
                        "relatedSpdxElement": ids[purl(dependency)],
                    }
                )
    for ref, dependency in packages.items():
        entry: dict[str, Any] = {
            "SPDXID": ids[ref],
            "name": dependency.name,
            "versionInfo": dependency.version or dependency.spec or "NOASSERTION",
            "downloadLocation": dependency.url or "NOASSERTION",
            "filesAnalyzed": False,
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": ref,
                }
            ],
        }
        checksums = [
            {"algorithm": a.upper().replace("SHA", "SHA"), "checksumValue": h}
            for a, h in _hashes(dependency)
        ]
        if checksums:
            entry["checksums"] = checksums
        spdx_packages.append(entry)
    created = _timestamp(reproducible).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"packages": spdx_packages, "relationships": relationships}
    namespace_seed = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": app_name,
        "documentNamespace": f"https://spdx.org/spdxdocs/faasguard-{app_name}-"
        f"{uuid.uuid5(uuid.NAMESPACE_URL, namespace_seed) if reproducible else uuid.uuid4()}",
        "creationInfo": {"created": created, "creators": [f"Tool: faasguard-{__version__}"]},
        **body,
    }
    return json.dumps(document, indent=2) + "\n"
