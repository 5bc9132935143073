"""Layer from another account added to a function.

What it finds:
CloudTrail calls that set a function's layers to a layer ARN owned by an account other than the
function's.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
A layer is code that runs inside the function with its role. A layer from another account can
be changed by that account at the next version.

Example:

```json
{"requestParameters": {"layers": ["arn:aws:lambda:us-east-1:999988887777:layer:fast-png:3"]}}
```

How to fix:
Vendor the layer into your own account, or pin a reviewed version from a publisher you trust.

References:
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
- CWE-829
- OWASP Serverless Top 10: SAS-9
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts


@log_rule(
    id="LOG033",
    name="foreign-layer-added",
    severity=Severity.MEDIUM,
    practice=Practice.P3,
    cwe=("CWE-829",),
    owasp=("SAS-9",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Layers (by ARN) of another account than the one the event happened in."""
    for event in facts.trail.changes:
        layers = event.params.get("layers")
        for layer in layers if isinstance(layers, list) else []:
            parts = str(layer).split(":")
            if len(parts) > 4 and parts[4] and event.account and parts[4] != event.account:
                yield event.alert(
                    f"{event.subject} now uses layer {layer} from foreign account {parts[4]} "
                    f"(set by {event.principal})",
                    key=f"{event.event_id}:{layer}",
                )
