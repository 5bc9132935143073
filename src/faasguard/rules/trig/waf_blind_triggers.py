"""Inventory of function inputs a WAF cannot see.

What it finds:
For every function with at least one non-HTTP trigger, an informational finding listing
those triggers with their source: S3 uploads, SQS messages, SNS notifications, DynamoDB and
Kinesis streams, EventBridge rules and schedules, IoT rules, Cognito triggers, Kafka, MQ,
CloudWatch Logs subscriptions, SES and others.

Why it matters:
A WAF only inspects HTTP requests. Data arriving through any other event source reaches the
handler unfiltered, often from parties who can write to a bucket, a queue or a topic but
could never call your API. Teams that "have a WAF" tend to forget these inputs; this list is
where input validation and the taint analysis of the handler code must focus.

Example:

```yaml
functions:
  resize:
    handler: resize.handler
    events:
      - s3: uploads        # object keys and metadata come from whoever can upload
      - sqs: arn:aws:sqs:eu-west-1:123456789012:jobs
```

How to fix:
Nothing to fix by itself: validate and sanitise the event data of each listed trigger in the
handler (schema validation, allow-lists), restrict who can write to each source (bucket,
queue and topic policies), and keep the function's permissions minimal.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-services.html
- https://owasp.org/www-project-serverless-top-10/
- CWE-20: Improper Input Validation
- OWASP Serverless Top 10: SAS-1 Function Event-Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules._helpers import join, trigger_label
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="TRIG003",
    name="waf-blind-triggers",
    severity=Severity.INFO,
    practice=Practice.P2,
    cwe=("CWE-20",),
    owasp=("SAS-1",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One informational hit per function that has triggers a WAF cannot inspect."""
    for fn in app.functions:
        blind = [t for t in fn.triggers if not t.kind.is_http]
        if not blind:
            continue
        labels = join(trigger_label(t) for t in blind)
        yield Hit(
            message=(
                f"function {fn.display_name} receives input no WAF can inspect: {labels}; "
                "validate this event data in the handler"
            ),
            location=fn.location,
            function=fn.ref,
            properties={"triggers": [t.kind.value for t in blind]},
        )
