"""TLS certificate verification disabled.

What it finds:
Handler code that switches off the check that the server it talks to is who it claims:

- Python: `verify=False` on `requests`, `httpx`, `boto3` and any other call (also
  `verify_certs=False`, `verify_ssl=False`, aiohttp `ssl=False`), `session.verify = False`,
  `ssl._create_unverified_context`, `ssl.CERT_NONE`, `cert_reqs="CERT_NONE"`,
  `check_hostname = False`; the message also names a `urllib3.disable_warnings()` that hides
  the resulting warning (on its own that call is not reported);
- Node.js: `rejectUnauthorized: false` anywhere (`https.Agent`, `tls.connect`, axios, `pg`
  and `mysql2` `ssl` options), `strictSSL: false`, a `checkServerIdentity` that accepts
  everything, and `process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'`.

`verify=False` passed to a JWT library is CODE020, not this rule. Values computed at run
time (`verify=os.environ["VERIFY"]`) are not reported. The `NODE_TLS_REJECT_UNAUTHORIZED`
environment variable set in a template is out of scope.

Why it matters:
Without certificate verification anyone on the network path — a compromised NAT, a
proxy, a DNS spoof — can impersonate the API or database the function calls and read or
change the traffic, including the credentials and tokens the function sends. Severity is
high.

Example:

```python
requests.post(PARTNER_URL, json=order, verify=False)
```

How to fix:
Keep verification on. For a private CA pass its bundle (`verify="/opt/ca.pem"`,
`ca: fs.readFileSync(...)`, `NODE_EXTRA_CA_CERTS`); for RDS use the RDS CA bundle.

References:
- https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification
- https://nodejs.org/api/tls.html#tlsconnectoptions-callback
- CWE-295: Improper Certificate Validation
- OWASP Serverless Top 10: SAS-3 Insecure Serverless Deployment Configuration

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from faasguard.code.facts import CodeMatch, match_key
from faasguard.code.javascript.facts import JsFile, position, string_value
from faasguard.code.javascript.facts import node_text as text
from faasguard.code.javascript.index import FUNCTION_TYPES, walk
from faasguard.code.python.facts import PyFile, const_str, is_false
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits


@rule(
    id="CODE024",
    name="tls-verification-disabled",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-295",),
    owasp=("SAS-3",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per place that disables certificate verification."""
    yield from pattern_hits(app, match_python, match_javascript)


def _tls_match(path: Path, line: int, column: int, what: str, extra: str = "") -> CodeMatch:
    return CodeMatch(
        str(path),
        line,
        column,
        f"TLS certificate verification is disabled ({what}){extra}: anyone on the network path "
        "can impersonate the server and read or change the traffic, credentials included; "
        "keep verification on and pass a CA bundle for private certificates",
        match_key(path, "tls", what),
    )


# ---------------------------------------------------------------------------- Python

_TLS_KEYWORDS = {"verify": False, "verify_certs": False, "verify_ssl": False}
_TLS_KEYWORDS_CERT = ("cert_reqs", "ssl_cert_reqs")
_AIOHTTP_METHODS = ("get", "post", "put", "patch", "delete", "request", "ws_connect")


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """``verify=False`` and its relatives, ``ssl.CERT_NONE``, unverified SSL contexts (one
    match per line)."""
    silenced = next(
        (
            n.lineno
            for n in ast.walk(file.tree)
            if isinstance(n, ast.Call)
            and (file.qual(n.func) or "").endswith(
                ("urllib3.disable_warnings", "packages.urllib3.disable_warnings")
            )
        ),
        None,
    )
    extra = (
        f" and the warning is silenced (urllib3.disable_warnings, line {silenced})"
        if silenced
        else ""
    )
    lines: set[int] = set()
    for node in ast.walk(file.tree):
        if isinstance(node, ast.Call):
            found = _py_call(file, node, extra)
        elif isinstance(node, ast.Assign):
            found = _py_assignment(file, node, extra)
        else:
            continue
        for line, what, suffix in found:
            if line not in lines:
                lines.add(line)
                yield _tls_match(file.path, line, node.col_offset + 1, what, suffix)


def _py_call(file: PyFile, node: ast.Call, extra: str) -> Iterator[tuple[int, str, str]]:
    qual = file.qual(node.func) or ""
    if qual.startswith(("jwt.", "jose.")):
        return  # verify=False there is CODE020
    line = node.lineno
    for keyword in node.keywords:
        if keyword.arg in _TLS_KEYWORDS and is_false(keyword.value):
            yield line, f"{keyword.arg}=False", extra
        elif (
            keyword.arg == "ssl"
            and is_false(keyword.value)
            and (
                qual.startswith("aiohttp")
                or (isinstance(node.func, ast.Attribute) and node.func.attr in _AIOHTTP_METHODS)
            )
        ):
            yield line, "ssl=False", extra
        elif keyword.arg in _TLS_KEYWORDS_CERT and (const_str(keyword.value) or "").upper() in (
            "CERT_NONE",
            "NONE",
        ):
            yield line, f"{keyword.arg}='CERT_NONE'", extra
        if (file.qual(keyword.value) or "") == "ssl.CERT_NONE":
            yield line, "ssl.CERT_NONE", ""
    if qual.endswith("ssl._create_unverified_context"):
        yield line, "ssl._create_unverified_context()", ""


def _py_assignment(file: PyFile, node: ast.Assign, extra: str) -> Iterator[tuple[int, str, str]]:
    value = file.qual(node.value) or ""
    if value in ("ssl.CERT_NONE", "ssl._create_unverified_context"):
        yield node.lineno, value, ""
    for target in node.targets:
        if (
            isinstance(target, ast.Attribute)
            and target.attr in ("verify", "check_hostname")
            and is_false(node.value)
        ):
            yield node.lineno, f".{target.attr} = False", extra


# ---------------------------------------------------------------------------- JavaScript


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """``rejectUnauthorized: false``, ``strictSSL: false``, an accept-all
    ``checkServerIdentity``, ``NODE_TLS_REJECT_UNAUTHORIZED = "0"``."""
    for node in walk(file.root):
        line, column = position(node)
        if node.type == "pair":
            key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
            if key is None or value is None:
                continue
            name, written = string_value(key) or text(key), text(value)
            if name in ("rejectUnauthorized", "strictSSL") and written in ("false", "0"):
                yield _tls_match(file.path, line, column, f"{name}: {written}")
            elif name == "checkServerIdentity" and value.type in FUNCTION_TYPES:
                body = value.child_by_field_name("body")
                if body is not None and (
                    text(body) in ("{}", "undefined", "null")
                    or (not body.named_children and body.type == "statement_block")
                ):
                    yield _tls_match(file.path, line, column, "checkServerIdentity accepts any")
        elif node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            target = file.qual(left) or text(left)
            value = string_value(right)
            if value is None:
                value = text(right)
            if target.endswith("NODE_TLS_REJECT_UNAUTHORIZED") and value == "0":
                yield _tls_match(file.path, line, column, "NODE_TLS_REJECT_UNAUTHORIZED=0")
            elif target.endswith(".rejectUnauthorized") and value in ("false", "0"):
                yield _tls_match(file.path, line, column, "rejectUnauthorized = false")
