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

from collections.abc import Iterator

from faasguard.code.patterns import rule_hits
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule


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
    yield from rule_hits(app, "CODE020")
