"""Lambda invocations throttled.

What it finds:
Functions with at least `min_throttles` throttled invocations (see Thresholds above) in one
5-minute window, from CloudTrail
Lambda **data events**: `eventSource` `lambda.amazonaws.com`, `eventName` `Invoke` (what
CloudTrail writes; the SDK operation names `Invoke20150331`, `InvokeAsync` and
`InvokeWithResponseStream` are accepted too), `errorCode` `TooManyRequestsException`
(`errorMessage` such as `Rate Exceeded.`). The alert gives the count, the window, the share
of the window's recorded Invoke calls that were throttled, and the first throttled records
(CloudTrail file, record index and event id) as evidence.

The function comes from `requestParameters.functionName` — a name, a name with a qualifier,
a partial or a full ARN, all reduced to the bare name — or, when the request parameters are
`null` (synchronous invokes by Step Functions, for one), from the `AWS::Lambda::Function`
entry of `resources[].ARN`. `InvokeExecution` records (Lambda running a queued asynchronous
event) are not counted, so an asynchronous call is not counted twice.

Why `min_throttles` per 5-minute window (see Thresholds): serverless-plugin-aws-alerts' default
`functionThrottles` alarm fires on a `Throttles` sum of 1 or more per 60 s, the same average
rate; over one window, a single request that the SDK retries a couple of times (the standard
retry mode makes up to 3 attempts) cannot raise the alert alone.

Lambda's own throttles never reach the function, so they are not in its log group; the
`Throttles` metric is in CloudWatch, and the calls are in CloudTrail only when the trail logs
Lambda data events (`AWS::Lambda::Function`, an extra cost). Asynchronous invocations that
Lambda accepted and then throttled internally (it retries them for up to 6 hours) and
event-source-mapping polls are not Invoke API errors and are not seen here.

Practice P5 (excessive function runtime): a function's concurrency is its invocation rate
times its runtime, so throttles are what over-long runtimes, a flood (see LOG015) or a
reserved-concurrency cap set too low turn into once the limit is reached; the fixes are the
runtime and concurrency settings P5 is about.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`, which injects a throttling
burst among ordinary Invoke data events), whose injected incidents are the ground truth
(`tests/logs/test_logs_detectors.py` measures its precision and recall), and with
hand-written CloudTrail files in `tests/logs/test_logs_throttles.py`.

Why it matters:
A throttled synchronous call fails with HTTP 429: API clients see errors, and retries add
load at the worst moment. Throttling also means the function — or, through the shared
account limit, every function — has run out of concurrency, which is what a flood or a
denial-of-wallet attack against another function looks like.

Example:

```json
{"eventSource": "lambda.amazonaws.com", "eventName": "Invoke", "eventCategory": "Data",
 "errorCode": "TooManyRequestsException", "errorMessage": "Rate Exceeded.",
 "requestParameters": {
   "functionName": "arn:aws:lambda:us-east-1:111122223333:function:payments:live"}}
```

How to fix:
Find what drove the concurrency up (a surge, a slower dependency making invocations longer);
right-size the timeout and memory (`faasguard logs suggest`); set reserved concurrency so one
function cannot starve the others, raise it (or request a higher account limit) where the load
is legitimate; rate-limit at the edge (API Gateway usage plans, WAF rate rules); make callers
retry with backoff, and put asynchronous work behind a queue.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html
- https://aws.amazon.com/blogs/mt/gain-visibility-into-the-execution-of-your-aws-lambda-functions-with-aws-cloudtrail/
- https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/lambda/client/exceptions/TooManyRequestsException.html
- https://github.com/acloudguru/serverless-plugin-aws-alerts
- CWE-770
- OWASP Serverless Top 10: SAS-8
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.alerts import Alert
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG020",
    name="invocations-throttled",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-770",),
    owasp=("SAS-8",),
    source=Source.CLOUDTRAIL,
    thresholds={"min_throttles": 5},
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Functions with at least ``min_throttles`` throttled Invoke calls in one window."""
    for window in facts.trail.invokes:
        throttled, calls = window.throttled, window.calls
        if throttled < thresholds["min_throttles"]:
            continue
        share = throttled / calls if calls else 1.0
        yield Alert(
            function=window.function,
            start=window.start,
            end=window.end,
            message=(
                f"{throttled} invocation(s) of {window.function} throttled "
                f"(TooManyRequestsException) between {window.start:%Y-%m-%d %H:%M} and "
                f"{window.end:%H:%M} UTC: {share:.0%} of the {calls} Invoke call(s) CloudTrail "
                "recorded in that window; callers got errors or retried"
            ),
            key=str(window.window_ms),
            evidence=window.evidence,
            properties={
                "count": throttled,
                "invoke_calls": calls,
                "throttled_share": round(share, 4),
                "error_messages": list(window.error_messages),
            },
        )
