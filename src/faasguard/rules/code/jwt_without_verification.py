"""JWT decoded without verifying its signature.

What it finds:
Handler code (Python and Node.js) that trusts a JSON Web Token it never verified:

- PyJWT / python-jose `jwt.decode(...)` with `options={"verify_signature": False}`,
  `verify=False` (PyJWT 1.x) or `algorithms=["none"]` — reported wherever it appears;
- python-jose `jwt.get_unverified_claims` / `get_unverified_header`, `jsonwebtoken`'s
  `jwt.decode(...)` (instead of `jwt.verify`), `jose`'s `decodeJwt` /
  `decodeProtectedHeader` and `jwt-decode`, when the result drives an authorization
  decision: it is used in a condition (`if claims["role"] == "admin"`) or returned (an
  authorizer returning `principalId: decoded.sub`);
- `jsonwebtoken.verify(..., { algorithms: ['none'] })`.

An unverified read is not reported when the same function also verifies a token
(`jwt.decode` with verification, `jwt.verify`, `jwtVerify`, a JWKS client): reading the
issuer or the `kid` header first to pick the key is how verification starts. The data flow
is followed inside one function (names, destructuring, containers), not into helpers.

Why it matters:
Anyone can create a token with any claims. Without the signature check a custom
authorizer, an AppSync resolver or a handler doing its own authorization accepts
`{"sub": "admin"}` from an attacker: authentication is bypassed entirely.

Example:

```python
def authorize(event, context):
    claims = jwt.decode(event["authorizationToken"], options={"verify_signature": False})
    if claims["scope"] == "admin":
        return allow(claims["sub"])
```

How to fix:
Verify the token with the issuer's key and a fixed list of algorithms, and check issuer,
audience and expiry: `jwt.decode(token, key, algorithms=["RS256"], audience=...,
issuer=...)` with `jwt.PyJWKClient` for JWKS; `jwt.verify(token, key, { algorithms:
['RS256'] })` or `jose.jwtVerify` / `aws-jwt-verify` on Node. Better still, let API
Gateway's JWT or Cognito authorizer do it.

References:
- https://pyjwt.readthedocs.io/en/stable/usage.html#reading-the-claimset-without-validation
- https://github.com/auth0/node-jsonwebtoken#jwtdecodetoken--options
- CWE-347: Improper Verification of Cryptographic Signature
- OWASP Serverless Top 10: SAS-2 Broken Authentication

Severity is high: the finding is an authentication bypass. Tested with the annotated
handlers of `tests/fixtures/sam/coderules-*` (SAM projects; the rule reads handler code,
not templates, so one format is enough).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from faasguard.code.facts import CodeMatch, Labels, LabelSpec, label, match_key
from faasguard.code.javascript.facts import JsFile, JsFlow, JsScope, position, string_value
from faasguard.code.javascript.facts import node_text as text
from faasguard.code.javascript.index import walk
from faasguard.code.python.facts import PyFile, PyFlow, PyScope, const_str, is_false
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits


@rule(
    id="CODE020",
    name="jwt-without-verification",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-347",),
    owasp=("SAS-2",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per unverified JWT decode that authorization depends on."""
    yield from pattern_hits(app, match_python, match_javascript)


class JwtSpec(LabelSpec):
    """Claims and headers read from a JWT without verifying it."""

    UNVERIFIED: ClassVar[dict[str, str]] = {
        "jose.jwt.get_unverified_claims": "claims",
        "jwt.get_unverified_claims": "claims",
        "jose.jwt.get_unverified_header": "header",
        "jwt.get_unverified_header": "header",
        "jose.jwt.get_unverified_headers": "header",
        "jsonwebtoken.decode": "claims",
        "jose.decodeJwt": "claims",
        "jose.decodeProtectedHeader": "header",
        "jwt-decode": "claims",
        "jwt-decode.default": "claims",
        "jwt-decode.jwtDecode": "claims",
    }

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        if qual is None or not qual.endswith("()"):
            return None
        kind = self.UNVERIFIED.get(qual.removesuffix("()"))
        if kind is None:
            return None
        return label(kind, line, column, qual.removesuffix("()"))

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        if key in ("kid", "alg", "typ", "x5t", "x5u", "jku", "cty"):
            # Picking the verification key by ``kid`` is how verification starts.
            return frozenset(lab for lab in labels if lab.kind != "header")
        return labels


_SPEC = JwtSpec()


def _uses(path: Path, decisions: Iterable[tuple[str, Labels]]) -> Iterator[CodeMatch]:
    """One match per unverified read that a decision (a condition, a return) depends on."""
    seen: set[tuple[int, int]] = set()
    for use, labels in decisions:
        for found in labels:
            if found.kind not in ("claims", "header") or (found.line, found.column) in seen:
                continue
            seen.add((found.line, found.column))
            what = "claims" if found.kind == "claims" else "header"
            yield CodeMatch(
                str(path),
                found.line,
                found.column,
                f"{found.text}() reads the token's {what} without verifying its signature, "
                f"and {use} depends on them: a forged token passes; verify the token "
                "(signature, issuer, audience, expiry) before trusting anything in it",
                match_key(path, "unverified", found.text),
            )


