"""Stack trace or raw exception text returned to the caller.

What it finds:
Handler code that sends error internals back to whoever called the function:

- Python: `traceback.format_exc()` / `format_exception` / `format_tb`, `str(e)`,
  `repr(e)`, `f"{e}"`, `e.args` of an `except ... as e` in the `body` of an API-shaped
  response (`{"statusCode": ..., "body": ...}`), or in the return value of the handler of a
  function with an HTTP trigger (API Gateway, ALB, function URL, AppSync);
- Node.js: `err.stack`, `err.message`, `String(err)`, `` `${err}` `` of a `catch (err)`,
  `.catch(err => ...)` or `(err, data) =>` callback in a response `body`, in
  `callback(null, response)`, `res.send/json(...)`, or the raw error passed to
  `callback(err)` / `context.fail(err)` by an HTTP function (AppSync and non-proxy REST
  integrations show its message to the client).

The exception type alone (`type(e).__name__`, `err.name`, `err.code`) is not reported.
The flow is followed inside one function; a response built by a helper from the exception
is found when the handler returns it, not inside the helper.

Why it matters:
Stack traces and driver error messages tell an attacker file paths, library versions, SQL
statements, table and bucket names, and which input broke what: a map for the next attack.
Severity: medium for stack traces, low for exception messages.

Example:

```python
except Exception:
    return {"statusCode": 500, "body": traceback.format_exc()}
```

How to fix:
Log the details (`logger.exception(...)`) and return a generic message with a correlation
id, e.g. `{"message": "internal error", "requestId": context.aws_request_id}`.

References:
- https://owasp.org/www-community/Improper_Error_Handling
- CWE-209: Generation of Error Message Containing Sensitive Information
- OWASP Serverless Top 10: SAS-10 Improper Exception Handling and Verbose Error Messages

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
    id="CODE022",
    name="exception-returned-to-caller",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-209",),
    owasp=("SAS-10",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per response or result carrying a stack trace or exception text."""
    yield from rule_hits(app, "CODE022")
