"""Attacker-controlled event data chooses a file path.

What it finds:
Event data used as (part of) a local file path: `open`, `os.remove`, `shutil`,
`pathlib.Path`, boto3 `download_file`/`upload_file` file names, `/tmp` paths built from an
S3 key, `fs.readFile*`/`writeFile*`, `sendFile` on Node.js. A path cleaned with
`os.path.basename`, or normalised (`os.path.realpath`/`normpath`) and then checked with
`startswith` against the base directory, is not reported.

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
`../` in an object key or a message walks out of the intended directory: the function reads
its own code and `/proc/self/environ` (the role's credentials) or overwrites files that
later invocations of the warm container trust.

Example:

```python
key = unquote_plus(record["s3"]["object"]["key"])
s3.download_file(bucket, key, f"/tmp/{key}")   # key = "../../var/task/app.py"
```

How to fix:
Use `os.path.basename` or a generated name (`uuid4()`), or resolve the path and check it
stays under the base directory (`os.path.realpath(p).startswith(BASE + os.sep)`).

References:
- CWE-22: Path Traversal
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._taint import taint_hits


@rule(
    id="CODE006",
    name="path-traversal",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-22",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per path traversal flow, with its source-to-sink path."""
    yield from taint_hits(app, "path-traversal", "path traversal", Severity.HIGH)
