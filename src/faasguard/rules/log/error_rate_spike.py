"""Error-rate spike against the function's own baseline.

What it finds:
5-minute windows in which a function's errors (ERROR-level lines, timeouts, runtime exits) are
at least `min_errors` and their rate exceeds max(`min_rate`, `overall_rate_factor` x the
function's overall rate, median + `robust_deviations` robust deviations of its windows; see
Thresholds above); adjacent windows are merged. The baseline includes earlier runs
kept in `.faasguard/logs.duckdb`.

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

Why it matters:
Error spikes are the first trace of injection probes, malformed-event fuzzing, a broken
dependency or a bad deployment. Nobody reads logs by hand in time.

Example:

```text
10:40-10:50 orders-api: 14 errors in 23 invocations (61 %) against a baseline of 1.2 %
```

How to fix:
Read the evidence lines, correlate with deployments (CloudTrail) and with injection findings
(LOG017), and set a CloudWatch alarm on the Errors metric.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-778
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
    id="LOG012",
    name="error-rate-spike",
    severity=Severity.MEDIUM,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    source=Source.LAMBDA_LOGS,
    thresholds={"min_errors": 5, "min_rate": 0.1, "overall_rate_factor": 4, "robust_deviations": 6},
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Runs of windows whose error rate is far above the function's own."""

    def flag(row: WindowRow) -> str | None:
        errors, rate = row["errors"] or 0, row["error_rate"]
        if rate is None or errors < thresholds["min_errors"]:
            return None
        limit = max(
            thresholds["min_rate"],
            thresholds["overall_rate_factor"] * (row["err_all"] or 0.0),
            (row["err_med"] or 0.0)
            + thresholds["robust_deviations"] * MAD_SCALE * (row["err_mad"] or 0.0),
        )
        if rate <= limit:
            return None
        return (
            f"{errors} errors in {row['invocations'] or 0} invocations ({rate:.0%}) against a "
            f"baseline of {(row['err_all'] or 0):.1%}"
        )

    for run in facts.window_runs(flag):
        yield facts.window_alert(run, error_evidence=True)
