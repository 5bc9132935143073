r"""Attacker-controlled event data meets a catastrophic regular expression.

What it finds:
Event data matched against a constant pattern with nested unbounded quantifiers (`(a+)+`,
`(\w+\s?)*$`), detected by parsing the pattern, and event data used as a pattern itself
(`re.compile(user_input)`). `re.escape` makes input safe as a pattern.

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
A near-miss string makes the regex engine backtrack exponentially: one request pins the
function until its timeout, and every retry or queue redelivery pays again (denial of
wallet).

Example:

```python
EMAIL = re.compile(r"^([a-zA-Z0-9]+\.?)+@example\.com$")
def handler(event, context):
    return bool(EMAIL.match(event["detail"]["email"]))
```

How to fix:
Rewrite the pattern without nested quantifiers (or use possessive/atomic groups on Python
3.11+), bound the input length before matching, or use a linear-time engine (`re2`).

References:
- CWE-1333: Inefficient Regular Expression Complexity
- https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE011",
    name="regex-denial-of-service",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-1333",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per regular expression denial of service flow, with its source-to-sink path."""
    yield from taint_hits(app, "redos", "regular expression denial of service", Severity.MEDIUM)
