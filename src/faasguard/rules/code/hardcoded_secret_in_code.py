"""Hard-coded secret or credential in handler code.

What it finds:
String literals in a function's code (the handler file and the local modules it imports,
Python and Node.js) that are secrets:

- values matching a detect-secrets detector: AWS access keys, private keys, GitHub, GitLab,
  Slack, Stripe, npm, PyPI, OpenAI, SendGrid and Twilio tokens, JWTs, URLs with a password
  (critical);
- high-entropy or password-like literals (8+ characters, mixed character classes with a
  digit) assigned to, compared with or passed as a secret-like name: `password`, `secret`,
  `token`, `api_key`, `apiKey`, `client_secret`, `aws_secret_access_key`, ... (high);
- any literal (8+ characters, not a placeholder) set as a web framework's signing key:
  Flask's `app.secret_key` / `SECRET_KEY`, Django's `SECRET_KEY`, Flask-JWT's
  `JWT_SECRET_KEY` (high): whoever has it forges sessions and tokens.

Not reported, as obvious placeholders or test values: values shorter than 8 characters,
containing `example`, `dummy`, `placeholder`, `changeme`, `replace_me`, `your_`, `xxxx`,
`***`, `fake`, `sample`, `redacted`, `<...>`, `${...}` or `{{...}}`, starting or ending
with `test`, the jwt.io sample token, identifier-like values (`x-api-key`, `DB_PASSWORD`),
URLs and paths, names that locate a secret (`SECRET_ARN`, `TOKEN_URL`, `next_token`),
and docstrings. The message never shows the value: only its first two characters and its
length.

Why it matters:
The deployment package is readable by anyone with `lambda:GetFunction`, the code is in the
repository and its history, in CI caches and in every developer's checkout. A secret in the
code is shared with all of them and cannot be rotated without a redeploy.

Example:

```python
STRIPE_KEY = "sk_live_51H8..."        # a live key in the handler
```

How to fix:
Store the secret in AWS Secrets Manager or SSM Parameter Store (SecureString), read it at
run time (cached, e.g. with the Parameters and Secrets Lambda extension or Powertools
parameters), grant the function read access to that one secret, and rotate the exposed
value now: it is in your repository history.

References:
- https://github.com/Yelp/detect-secrets
- https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
- CWE-798: Use of Hard-coded Credentials
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from faasguard.code.facts import CodeMatch, match_key
from faasguard.code.javascript.facts import JsFile, position, string_value
from faasguard.code.javascript.facts import node_text as text
from faasguard.code.javascript.index import walk
from faasguard.code.python.facts import PyFile, const_str
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits
from faasguard.secrets import (
    has_url_password,
    is_high_entropy,
    is_literal,
    is_secret_identifier,
    known_secret_type,
    redact,
)


@rule(
    id="CODE021",
    name="hardcoded-secret-in-code",
    severity=Severity.HIGH,
    practice=Practice.P7,
    cwe=("CWE-798",),
    owasp=("SAS-7",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per secret literal in the functions' code."""
    yield from pattern_hits(app, match_python, match_javascript)


#: Shortest literal taken for a secret.
MIN_SECRET_LENGTH = 8
#: Longer literals are embedded binaries and data blobs, which match token patterns by
#: chance; only a private key header is meaningful in a text that long.
MAX_SECRET_LENGTH = 2000
#: Values that are obviously not real secrets (documented above).
PLACEHOLDER_SECRET = re.compile(
    r"(example|dummy|placeholder|change[-_]?me|replace[-_]?me|your[-_]|xxxx|\*\*\*|fake|sample|"
    r"redacted|not[-_]?a[-_]?secret|<[^>]*>|\$\{|\{\{|^test|test$|^dev$|^local$)",
    re.IGNORECASE,
)
_IDENTIFIER_LIKE = re.compile(r"^([a-z0-9_.:/-]+|[A-Z0-9_.:/-]+)$")
#: The jwt.io sample token (documentation), by its well-known payload.
_SAMPLE_JWT_PAYLOAD = "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
_PEM = re.compile(r"-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY")


def _password_like(value: str) -> bool:
    """A literal that looks like a chosen password: 8+ characters, no spaces, mixed classes
    with a digit, not an identifier, path or URL."""
    if (
        len(value) < MIN_SECRET_LENGTH
        or any(c.isspace() for c in value)
        or _IDENTIFIER_LIKE.match(value)
    ):
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    return classes >= 3 and any(c.isdigit() for c in value)


#: Settings that sign a web framework's sessions or tokens (Flask, Django, Flask-JWT):
#: whatever their value, a literal there is the key itself.
SIGNING_KEY_NAMES = frozenset({"secret_key", "SECRET_KEY", "JWT_SECRET_KEY"})


