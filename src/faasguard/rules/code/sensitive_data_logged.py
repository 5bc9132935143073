"""Whole events or secret-bearing fields written to the logs.

What it finds:
Log calls in handler code (`print`, `logging`/`logger.*`, `sys.stdout.write`; Node
`console.*`, `logger.*`, `process.stdout.write`) whose arguments carry:

- the whole event (`print(event)`, `logger.info(json.dumps(event))`,
  `` console.log(`got ${JSON.stringify(event)}`) ``, an `extra={"event": event}`), and
  Powertools' `inject_lambda_context(log_event=True)` / `injectLambdaContext({ logEvent:
  true })` — medium; not reported for functions triggered only by a schedule, whose events
  hold nothing sensitive;
- request headers (`event["headers"]`: `Authorization`, cookies) and secret-bearing fields
  or variables: keys and names like `Authorization`, `password`, `token`, `secret`,
  `api_key`, `apiKey`, `cookie`, `credentials` (not `next_token`, `token_type`,
  `secret_arn`) — high;
- the caller's identity from the context (`context.identity`, `context.client_context`,
  `context.clientContext`) — medium.

Selected fields of the event (`event["body"]`, `event["requestContext"]["requestId"]`) are
not reported. The flow is followed inside one function (assignments, destructuring,
containers, f-strings and template literals), not into helpers.

Why it matters:
Logs are kept for a long time, copied by subscriptions to other accounts and tools, and
readable by far more people than the data they contain. A whole API event holds bearer
tokens, cookies and personal data; a Cognito trigger holds user attributes. Logging them
turns the log group into a credential store nobody protects as one.

Example:

```javascript
exports.handler = async (event) => {
  console.log("event", JSON.stringify(event));
```

How to fix:
Log what you need to debug — the request id, the route, sizes, types, ids — and log that
a credential was present, never its value. Keep `log_event`/`logEvent` off in production.

References:
- https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#logging-incoming-event
- CWE-532: Insertion of Sensitive Information into Log File
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.code.patterns import rule_hits
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule


@rule(
    id="CODE023",
    name="sensitive-data-logged",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-532",),
    owasp=("SAS-7",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per log call writing a whole event or a secret-bearing value."""
    yield from rule_hits(app, "CODE023")
