"""Dependency code that runs at install time.

What it finds:
Code that runs when a function's dependencies are installed, before any review or test:
`preinstall`/`install`/`postinstall` scripts in the function's `package.json`, lockfile
entries marked `hasInstallScript` (package-lock v2/v3) or `requiresBuild` (pnpm), Python
dependencies installed from source archives (direct `.tar.gz`/`.zip` URLs, and pinned
versions for which `poetry.lock`, `uv.lock` or `pylock.toml` records only an sdist: building
them runs `setup.py` or the build backend; `Pipfile.lock` records hashes without file names,
so it cannot tell), and in deployment zips and layers: installed npm packages with install
scripts or a `binding.gyp`, and `.pth` files with `import` lines (Python runs them at
start-up in a site directory). The function's layers declared in the same app are audited
too. Reported on the script line, the lockfile entry or the artifact file. Tested with
annotated fixtures (`tests/fixtures/sam/dep-*`; in `package.json`, annotations sit in npm's
`"//"` comment keys, which faasguard ignores) and with zips built by the tests in
`tests/deps/test_deps_artifacts.py`.

Why it matters:
Install scripts run with the full rights of whoever runs `npm install` or `pip install`:
developers, CI runners holding deployment credentials. They are the favourite payload
of malicious and hijacked packages (event-stream, ua-parser-js, node-ipc), and nothing
about them is visible in the deployed function.

Example:

```json
"scripts": { "postinstall": "node scripts/fetch-binaries.js" }
```

How to fix:
Install with `npm ci --ignore-scripts` (and allow scripts per package where needed, e.g.
with `@lavamoat/allow-scripts`), prefer wheels (`pip install --only-binary :all:`), and
review every package that needs install-time code.

References:
- https://docs.npmjs.com/cli/v10/using-npm/scripts#life-cycle-scripts
- CWE-829: Inclusion of Functionality from Untrusted Control Sphere
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.deps.artifact import BINDING_GYP, INSTALL_SCRIPT, PTH_CODE
from faasguard.deps.audit import Source
from faasguard.deps.model import REGISTRY, URL
from faasguard.deps.versions import NPM
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source as RuleSource
from faasguard.rules.base import rule
from faasguard.rules.dep._function_audits import DEP_FORMATS, audit_manifests, audits

_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".tar.bz2")


@rule(
    id="DEP004",
    name="install-time-code",
    severity=Severity.MEDIUM,
    practice=Practice.P3,
    cwe=("CWE-829",),
    owasp=("SAS-6",),
    formats=DEP_FORMATS,
    source=RuleSource.DEPENDENCIES,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per install script, install-script package, source-only dependency, ``.pth``
    file running code and ``binding.gyp``, in the function's code and its layers."""
    for audit in audits(app):
        fn = audit.function
        flagged: set[str] = set()
        for source, manifest in audit_manifests(audit):
            prefix = source.key_prefix()
            for script in manifest.scripts:
                yield Hit(
                    message=(
                        f"'{script.name}' script runs '{script.command}' on every install of "
                        f"{manifest.file_name}: install with --ignore-scripts or "
                        "remove it"
                    ),
                    location=script.location,
                    function=fn.ref,
                    key=f"{prefix}script:{script.name}",
                )
            for dep in manifest.dependencies:
                if dep.dev:
                    continue
                key = f"{prefix}package:{dep.ecosystem}:{dep.key}"
                if dep.install_script:
                    flagged.add(key)
                    yield Hit(
                        message=(
                            f"{dep.name} {dep.version or ''} runs an install script "
                            "(lockfile marks it): review it, or install with --ignore-scripts"
                        ),
                        location=dep.location,
                        function=fn.ref,
                        key=key,
                    )
                elif dep.sdist_only and dep.source == REGISTRY:
                    yield Hit(
                        message=(
                            f"{dep.name} {dep.version or ''} has only a source archive in "
                            f"{manifest.file_name} (no wheel): installing it runs "
                            "its build code (setup.py or build backend); pin a version with "
                            "wheels or build the wheel yourself"
                        ),
                        location=source.project.declaration(dep),
                        function=fn.ref,
                        key=f"{prefix}sdist:{dep.ecosystem}:{dep.key}",
                    )
                elif (
                    dep.source == URL
                    and dep.url
                    and dep.url.split("#")[0].split("?")[0].endswith(_SDIST_SUFFIXES)
                ):
                    yield Hit(
                        message=(
                            f"{dep.name} is installed from a source archive ({dep.url}); "
                            "building it runs its setup code: depend on a wheel instead"
                        ),
                        location=dep.location,
                        function=fn.ref,
                        key=f"{prefix}sdist:{dep.ecosystem}:{dep.key}",
                    )
        for source in audit.sources:
            yield from _artifact_hits(source, fn.ref, flagged)


def _artifact_hits(source: Source, function: str, flagged: set[str]) -> Iterator[Hit]:
    """Install-time and start-up code found in a deployment package or layer."""
    if source.artifact is None:
        return
    prefix = source.key_prefix()
    where = f"{source.label} ({source.artifact.path})"
    for issue in source.artifact.issues:
        member = f"'{issue.member}'"
        if issue.kind == PTH_CODE:
            yield Hit(
                message=(
                    f"{member} in the {where} has an import line Python runs at start-up "
                    f"wherever the directory is a site directory: '{issue.detail}'; remove "
                    "it unless you know why it is there"
                ),
                location=issue.location,
                function=function,
                key=f"{prefix}pth:{issue.member}",
                properties={"member": issue.member},
            )
            continue
        key = f"{prefix}package:{NPM}:{issue.package.lower()}"
        if issue.kind not in (INSTALL_SCRIPT, BINDING_GYP) or key in flagged:
            continue  # the lockfile entry already says so
        flagged.add(key)
        what = (
            f"runs an install script ({issue.detail})"
            if issue.kind == INSTALL_SCRIPT
            else "has a binding.gyp (npm compiles native code with node-gyp on install)"
        )
        yield Hit(
            message=f"{issue.package} installed in the {where} {what}: review it",
            location=issue.location,
            function=function,
            key=key,
            properties={"package": issue.package, "member": issue.member},
        )
