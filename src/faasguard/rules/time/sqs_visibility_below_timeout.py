"""SQS-triggered function timeout not below the queue's visibility timeout.

What it finds:
Functions triggered by an SQS queue declared in the app whose timeout (or the default when
none is set: Lambda's three seconds, six for Serverless Framework) is greater than or equal
to the queue's visibility timeout (SQS's default when the queue sets none, see Thresholds).
Queues outside the app and unknown values are not reported.

Why it matters:
When a message stays invisible for less time than the function may run, SQS hands the same
message to another invocation while the first is still processing it: duplicate side
effects (double charges, double e-mails), wasted concurrency, and messages moved to the
dead-letter queue although they were processed. AWS recommends a visibility timeout of a
multiple of the function timeout (see Thresholds).

Example:

```yaml
Resources:
  Jobs:
    Type: AWS::SQS::Queue   # VisibilityTimeout left at its default
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 60
      Events:
        Queue: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
```

How to fix:
Set the queue's `VisibilityTimeout` to at least the recommended multiple of the function
timeout (plus the batch window), or lower the function timeout.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
- https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
- CWE-362: Concurrent Execution using Shared Resource with Improper Synchronization
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Queue, TriggerKind
from faasguard.rules._helpers import effective_timeout, find_resource
from faasguard.rules.base import ALL_FORMATS, rule, thresholds

LIMITS = thresholds(default_visibility_seconds=30, recommended_visibility_multiple=6)


@rule(
    id="TIME003",
    name="sqs-visibility-below-timeout",
    severity=Severity.MEDIUM,
    practice=Practice.P5,
    cwe=("CWE-362",),
    formats=ALL_FORMATS,
    thresholds=LIMITS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per (function, queue) whose visibility timeout is too short."""
    for fn in app.functions:
        timeout = effective_timeout(app, fn)
        if not isinstance(timeout, int):
            continue
        for trigger in fn.triggers:
            if trigger.kind is not TriggerKind.SQS:
                continue
            queue = find_resource(app, trigger.source, Queue)
            if queue is None:
                continue
            visibility = queue.visibility_timeout
            if visibility is None:
                visibility = LIMITS["default_visibility_seconds"]
            if not isinstance(visibility, int) or timeout < visibility:
                continue
            name = queue.name if isinstance(queue.name, str) else queue.ref
            multiple = LIMITS["recommended_visibility_multiple"]
            yield Hit(
                message=(
                    f"function {fn.display_name} may run {timeout} s but queue {name} hides a "
                    f"message for only {visibility} s: messages are processed twice; set the "
                    f"queue's VisibilityTimeout to at least {multiple * timeout} s "
                    f"({multiple} times the timeout)"
                ),
                location=fn.loc("timeout"),
                function=fn.ref,
                resource=queue.ref,
                key=queue.ref,
            )
