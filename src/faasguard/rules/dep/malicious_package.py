"""Malicious package.

What it finds:
Packages shipped with a function that the OSV store lists as malicious (`MAL-` records from
the OpenSSF malicious-packages project, included in the OSV exports). Malicious records
usually affect every version, so they match even when no exact version is pinned. Reported
apart from ordinary vulnerabilities, always at critical severity, on the line declaring the
package.

How it is tested: needs vulnerability data, so it is tested in `tests/deps` with the fixture OSV
store (`formats=()`).

Why it matters:
A malicious package is not a bug waiting for an exploit: it is the exploit. Install
scripts and import-time code of such packages steal credentials (in Lambda: the execution
role's keys in the environment), open reverse shells or exfiltrate event data from the
first invocation on.

Example:

```text
# src/orders/requirements.txt
python3-dateutil==2.8.1   # MAL-2022-...: typosquat of python-dateutil that steals SSH keys
```

How to fix:
Remove the package, replace it with the real one, and treat every environment where it was
installed (developer machines, CI, the function's role) as compromised: rotate credentials.

References:
- https://github.com/ossf/malicious-packages
- CWE-506: Embedded Malicious Code
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies

"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.dep._function_audits import advisories, package_hit, version_text


@rule(
    id="DEP002",
    name="malicious-package",
    severity=Severity.CRITICAL,
    practice=Practice.P3,
    cwe=("CWE-506",),
    owasp=("SAS-6",),
    formats=(),
    source=Source.DEPENDENCIES,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per function and package listed as malicious."""
    for audit, result, malicious in advisories(app, lambda v: v.malicious):
        dep = result.dependency
        ids = ", ".join(i for v in malicious for i in v.ids)
        summary = next((v.summary for v in malicious if v.summary), "")
        yield package_hit(
            audit,
            dep,
            f"{dep.name} {version_text(dep.version, dep.spec)} is a known malicious "
            f"package ({ids}){': ' + summary if summary else ''}. Remove it and rotate "
            "every credential the function and build machines had",
            {
                "package": dep.name,
                "ecosystem": dep.ecosystem,
                "version": dep.version,
                "advisories": [i for v in malicious for i in v.ids],
            },
        )
