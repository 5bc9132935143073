"""Security events of the faasguard runtime guard.

What it finds:
The JSON lines the runtime guard (`from faasguard.guard import guard`, or its Lambda layer)
writes when it blocks or monitors something: an attack payload in an event (`injection`), an
event of the wrong shape (`shape`) or from an unexpected trigger kind (`trigger`), an
outbound connection, child process, credential read or `/tmp` write outside the policy
(`network`, `process`, `environ`, `tmp`), and invocations aborted by the timeout budget
(`timeout`). One alert per function, event kind and hour, with the guard's lines as
evidence. Behaviour-limit events are high severity (code in the function did something its
policy does not allow); the others medium.

This is a log-derived detection (`source=Source.LAMBDA_LOGS`) reported by `faasguard logs
analyze`, not a template check: it has no template fixtures. It is tested with the guard's
own output in `tests/rules/log/test_guard_security_event.py`. The guard never writes the
attack value itself, so a blocked payload is reported here once, not a second time by
LOG017.

Why it matters:
The guard, the log analysis and `scan` share one picture: a function that the scan says
reaches a SQL sink from its queue, and whose guard now blocks SQL injection in that queue's
messages, is being attacked where no WAF looks. A network or process event in a function
that never made one is how a compromised dependency shows itself.

Example:

```text
2026-12-07T21:40:00.123Z {"level":"WARN","logger":"faasguard.guard",
  "message":"faasguard-guard injection blocked: sqli at $.Records[1].body<json>.name (sqs)",...}
```

How to fix:
Read the events (`faasguard.path`, `classes`, `target`, `caller`): for injections, make sure
the code that the scan flags is fixed (the guard is a second line, not the fix); for
behaviour limits, find the code that made the connection or started the process and either
list it in the policy or remove it.

References:
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
- CWE-20
- OWASP Serverless Top 10: SAS-1
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from faasguard.findings import Practice, Severity
from faasguard.logs.facts import seen_alert
from faasguard.rules.base import Source, log_rule

if TYPE_CHECKING:
    from faasguard.logs.alerts import Alert
    from faasguard.logs.facts import LogFacts

#: Event kinds that say code in the function did something its policy does not allow.
_BEHAVIOUR = frozenset({"network", "process", "environ", "tmp"})


@log_rule(
    id="LOG038",
    name="guard-security-event",
    severity=Severity.MEDIUM,
    practice=Practice.P2,
    cwe=("CWE-20",),
    owasp=("SAS-1",),
    source=Source.LAMBDA_LOGS,
)
def detect(facts: LogFacts, thresholds: Mapping[str, float]) -> Iterator[Alert]:
    """One alert per function, guard event kind and hour."""
    for (kind, function, key), seen in sorted(facts.state.patterns.items()):
        if kind != "guard":
            continue
        category = key.split("@", 1)[0]
        behaviour = category in _BEHAVIOUR
        alert = seen_alert(
            function,
            seen,
            f"the runtime guard of {function} reported {seen.count} {category} event(s)"
            + (": code in the function went outside its policy" if behaviour else ""),
            key,
            category=category,
        )
        yield dataclasses.replace(alert, severity=Severity.HIGH) if behaviour else alert
