"""Attacker-controlled event data is deserialised with an unsafe deserialiser.

What it finds:
Event data reaching `pickle`/`marshal`/`dill`/`jsonpickle` loaders, `yaml.load` with an
unsafe loader (`yaml.Loader`, `yaml.UnsafeLoader`, no loader), `yaml.unsafe_load`, or
`node-serialize`/`serialize-to-js` on Node.js.

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
These formats can describe objects whose construction runs code: deserialising an attacker's
payload is remote code execution.

Example:

```python
def handler(event, context):
    order = yaml.load(event["body"], Loader=yaml.Loader)
```

How to fix:
Use a data-only format and loader: `json.loads`, `yaml.safe_load` (or
`Loader=yaml.SafeLoader`). Never unpickle data that crossed a trust boundary; sign it (HMAC)
if it must round-trip.

References:
- CWE-502: Deserialization of Untrusted Data
- https://pyyaml.org/wiki/PyYAMLDocumentation
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE003",
    name="insecure-deserialization",
    severity=Severity.CRITICAL,
    practice=Practice.P7,
    cwe=("CWE-502",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per insecure deserialization flow, with its source-to-sink path."""
    yield from taint_hits(app, "deserialization", "insecure deserialization", Severity.CRITICAL)
