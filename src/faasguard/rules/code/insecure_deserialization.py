"""Attacker-controlled event data is deserialised with an unsafe deserialiser.

What it finds:
Event data reaching `pickle`/`marshal`/`dill`/`jsonpickle` loaders, `yaml.load` with an
unsafe loader (`yaml.Loader`, `yaml.UnsafeLoader`, no loader), `yaml.unsafe_load`, or
`node-serialize`/`serialize-to-js` on Node.js.

Where no flow from the event is proven, a call of `pickle.loads`/`load`,
`dill`/`marshal` loaders, `jsonpickle.decode`, `yaml.load` without a safe loader, or
`node-serialize`'s `unserialize` on a value that is not a constant is still reported, at low
severity: the data may come from a queue, a bucket or a table another party writes to, and
the loader runs code whatever the source. Serialising (`pickle.dumps`) and safe loaders are
not reported.

It is a taint rule: faasguard follows data from the parts of the `event` that the function's
triggers fill (an HTTP body, an S3 object key, an SQS message, ...) through the handler code
and the modules it imports, and reports the whole path, source to sink. When only triggers
a WAF cannot see deliver the input, the severity is raised one level and the message says
so (practice P2). A function without a known trigger has its whole event treated as
attacker-controlled. The code is parsed, never imported or run.

Tested by annotated handler fixtures (`# expect:`/`# ok:` on the sink lines of the code in
`tests/fixtures/sam/code-*/`), not by template fixtures: the rule is about code, so its
`formats` lists only `sam`.

Why it matters:
These formats can describe objects whose construction runs code: deserialising an attacker's
payload is remote code execution.

Example:

```python
def handler(event, context):
    order = yaml.load(event["body"], Loader=yaml.Loader)
```

How to fix:
Use a data-only format and loader: `json.loads`, `yaml.safe_load` (or
`Loader=yaml.SafeLoader`). Never unpickle data that crossed a trust boundary; sign it (HMAC)
if it must round-trip.

References:
- CWE-502: Deserialization of Untrusted Data
- https://pyyaml.org/wiki/PyYAMLDocumentation
- OWASP Serverless Top 10: SAS-1 Function Event Data Injection
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import Any

from faasguard.code.facts import CodeMatch, match_key
from faasguard.code.javascript.facts import JsFile, arguments, position, string_value
from faasguard.code.javascript.index import walk
from faasguard.code.python.facts import PyFile
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits
from faasguard.rules.code._taint import taint_hits

#: Loaders that run code from what they load, whatever the source (Python qualified names).
PY_LOADERS = frozenset(
    {
        "pickle.loads",
        "pickle.load",
        "_pickle.loads",
        "cPickle.loads",
        "dill.loads",
        "dill.load",
        "marshal.loads",
        "marshal.load",
        "jsonpickle.decode",
        "yaml.unsafe_load",
        "yaml.unsafe_load_all",
    }
)
_YAML_SAFE = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")
JS_LOADERS = frozenset({"node-serialize.unserialize", "serialize-to-js.deserialize"})


@rule(
    id="CODE003",
    name="insecure-deserialization",
    severity=Severity.CRITICAL,
    practice=Practice.P7,
    cwe=("CWE-502",),
    owasp=("SAS-1",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per insecure deserialization flow, with its source-to-sink path; one low
    hit per unsafe loader call no proven flow reaches."""
    proven: set[tuple[str, int]] = set()
    for hit in taint_hits(app, "deserialization", "insecure deserialization", Severity.CRITICAL):
        proven.add((hit.location.file, hit.location.line))
        yield hit
    for hit in pattern_hits(app, match_python, match_javascript):
        if (hit.location.file, hit.location.line) not in proven:
            yield hit


def _loader_match(path: Any, line: int, column: int, callee: str) -> CodeMatch:
    return CodeMatch(
        str(path),
        line,
        column,
        f"{callee}() deserialises data that is not a constant: no flow from the event is "
        "proven, but this loader runs code embedded in what it loads, so whoever can write "
        "that data (a queue, a bucket, a table, a cache) can run code in the function; use "
        "a data-only format (json, yaml.safe_load) or sign the data",
        match_key(path, "loader", callee, str(line)),
        Severity.LOW,
    )


def _constant_built(node: ast.expr, imports: Mapping[str, str]) -> bool:
    """An expression made of constants and imported functions called on them
    (``base64.b64decode(b"gAR...")``): no variable, data attribute or subscript feeds it."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.BinOp):
        return _constant_built(node.left, imports) and _constant_built(node.right, imports)
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        # ``module.function(...)`` or a method of a constant (``"x".encode()``)
        receiver = func.value
        if not (
            (isinstance(receiver, ast.Name) and receiver.id in imports)
            or _constant_built(receiver, imports)
        ):
            return False
    elif not isinstance(func, ast.Name):
        return False
    return all(_constant_built(a, imports) for a in node.args) and all(
        _constant_built(k.value, imports) for k in node.keywords
    )


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """Unsafe loader calls on non-constant data."""
    for node in ast.walk(file.tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        if _constant_built(node.args[0], file.imports):
            continue
        callee = file.qual(node.func) or ""
        if callee in ("yaml.load", "yaml.load_all"):
            loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
            if loader is None and len(node.args) > 1:
                loader = node.args[1]
            if loader is not None and ast.unparse(loader).endswith(_YAML_SAFE):
                continue
        elif callee not in PY_LOADERS:
            continue
        yield _loader_match(file.path, node.lineno, node.col_offset + 1, callee)


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """``node-serialize``'s ``unserialize`` (and its relatives) on non-constant data."""
    for node in walk(file.root):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        name = file.qual(callee) if callee is not None else None
        if name not in JS_LOADERS:
            continue
        args = arguments(node)
        if not args or string_value(args[0]) is not None:
            continue
        line, column = position(node)
        yield _loader_match(file.path, line, column, name)
