"""Invocations ran close to the function timeout.

What it finds:
Completed invocations (not timed out) whose `REPORT` duration reached at least
`timeout_percent` % of the function's configured timeout (see Thresholds above), per
function: how many, when the first and the last ran, the longest one, and the longest lines
as evidence. The timeout comes from the scanned app (`faasguard logs analyze --app PATH`,
matched by function name) or, without one, from the function's own `Task timed out after N
seconds` lines. Durations are kept in 100 ms buckets per function (mergeable across workers
and Spark partitions); Lambda timeouts are whole seconds, so the count is exact.

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`, which injects invocations at
82-95 % of a timeout and records them as ground truth) and with small hand-written logs in
`tests/logs/test_logs_near_timeout.py`.

Why it matters:
"Duration approaching the timeout" is what serverless monitors alert on before timeouts
start: the next slow dependency call turns these invocations into LOG010 timeouts, with
partial writes, retried events and the full timeout billed. It is also the signal that a
timeout cut for denial-of-wallet reasons (`faasguard logs suggest`) went too far.

Example:

```text
REPORT RequestId: 3f1c...  Duration: 9120.55 ms  Billed Duration: 9121 ms  Memory Size: 512 MB ...
```

(for a function with a 10 s timeout)

How to fix:
Trace the slow invocations and set client timeouts on their dependencies below the function
timeout; if the work is legitimately that long, raise the timeout deliberately
(`faasguard logs suggest` gives a value from the observed durations) or split the work.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
- CWE-400
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.alerts import Alert
from faasguard.logs.facts import at_ms
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG019",
    name="duration-near-timeout",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-400",),
    source=Source.LAMBDA_LOGS,
    thresholds={"timeout_percent": 80},
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Per function: completed invocations that ran at least ``timeout_percent`` % of the
    timeout (the app's, else the one the function's timeout lines give)."""
    percent = thresholds["timeout_percent"]
    for function, stats in sorted(facts.state.functions.items()):
        timeout_s, source = facts.configured_timeouts.get(function), "app"
        if not timeout_s:
            timeout_s, source = stats.configured_timeout_s, "timeout lines"
        if not timeout_s:
            continue
        # Whole numbers first (3000 * 80 / 100 is 2400.0; 0.8 * 3.0 * 1000 is not).
        threshold = timeout_s * 1000.0 * percent / 100
        count, first, last = stats.completed_at_least(threshold)
        if not count:
            continue
        evidence = [e for duration, _, e in stats.longest if duration >= threshold]
        longest = stats.longest[0][0] if stats.longest else 0.0
        yield Alert(
            function=function,
            start=at_ms(first),
            end=at_ms(last + 1000),
            message=(
                f"{count} invocation(s) of {function} ran for at least "
                f"{percent:g}% of its {timeout_s:g} s timeout (longest "
                f"{longest / 1000:.2f} s): one slow dependency away from timing out"
            ),
            key="near-timeout",
            evidence=tuple(evidence),
            properties={
                "count": count,
                "timeout_s": timeout_s,
                "timeout_source": source,
                "threshold_ms": threshold,
                "longest_ms": longest,
            },
        )
