"""Cold-start burst.

What it finds:
5-minute windows with at least `min_cold_starts` cold starts (`Init Duration` in REPORT,
`initDurationMs` in JSON) and a cold-start rate above max(`min_rate`, median +
`robust_deviations` robust deviations; see Thresholds above).

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

Why it matters:
Bursts of cold starts mean many new execution environments: a traffic burst, a deployment, or
concurrency being churned. They add latency and can cascade into timeouts.

Example:

```text
REPORT RequestId: ...	Duration: 98.10 ms	...	Init Duration: 612.40 ms
```

How to fix:
Correlate with deployments and surges; use provisioned concurrency or SnapStart for
latency-critical functions.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-400
- OWASP Serverless Top 10: SAS-5
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.facts import MAD_SCALE, WindowRow
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG016",
    name="cold-start-burst",
    severity=Severity.LOW,
    practice=Practice.P6,
    cwe=("CWE-400",),
    owasp=("SAS-5",),
    source=Source.LAMBDA_LOGS,
    thresholds={"min_cold_starts": 5, "min_rate": 0.2, "robust_deviations": 6},
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Runs of windows with a cold-start rate far above the function's median."""

    def flag(row: WindowRow) -> str | None:
        cold, cold_rate = row["cold_starts"] or 0, row["cold_rate"]
        if cold_rate is None or cold < thresholds["min_cold_starts"]:
            return None
        limit = max(
            thresholds["min_rate"],
            (row["cold_med"] or 0.0)
            + thresholds["robust_deviations"] * MAD_SCALE * (row["cold_mad"] or 0.0),
        )
        if cold_rate <= limit:
            return None
        return (
            f"{cold} cold starts in {row['invocations'] or 0} invocations ({cold_rate:.0%}) "
            f"against a median of {(row['cold_med'] or 0):.0%}"
        )

    for run in facts.window_runs(flag):
        yield facts.window_alert(run)
