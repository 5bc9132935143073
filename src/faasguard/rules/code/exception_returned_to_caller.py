"""Stack trace or raw exception text returned to the caller.

What it finds:
Handler code that sends error internals back to whoever called the function:

- Python: `traceback.format_exc()` / `format_exception` / `format_tb`, `str(e)`,
  `repr(e)`, `f"{e}"`, `e.args` of an `except ... as e` in the `body` of an API-shaped
  response (`{"statusCode": ..., "body": ...}`), in the return value of the handler of a
  function with an HTTP trigger (API Gateway, ALB, function URL, AppSync), or in what a
  route view of a web framework returns (Flask, Chalice, FastAPI, Powertools);
- Chalice apps in debug mode (`app.debug = True`), which return the stack trace of every
  unhandled exception in the 500 response, and Zappa stages with `debug: true` serving
  HTTP (tracebacks in 500 responses, raw events logged);
- Node.js: `err.stack`, `err.message`, `String(err)`, `` `${err}` `` of a `catch (err)`,
  `.catch(err => ...)` or `(err, data) =>` callback in a response `body`, in
  `callback(null, response)`, `res.send/json(...)`, or the raw error passed to
  `callback(err)` / `context.fail(err)` by an HTTP function (AppSync and non-proxy REST
  integrations show its message to the client).

Only functions whose response reaches a caller are concerned: those with an HTTP trigger
(API Gateway, ALB, function URL, AppSync). An API-shaped response of a function triggered by
a queue, a stream, a schedule or a bucket goes nowhere and is not reported.
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

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from faasguard.code.facts import (
    EMPTY,
    CodeMatch,
    Label,
    Labels,
    LabelSpec,
    ScopeInfo,
    Sink,
    describe,
    label,
    match_key,
)
from faasguard.code.javascript.facts import JsFile
from faasguard.code.python.facts import PyFile
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits


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
    yield from pattern_hits(app, match_python, match_javascript)
    yield from _debug_settings(app)


def _debug_settings(app: App) -> Iterator[Hit]:
    """A framework's debug mode switched on in its settings (Zappa ``debug: true``) for a
    function that answers HTTP requests."""
    for fn in app.functions:
        where = fn.framework_debug
        if where is None or not any(t.kind.is_http for t in fn.triggers):
            continue
        yield Hit(
            message=f"function {fn.display_name} runs with the framework's debug mode on "
            "(debug: true): error responses carry the stack trace and every raw event is "
            "logged; switch it off outside development",
            location=where,
            function=fn.ref,
            key="framework-debug",
            severity=Severity.MEDIUM,
        )


class ExceptionSpec(LabelSpec):
    """Stack traces and exception text."""

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        if qual in (
            "traceback.format_exc()",
            "traceback.format_exception()",
            "traceback.format_tb()",
            "traceback.format_stack()",
            "traceback.extract_tb()",
            "sys.exc_info()",
            "util.inspect()",
        ):
            name = qual.removesuffix("()")
            kind = "exception" if name in ("sys.exc_info", "util.inspect") else "stack"
            if name == "util.inspect":
                return None  # only exception-derived when its argument is
            return label(kind, line, column, f"{name}()")
        if qual in ("type()", "isinstance()"):
            return EMPTY  # the class name or a boolean leaks nothing
        return None

    def name(self, ident: str, info: ScopeInfo, line: int, column: int) -> Labels:
        if ident in info.exceptions:
            return label("exception", line, column, f"the exception {ident}")
        return EMPTY

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        if key in ("__name__", "name", "code", "statusCode", "status"):
            return EMPTY  # the class name or an error code is not exception text
        if key in ("stack", "__traceback__", "stackTrace"):
            return frozenset(
                Label("stack", lab.line, lab.column, f"{lab.text}.{key}") for lab in labels
            )
        return labels


_SPEC = ExceptionSpec()
_WHERE = {
    "response": "in the response body",
    "return": "as the function's result",
    "callback-error": "to the caller through the callback",
}


def _exposures(path: Path, sinks: Iterable[tuple[Sink, Labels]]) -> Iterator[CodeMatch]:
    for sink, labels in sinks:
        carried = frozenset(lab for lab in labels if lab.kind in ("exception", "stack"))
        if not carried:
            continue
        stack = any(lab.kind == "stack" for lab in carried)
        what = "a stack trace" if stack else "raw exception text"
        where = _WHERE.get(sink.kind, "to the caller")
        yield CodeMatch(
            str(path),
            sink.line,
            sink.column,
            f"{what} ({describe(carried)}) is returned {where}: it tells an attacker file "
            "paths, library versions, queries and internal names; return a generic message "
            "with a correlation id (the request id) and log the details instead",
            match_key(path, "exception", sink.kind, describe(carried)),
            Severity.MEDIUM if stack else Severity.LOW,
            handler_return=sink.export,
            # Only an HTTP caller sees the response: a queue, stream or schedule
            # discards it, even an API-shaped one.
            requires_http=True,
        )


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """Exception text in what a handler returns, and Chalice's debug mode."""
    yield from _chalice_debug(file)
    found = []
    for scope in file.scopes:
        flow = file.flow(scope, _SPEC)
        for sink in file.sinks(scope):
            if sink.kind == "log" or (sink.kind == "return" and sink.export is None):
                continue  # a helper returning the exception to its caller is not exposure
            found.append((sink, flow.labels(sink.value)))
    yield from _exposures(file.path, found)


def _chalice_debug(file: PyFile) -> Iterator[CodeMatch]:
    """``app.debug = True`` on a Chalice app: every unhandled exception's stack trace is the
    body of the 500 response (Chalice's documented debug mode)."""
    for name, line in file.web.debug.items():
        if file.web.apps[name][0] != "chalice":
            continue
        yield CodeMatch(
            str(file.path),
            line,
            1,
            f"Chalice debug mode ({name}.debug = True) returns the stack trace of every "
            "unhandled exception in the 500 response: it tells an attacker file paths, "
            "library versions and internal names; remove it (or set it from a development "
            "flag) and log the details instead",
            match_key(file.path, "chalice-debug", name),
            Severity.MEDIUM,
            requires_http=True,
        )


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """Exception text in what a handler returns, responds or passes to its callback."""
    found: list[tuple[Sink, Labels]] = []
    for scope in file.scopes:
        flow = file.flow(scope, _SPEC)
        for sink in file.sinks(scope):
            if sink.kind == "log" or (sink.kind == "return" and sink.export is None):
                continue
            labels = flow.labels(sink.value)
            if sink.kind == "callback-error":
                # Passing the error object itself: what the caller sees is its message.
                labels = frozenset(lab for lab in labels if lab.kind == "exception")
            found.append((sink, labels))
    return _exposures(file.path, found)
