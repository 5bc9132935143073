"""Attacker-controlled event data is evaluated as code.

What it finds:
Event data reaching `eval`, `exec`, `compile`, `__import__`/`importlib.import_module` in
Python, or `eval`, `Function`, `vm.runIn*`, `setTimeout`/`setInterval` with a string on
Node.js.

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
Evaluating input is remote code execution: the attacker's code runs with the function's role
and can read its credentials from the environment.

Example:

```python
def handler(event, context):
    rule = event["request"]["userAttributes"]["custom:rule"]
    return eval(rule)
```

How to fix:
Never evaluate input. Parse data with `json.loads` or `ast.literal_eval`, and map names to
functions with a dictionary of allowed operations.

References:
- CWE-94: Improper Control of Generation of Code
- CWE-95: Eval Injection
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE002",
    name="code-injection",
    severity=Severity.CRITICAL,
    practice=Practice.P7,
    cwe=("CWE-94", "CWE-95"),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per code injection flow, with its source-to-sink path."""
    yield from taint_hits(app, "code-injection", "code injection", Severity.CRITICAL)
