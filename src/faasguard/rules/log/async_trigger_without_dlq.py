"""Asynchronous triggers without a dead-letter queue or on-failure destination.

What it finds:
Functions invoked asynchronously (by S3, SNS, EventBridge rules and schedules, IoT rules,
CloudWatch Logs subscriptions, SES) that have neither a dead-letter queue nor an on-failure
destination. Queue and stream triggers keep failed records in the source and are not
reported. Unknown values count as configured.

Why it matters:
Lambda retries a failed asynchronous event twice, then drops it silently. Lost events are
lost orders and uploads nobody processed, and an attacker who can make events fail (a
malformed object, a poisoned message) can make them disappear without a trace.

Example:

```yaml
Resources:
  OnUpload:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Upload:
          Type: S3
          Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}
      # no DeadLetterQueue, no EventInvokeConfig.DestinationConfig.OnFailure
```

How to fix:
Add an on-failure destination (`EventInvokeConfig.DestinationConfig.OnFailure`,
`destinations.onFailure` in Serverless, `aws_lambda_function_event_invoke_config`) or a
dead-letter queue (`DeadLetterQueue`, `dead_letter_config`), and alarm on its depth.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
- CWE-755: Improper Handling of Exceptional Conditions
- OWASP Serverless Top 10: SAS-5 Inadequate Function Monitoring and Logging
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules._helpers import join, trigger_label
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="LOG004",
    name="async-trigger-without-dlq",
    severity=Severity.MEDIUM,
    practice=Practice.P6,
    cwe=("CWE-755",),
    owasp=("SAS-5",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per asynchronously invoked function without a failure target."""
    for fn in app.functions:
        if fn.dead_letter_target is not None or fn.on_failure_destination is not None:
            continue
        async_triggers = [t for t in fn.triggers if t.kind.is_async]
        if not async_triggers:
            continue
        yield Hit(
            message=(
                f"function {fn.display_name} is invoked asynchronously by "
                f"{join(trigger_label(t) for t in async_triggers)} but has no dead-letter queue "
                "or on-failure destination: failed events are dropped after 2 retries"
            ),
            location=fn.location,
            function=fn.ref,
        )
