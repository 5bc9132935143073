"""New error type or never-seen error message template.

What it finds:
Error types (Python `[ERROR] Type:`, Node `errorType`, Powertools `exception_name`) and error
message templates (mined with Drain3 after masking numbers, ids, addresses and quoted strings,
so payloads never become template text) that the function never produced before: not in the
history database, or, on a first run, not seen in the first quarter of the analysed period.

This is a log-derived detection reported by `faasguard logs analyze`, not a template check:
it has no template fixtures (`formats=()`). It is tested against Lambda logs from the seeded
generator (`faasguard logs generate`), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with small
hand-written logs in `tests/logs/`.

Why it matters:
A new kind of error after a quiet baseline often means new input reaching the code (an attacker
exploring), a new code path deployed, or a dependency that changed behaviour.

Example:

```text
[ERROR] PaymentGatewayTimeoutError: request 4412 failed
```

How to fix:
Check whether a deployment explains it; if not, follow the request ids of the evidence lines.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-778
- OWASP Serverless Top 10: SAS-5
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import rule


@rule(
    id="LOG013",
    name="new-error-type",
    severity=Severity.MEDIUM,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    formats=(),
)
def check(app: App) -> Iterator[Hit]:
    """Nothing on templates: the detection runs over logs in ``faasguard.logs``."""
    return iter(())
