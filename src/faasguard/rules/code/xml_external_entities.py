"""Attacker-controlled XML is parsed by a parser that resolves external entities.

What it finds:
Event data parsed with `xml.dom.pulldom`, `xml.sax`, `xml.dom.minidom`, or with lxml without
a parser that disables entity resolution (`etree.XMLParser(resolve_entities=False)`);
`libxmljs` with `noent` on Node.js.

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
External entities read local files (`file:///proc/self/environ` holds the role's
credentials) and make requests from the function (SSRF); entity expansion exhausts memory.

Example:

```python
doc = xml.dom.pulldom.parseString(event["body"])
```

How to fix:
Parse untrusted XML with `defusedxml`, or with lxml and `XMLParser(resolve_entities=False,
no_network=True)`.

References:
- CWE-611: Improper Restriction of XML External Entity Reference
- https://docs.python.org/3/library/xml.html#xml-vulnerabilities
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE008",
    name="xml-external-entities",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-611",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per XML external entity injection flow, with its source-to-sink path."""
    yield from taint_hits(app, "xxe", "XML external entity injection", Severity.HIGH)