def _secret_match(value: str, name: str | None) -> tuple[str, Severity] | None:
    """Why ``value`` (bound to ``name``) is a hard-coded secret, and how bad."""
    text = value.strip()
    if len(text) > MAX_SECRET_LENGTH:
        return ("matches the Private Key pattern", Severity.CRITICAL) if _PEM.search(text) else None
    if len(text) < MIN_SECRET_LENGTH or not is_literal(text) or PLACEHOLDER_SECRET.search(text):
        return None
    if _SAMPLE_JWT_PAYLOAD in text:
        return None
    kind = known_secret_type(text) or ("URL with a password" if has_url_password(text) else None)
    if kind is not None:
        return f"matches the {kind} pattern", Severity.CRITICAL
    if name is None or not is_secret_identifier(name):
        return None
    if is_high_entropy(text) or _password_like(text):
        return f"a literal assigned to {name}", Severity.HIGH
    if name in SIGNING_KEY_NAMES:
        return f"a literal set as the framework's signing key {name}", Severity.HIGH
    return None


def _secret_code_match(
    path: Path, line: int, column: int, value: str, why: tuple[str, Severity]
) -> CodeMatch:
    reason, severity = why
    kind = reason.split(" pattern")[0].removeprefix("matches the ")
    shown = redact(value, kind if kind != reason else "secret")
    return CodeMatch(
        str(path),
        line,
        column,
        f"hard-coded secret {shown} ({reason}): anyone who can read the code or "
        "download the function's package has it; load it from Secrets Manager or SSM "
        "Parameter Store at run time and rotate it",
        match_key(path, "secret", kind, str(column)),
        severity,
    )


# ---------------------------------------------------------------------------- Python


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """Secret string constants (docstrings left out), named by what they are bound to."""
    names = _py_bound_names(file.tree)
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(file.tree)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
    }
    for node in ast.walk(file.tree):
        literal = const_str(node)
        if literal is None or id(node) in docstrings or not isinstance(node, ast.Constant):
            continue
        match = _secret_match(literal, names.get(id(node)))
        if match is not None:
            yield _secret_code_match(file.path, node.lineno, node.col_offset + 1, literal, match)


def _py_bound_names(tree: ast.Module) -> dict[int, str]:
    """id(value node) -> the name it is assigned to, passed as, keyed by or compared with."""
    names: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = _py_target_name(target)
                if name and node.value is not None:
                    names[id(node.value)] = name
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg:
                    names[id(keyword.value)] = keyword.arg
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                name = const_str(key)
                if name:
                    names[id(value)] = name
        elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
            # ``if password == "hunter2"``: the literal is compared with a named value.
            name = _py_target_name(node.left)
            if name:
                names[id(node.comparators[0])] = name
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.update(_py_default_names(node.args))
    return names


def _py_default_names(arguments: ast.arguments) -> dict[int, str]:
    """id(default value) -> the parameter it is the default of."""
    names: dict[int, str] = {}
    positional = [*arguments.posonlyargs, *arguments.args]
    for arg, default in zip(positional[::-1], arguments.defaults[::-1], strict=False):
        names[id(default)] = arg.arg
    for arg, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        if kw_default is not None:
            names[id(kw_default)] = arg.arg
    return names


def _py_target_name(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):
        return const_str(target.slice)
    return None


# ---------------------------------------------------------------------------- JavaScript


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """Secret string literals (module names and object keys left out)."""
    for node in walk(file.root):
        value = string_value(node)
        if value is None:
            continue
        parent = node.parent
        if parent is not None and (
            parent.type in ("import_statement", "export_statement")
            or (parent.type == "pair" and parent.child_by_field_name("key") == node)
            or (parent.type == "arguments" and file.required(parent.parent) is not None)
        ):
            continue
        why = _secret_match(value, _js_secret_name(node))
        if why is not None:
            yield _secret_code_match(file.path, *position(node), value, why)


def _js_secret_name(node: Any) -> str | None:
    """The name a string literal is bound to, compared with or passed as."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
        name = parent.child_by_field_name("name")
        return text(name) if name is not None and name.type == "identifier" else None
    if parent.type == "pair" and parent.child_by_field_name("value") == node:
        key = parent.child_by_field_name("key")
        return (string_value(key) or text(key)) if key is not None else None
    if (
        parent.type in ("assignment_expression", "assignment_pattern")
        and parent.child_by_field_name("right") == node
    ):
        return _js_assigned_name(parent.child_by_field_name("left"))
    if parent.type == "binary_expression":
        other = parent.child_by_field_name("left")
        if other is not None and other != node:
            return _js_assigned_name(other)
    return None


def _js_assigned_name(node: Any) -> str | None:
    """The name of an identifier or the property of a member expression."""
    if node is not None and node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return text(prop) if prop is not None else None
    return text(node) if node is not None and node.type == "identifier" else None
