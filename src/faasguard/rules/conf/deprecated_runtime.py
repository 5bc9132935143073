"""Deprecated or end-of-life Lambda runtime.

What it finds:
Functions whose runtime is deprecated, or will be soon (see Thresholds), according to the dated
runtime table shipped with faasguard (`faasguard/data/runtimes.json`, taken from the AWS
Lambda runtimes page, with its `as_of` date). Severity grows with the lifecycle phase:
low when deprecation is near, medium once deprecated, high once Lambda
blocks creating or updating functions with the runtime. Rows whose dates could not be
confirmed on AWS's runtimes page (marked `unconfirmed` in the table; AWS has moved block
dates several times) stay at medium whatever their block dates say, and the message says
so. Runtimes that are not statically
known, container images and identifiers missing from the table are not reported.

Why it matters:
A deprecated runtime no longer receives security patches for the language runtime or its
operating system, and AWS support no longer covers it. Once updates are blocked, you cannot
even deploy a fix to the function's code without changing the runtime first, which is the
worst moment to discover a migration.

Example:

```yaml
provider:
  name: aws
  runtime: python3.8
```

How to fix:
Move to the newest runtime of the language (the message names it), run the tests, and
deploy. Plan migrations from the deprecation dates rather than the block dates.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
- https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html
- CWE-1104: Use of Unmaintained Third Party Components
- OWASP Serverless Top 10: SAS-6 Insecure Third-Party Dependencies
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from faasguard.context import current_config
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import ALL_FORMATS, rule, thresholds
from faasguard.rules.conf._runtimes import Phase, RuntimeInfo, runtime_table, successor

LIMITS = thresholds(deprecation_warning_days=180)

_SEVERITY = {
    Phase.DEPRECATION_SOON: Severity.LOW,
    Phase.DEPRECATED: Severity.MEDIUM,
    Phase.CREATE_BLOCKED: Severity.HIGH,
    Phase.UPDATE_BLOCKED: Severity.HIGH,
}


def _status(info: RuntimeInfo, phase: Phase) -> str:
    if phase is Phase.UPDATE_BLOCKED:
        return f"is end-of-life: Lambda blocks function updates since {info.block_update}"
    if phase is Phase.CREATE_BLOCKED:
        return (
            f"is end-of-life: Lambda blocks creating functions since {info.block_create} "
            f"and will block updates on {info.block_update}"
        )
    if phase is Phase.DEPRECATED:
        blocked = f"; updates will be blocked on {info.block_update}" if info.block_update else ""
        return f"is deprecated since {info.deprecation} (no more security patches){blocked}"
    return f"will be deprecated on {info.deprecation}"


@rule(
    id="CONF001",
    name="deprecated-runtime",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-1104",),
    owasp=("SAS-6",),
    formats=ALL_FORMATS,
    thresholds=LIMITS,
)
def check(app: App, today: dt.date | None = None) -> Iterator[Hit]:
    """One hit per function on a deprecated or soon-deprecated runtime.

    ``today`` pins the date for tests; scans use the scan's date (``ScanConfig.today``,
    else the current date).
    """
    day = today or current_config().today or dt.date.today()
    table = runtime_table()
    warn_ahead = dt.timedelta(days=LIMITS["deprecation_warning_days"])
    for fn in app.functions:
        if not isinstance(fn.runtime, str) or fn.runtime not in table:
            continue
        info = table[fn.runtime]
        phase = info.phase(day, warn_ahead)
        if phase is Phase.SUPPORTED:
            continue
        target = successor(fn.runtime)
        advice = f"upgrade to {target}" if target else "upgrade to a supported runtime"
        severity = _SEVERITY[phase]
        if not info.confirmed and phase > Phase.DEPRECATED:
            # Block dates not confirmed against AWS's page do not raise the severity.
            severity = _SEVERITY[Phase.DEPRECATED]
            advice += " (the block dates are not confirmed on AWS's runtimes page)"
        yield Hit(
            message=f"function {fn.display_name} uses {info.id} ({info.name}), which "
            f"{_status(info, phase)}: {advice}",
            location=fn.loc("runtime"),
            function=fn.ref,
            key=info.id,
            severity=severity,
            properties={
                "runtime": info.id,
                "phase": phase.name.lower(),
                "dates_confirmed": info.confirmed,
            },
        )
