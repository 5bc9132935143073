"""Dependency from an untrusted or unverified source.

What it finds:
Places a function's dependencies come from other than the official registry, or without
integrity checks:
- package-index options: a non-default `--index-url`, any `--extra-index-url` (pip picks
  the highest version across indexes: dependency confusion), `--trusted-host` (TLS checks
  off), `--find-links`, non-PyPI sources in `Pipfile.lock`;
- direct URL, VCS (`git+https://...`, `github:user/repo`) and local path dependencies;
- lockfile entries resolved from hosts other than the official registry;
- lockfile entries without an `integrity` hash (one finding per lockfile, on the first).
Tested with annotated fixtures (`tests/fixtures/sam/dep-*`).

Why it matters:
The registry is the only source whose packages are immutable, scanned and covered by the
vulnerability data. Extra indexes enable dependency confusion (an attacker publishes your
internal package name on PyPI with a higher version), `--trusted-host` lets anyone on the
network replace packages, VCS and URL dependencies change under the same reference, and a
lockfile without hashes cannot detect a swapped tarball.

Example:

```text
--extra-index-url https://pypi.internal.example.com/simple
git+https://github.com/someone/lib.git@main#egg=lib
```

How to fix:
Use one index (a proxy that mirrors PyPI and hosts internal packages under a reserved
prefix), never `--trusted-host`; pin VCS dependencies to a commit or, better, publish
them; regenerate lockfiles so every entry has an integrity hash.

References:
- https://docs.pypi.org/trusted-publishers/
- https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610
- CWE-494: Download of Code Without Integrity Check
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

from faasguard.deps.model import PATH, REGISTRY, URL, VCS
from faasguard.deps.versions import NPM
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.dep._function_audits import DEP_FORMATS, audit_manifests, audits

OFFICIAL_HOSTS = {
    NPM: {"registry.npmjs.org", "registry.yarnpkg.com", "registry.npmjs.com"},
    "PyPI": {"pypi.org", "files.pythonhosted.org", "pypi.python.org"},
}
_INDEX_MESSAGES = {
    "extra-index-url": "--extra-index-url {value} adds a second index: pip takes the highest "
    "version from any index (dependency confusion)",
    "index-url": "--index-url {value} replaces PyPI with another index",
    "trusted-host": "--trusted-host {value} turns off TLS verification for that host",
    "find-links": "--find-links {value} installs packages from an unindexed location",
}


def _host(url: str) -> str:
    return (urlparse(url).hostname or "").lower()


@rule(
    id="DEP005",
    name="untrusted-dependency-source",
    severity=Severity.MEDIUM,
    practice=Practice.P3,
    cwe=("CWE-494",),
    owasp=("SAS-6",),
    formats=DEP_FORMATS,
    source=Source.DEPENDENCIES,
)
def check(app: App) -> Iterator[Hit]:
    """Index options, non-registry dependencies, foreign hosts and missing hashes."""
    for audit in audits(app):
        fn = audit.function
        for source, manifest in audit_manifests(audit):
            prefix = source.key_prefix()
            official = OFFICIAL_HOSTS.get(manifest.ecosystem, set())
            for index in manifest.indexes:
                if index.kind == "index-url" and _host(index.value) in official:
                    continue
                yield Hit(
                    message=_INDEX_MESSAGES.get(index.kind, "{value}").format(value=index.value),
                    location=index.location,
                    function=fn.ref,
                    key=f"{prefix}index:{index.kind}:{index.value}",
                )
            missing_integrity = []
            for dep in manifest.dependencies:
                if dep.dev:
                    continue
                key = f"{prefix}{dep.ecosystem}:{dep.key}:{dep.source}"
                if dep.source in (VCS, URL, PATH):
                    kind = {VCS: "a VCS reference", URL: "a direct URL", PATH: "a local path"}
                    yield Hit(
                        message=(
                            f"{dep.name} is installed from {kind[dep.source]} "
                            f"({dep.url or dep.spec}), not from the registry: it is not "
                            "immutable and not covered by vulnerability data"
                        ),
                        location=dep.location,
                        function=fn.ref,
                        key=key,
                        severity=Severity.LOW if dep.source == PATH else None,
                    )
                elif manifest.is_lock and dep.source == REGISTRY:
                    if dep.url and _host(dep.url) and _host(dep.url) not in official:
                        yield Hit(
                            message=(
                                f"{dep.name} {dep.version} is resolved from {_host(dep.url)}, "
                                "not the official registry"
                            ),
                            location=dep.location,
                            function=fn.ref,
                            key=f"host:{key}:{_host(dep.url)}",
                        )
                    if manifest.ecosystem == NPM and not dep.hashes and dep.version:
                        missing_integrity.append(dep)
            if missing_integrity:
                first = missing_integrity[0]
                names = ", ".join(d.name for d in missing_integrity[:5])
                more = len(missing_integrity) - 5
                yield Hit(
                    message=(
                        f"{len(missing_integrity)} lockfile entr"
                        f"{'y has' if len(missing_integrity) == 1 else 'ies have'} no integrity "
                        f"hash ({names}{f' and {more} more' if more > 0 else ''}): a replaced "
                        "tarball would go unnoticed; regenerate the lockfile"
                    ),
                    location=first.location,
                    function=fn.ref,
                    key=f"{prefix}integrity:{manifest.file_name}",
                )
