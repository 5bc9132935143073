"""SQS queue feeding a function without encryption at rest.

What it finds:
Queues declared in the app that trigger a function, have no KMS key and explicitly disable
SQS-managed server-side encryption (`SqsManagedSseEnabled: false`,
`sqs_managed_sse_enabled = false`). Queues that leave the setting alone are encrypted with
SSE-SQS by default (since 2022) and are not reported.

Why it matters:
Messages that drive functions often carry orders, personal data and tokens; unencrypted at
rest they fall outside most compliance baselines and leak through any storage-level access.

Example:

```hcl
resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  sqs_managed_sse_enabled = false
}
```

How to fix:
Remove `SqsManagedSseEnabled: false`, or better set `KmsMasterKeyId` to a customer managed
key whose policy lets the producers encrypt and the function's role decrypt.

References:
- https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
- CWE-311: Missing Encryption of Sensitive Data
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, Queue, TriggerKind
from faasguard.rules._helpers import find_resource, join
from faasguard.rules.base import ALL_FORMATS, rule


@rule(
    id="CONF005",
    name="trigger-queue-unencrypted",
    severity=Severity.LOW,
    practice=Practice.P7,
    cwe=("CWE-311",),
    formats=ALL_FORMATS,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per unencrypted queue that triggers functions."""
    queues: dict[str, tuple[Queue, list[str]]] = {}
    for fn in app.functions:
        for trigger in fn.triggers:
            if trigger.kind is TriggerKind.SQS:
                queue = find_resource(app, trigger.source, Queue)
                if queue is not None:
                    queues.setdefault(queue.ref, (queue, []))[1].append(fn.display_name)
    for queue, functions in queues.values():
        if queue.kms_key is not None or queue.sqs_managed_encryption is not False:
            continue
        name = queue.name if isinstance(queue.name, str) else queue.ref
        yield Hit(
            message=(
                f"queue {name} feeds function {join(functions)} but has encryption at rest "
                "turned off: enable SQS-managed encryption or set a KMS key"
            ),
            location=queue.location,
            resource=queue.ref,
        )
