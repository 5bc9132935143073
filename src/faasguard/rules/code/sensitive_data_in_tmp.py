"""Sensitive data left in /tmp at a fixed name across invocations.

What it finds:
Writes to a fixed path under `/tmp` — a constant string, `os.path.join("/tmp", "x")`,
`Path("/tmp") / "x"`, `path.join(os.tmpdir(), "x")`, or a name bound to one — of data
that is sensitive: event data (the handler's event and what is read from it), the result
of Secrets Manager `get_secret_value`, SSM `get_parameter(s)`, KMS `decrypt`, STS
credentials, or secret-named values. Python: `open(path, "w")` followed by `f.write`,
`json.dump`/`pickle.dump`/`yaml.dump`, `Path.write_text/bytes`; Node.js:
`fs.writeFile(Sync)`, `appendFile(Sync)`, `fs/promises`, fs-extra `outputFile`/`writeJson`,
`createWriteStream(path).write(...)`.

Not reported: unique names (`tempfile.mkstemp`, `NamedTemporaryFile`, `mkdtemp`,
`fs.mkdtemp`, names built from `uuid` or the request), files deleted in the same function
(`os.remove`, `os.unlink`, `Path.unlink`, `shutil.rmtree`, `fs.unlink(Sync)`, `fs.rm`),
and data that is not sensitive. Module-level in-memory caches of per-user data are out of
scope (they need reasoning about which user a warm environment serves next). The data flow
is followed inside one function.

Why it matters:
Lambda reuses an execution environment for many invocations, `/tmp` included, and those
invocations may serve different users or tenants. A token, a decrypted secret or a
customer's upload left at `/tmp/data.json` is there for the next invocation to read — and
for any code injection to find. Severity is medium.

Example:

```python
with open("/tmp/upload.json", "w") as out:
    json.dump(event["body"], out)
```

How to fix:
Keep the data in memory when you can. Otherwise use a unique temporary file
(`tempfile.NamedTemporaryFile()`, `fs.mkdtemp`) and delete it before returning (a
`finally` block or a `with` statement).

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
- CWE-377: Insecure Temporary File
- CWE-459: Incomplete Cleanup
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.code.patterns import rule_hits
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule


@rule(
    id="CODE025",
    name="sensitive-data-in-tmp",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-377", "CWE-459"),
    owasp=("SAS-7",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per write of sensitive data to a fixed /tmp path."""
    yield from rule_hits(app, "CODE025")
