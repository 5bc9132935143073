"""Whole events or secret-bearing fields written to the logs.

What it finds:
Log calls in handler code (`print`, `logging`/`logger.*`, `sys.stdout.write`; Node
`console.*`, `logger.*`, `process.stdout.write`) whose arguments carry:

- the whole event (`print(event)`, `logger.info(json.dumps(event))`,
  `` console.log(`got ${JSON.stringify(event)}`) ``, an `extra={"event": event}`), and
  Powertools' `inject_lambda_context(log_event=True)` / `injectLambdaContext({ logEvent:
  true })` or the `POWERTOOLS_LOGGER_LOG_EVENT=true` environment variable — medium; not
  reported for functions triggered only by a schedule, whose events hold nothing
  sensitive;
- request headers (`event["headers"]`: `Authorization`, cookies) and secret-bearing fields
  or variables: keys and names like `Authorization`, `password`, `token`, `secret`,
  `api_key`, `apiKey`, `cookie`, `credentials` (not `next_token`, `token_type`,
  `secret_arn`) — high;
- the caller's identity from the context (`context.identity`, `context.client_context`,
  `context.clientContext`) — medium.

Selected fields of the event (`event["body"]`, `event["requestContext"]["requestId"]`) are
not reported. The flow is followed inside one function (assignments, destructuring,
containers, f-strings and template literals), not into helpers.

Why it matters:
Logs are kept for a long time, copied by subscriptions to other accounts and tools, and
readable by far more people than the data they contain. A whole API event holds bearer
tokens, cookies and personal data; a Cognito trigger holds user attributes. Logging them
turns the log group into a credential store nobody protects as one.

Example:

```javascript
exports.handler = async (event) => {
  console.log("event", JSON.stringify(event));
```

How to fix:
Log what you need to debug — the request id, the route, sizes, types, ids — and log that
a credential was present, never its value. Keep `log_event`/`logEvent` off in production.

References:
- https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#logging-incoming-event
- CWE-532: Insertion of Sensitive Information into Log File
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

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
from faasguard.code.javascript.facts import JsFile, position
from faasguard.code.javascript.facts import node_text as text
from faasguard.code.javascript.index import walk
from faasguard.code.python.facts import PyFile, PyScope
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App, TriggerKind
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits
from faasguard.rules.code.aws_credentials_exposed import AWS_CREDENTIAL_VARIABLES, CREDENTIALS
from faasguard.secrets import is_secret_field


@rule(
    id="CODE023",
    name="sensitive-data-logged",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-532",),
    owasp=("SAS-7",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per log call writing a whole event or a secret-bearing value."""
    yield from pattern_hits(app, match_python, match_javascript)
    yield from _powertools_log_event(app)


#: Powertools' setting that makes ``inject_lambda_context`` log every incoming event.
POWERTOOLS_LOG_EVENT = "POWERTOOLS_LOGGER_LOG_EVENT"


def _powertools_log_event(app: App) -> Iterator[Hit]:
    """``POWERTOOLS_LOGGER_LOG_EVENT=true`` in a function's environment (one hit per line
    that sets it, e.g. SAM ``Globals``), unless the function only runs on a schedule."""
    seen: set[tuple[str, int]] = set()
    for fn in app.functions:
        value = fn.environment.get(POWERTOOLS_LOG_EVENT)
        if value is not True and str(value).strip().lower() not in ("true", "1"):
            continue
        if fn.triggers and all(t.kind is TriggerKind.SCHEDULE for t in fn.triggers):
            continue
        where = fn.loc(f"environment.{POWERTOOLS_LOG_EVENT}")
        if (where.file, where.line) in seen:
            continue
        seen.add((where.file, where.line))
        yield Hit(
            message=f"{POWERTOOLS_LOG_EVENT} is true for function {fn.display_name}: "
            "Powertools' Logger writes every incoming event (tokens, cookies, personal data) "
            "to the logs; set it only while debugging",
            location=where,
            function=fn.ref,
            key="powertools-log-event-env",
            severity=Severity.MEDIUM,
        )


