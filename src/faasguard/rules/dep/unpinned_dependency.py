"""Unpinned or unlocked dependencies.

What it finds:
Dependencies whose installed version is not fixed by the function's files:
- a requirements file line without an exact `==` version (and no lockfile next to it);
- a `package.json` or `pyproject.toml` with version ranges and no lockfile in the directory
  (one finding on the first range);
- a lockfile out of sync with its manifest: a declared dependency missing from the
  lockfile, or (npm) locked at a version outside the declared range;
- requirements files whose pins carry no `--hash` (informational: hashes make pip refuse
  a swapped file).
Tested with annotated fixtures (`tests/fixtures/sam/dep-*`).

Why it matters:
An unpinned dependency is resolved again on every build: the next deployment can ship a
new release nobody reviewed, including a hijacked one, and builds are not reproducible,
so the audited tree is not the deployed tree. A stale lockfile is ignored or rewritten by
the package manager.

Example:

```text
# requirements.txt
flask>=2.0
```

How to fix:
Commit a lockfile (`pip-compile --generate-hashes`, `uv lock`, `poetry lock`,
`npm install --package-lock-only`) and install from it (`pip install --require-hashes`,
`npm ci`); regenerate it whenever the manifest changes.

References:
- https://pip.pypa.io/en/stable/topics/secure-installs/
- https://docs.npmjs.com/cli/v10/commands/npm-ci
- CWE-1357: Reliance on Insufficiently Trustworthy Component
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.deps.model import REGISTRY, Manifest
from faasguard.deps.versions import NPM, npm_satisfies
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Location
from faasguard.rules.base import Source, rule
from faasguard.rules.dep._function_audits import DEP_FORMATS, audit_manifests, audits


def _out_of_sync(manifest: Manifest, lock: Manifest) -> Iterator[tuple[str, str, Location]]:
    locked = lock.versions_by_key()
    for dep in manifest.dependencies:
        if dep.source != REGISTRY or dep.dev:
            continue  # dev groups are locked (or not) by tool-specific rules
        versions = locked.get(dep.key)
        if versions is None:
            yield (
                dep.name,
                f"{dep.name} is declared but missing from {lock.file_name}",
                dep.location,
            )
        elif (
            dep.ecosystem == NPM
            and dep.spec
            and all(npm_satisfies(v, dep.spec) is False for v in versions if v)
        ):
            yield (
                dep.name,
                f"{dep.name} is declared as '{dep.spec}' but {lock.file_name} locks "
                f"{', '.join(sorted({v or '' for v in versions}))}",
                dep.location,
            )


@rule(
    id="DEP006",
    name="unpinned-dependency",
    severity=Severity.LOW,
    practice=Practice.P3,
    cwe=("CWE-1357",),
    owasp=("SAS-6",),
    formats=DEP_FORMATS,
    source=Source.DEPENDENCIES,
)
def check(app: App) -> Iterator[Hit]:
    """Unpinned requirements, manifests without lockfile, stale lockfiles, missing hashes."""
    for audit in audits(app):
        fn = audit.function
        for source, manifest in audit_manifests(audit):
            project = source.project
            prefix = source.key_prefix()
            if manifest.is_lock:
                continue
            lock = project.lockfile(manifest.ecosystem)
            shipped = [d for d in manifest.dependencies if not d.dev and d.source == REGISTRY]
            if lock is not None:
                if manifest.kind != "requirements":
                    for name, message, location in _out_of_sync(manifest, lock):
                        yield Hit(
                            message=f"lockfile out of sync: {message}; regenerate the lockfile",
                            location=location,
                            function=fn.ref,
                            key=f"{prefix}sync:{manifest.file_name}:{name}",
                        )
                continue
            unpinned = [d for d in shipped if d.version is None]
            if manifest.kind == "requirements":
                for dep in unpinned:
                    yield Hit(
                        message=(
                            f"{dep.name} is not pinned ('{dep.spec or 'any version'}'): each "
                            "build may install a different release; pin it with == or use a "
                            "lockfile"
                        ),
                        location=dep.location,
                        function=fn.ref,
                        key=f"{prefix}pin:{manifest.file_name}:{dep.key}",
                    )
                pinned = [d for d in shipped if d.version is not None]
                if pinned and not any(d.hashes for d in pinned):
                    yield Hit(
                        message=(
                            f"{manifest.file_name} pins versions without --hash: pip cannot detect "
                            "a replaced package file (pip-compile --generate-hashes)"
                        ),
                        location=pinned[0].location,
                        function=fn.ref,
                        key=f"{prefix}hashes:{manifest.file_name}",
                        severity=Severity.INFO,
                    )
            elif unpinned:
                names = ", ".join(f"{d.name} '{d.spec}'" for d in unpinned[:4])
                more = len(unpinned) - 4
                yield Hit(
                    message=(
                        f"{manifest.file_name} has no lockfile and {len(unpinned)} version "
                        f"range(s) ({names}{f' and {more} more' if more > 0 else ''}): every "
                        "install may resolve other versions; commit a lockfile"
                    ),
                    location=unpinned[0].location,
                    function=fn.ref,
                    key=f"{prefix}nolock:{manifest.file_name}",
                )
