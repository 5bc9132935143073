"""Sensitive data left in /tmp at a fixed name across invocations.

What it finds:
Writes to a fixed path under `/tmp` — a constant string, `os.path.join("/tmp", "x")`,
`Path("/tmp") / "x"`, `path.join(os.tmpdir(), "x")`, or a name bound to one — of data
that is sensitive: event data (the handler's event and what is read from it), the result
of Secrets Manager `get_secret_value`, SSM `get_parameter(s)`, KMS `decrypt`, STS
credentials, or secret-named values. Python: `open(path, "w")` followed by `f.write`,
`json.dump`/`pickle.dump`/`yaml.dump`, `Path.write_text/bytes`; Node.js:
`fs.writeFile(Sync)`, `appendFile(Sync)`, `fs/promises`, fs-extra `outputFile`/`writeJson`,
`createWriteStream(path).write(...)`.

Not reported: unique names (`tempfile.mkstemp`, `NamedTemporaryFile`, `mkdtemp`,
`fs.mkdtemp`, names built from `uuid` or the request), files deleted in the same function
(`os.remove`, `os.unlink`, `Path.unlink`, `shutil.rmtree`, `fs.unlink(Sync)`, `fs.rm`),
and data that is not sensitive. Module-level in-memory caches of per-user data are out of
scope (they need reasoning about which user a warm environment serves next). The data flow
is followed inside one function.

Why it matters:
Lambda reuses an execution environment for many invocations, `/tmp` included, and those
invocations may serve different users or tenants. A token, a decrypted secret or a
customer's upload left at `/tmp/data.json` is there for the next invocation to read — and
for any code injection to find. Severity is medium.

Example:

```python
with open("/tmp/upload.json", "w") as out:
    json.dump(event["body"], out)
```

How to fix:
Keep the data in memory when you can. Otherwise use a unique temporary file
(`tempfile.NamedTemporaryFile()`, `fs.mkdtemp`) and delete it before returning (a
`finally` block or a `with` statement).

References:
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
- CWE-377: Insecure Temporary File
- CWE-459: Incomplete Cleanup
- OWASP Serverless Top 10: SAS-7 Insecure Application Secrets Storage

Tested with the annotated handlers of `tests/fixtures/sam/coderules-*` (the rule reads
handler code, not templates, so one format is enough).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from faasguard.code.facts import (
    EMPTY,
    CodeMatch,
    Labels,
    LabelSpec,
    ScopeInfo,
    describe,
    label,
    match_key,
)
from faasguard.code.javascript.facts import JsFile, JsScope, arguments, position, string_value
from faasguard.code.javascript.facts import node_text as text
from faasguard.code.python.facts import PyFile, PyScope, const_str, source_text
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules.base import Source, rule
from faasguard.rules.code._matches import pattern_hits
from faasguard.secrets import is_secret_field


@rule(
    id="CODE025",
    name="sensitive-data-in-tmp",
    severity=Severity.MEDIUM,
    practice=Practice.P7,
    cwe=("CWE-377", "CWE-459"),
    owasp=("SAS-7",),
    formats=("sam",),
    source=Source.CODE,
)
def check(app: App) -> Iterator[Hit]:
    """One hit per write of sensitive data to a fixed /tmp path."""
    yield from pattern_hits(app, match_python, match_javascript)


class SensitiveSpec(LabelSpec):
    """Data worth protecting on disk (event data, secrets, credentials)."""

    DECRYPTING = re.compile(
        r"(get_secret_value|getSecretValue|GetSecretValueCommand|\bdecrypt\b|DecryptCommand|"
        r"get_parameters?\b|getParameters?\b|GetParameters?Command|get_credentials|"
        r"get_session_token|assume_role|assumeRole|AssumeRoleCommand|GetSessionTokenCommand)"
    )

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        if qual is not None and qual.endswith("()") and self.DECRYPTING.search(qual):
            return label("secret", line, column, f"the result of {qual.removesuffix('()')}()")
        if qual is not None and qual.startswith("new ") and self.DECRYPTING.search(qual):
            return label("secret", line, column, f"the result of {qual.removeprefix('new ')}")
        return None

    def name(self, ident: str, info: ScopeInfo, line: int, column: int) -> Labels:
        if ident in info.events:
            return label("event", line, column, f"event data ({ident})")
        if is_secret_field(ident):
            return label("secret", line, column, f"the secret-bearing variable {ident}")
        return EMPTY

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        if key is not None and key != "*" and is_secret_field(key):
            return labels | label("secret", line, column, f"the secret-bearing field {key!r}")
        return labels


_SPEC = SensitiveSpec()


def is_tmp_path(text: str) -> bool:
    """True for a fixed path in Lambda's ``/tmp``."""
    return text == "/tmp" or text.startswith("/tmp/")


