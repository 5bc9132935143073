"""Stream or queue records processed late (iterator age).

What it finds:
Application log lines that logged an event record whose arrival time is at least 60 s
before the line itself: the `approximateArrivalTimestamp` of a Kinesis record, the
`ApproximateCreationDateTime` of a DynamoDB Streams record, or the `SentTimestamp` of an SQS
message, in JSON, escaped-JSON or Python-repr quoting (the first one in the line). The age
is the line's timestamp minus that arrival time: for a stream it is the iterator age when
the batch was read, for a queue the age of the message. Reported per function and hour,
with the oldest age and the lines as evidence.

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It only sees functions that log
their events (for example AWS Lambda Powertools' `log_event`, or a `print(event)`); the
`IteratorAge` CloudWatch metric covers the others. It is tested against Lambda logs from the
seeded generator (`faasguard logs generate`, whose SQS-triggered function falls minutes
behind in an injected backlog recorded as ground truth) and with hand-written lines in
`tests/logs/test_logs_late_records.py`.

Why it matters:
Iterator age is what serverless monitors alert on for stream and queue consumers: a growing
age means the function cannot keep up (errors and retries blocking a shard, too little
concurrency, a slow dependency), records near the stream's retention are about to be lost,
and a flood of events (a denial-of-wallet or poisoned-batch attack) shows up here first.

Example:

```text
2024-05-01T03:04:10.512Z ... Received event: {"Records": [{"attributes":
  {"SentTimestamp": "1714532410000"}, ...}]}
```

How to fix:
Find what holds the consumer back (errors retried on the same batch: set
`BisectBatchOnFunctionError`, `MaximumRetryAttempts` and an on-failure destination; a slow
dependency), raise the parallelization factor or reserved concurrency within budget, and
alarm on the `IteratorAge` / `ApproximateAgeOfOldestMessage` metrics.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
- https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
- https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
- CWE-400
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
    id="LOG021",
    name="records-processed-late",
    severity=Severity.MEDIUM,
    practice=Practice.P6,
    cwe=("CWE-400",),
    source=Source.LAMBDA_LOGS,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """One alert per function and hour with late records."""
    for (function, hour), seen in sorted(facts.state.late_records.items()):
        oldest = seen.extra.get("max_age_ms", 0.0) / 1000.0
        yield seen_alert(
            function,
            seen,
            f"{function} processed {seen.count} stream/queue record(s) at least "
            f"{facts.late_record_ms // 1000} s after they arrived (oldest {oldest:,.0f} s): "
            "it is falling behind its event source",
            f"{hour}",
            max_age_s=round(oldest, 3),
        )
