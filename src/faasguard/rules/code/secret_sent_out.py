"""A secret sent out in an SNS message, an SQS message or an outgoing HTTP request.

What it finds:
Handler code (Python and Node.js) that puts a secret into data leaving the function:

- sources: a Secrets Manager value (`get_secret_value`, `getSecretValue`,
  `GetSecretValueCommand`, Powertools `parameters.get_secret`), an SSM parameter read with
  decryption (`get_parameter(s)(..., WithDecryption=True)`, `GetParameterCommand` with
  `WithDecryption: true`), and environment variables whose name says they hold a secret
  (`DB_PASSWORD`, `API_SECRET`, `STRIPE_KEY`; the function's own AWS credentials are
  CODE026's);
- sinks: SNS `publish` `Message`/`Subject` (`PublishCommand`), SQS `send_message`
  `MessageBody` / `send_message_batch` `Entries` (`SendMessageCommand`), and the URL, query
  or body of an outgoing HTTP request (`requests`, `httpx`, `urllib`, `urllib3`; `fetch`,
  `axios`, `got`, `node-fetch`).

A secret sent as a credential is not a leak and is not reported: in a request header, or in
an HTTP body field named like one (`{"client_secret": secret}` to a token endpoint). The
flow is followed inside one function and from module-level variables (assignments,
containers, f-strings, template literals), not into helpers. One finding per sending call.

Why it matters:
Messages are copied to every subscriber (e-mail, HTTP endpoints, other accounts), kept in
queues and dead-letter queues, and logged by the receiving services; a URL ends up in
access logs and proxies. A secret sent there is readable by everyone who can read any of
them, far beyond the function's role.

Example:

```python
def handler(event, context):
    password = sm.get_secret_value(SecretId="db")["SecretString"]
    sns.publish(TopicArn=TOPIC, Message=f"new database password: {password}")
```

How to fix:
Send a reference (the secret's name or ARN) and let the receiver read the secret with its
own permissions; send credentials only in the header or field the receiving API defines for
them.

References:
- CWE-201: Insertion of Sensitive Information Into Sent Data
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from functools import cache, partial
from pathlib import Path
from typing import Any

from faasguard.code.facts import EMPTY, CodeMatch, Label, Labels, LabelSpec, describe, match_key
from faasguard.code.javascript.facts import JsFile, JsFlow, position, string_value
from faasguard.code.javascript.facts import node_text as text
from faasguard.code.python.facts import PyFile, PyFlow, const_str
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits
from faasguard.secrets import is_secret_field, is_secret_name


@rule(
    id="CODE027",
    name="secret-sent-out",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-201",),
    owasp=("SAS-7",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per SNS/SQS/HTTP call that sends a secret out."""
    yield from pattern_hits(app, match_python, match_javascript)


#: Fields of a secret's or a parameter's response that are not the secret.
_METADATA = frozenset(
    {"ARN", "Name", "VersionId", "VersionStages", "CreatedDate", "ResponseMetadata", "Type"}
    | {"Version", "LastModifiedDate", "DataType", "Selector", "SourceResult"}
)


def _decrypts(node: Any) -> bool:
    """An SSM read whose call text asks for decryption (Python keyword or JS property)."""
    if isinstance(node, ast.Call):
        return any(
            k.arg == "WithDecryption" and isinstance(k.value, ast.Constant) and k.value.value
            for k in node.keywords
        )
    return "WithDecryption: true" in text(node) or "WithDecryption:true" in text(node)


class SecretSpec(LabelSpec):
    """Secrets Manager values, decrypted SSM parameters, secret-named environment variables."""

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        if qual in ("os.environ", "process.env"):
            return frozenset({Label("environment", line, column, qual)})
        if qual is None or qual in ("os.getenv()", "os.environ.get()"):
            return None
        name = qual.removesuffix("()").rsplit(".", 1)[-1]
        what = None
        if name in ("get_secret_value", "getSecretValue", "get_secret") or (
            name == "send" and "GetSecretValueCommand" in text_of(node)
        ):
            what = "a Secrets Manager secret"
        elif (
            name in ("get_parameter", "get_parameters", "getParameter", "getParameters")
            or (name == "send" and "GetParameter" in text_of(node))
        ) and _decrypts(node):
            what = "a decrypted SSM parameter"
        if what is None:
            return None
        return frozenset({Label("secret", line, column, f"{what} ({name})")})

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        result: set[Label] = set()
        for found in labels:
            if found.kind == "environment":
                if key is not None and not key.startswith("AWS_") and is_secret_name(key):
                    result.add(Label("secret", line, column, f"the environment variable {key}"))
            elif key not in _METADATA:
                result.add(found)
        return frozenset(result)


def text_of(node: Any) -> str:
    """The source text of a JavaScript node (Python nodes have their own sources)."""
    return "" if isinstance(node, ast.AST) else text(node)


_SPEC = SecretSpec()


def _match(path: Path, line: int, column: int, what: str, labels: Labels) -> CodeMatch | None:
    secrets = frozenset(lab for lab in labels if lab.kind == "secret")
    if not secrets:
        return None
    return CodeMatch(
        str(path),
        line,
        column,
        f"{describe(secrets)} is sent out in {what}: whoever receives, stores or logs it "
        "(subscribers, queues, access logs) gets the secret; send a reference and let the "
        "receiver read the secret with its own permissions",
        match_key(path, "secret-sent", what, describe(secrets)),
    )


