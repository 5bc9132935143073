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
- `jsonwebtoken.verify(..., { algorithms: ['none'] })`;
- a token decoded by hand — its payload cut out with `token.split('.')[1]`, then base64
  and JSON decoded (`json.loads(base64.urlsafe_b64decode(...))`, `JSON.parse(Buffer.from(
  ..., 'base64'))`) — when its claims drive an authorization decision and the function
  checks no signature itself (`hmac.compare_digest`, `crypto.createHmac`/`createVerify`);
  reported at the `split`.

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
from collections.abc import Callable, Iterable, Iterator
from functools import partial
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
        segment = _payload_segment(node)
        if segment is not None:
            return label("by-hand", line, column, segment)
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


def _payload_segment(node: Any) -> str | None:
    """``token.split('.')[1]`` (Python or JavaScript): the payload of a JWT cut by hand."""
    if isinstance(node, ast.Subscript):
        call = node.value
        if (
            isinstance(node.slice, ast.Constant)
            and node.slice.value == 1
            and isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "split"
            and call.args
            and const_str(call.args[0]) == "."
        ):
            return ast.unparse(node)
        return None
    if getattr(node, "type", None) != "subscript_expression":
        return None
    call, index = node.child_by_field_name("object"), node.child_by_field_name("index")
    if call is None or index is None or call.type != "call_expression" or text(index) != "1":
        return None
    callee, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if callee is None or args is None or callee.type != "member_expression":
        return None
    prop = callee.child_by_field_name("property")
    first = args.named_children[0] if args.named_children else None
    if prop is None or text(prop) != "split" or first is None or string_value(first) != ".":
        return None
    return text(node)


#: Calls that decode a hand-cut payload: base64 then JSON (both are needed for claims).
_BASE64 = ("b64decode", "urlsafe_b64decode", "base64url_decode", "atob", "base64")
_JSON = ("json.loads", "json.load", "JSON.parse", "loads", "parse")
#: A hand-cut token whose signature the function checks itself (HMAC, a crypto verifier).
_HAND_VERIFY = ("hmac.new", "compare_digest", "createHmac", "createVerify", "timingSafeEqual")


def _decodes_by_hand(source: str) -> bool:
    """Does the function's text base64-decode and JSON-parse, and check no signature?"""
    return (
        any(name in source for name in _BASE64)
        and any(name in source for name in _JSON)
        and not any(name in source for name in _HAND_VERIFY)
    )


def _uses(
    path: Path, decisions: Iterable[tuple[str, Labels]], source: Callable[[], str]
) -> Iterator[CodeMatch]:
    """One match per unverified read that a decision (a condition, a return) depends on.

    ``source`` gives the function's text, read only when a payload was cut by hand."""
    seen: set[tuple[int, int]] = set()
    by_hand: bool | None = None
    for use, labels in decisions:
        for found in labels:
            if found.kind not in ("claims", "header", "by-hand"):
                continue
            if found.kind == "by-hand":
                by_hand = _decodes_by_hand(source()) if by_hand is None else by_hand
                if not by_hand:
                    continue
            if (found.line, found.column) in seen:
                continue
            seen.add((found.line, found.column))
            if found.kind == "by-hand":
                yield _by_hand(path, found, use)
                continue
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


def _by_hand(path: Path, found: Any, use: str) -> CodeMatch:
    return CodeMatch(
        str(path),
        found.line,
        found.column,
        f"{found.text} cuts the token's payload out by hand (then base64 and JSON decode "
        f"it) without verifying the signature, and {use} depends on its claims: a forged "
        "token passes; verify the token with a JWT library (signature, issuer, audience, "
        "expiry) before trusting anything in it",
        match_key(path, "by-hand", found.text),
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
        yield from _uses(
            file.path,
            _py_decisions(scope, file.flow(scope, _SPEC)),
            partial(_py_text, scope),
        )


def _py_text(scope: PyScope) -> str:
    return "\n".join(ast.unparse(node) for node in scope.body)


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
        yield from _uses(
            file.path,
            _js_decisions(file, scope, file.flow(scope, _SPEC)),
            partial(_js_text, scope),
        )


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


def _js_text(scope: JsScope) -> str:
    return text(scope.node) if scope.node is not None else ""


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