class LogSpec(LabelSpec):
    """Whole events, request headers, secret-bearing fields, context identity."""

    precise_calls = True

    def name(self, ident: str, info: ScopeInfo, line: int, column: int) -> Labels:
        found = EMPTY
        if ident in info.events:
            found = label("event", line, column, f"the whole event ({ident})")
        elif is_secret_field(ident):
            found = label("secret", line, column, f"the secret-bearing variable {ident}")
        if ident in info.contexts:
            found |= label("context", line, column, ident)
        return found

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        result: set[Label] = set()
        if (
            key is not None
            and key != "*"
            and is_secret_field(key)
            and key not in AWS_CREDENTIAL_VARIABLES  # CODE026 reports those
        ):
            result.add(Label("secret", line, column, f"the secret-bearing field {key!r}"))
        for found in labels:
            if found.kind == "secret":
                result.add(found)
            elif found.kind == "event" and key in ("headers", "multiValueHeaders", "cookies"):
                result.add(Label("headers", line, column, f"the request {key} (with credentials)"))
            elif found.kind == "context" and key in ("identity", "client_context", "clientContext"):
                result.add(Label("identity", line, column, f"context.{key}"))
            elif found.kind in ("headers", "identity") and key == "*":
                result.add(found)
        return frozenset(result)


_SPEC = LogSpec()


def _log_match(path: Path, sink: Sink, labels: Labels) -> CodeMatch | None:
    labels = frozenset(
        lab for lab in labels if lab.kind in ("event", "headers", "secret", "identity")
    )
    if not labels:
        return None
    secret = any(lab.kind in ("secret", "headers") for lab in labels)
    whole = all(lab.kind == "event" for lab in labels)
    return CodeMatch(
        str(path),
        sink.line,
        sink.column,
        f"logs {describe(labels)}: logs are kept, copied to subscriptions and read by many; "
        + (
            "credentials, tokens and personal data in the event end up there; log selected, "
            "non-secret fields (ids, sizes, types) instead"
            if whole
            else "never log credentials or tokens; log that they were present, not their value"
        ),
        match_key(path, "log", describe(labels)),
        Severity.HIGH if secret and not whole else Severity.MEDIUM,
        needs_event_content=whole,
    )


# ---------------------------------------------------------------------------- Python


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """Log calls of sensitive values; Powertools' ``log_event=True``."""
    seen: set[int] = set()
    for scope in file.scopes:
        flow = file.flow(scope, _SPEC)
        credentials = file.flow(scope, CREDENTIALS)
        for sink in file.sinks(scope):
            if sink.kind != "log" or id(sink.node) in seen:
                continue
            if credentials.labels(sink.value):
                continue  # AWS credentials in a log call are CODE026's
            match = _log_match(file.path, sink, flow.labels(sink.value))
            if match is not None:
                seen.add(id(sink.node))
                yield match
        yield from _py_log_event(file, scope)


def _py_log_event(file: PyFile, scope: PyScope) -> Iterator[CodeMatch]:
    """``@logger.inject_lambda_context(log_event=True)`` on the scope's function."""
    if not isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return
    for decorator in scope.node.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and (file.qual(decorator.func) or "").endswith("inject_lambda_context")
            and any(
                k.arg == "log_event" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in decorator.keywords
            )
        ):
            yield CodeMatch(
                str(file.path),
                decorator.lineno,
                decorator.col_offset + 1,
                "inject_lambda_context(log_event=True) logs every incoming event whole "
                "(headers with credentials, bodies with personal data); turn it off "
                "and log selected fields",
                match_key(file.path, "log_event", scope.node.name),
                Severity.MEDIUM,
                needs_event_content=True,
            )


# ---------------------------------------------------------------------------- JavaScript


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """Log calls of sensitive values; Powertools' ``logEvent: true``."""
    seen: set[tuple[int, int]] = set()
    for scope in file.scopes:
        flow = file.flow(scope, _SPEC)
        credentials = file.flow(scope, CREDENTIALS)
        for sink in file.sinks(scope):
            if sink.kind != "log" or (sink.line, sink.column) in seen:
                continue
            if credentials.labels(sink.value):
                continue  # AWS credentials in a log call are CODE026's
            match = _log_match(file.path, sink, flow.labels(sink.value))
            if match is not None:
                seen.add((sink.line, sink.column))
                yield match
    yield from _js_log_event(file)


def _js_log_event(file: JsFile) -> Iterator[CodeMatch]:
    """``injectLambdaContext(logger, { logEvent: true })``."""
    for node in walk(file.root):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        if callee is None or not text(callee).endswith("injectLambdaContext"):
            continue
        args = node.child_by_field_name("arguments")
        for pair in walk(args) if args is not None else []:
            if (
                pair.type == "pair"
                and text(pair.child_by_field_name("key")) == "logEvent"
                and text(pair.child_by_field_name("value")) == "true"
            ):
                line, column = position(node)
                yield CodeMatch(
                    str(file.path),
                    line,
                    column,
                    "injectLambdaContext({ logEvent: true }) logs every incoming event whole "
                    "(headers with credentials, bodies with personal data); turn it off and "
                    "log selected fields",
                    match_key(file.path, "logEvent"),
                    Severity.MEDIUM,
                    needs_event_content=True,
                )
