"""New error type or never-seen error message template.

What it finds:
Error types (Python `[ERROR] Type:`, Node `errorType`, Powertools `exception_name`) and error
message templates (mined with Drain3 after masking numbers, ids, addresses and quoted strings,
so payloads never become template text) that the function never produced before: not in the
history database, or, on a first run, not seen in the first `baseline_share` of the analysed
period (see Thresholds above).

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

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

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.facts import iso_ms, seen_alert
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG013",
    name="new-error-type",
    severity=Severity.MEDIUM,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    source=Source.LAMBDA_LOGS,
    thresholds={"baseline_share": 0.25},
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Error types and templates first seen after the function's baseline."""
    share = thresholds["baseline_share"]

    def cutoff(function: str) -> int:
        if function in facts.functions_with_history:
            return 0  # history is the baseline: anything not in it is new
        stats = facts.state.functions.get(function)
        if stats is None or not stats.first_ms:
            return 0
        return stats.first_ms + int(share * (stats.last_ms - stats.first_ms))

    for (function, error_type), seen in sorted(facts.state.error_types.items()):
        if (function, error_type) in facts.known_error_types or seen.first_ms <= cutoff(function):
            continue
        yield seen_alert(
            function,
            seen,
            f"new error type {error_type} in {function}: {seen.count} occurrence(s) from "
            f"{iso_ms(seen.first_ms)}, never seen before",
            f"type:{error_type}",
            error_type=error_type,
        )
    for function, template, seen in facts.error_templates:
        if (function, template) in facts.known_templates or seen.first_ms <= cutoff(function):
            continue
        yield seen_alert(
            function,
            seen,
            f"new error message template in {function}: '{template[:120]}' "
            f"({seen.count} occurrence(s))",
            f"template:{template}",
            template=template,
        )