# ---------------------------------------------------------------------------- Python

#: Message keywords of the SNS and SQS client methods.
_PY_MESSAGES = {
    "publish": ("Message", "Subject"),
    "send_message": ("MessageBody",),
    "send_message_batch": ("Entries",),
}
_PY_HTTP = ("requests.", "httpx.", "urllib.request.urlopen", "urllib.request.Request")
_PY_HTTP_KEYWORDS = ("url", "data", "json", "params", "content", "body", "fields")


def _py_http_value(flow: PyFlow, value: ast.expr) -> Labels:
    """What an HTTP argument carries, minus dict fields named as the credential they are."""
    if isinstance(value, ast.Dict):
        return flow.union(
            v
            for k, v in zip(value.keys, value.values, strict=True)
            if v is not None and not is_secret_field(const_str(k) or "")
        )
    return flow.labels(value)


def _py_sent(file: PyFile, flow: Callable[[], PyFlow], call: ast.Call) -> tuple[str, Labels] | None:
    """``flow`` is computed only for the calls that send something."""
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else None
    if method in _PY_MESSAGES:
        values = [k.value for k in call.keywords if k.arg in _PY_MESSAGES[method]]
        what = "an SNS message" if method == "publish" else "an SQS message"
        return (what, flow().union(values)) if values else None
    qual = (file.qual(func) or "").removesuffix("()")
    if not qual.startswith(_PY_HTTP) and not qual.endswith("PoolManager().request"):
        return None
    values = [*call.args, *(k.value for k in call.keywords if k.arg in _PY_HTTP_KEYWORDS)]
    labels = EMPTY
    for value in values:
        labels |= _py_http_value(flow(), value)
    return f"an HTTP request ({qual})", labels


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """SNS/SQS/HTTP calls of any function whose message, URL or body carries a secret."""
    for scope in file.scopes:
        flow = cache(partial(file.flow, scope, _SPEC))
        for node in scope.nodes:
            if not isinstance(node, ast.Call):
                continue
            sent = _py_sent(file, flow, node)
            if sent is not None:
                found = _match(file.path, node.lineno, node.col_offset + 1, *sent)
                if found is not None:
                    yield found


# ---------------------------------------------------------------------------- JavaScript

_JS_MESSAGES = {
    "publish": ("Message", "Subject"),
    "sendMessage": ("MessageBody",),
    "sendMessageBatch": ("Entries",),
    "PublishCommand": ("Message", "Subject"),
    "SendMessageCommand": ("MessageBody",),
    "SendMessageBatchCommand": ("Entries",),
}
_JS_HTTP = ("fetch", "node-fetch", "axios", "got", "undici.fetch", "undici.request")
_JS_HTTP_PROPS = ("url", "body", "data", "json", "form", "searchParams", "params")


def _js_pairs(obj: Any) -> Iterator[tuple[str, Any]]:
    """The named properties of an object literal with their values."""
    for pair in obj.named_children if obj.type == "object" else []:
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        value = pair.child_by_field_name("value") if key is not None else None
        if key is not None and value is not None:
            yield string_value(key) or text(key), value


def _js_props(flow: JsFlow, obj: Any, keys: Iterable[str]) -> Labels:
    return flow.union(value for name, value in _js_pairs(obj) if name in keys)


def _js_body(flow: JsFlow, value: Any) -> Labels:
    """A body: an object literal's fields minus those named as the credential they are."""
    if value.type == "object":
        return flow.union(v for k, v in _js_pairs(value) if not is_secret_field(k))
    return flow.labels(value)


def _js_http_arg(flow: JsFlow, arg: Any, is_data: bool) -> Labels:
    """A URL, a body (``is_data``), or an options object's URL and body."""
    if is_data or arg.type != "object":
        return _js_body(flow, arg)
    labels = EMPTY
    for name, value in _js_pairs(arg):
        if name in _JS_HTTP_PROPS:
            labels |= _js_body(flow, value)
    return labels


def _js_sent(file: JsFile, flow: Callable[[], JsFlow], node: Any) -> tuple[str, Labels] | None:
    """``flow`` is computed only for the calls that send something."""
    callee = node.child_by_field_name("function") or node.child_by_field_name("constructor")
    args_node = node.child_by_field_name("arguments")
    if callee is None or args_node is None:
        return None
    args = list(args_node.named_children)
    name = text(callee.child_by_field_name("property") or callee)
    if name in _JS_MESSAGES and args and args[0].type == "object":
        what = "an SNS message" if "ublish" in name else "an SQS message"
        return what, _js_props(flow(), args[0], _JS_MESSAGES[name])
    qual = file.qual(callee) or text(callee)
    base = qual.split(".", 1)[0]
    if qual not in _JS_HTTP and base not in ("axios", "got", "node-fetch"):
        return None
    data = qual.endswith((".post", ".put", ".patch")) and base == "axios"
    labels = EMPTY
    for index, arg in enumerate(args):
        labels |= _js_http_arg(flow(), arg, data and index == 1)
    return f"an HTTP request ({qual})", labels


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """SNS/SQS/HTTP calls of any function whose message, URL or body carries a secret."""
    for scope in file.scopes:
        flow = cache(partial(file.flow, scope, _SPEC))
        for node in scope.nodes:
            if node.type not in ("call_expression", "new_expression"):
                continue
            sent = _js_sent(file, flow, node)
            if sent is not None:
                found = _match(file.path, *position(node), *sent)
                if found is not None:
                    yield found
