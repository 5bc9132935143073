"""Invocation surge (possible flood or denial of wallet).

What it finds:
5-minute windows with at least `min_invocations` invocations, at least `min_ratio` x the
function's median window and `robust_deviations` robust deviations above it (see Thresholds
above), with the number of extra invocations and what they cost (dated
price table, region and architecture).

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against Lambda
logs from the seeded generator (`faasguard logs generate`), whose injected incidents are the
ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall), and
with small hand-written logs in `tests/logs/`.

Why it matters:
Serverless scales with the attacker: a flood does not take the function down, it sends the bill
up (denial of wallet) and can exhaust the account's concurrency for every other function.

Example:

```text
11:25-11:35 orders-api: 1412 invocations in 5 minutes against a median of 94
```

How to fix:
Throttle at the edge (API Gateway usage plans, WAF rate rules), set reserved concurrency on
exposed functions, and alarm on invocations.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
- CWE-770
- OWASP Serverless Top 10: SAS-8
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from faasguard.findings import Practice, Severity
from faasguard.logs.facts import MAD_SCALE, WINDOW_MINUTES, WindowRow
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG015",
    name="invocation-surge",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-770",),
    owasp=("SAS-8",),
    source=Source.LAMBDA_LOGS,
    thresholds={"min_invocations": 50, "min_ratio": 5, "robust_deviations": 10},
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Runs of windows with far more invocations than the function's median, with the cost
    of the extra invocations."""

    def flag(row: WindowRow) -> str | None:
        inv, inv_med = row["invocations"] or 0, row["inv_med"] or 0.0
        if (
            inv >= thresholds["min_invocations"]
            and inv >= thresholds["min_ratio"] * inv_med
            and inv - inv_med
            >= thresholds["robust_deviations"] * MAD_SCALE * (row["inv_mad"] or 0.0)
        ):
            return (
                f"{inv} invocations in {WINDOW_MINUTES} minutes against a median of {inv_med:.0f}"
            )
        return None

    rate = facts.price
    for run in facts.window_runs(flag):
        extra = sum(max(0.0, r["invocations"] - (r["inv_med"] or 0.0)) for r in run.rows)
        gbs = float(run.rows[0]["gbs_per_invocation"] or 0.0)
        cost = extra * (gbs * rate.gb_second + rate.per_request)
        properties: dict[str, Any] = {
            "extra_invocations": round(extra),
            "extra_cost_usd": round(cost, 4),
        }
        memory = facts.memory_by_function.get(run.function, 0.0)
        if memory:
            properties["memory_mb"] = memory
        yield facts.window_alert(
            run,
            suffix=(
                f"; ~{extra:.0f} extra invocations cost about ${cost:.4f} "
                f"({rate.region}, {rate.architecture}, prices as of {rate.as_of})"
            ),
            properties=properties,
        )
