"""Secret or credential leaked into the logs.

What it finds:
Log lines containing AWS access keys, AWS secret keys, private keys, GitHub/Slack/Stripe
tokens, JWTs or JSON password fields. Evidence is redacted: each secret on the line (also a
private key's whole body and other secret-named values) is replaced by a marker naming its
kind, none of its characters are shown.

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

Why it matters:
Logs are read by many people and tools and kept for a long time; a credential in a log line is
a leaked credential.

Example:

```text
[DEBUG]	...	using credentials token=[redacted aws-access-key]
```

How to fix:
Rotate the credential now, stop logging it (log structured fields, not whole objects), and
consider a CloudWatch Logs data-protection policy.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-532
- OWASP Serverless Top 10: SAS-3
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.facts import seen_alert
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG018",
    name="secret-in-logs",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-532",),
    owasp=("SAS-3",),
    source=Source.LAMBDA_LOGS,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """One alert per function, secret category and hour with secret-pattern hits."""
    for (kind, function, key), seen in sorted(facts.state.patterns.items()):
        if kind != "secret":
            continue
        category = key.split("@", 1)[0]
        yield seen_alert(
            function,
            seen,
            f"{category} leaked into the logs of {function} in {seen.count} line(s) "
            "(value redacted): rotate it and stop logging it",
            key,
            category=category,
        )
