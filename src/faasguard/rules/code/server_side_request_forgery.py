"""Attacker-controlled event data chooses the URL of an outgoing request.

What it finds:
Event data deciding the host of a request made by the function: `requests`, `httpx`,
`urllib`, `urllib3`, `aiohttp` in Python; `http.get`, `axios`, `fetch`, `got` on Node.js. A
URL whose scheme and host are a constant prefix (`f"https://api.example.com/items/{item}"`)
is not reported. In Python, a URL fetcher run as a command (`curl`, `wget` through
`os.system`, `subprocess`) counts too: `subprocess.run(["curl", url])` or a shell command
with the URL quoted (`shlex.quote`); an unquoted URL in a shell string is command injection
(CODE001), reported once there.

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
The function becomes a proxy into its network: VPC-internal services, the Lambda runtime API
and extensions on localhost, or the instance metadata endpoint `169.254.169.254` where the
code runs on EC2/ECS — and anything the function's role lets it reach.

Example:

```python
url = event["queryStringParameters"]["url"]
return requests.get(url).text
```

How to fix:
Fix the scheme and host in code and let input choose only a path or a parameter; otherwise
check the parsed host against an allow-list, and deny private, link-local (`169.254.0.0/16`)
and loopback addresses.

References:
- CWE-918: Server-Side Request Forgery
- https://owasp.org/Top10/A10_2021-Server-Side_Request_Forgery_%28SSRF%29/
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE007",
    name="server-side-request-forgery",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-918",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per server-side request forgery flow, with its source-to-sink path."""
    yield from taint_hits(app, "ssrf", "server-side request forgery", Severity.HIGH)