def _joined(parts: list[str | None]) -> str | None:
    """Constant path parts joined, when every part is a constant and the result is in /tmp."""
    if not parts or any(p is None for p in parts):
        return None
    joined = "/".join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts) if p)
    return joined if is_tmp_path(joined) else None


def _tmp_match(file: PyFile | JsFile, at: tuple[int, int], tmp: str, labels: Labels) -> CodeMatch:
    return CodeMatch(
        str(file.path),
        *at,
        f"writes {describe(labels)} to the fixed path {tmp}: /tmp survives between "
        "invocations of a warm execution environment, so the next invocation (another "
        "user's request) finds it; use a unique temporary file and delete it before "
        "returning, or keep the data in memory",
        match_key(file.path, "tmp", tmp),
    )


# ---------------------------------------------------------------------------- Python

_PY_WRITE_MODES = re.compile(r"[wax+]")
_PY_DUMPERS = ("json.dump", "pickle.dump", "yaml.dump", "yaml.safe_dump", "marshal.dump")


def _py_fixed_tmp(node: ast.AST | None) -> str | None:
    """The fixed ``/tmp`` path an expression spells, if it is one (constants only)."""
    if node is None:
        return None
    text = const_str(node)
    if text is not None:
        return text if is_tmp_path(text) else None
    if isinstance(node, ast.Call) and source_text(node.func) in (
        "os.path.join",
        "Path",
        "pathlib.Path",
    ):
        return _joined([const_str(a) for a in node.args])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _py_fixed_tmp(node.left), const_str(node.right)
        if left and right:
            return f"{left.rstrip('/')}/{right}"
    return None


class _PyPaths:
    """The fixed /tmp paths of one Python scope: constants, deleted paths, open handles."""

    def __init__(self, file: PyFile, scope: PyScope) -> None:
        self.constants: dict[str, str] = {}
        for node in [*scope.nodes, *file.scopes[0].nodes]:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                path = _py_fixed_tmp(node.value)
                if isinstance(target, ast.Name) and path:
                    self.constants[target.id] = path
        calls = [n for n in scope.nodes if isinstance(n, ast.Call)]
        self.deleted = {
            self.fixed(n.args[0])
            for n in calls
            if n.args and (file.qual(n.func) or "") in ("os.remove", "os.unlink", "shutil.rmtree")
        } | {
            self.fixed(n.func.value)
            for n in calls
            if isinstance(n.func, ast.Attribute) and n.func.attr == "unlink"
        }
        self.handles: dict[str, str] = {}
        for node in scope.nodes:
            self._opened(node)

    def fixed(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return _py_fixed_tmp(node)

    def _opened(self, node: ast.AST) -> None:
        """``with open(path, "w") as f`` / ``f = open(path, "w")`` on a fixed path."""
        if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call):
            call, bound = node.context_expr, node.optional_vars
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call, bound = node.value, node.targets[0]
        else:
            return
        if source_text(call.func) != "open" or not call.args:
            return
        mode = const_str(call.args[1]) if len(call.args) > 1 else None
        for keyword in call.keywords:
            if keyword.arg == "mode":
                mode = const_str(keyword.value)
        opened = self.fixed(call.args[0])
        if opened and mode and _PY_WRITE_MODES.search(mode) and isinstance(bound, ast.Name):
            self.handles[bound.id] = opened

    def written(self, file: PyFile, call: ast.Call) -> tuple[str | None, list[ast.AST]]:
        """The fixed path a call writes to, and the data it writes."""
        func = call.func
        path: str | None = None
        data: list[ast.AST] = []
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.handles
            and func.attr in ("write", "writelines")
        ):
            path, data = self.handles[func.value.id], list(call.args)
        if (file.qual(func) or "").endswith(_PY_DUMPERS) and len(call.args) >= 2:
            handle = call.args[1]
            if isinstance(handle, ast.Name) and handle.id in self.handles:
                path, data = self.handles[handle.id], [call.args[0]]
        if isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes"):
            path, data = self.fixed(func.value), list(call.args)
        return path, data


