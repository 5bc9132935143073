"""Dependency code that runs at install time.

What it finds:
Code that runs when a function's dependencies are installed, before any review or test:
`preinstall`/`install`/`postinstall` scripts in the function's `package.json`, lockfile
entries marked `hasInstallScript` (package-lock v2/v3) or `requiresBuild` (pnpm), and
Python dependencies installed from source archives (direct `.tar.gz`/`.zip` URLs run
`setup.py`). Reported on the script line or the lockfile entry. Tested with annotated
fixtures (`tests/fixtures/sam/dep-*`; in `package.json`, annotations sit in npm's `"//"`
comment keys, which faasguard ignores).

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

from faasguard.deps.model import URL
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule
from faasguard.rules.dep._common import DEP_FORMATS, audits

_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".tar.bz2")


@rule(
    id="DEP004",
    name="install-time-code",
    severity=Severity.MEDIUM,
    practice=Practice.P3,
    cwe=("CWE-829",),
    owasp=("SAS-6",),
    formats=DEP_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per install script, install-script package or source-archive dependency."""
    for audit in audits(app):
        fn = audit.function
        for manifest in audit.project.manifests:
            for script in manifest.scripts:
                yield Hit(
                    message=(
                        f"'{script.name}' script runs '{script.command}' on every install of "
                        f"{manifest.path.rsplit('/', 1)[-1]}: install with --ignore-scripts or "
                        "remove it"
                    ),
                    location=script.location,
                    function=fn.ref,
                    key=f"script:{script.name}",
                )
            for dep in manifest.dependencies:
                if dep.dev:
                    continue
                if dep.install_script:
                    yield Hit(
                        message=(
                            f"{dep.name} {dep.version or ''} runs an install script "
                            "(lockfile marks it): review it, or install with --ignore-scripts"
                        ),
                        location=dep.location,
                        function=fn.ref,
                        key=f"package:{dep.ecosystem}:{dep.key}",
                    )
                elif (
                    dep.source == URL
                    and dep.url
                    and dep.url.split("#")[0].endswith(_SDIST_SUFFIXES)
                ):
                    yield Hit(
                        message=(
                            f"{dep.name} is installed from a source archive ({dep.url}); "
                            "building it runs its setup code: depend on a wheel instead"
                        ),
                        location=dep.location,
                        function=fn.ref,
                        key=f"sdist:{dep.ecosystem}:{dep.key}",
                    )