# ---------------------------------------------------------------------------- Python

_PY_JWT_DECODE = ("jwt.decode", "jose.jwt.decode", "jwt.api_jwt.decode", "jwt.decode_complete")


def _py_verify_off(call: ast.Call, dicts: dict[str, ast.Dict]) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "verify" and is_false(keyword.value):
            return "verify=False"
        if keyword.arg == "options":
            options = keyword.value
            if isinstance(options, ast.Name):
                options = dicts.get(options.id, options)
            if isinstance(options, ast.Dict):
                for key, value in zip(options.keys, options.values, strict=True):
                    if const_str(key) == "verify_signature" and is_false(value):
                        return 'options={"verify_signature": False}'
        if (
            keyword.arg == "algorithms"
            and isinstance(keyword.value, (ast.List, ast.Tuple))
            and any((const_str(e) or "").lower() == "none" for e in keyword.value.elts)
        ):
            return 'algorithms=["none"]'
    return None


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """Decodes with verification off; unverified reads in functions that verify nothing."""
    dicts = {
        t.id: n.value
        for n in ast.walk(file.tree)
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Dict)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    for scope in file.scopes:
        verifies = False
        for node in scope.nodes:
            if not isinstance(node, ast.Call):
                continue
            qual = file.qual(node.func) or ""
            if qual.endswith(_PY_JWT_DECODE):
                off = _py_verify_off(node, dicts)
                if off is None:
                    verifies = True
                    continue
                yield CodeMatch(
                    str(file.path),
                    node.lineno,
                    node.col_offset + 1,
                    f"{qual}(...) with {off}: the token's signature is not checked, so anyone "
                    "can forge its claims; verify with the issuer's key and a fixed list of "
                    "algorithms",
                    match_key(file.path, "decode", off),
                )
            elif qual.endswith((".verify", "get_signing_key_from_jwt")):
                verifies = True
        if verifies:
            continue  # claims read before verification (to pick the issuer) are fine
        yield from _uses(file.path, _py_decisions(scope, file.flow(scope, _SPEC)))


def _py_decisions(scope: PyScope, flow: PyFlow) -> Iterator[tuple[str, Labels]]:
    for node in scope.nodes:
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            yield "a condition", flow.labels(node.test, through_compare=True)
        elif isinstance(node, ast.comprehension):
            for test in node.ifs:
                yield "a condition", flow.labels(test, through_compare=True)
        elif isinstance(node, ast.Return) and node.value is not None:
            yield "the returned value", flow.labels(node.value)


# ---------------------------------------------------------------------------- JavaScript

_JS_VERIFYING = ("jsonwebtoken.verify", "jose.jwtVerify", "jose.compactVerify", "jose.jwtDecrypt")


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """``verify`` accepting ``none``; unverified reads in functions that verify nothing."""
    for scope in file.scopes:
        verifies = False
        for node in scope.nodes:
            if node.type != "call_expression":
                continue
            callee = node.child_by_field_name("function")
            qual = (file.qual(callee) if callee is not None else None) or ""
            if qual in _JS_VERIFYING or qual.endswith(".verify"):
                verifies = True
                yield from _js_accepts_none(file, node, qual)
        if verifies:
            continue
        yield from _uses(file.path, _js_decisions(file, scope, file.flow(scope, _SPEC)))


def _js_accepts_none(file: JsFile, call: Any, qual: str) -> Iterator[CodeMatch]:
    args = call.child_by_field_name("arguments")
    for obj in walk(args) if args is not None else []:
        if obj.type == "pair" and text(obj.child_by_field_name("key")) == "algorithms":
            value = obj.child_by_field_name("value")
            if value is not None and any(
                (string_value(e) or "").lower() == "none" for e in value.named_children
            ):
                line, column = position(call)
                yield CodeMatch(
                    str(file.path),
                    line,
                    column,
                    f"{qual}(...) accepts algorithms: ['none']: an unsigned token "
                    "passes verification; list only the algorithms the issuer uses",
                    match_key(file.path, "verify-none"),
                )


def _js_decisions(file: JsFile, scope: JsScope, flow: JsFlow) -> list[tuple[str, Labels]]:
    decisions: list[tuple[str, Labels]] = []
    for node in scope.nodes:
        if node.type in ("if_statement", "while_statement", "do_statement", "ternary_expression"):
            condition = node.child_by_field_name("condition")
            if condition is not None:
                decisions.append(("a condition", flow.labels(condition, through_compare=True)))
        elif node.type == "switch_statement":
            value = node.child_by_field_name("value")
            if value is not None:
                decisions.append(("a condition", flow.labels(value, through_compare=True)))
    for sink in file.sinks(scope):
        if sink.kind in ("return", "response"):
            decisions.append(("the returned value", flow.labels(sink.value)))
    return decisions
