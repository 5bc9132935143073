"""Attacker-controlled event data chooses where an HTTP response redirects.

What it finds:
A response returned by the handler (API Gateway, ALB, function URL format) whose `Location`
(or `Refresh`) header comes from event data. A target that starts with a fixed host or a
site-relative path (`/app/...`) is not reported.

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
Links on the trusted domain that bounce users to a phishing site, and stolen OAuth codes or
tokens when the redirect ends a login flow.

Example:

```python
return {"statusCode": 302, "headers": {"Location": event["queryStringParameters"]["next"]}}
```

How to fix:
Redirect only to site-relative paths or to an allow-list of destinations; map an input key
to a URL instead of accepting a URL.

References:
- CWE-601: URL Redirection to Untrusted Site
-
  https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE010",
    name="open-redirect",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-601",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per open redirect flow, with its source-to-sink path."""
    yield from taint_hits(app, "open-redirect", "open redirect", Severity.MEDIUM)
