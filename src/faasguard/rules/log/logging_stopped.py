"""Logging or auditing stopped or weakened.

What it finds:
Calls not made by the deployment pipeline (`[logs.deployers]`, else learned; CloudFormation
counts as the pipeline) that stop or weaken logging: CloudTrail `StopLogging`, `DeleteTrail`,
`UpdateTrail`; `PutEventSelectors` when the new selectors drop management events (or their
write half) or log no Lambda data events while a selector logged them before in the run, and
any selector change outside the pipeline when the pipeline is known; `CreateTrail` outside
a known pipeline; an S3 `PutBucketLifecycle` with an expiration on a trail's bucket; and
CloudWatch Logs `DeleteLogGroup`, `DeleteLogStream`, `PutRetentionPolicy`,
`DeleteSubscriptionFilter`. A failed CloudTrail call is reported too, as an attempt: the
intent is the signal.

This is a log-derived detection (`source=Source.CLOUDTRAIL`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested against CloudTrail
records from the seeded generator (`faasguard logs generate`), whose injected incidents are
the ground truth (`tests/logs/test_logs_detectors.py` measures its precision and recall),
and with small hand-written logs in `tests/logs/`.

Why it matters:
Attackers switch off the audit trail first. Every later detection depends on these logs.

Example:

```json
{"eventName": "StopLogging", "eventSource": "cloudtrail.amazonaws.com"}
```

How to fix:
Restart logging, find who stopped it, and protect trails with an SCP.

References:
- https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
- CWE-778
- OWASP Serverless Top 10: SAS-5
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from faasguard.findings import Practice, Severity
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.cloudtrail import TrailEvent
    from faasguard.logs.facts import LogFacts

#: CloudTrail and CloudWatch Logs calls that stop, delete or weaken logging.
LOGGING_OFF = frozenset(
    {
        "StopLogging",
        "DeleteTrail",
        "UpdateTrail",
        "DeleteLogGroup",
        "DeleteLogStream",
        "PutRetentionPolicy",
        "DeleteSubscriptionFilter",
    }
)


@log_rule(
    id="LOG036",
    name="logging-stopped",
    severity=Severity.CRITICAL,
    practice=Practice.P6,
    cwe=("CWE-778",),
    owasp=("SAS-5",),
    source=Source.CLOUDTRAIL,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """Calls that switch logging or auditing off or weaken it."""
    trail = facts.trail
    lambda_logged: set[str] = set()
    events = sorted((*trail.changes, *trail.failed), key=lambda e: (e.when, e.event_id))
    for event in events:
        if event.name == "PutEventSelectors" and not event.error and _logs_lambda(event):
            lambda_logged.add(event.subject)
        if event.by_pipeline:
            continue
        why = _why(event, trail.trail_buckets, lambda_logged, trail.deployer_known)
        if not why:
            continue
        attempt = f" (attempt, failed: {event.error})" if event.error else ""
        yield event.alert(f"{event.name} on {event.subject} by {event.principal}{attempt}: {why}")


def _why(event: TrailEvent, buckets: frozenset[str], lambda_logged: set[str], known: bool) -> str:
    name = event.name
    if name in LOGGING_OFF:
        return "logging or auditing was switched off or weakened"
    if name == "PutEventSelectors":
        dropped = _dropped(event, event.subject in lambda_logged)
        if dropped:
            return f"the trail no longer records {dropped}"
        return (
            "the trail's event selectors were changed outside the deployment pipeline"
            if (known)
            else ""
        )
    if name == "CreateTrail" and known:
        return (
            f"a trail delivering to bucket {event.params.get('s3BucketName', '?')} was created "
            "outside the deployment pipeline"
        )
    expires = "expiration" in json.dumps(event.params).lower()
    if name.startswith("PutBucketLifecycle") and event.subject in buckets and expires:
        return "a lifecycle rule now expires the trail's log files in its bucket"
    return ""


def _selectors(event: TrailEvent) -> list[dict[str, Any]]:
    found = [
        *(event.params.get("eventSelectors") or []),
        *(event.params.get("advancedEventSelectors") or []),
    ]
    return [s for s in found if isinstance(s, dict)]


def _logs_lambda(event: TrailEvent) -> bool:
    return "AWS::Lambda::Function" in json.dumps(_selectors(event))


def _dropped(event: TrailEvent, lambda_before: bool) -> str:
    """What the new selectors stop recording, or ``""``."""
    selectors = _selectors(event)
    basic = [s for s in selectors if "includeManagementEvents" in s or "readWriteType" in s]
    advanced = [s for s in selectors if "fieldSelectors" in s]
    management = any(
        s.get("includeManagementEvents", True) and s.get("readWriteType", "All") != "ReadOnly"
        for s in basic
    ) or "Management" in json.dumps(advanced)
    dropped = [] if management else ["management events (writes)"]
    if lambda_before and not _logs_lambda(event):
        dropped.append("Lambda data events")
    return " and ".join(dropped)
