"""Dependency named like a popular package (typosquat).

What it finds:
Dependencies declared for a function whose name imitates a popular PyPI or npm package
without being it: one character away, two letters swapped, other separators or word order,
a `py`/`python`/`node`/`js` affix added or dropped, or ASCII look-alikes (`rn`/`m`, `0`/`o`,
`1`/`l`). The reference list of popular names ships with faasguard
(`data/popular_packages.json`, origin and licence in the file). Direct dependencies are
checked on the manifest line that declares them; dev-only dependencies too, because they
run on developer and CI machines. Well-known packages of other publishers that only
resemble a popular name (`node-jose` next to `jose`, `python-multipart`) are listed in the
same file and never reported. The message gives the reason (which imitation technique);
an added or dropped affix, the way many real packages are named, is medium severity, the
other techniques high. Tested with annotated fixtures (`tests/fixtures/sam/dep-*`).

Why it matters:
Typosquats are the most common way malicious code enters a dependency tree: one typo in a
requirements file installs an attacker's package, whose install or import code runs with
the credentials of the developer, the CI system and finally the function's role.

Example:

```text
# src/orders/requirements.txt
python3-dateutil==2.8.1   # imitates python-dateutil
```

How to fix:
Check the name on the registry. Replace it with the intended package; if the package is
really what you want, suppress the finding with a reason.

References:
- https://blog.pypi.org/posts/2023-05-24-typosquatting/
- CWE-1357: Reliance on Insufficiently Trustworthy Component
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.deps import typosquat
from faasguard.deps.model import REGISTRY
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.dep._function_audits import DEP_FORMATS, audits, package_hit


@rule(
    id="DEP003",
    name="typosquat-dependency",
    severity=Severity.HIGH,
    practice=Practice.P3,
    cwe=("CWE-1357",),
    owasp=("SAS-6",),
    formats=DEP_FORMATS,
    source=Source.DEPENDENCIES,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and dependency whose name imitates a popular package."""
    for audit in audits(app):
        seen: set[tuple[str, str]] = set()
        for source in audit.sources:
            # direct declarations, and installed packages no manifest accounts for
            candidates = [d for m in source.project.manifests for d in m.dependencies]
            candidates += [d for d in source.shipped if d.artifact is not None]
            for dep in candidates:
                if (
                    not (dep.direct or dep.artifact is not None)
                    or dep.source != REGISTRY
                    or (dep.ecosystem, dep.key) in seen
                ):
                    continue
                seen.add((dep.ecosystem, dep.key))
                squat = typosquat.check(dep.ecosystem, dep.name)
                if squat is None:
                    continue
                # An added or dropped py/node affix is how many real packages are named:
                # a weaker sign than a look-alike or a one-letter slip.
                weak = "affix" in squat.technique
                yield package_hit(
                    audit,
                    dep,
                    f"{dep.name} looks like a typosquat of the popular {dep.ecosystem} "
                    f"package {squat.target} (reason: {squat.technique}; it is neither a "
                    f"popular package nor a known package of another publisher): check the "
                    f"name and its publisher on the registry, and use {squat.target} if "
                    f"that is what you meant",
                    {
                        "package": dep.name,
                        "ecosystem": dep.ecosystem,
                        "imitates": squat.target,
                        "technique": squat.technique,
                    },
                    severity=Severity.MEDIUM if weak else None,
                )