def match_python(file: PyFile) -> Iterator[CodeMatch]:
    """Writes of sensitive data to a fixed /tmp path not deleted in the same function."""
    for scope in file.scopes:
        flow = file.flow(scope, _SPEC)
        paths = _PyPaths(file, scope)
        for node in scope.nodes:
            if not isinstance(node, ast.Call):
                continue
            path, data = paths.written(file, node)
            if not path or path in paths.deleted:
                continue
            labels = flow.union(data)
            if labels:
                yield _tmp_match(file, (node.lineno, node.col_offset + 1), path, labels)


# ---------------------------------------------------------------------------- JavaScript

_JS_WRITERS = (
    "writeFileSync",
    "writeFile",
    "appendFileSync",
    "appendFile",
    "outputFile",
    "outputFileSync",
    "writeJson",
    "writeJsonSync",
    "outputJson",
    "outputJsonSync",
)
_JS_DELETERS = ("unlinkSync", "unlink", "rmSync", "rm", "remove", "removeSync")


def _js_fixed_tmp(file: JsFile, node: Any, constants: dict[str, str]) -> str | None:
    if node is None:
        return None
    value = string_value(node)
    if value is not None:
        return value if is_tmp_path(value) else None
    if node.type == "identifier":
        return constants.get(text(node))
    if node.type == "call_expression":
        qual = file.qual(node) or ""
        if qual in ("os.tmpdir()",):
            return "/tmp"
        if qual in ("path.join()", "path.resolve()", "path.posix.join()"):
            args = node.child_by_field_name("arguments")
            return _joined(
                [
                    _js_fixed_tmp(file, a, constants) if i == 0 else string_value(a)
                    for i, a in enumerate(args.named_children if args is not None else [])
                ]
            )
    return None


def _js_method(file: JsFile, call: Any) -> str:
    """The called method's name (``fs.writeFileSync`` and a bare ``writeFileSync`` alike)."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return ""
    prop = callee.child_by_field_name("property") if callee.type == "member_expression" else None
    return text(prop) if prop is not None else (file.qual(callee) or "").rsplit(".", 1)[-1]


def match_javascript(file: JsFile) -> Iterator[CodeMatch]:
    """Writes of sensitive data to a fixed /tmp path not deleted in the same function."""
    module_constants: dict[str, str] = {}
    for scope in file.scopes:
        constants = dict(module_constants)
        for node in scope.nodes:
            if node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                path = _js_fixed_tmp(file, value, constants)
                if name is not None and name.type == "identifier" and path:
                    constants[text(name)] = path
        if scope.node is None:
            module_constants = constants
        yield from _js_scope_writes(file, scope, constants)


def _js_scope_writes(
    file: JsFile, scope: JsScope, constants: dict[str, str]
) -> Iterator[CodeMatch]:
    calls = [
        (n, _js_method(file, n), arguments(n)) for n in scope.nodes if n.type == "call_expression"
    ]
    deleted = {
        _js_fixed_tmp(file, args[0], constants)
        for _, method, args in calls
        if method in _JS_DELETERS and args
    }
    streams: dict[str, str] = {}
    for node in scope.nodes:
        if node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None and value.type == "call_expression":
                args = arguments(value)
                path = _js_fixed_tmp(file, args[0], constants) if args else None
                if _js_method(file, value) == "createWriteStream" and path:
                    streams[text(name)] = path
    flow = file.flow(scope, _SPEC)
    for call, method, args in calls:
        path = None
        data: list[Any] = []
        if method in _JS_WRITERS and len(args) >= 2:
            path, data = _js_fixed_tmp(file, args[0], constants), [args[1]]
        elif method in ("write", "end") and args:
            callee = call.child_by_field_name("function")
            owner = callee.child_by_field_name("object") if callee is not None else None
            if owner is not None and text(owner) in streams:
                path, data = streams[text(owner)], [args[0]]
        if not path or path in deleted:
            continue
        labels = flow.union(data)
        if labels:
            yield _tmp_match(file, position(call), path, labels)
