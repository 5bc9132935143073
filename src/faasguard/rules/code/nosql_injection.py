"""Attacker-controlled event data is built into a NoSQL query.

What it finds:
MongoDB `$where` clauses from event data, Mongo filters whose values come straight from a
parsed JSON body or an already structured event field (operator injection: `{"user": {"$ne":
null}}`), and DynamoDB expressions (`KeyConditionExpression`, `FilterExpression`,
`UpdateExpression`, `ConditionExpression`, `ProjectionExpression`, PartiQL `Statement`)
built from event data.

It is a taint rule: faasguard follows data from the parts of the `event` that the function's
triggers fill (an HTTP body, an S3 object key, an SQS message, ...) through the handler code
and the modules it imports, and reports the whole path, source to sink. When only triggers
a WAF cannot see deliver the input, the severity is raised one level and the message says
so (practice P2). A function without a known trigger has its whole event treated as
attacker-controlled. The code is parsed, never imported or run.

Tested by annotated handler fixtures (`# expect:`/`# ok:` on the sink lines of the code in
`tests/fixtures/sam/code-*/`), not by template fixtures: the rule is about code, so its
`formats` lists only `sam`.

Why it matters:
Operators smuggled into a filter match every document (authentication bypass, data
exposure); `$where` runs JavaScript on the database; an expression built from input lets the
caller change which items are read or updated.

Example:

```python
body = json.loads(event["body"])
user = users.find_one({"name": body["name"], "password": body["password"]})
```

How to fix:
Cast filter values to strings (`str(body["name"])`) or validate the body with a schema;
never build `$where`. In DynamoDB keep expressions constant and pass values through
`ExpressionAttributeValues` (or `boto3.dynamodb.conditions`).

References:
- CWE-943: Improper Neutralization of Special Elements in Data Query Logic
-
  https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/05.6-Testing_for_NoSQL_Injection
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE005",
    name="nosql-injection",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-943",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per NoSQL injection flow, with its source-to-sink path."""
    yield from taint_hits(app, "nosql-injection", "NoSQL injection", Severity.HIGH)
