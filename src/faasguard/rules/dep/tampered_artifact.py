"""Tampered deployment package or layer.

What it finds:
Installed packages in a function's deployment zip, its code directory or a layer declared
in the same app (zip or directory) that differ from what was installed or declared:
- a file whose hash (or size) does not match the `RECORD` of its `*.dist-info` (pip writes
  `sha256=` and the urlsafe base64 digest without padding); a file that matches once its
  CRLF line ends are made LF (a checkout with git's `core.autocrlf`) is reported as that,
  at low severity, not as tampering;
- a file inside an installed distribution's directory that no `RECORD` lists (compiled
  `.pyc` files excepted);
- an installed package the function's lockfile does not contain, or contains at another
  version; without a lockfile, an installed package that no declared dependency requires
  (followed through the installed packages' own `Requires-Dist` and `dependencies`).
The finding points at the file in a directory and at the zip for an archive, and names
the file inside it. Artifacts are read without extracting anything (see
`faasguard.deps.artifact`); templates do not matter here, so the rule is tested with zips
and directories the tests build (`tests/deps/test_deps_artifacts.py`), not with
template fixtures.

Why it matters:
The lockfile is what a team reviews; the zip is what runs. A package edited after
installation (a backdoor added to `requests/api.py`, a new module dropped next to it) or
a package nobody asked for is how a compromised build machine, a poisoned cache or a
hand-patched layer gets code into production. pip's `RECORD` makes the edit detectable
offline, and comparing the artifact with the lockfile makes the extra package visible.

Example:

```text
build/orders.zip!/requests/api.py: sha256 4Jd8...  RECORD of requests says pV3q...
```

How to fix:
Rebuild the artifact from the lockfile on a clean machine (`pip install --require-hashes
-r requirements.txt -t build/`, `npm ci`), never edit installed packages by hand, add the
package to the lockfile if it is really needed, and sign deployment packages (AWS Signer
code signing).

References:
- https://packaging.python.org/en/latest/specifications/recording-installed-packages/
- CWE-494: Download of Code Without Integrity Check
- CWE-353: Missing Support for Integrity Check
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.deps.artifact import HASH_MISMATCH, LINE_ENDINGS, UNRECORDED
from faasguard.deps.audit import Source
from faasguard.deps.model import Dependency
from faasguard.deps.versions import NPM, normalize_name
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source as RuleSource
from faasguard.rules.base import rule
from faasguard.rules.dep._function_audits import audits


@rule(
    id="DEP007",
    name="tampered-artifact",
    severity=Severity.HIGH,
    practice=Practice.P3,
    cwe=("CWE-494", "CWE-353"),
    owasp=("SAS-6",),
    formats=(),
    source=RuleSource.DEPENDENCIES,
)
def check(app: App) -> Iterator[Hit]:
    """Hash mismatches, unrecorded files and undeclared packages in artifacts."""
    for audit in audits(app):
        for source in audit.sources:
            if source.artifact is None:
                continue
            yield from _record_hits(source, audit.function.ref)
            yield from _undeclared_hits(source, audit.function.ref)


def _where(source: Source) -> str:
    assert source.artifact is not None
    return f"{source.label} ({source.artifact.path})"


def _record_hits(source: Source, function: str) -> Iterator[Hit]:
    assert source.artifact is not None
    prefix = source.key_prefix()
    for issue in source.artifact.issues:
        if issue.kind == HASH_MISMATCH:
            message = (
                f"'{issue.member}' in the {_where(source)} was modified after installation: "
                f"{issue.detail}; rebuild the artifact from the lockfile"
            )
        elif issue.kind == LINE_ENDINGS:
            message = (
                f"'{issue.member}' in the {_where(source)}: {issue.detail}; not tampering, "
                "but the deployed file is not the one the package shipped: build the artifact "
                "from a checkout without line-end conversion (.gitattributes: * -text)"
            )
        elif issue.kind == UNRECORDED:
            message = (
                f"'{issue.member}' in the {_where(source)} sits inside {issue.package} but "
                f"is {issue.detail}: a file added after installation; rebuild the artifact"
            )
        else:
            continue
        yield Hit(
            message=message,
            location=issue.location,
            function=function,
            key=f"{prefix}{issue.kind}:{issue.member}",
            severity=Severity.LOW if issue.kind == LINE_ENDINGS else None,
            properties={"package": issue.package, "member": issue.member, "issue": issue.kind},
        )


def _same_version(ecosystem: str, left: str | None, right: str | None) -> bool:
    if left is None or right is None or ecosystem == NPM:
        return left == right
    from packaging.version import InvalidVersion, Version  # noqa: PLC0415 - loaded on first use (start-up speed)

    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return left == right


def _required_closure(roots: set[str], ecosystem: str, installed: list[Dependency]) -> set[str]:
    """Names reached from ``roots`` through the installed packages' own requirements."""
    by_key = {d.key: d for d in installed}
    reached = set(roots)
    queue = list(roots)
    while queue:
        package = by_key.get(queue.pop())
        for child in package.requires if package else ():
            key = normalize_name(ecosystem, child)
            if key not in reached:
                reached.add(key)
                queue.append(key)
    return reached


def _undeclared_hits(source: Source, function: str) -> Iterator[Hit]:
    assert source.artifact is not None
    prefix = source.key_prefix()
    project = source.project
    installed = list(source.artifact.packages)
    for ecosystem in sorted({d.ecosystem for d in installed}):
        packages = [d for d in installed if d.ecosystem == ecosystem]
        lock = project.lockfile(ecosystem)
        if lock is not None:
            locked = lock.versions_by_key()
            against = lock.file_name
            for package in packages:
                versions = locked.get(package.key)
                if versions is None:
                    detail = f"is not in {against}"
                elif not any(_same_version(ecosystem, package.version, v) for v in versions):
                    shown = ", ".join(sorted({str(v) for v in versions}))
                    detail = f"is installed at {package.version}, but {against} locks {shown}"
                else:
                    continue
                yield _undeclared(source, function, prefix, package, detail)
            continue
        declared = project.declared(ecosystem)
        if not declared:
            continue  # nothing to compare with (DEP006 reports missing lockfiles)
        roots = {d.key for d in declared}
        reached = _required_closure(roots, ecosystem, packages)
        names = sorted({m.file_name for m in project.manifests})
        for package in packages:
            if package.key not in reached:
                detail = (
                    f"is neither declared in {', '.join(names)} nor required by a declared package"
                )
                yield _undeclared(source, function, prefix, package, detail)


def _undeclared(
    source: Source, function: str, prefix: str, package: Dependency, detail: str
) -> Hit:
    return Hit(
        message=(
            f"{package.name} {package.version or ''} installed in the {_where(source)} "
            f"{detail}: an artifact should hold exactly what the lockfile says; rebuild it, "
            "or add the package to the lockfile if it is needed"
        ),
        location=package.location,
        function=function,
        key=f"{prefix}undeclared:{package.ecosystem}:{package.key}",
        severity=Severity.MEDIUM,
        properties={
            "package": package.name,
            "ecosystem": package.ecosystem,
            "version": package.version,
            "issue": "undeclared",
        },
    )
