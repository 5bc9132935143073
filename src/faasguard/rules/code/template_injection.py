"""Attacker-controlled event data is compiled as a template.

What it finds:
Event data used as the *source* of a Jinja2 (`Template(...)`, `Environment.from_string`),
Mako or Django template, or `render_template_string`; `ejs.render`, `pug.compile`,
`handlebars.compile` on Node.js. Rendering a constant template with input as a variable is
not reported.

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
Template languages reach Python objects: `{{
cycler.__init__.__globals__.os.popen('id').read() }}` is code execution.

Example:

```python
greeting = jinja2.Template("Hello " + event["queryStringParameters"]["name"])
```

How to fix:
Keep templates constant and pass input as variables (`Template("Hello {{ name
}}").render(name=name)`), with autoescaping on.

References:
- CWE-1336: Improper Neutralization of Special Elements Used in a Template Engine
- https://portswigger.net/web-security/server-side-template-injection
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE009",
    name="template-injection",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-1336",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per server-side template injection flow, with its source-to-sink path."""
    yield from taint_hits(
        app, "template-injection", "server-side template injection", Severity.HIGH
    )
