"""Invocation duration anomaly.

What it finds:
5-minute windows with at least `min_invocations` invocations whose geometric-mean duration is
at least `min_ratio` x the function's median window and `robust_deviations` robust deviations
(scaled median absolute deviation) above it (see Thresholds above).

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

Why it matters:
Sudden slowness costs money on every invocation and is the signature of slow-input attacks
(ReDoS, huge payloads), of a degraded dependency, or of code doing something new (mining,
exfiltration).

Example:

```text
10:20-10:30 notify: geometric-mean duration 330 ms, 8.2x the usual 40 ms
```

How to fix:
Trace the slow invocations (evidence), bound input sizes and regular expressions, and set
client timeouts.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-400
- OWASP Serverless Top 10: SAS-8
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.facts import MAD_SCALE, WindowRow
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG014",
    name="duration-anomaly",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-400",),
    owasp=("SAS-8",),
    source=Source.LAMBDA_LOGS,
    thresholds={"min_invocations": 5, "min_ratio": 3, "robust_deviations": 6},
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Runs of windows whose geometric-mean duration is far above the function's median."""

    def flag(row: WindowRow) -> str | None:
        log_duration, median = row["log_duration"], row["dur_med"]
        if log_duration is None or median is None:
            return None
        if (row["invocations"] or 0) < thresholds["min_invocations"]:
            return None
        spread = MAD_SCALE * (row["dur_mad"] or 0.0)
        above = log_duration - median
        if (
            above < math.log(thresholds["min_ratio"])
            or above < thresholds["robust_deviations"] * spread
        ):
            return None
        return (
            f"geometric-mean duration {math.exp(log_duration):.0f} ms, "
            f"{math.exp(above):.1f}x the usual {math.exp(median):.0f} ms"
        )

    for run in facts.window_runs(flag):
        yield facts.window_alert(run)
