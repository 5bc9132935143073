"""Injection payload in logged event data.

What it finds:
Application log lines (for example a logged event) containing an attack payload: SQL, NoSQL,
LDAP, command or template injection, cross-site scripting, path traversal, XXE, SSRF,
JNDI/Log4Shell lookups, CRLF/header injection or an open redirect. One multi-pattern scan
(Hyperscan, or an equivalent `re` fallback) over every batch picks the candidate lines; the
`faasguard.payloads` engine (the same one as `faasguard payloads check`) then reads each: a
logged JSON event leaf by leaf, with decoding (URL, entities, escapes, base64 records,
JSON in JSON), anything else whole. The evidence shows the payload, cut to 200 characters
around the match and with secrets redacted, with the JSON path it was found at; counts are
log lines.

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

Why it matters:
Serverless functions take input from many triggers no WAF sees (queues, buckets, streams).
Payloads in the logs show someone probing the function, and which input reached it.

Example:

```text
[INFO]	...	Received event: {"body": "' OR 1=1 UNION SELECT username, password FROM users--"}
```

How to fix:
Validate input at every trigger, use parameterised queries and safe APIs, and check whether the
probe succeeded (errors, durations, outbound calls).

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-74
- OWASP Serverless Top 10: SAS-1
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
    id="LOG017",
    name="injection-payload",
    severity=Severity.HIGH,
    practice=Practice.P2,
    cwe=("CWE-74",),
    owasp=("SAS-1",),
    source=Source.LAMBDA_LOGS,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """One alert per function, attack class and hour with payloads in its log lines."""
    for (kind, function, key), seen in sorted(facts.state.patterns.items()):
        if kind != "injection":
            continue
        category = key.split("@", 1)[0]
        names = ", ".join(seen.extra.get("patterns", []))
        yield seen_alert(
            function,
            seen,
            f"{category} payload logged by {function} in {seen.count} line(s) "
            f"(found by: {names}): someone is probing this function",
            key,
            category=category,
        )
