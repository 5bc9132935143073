"""Pattern matchers behind the non-taint code rules CODE020-CODE026, for Python and Node.js.

The rules look for *shapes* in handler code, not for attacker-controlled data: a JWT read
without its signature, a secret written in the code, exception text in a response, a whole
event logged, TLS verification switched off, sensitive data left at a fixed ``/tmp`` name,
AWS credentials returned or logged. Several of them need a little data flow inside one
function ("the decoded claims are used in an ``if``", "the exception message ends up in the
response body"): :class:`_Flow` is a small flow-insensitive propagation over the
assignments of one function (names, destructuring, ``for`` targets, containers written
item by item), with *labels* instead of taint and a per-rule :class:`_Spec` saying where
labels come from and what survives a field access (``event["body"]`` is not the whole
event; ``headers["Authorization"]`` is a secret). It does not follow values into helper
functions or other modules: the interprocedural engine is the taint tracker's job, and
these rules document the limit.

Files are parsed with the existing front ends (:func:`faasguard.code.python.parse_module`,
:func:`faasguard.code.javascript.parse_module`) and never imported or run. Which files
belong to a function comes from :func:`faasguard.code.sdk_calls.analyse_function` (the
handler file and the local modules it loads). Matches are computed once per file (cached by
size and modification time) and attributed to functions by :func:`rule_hits`: a match
inside the exported handler of one function belongs to that function only; code shared by
several functions is reported once, naming them all.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from faasguard.findings import Hit, Severity
from faasguard.model import App, Diagnostic, DiagnosticLevel, Function, Location, TriggerKind

# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class CodeMatch:
    """One place in a handler file that a CODE02x rule reports.

    ``exports`` are the handler exports whose function body contains the match;
    ``handler_return`` is set for a plain ``return`` of that export (only a sink when the
    function's handler is that export); ``requires_http`` matches only count for functions
    with an HTTP trigger; ``needs_event_content`` ones not for functions only run on a
    schedule (their event holds nothing sensitive).
    """

    rule: str
    file: str
    line: int
    column: int
    message: str
    key: str
    severity: Severity | None = None
    exports: frozenset[str] = frozenset()
    handler_return: str | None = None
    requires_http: bool = False
    needs_event_content: bool = False


@dataclass(frozen=True, slots=True)
class Label:
    """What a value carries: ``kind`` (``event``, ``secret``, ``exception``, ...), where it
    came from and how to name it in a message."""

    kind: str
    line: int
    column: int
    text: str


Labels = frozenset[Label]
EMPTY: Labels = frozenset()

#: Parameter names taken for the event and the context of a handler-like function.
EVENT_NAMES = frozenset({"event", "evt", "lambda_event", "_event"})
CONTEXT_NAMES = frozenset({"context", "ctx", "_context", "_ctx", "lambda_context", "lambdaContext"})
CALLBACK_NAMES = frozenset({"callback", "cb"})
#: Receivers of HTTP responses in Express-style frameworks (serverless-http, fastify).
RESPONSE_OBJECTS = frozenset({"res", "response", "resp", "reply"})
RESPONSE_METHODS = frozenset({"send", "json", "jsonp", "end", "write"})
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "trace"}
)
CONSOLE_METHODS = frozenset({"log", "info", "warn", "error", "debug", "trace", "dir", "table"})

#: Names and keys that carry a credential, matched on the whole snake-cased name's ending
#: (``authorizationToken`` -> ``authorization_token``; ``token_dict`` and
#: ``credential_refresh_window`` do not match).
SECRET_KEY = re.compile(
    r"(^|_)(authorization|cookies?|passw(or)?d|pwd|pass_?phrase|secret|secret_?(access_)?key|"
    r"access_?key|private_?key|signing_?key|api_?key|apikey|token|credentials?|bearer|"
    r"authorizationtoken)$"
)
#: Names ending like a secret that are not one (pagination, counts, types, references).
NOT_SECRET_KEY = re.compile(
    r"(next|page|continuation|pagination|cursor|starting|count|type|expir|ttl|length|url|uri|name|"
    r"endpoint|arn|path|header|_id$)"
)
AWS_CREDENTIAL_VARIABLES = {
    "AWS_SECRET_ACCESS_KEY": "cred-secret",
    "AWS_SESSION_TOKEN": "cred-secret",
    "AWS_ACCESS_KEY_ID": "cred-id",
}


def is_secret_key(key: str) -> bool:
    """True when a field or variable name says it carries a credential."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).replace("-", "_").lower()
    return SECRET_KEY.search(snake) is not None and NOT_SECRET_KEY.search(snake) is None


# ---------------------------------------------------------------------------- label specs


@dataclass
class _ScopeInfo:
    """Names with a role in one function (and the functions around it)."""

    events: set[str] = field(default_factory=set)
    contexts: set[str] = field(default_factory=set)
    exceptions: set[str] = field(default_factory=set)
    callbacks: set[str] = field(default_factory=set)


class _Spec:
    """Where one rule's labels come from and what a field access keeps of them.

    ``precise_calls``: a call's result carries its arguments' labels only for functions
    that pass text through (``str``, ``json.dumps``, ``format``, ``JSON.stringify``) and its
    receiver's only for string-like methods; otherwise any call propagates everything (a
    helper building a response from an exception still carries it).
    """

    precise_calls = False

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        """Labels of an expression by its shape (``None``: not a source, look inside)."""
        del qual, node, line, column
        return None

    def name(self, ident: str, info: _ScopeInfo, line: int, column: int) -> Labels:
        """Labels a name carries by its role or its own name."""
        del ident, info, line, column
        return EMPTY

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        """Labels of ``value[key]`` (``key`` ``None``: computed, ``"*"``: any element)."""
        del key, line, column
        return labels


#: Calls whose result is their arguments as text (for ``precise_calls`` specs).
TRANSPARENT_CALLS = frozenset(
    {
        "str",
        "repr",
        "format",
        "format_map",
        "dumps",
        "stringify",
        "dict",
        "list",
        "tuple",
        "sorted",
        "copy",
        "deepcopy",
        "pformat",
        "inspect",
        "b64encode",
        "String",
        "join",
        "assign",
        "fromEntries",
        "entries",
        "values",
        "keys",
        "items",
        "concat",
        "vars",
    }
)
#: Methods whose result is their receiver's text or content.
STRING_METHODS = frozenset(
    {
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "rsplit",
        "replace",
        "lower",
        "upper",
        "encode",
        "decode",
        "removeprefix",
        "removesuffix",
        "format",
        "copy",
        "items",
        "values",
        "keys",
        "splitlines",
        "partition",
        "title",
        "toString",
        "trim",
        "substring",
        "slice",
        "toLowerCase",
        "toUpperCase",
        "concat",
        "toJSON",
        "join",
        "entries",
    }
)


def _lab(kind: str, line: int, column: int, text: str) -> Labels:
    return frozenset({Label(kind, line, column, text)})


class LogSpec(_Spec):
    """CODE023: whole events, request headers, secret-bearing fields, context identity."""

    precise_calls = True

    def name(self, ident: str, info: _ScopeInfo, line: int, column: int) -> Labels:
        if ident in info.events:
            return _lab("event", line, column, f"the whole event ({ident})")
        if is_secret_key(ident):
            return _lab("secret", line, column, f"the secret-bearing variable {ident}")
        return EMPTY

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        result: set[Label] = set()
        if (
            key is not None
            and key != "*"
            and is_secret_key(key)
            and key not in AWS_CREDENTIAL_VARIABLES  # CODE026 reports those
        ):
            result.add(Label("secret", line, column, f"the secret-bearing field {key!r}"))
        for label in labels:
            if label.kind == "secret":
                result.add(label)
            elif label.kind == "event" and key in ("headers", "multiValueHeaders", "cookies"):
                result.add(Label("headers", line, column, f"the request {key} (with credentials)"))
            elif label.kind == "context" and key in ("identity", "client_context", "clientContext"):
                result.add(Label("identity", line, column, f"context.{key}"))
            elif label.kind in ("headers", "identity") and key == "*":
                result.add(label)
        return frozenset(result)


def _log_name(spec: LogSpec, ident: str, info: _ScopeInfo, line: int, column: int) -> Labels:
    found = _Spec.name(spec, ident, info, line, column) | spec.name(ident, info, line, column)
    if ident in info.contexts:
        found |= _lab("context", line, column, ident)
    return found


class ExceptionSpec(_Spec):
    """CODE022: stack traces and exception text."""

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
            return _lab(kind, line, column, f"{name}()")
        if qual in ("type()", "isinstance()"):
            return EMPTY  # the class name or a boolean leaks nothing
        return None

    def name(self, ident: str, info: _ScopeInfo, line: int, column: int) -> Labels:
        if ident in info.exceptions:
            return _lab("exception", line, column, f"the exception {ident}")
        return EMPTY

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        if key in ("__name__", "name", "code", "statusCode", "status"):
            return EMPTY  # the class name or an error code is not exception text
        if key in ("stack", "__traceback__", "stackTrace"):
            return frozenset(
                Label("stack", lab.line, lab.column, f"{lab.text}.{key}") for lab in labels
            )
        return labels


class JwtSpec(_Spec):
    """CODE020: claims and headers read from a JWT without verifying it."""

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
        return _lab(kind, line, column, qual.removesuffix("()"))

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        if key in ("kid", "alg", "typ", "x5t", "x5u", "jku", "cty"):
            # Picking the verification key by ``kid`` is how verification starts.
            return frozenset(lab for lab in labels if lab.kind != "header")
        return labels


class CredentialSpec(_Spec):
    """CODE026: AWS credentials from the environment or the SDK's credential chain."""

    precise_calls = True

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        if qual in ("os.environ", "process.env"):
            return _lab("environment", line, column, f"the whole environment ({qual})")
        if qual in ("os.getenv()", "os.environ.get()"):
            return None  # narrowed by its first argument in the language walkers
        if qual is not None and qual.endswith(
            (".get_credentials()", ".get_frozen_credentials()", ".credentials()")
        ):
            return _lab("cred-secret", line, column, qual.removesuffix("()") + "()")
        if qual in (
            "AWS.config.credentials",
            "aws-sdk.config.credentials",
            "@aws-sdk/credential-providers.fromEnv()()",
            "@aws-sdk/credential-provider-node.defaultProvider()()",
            "@aws-sdk/credential-providers.fromNodeProviderChain()()",
        ):
            return _lab("cred-secret", line, column, qual.replace("()()", "()"))
        return None

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        result: set[Label] = set()
        for label in labels:
            if label.kind == "environment":
                if key == "*":
                    result.add(label)
                elif key in AWS_CREDENTIAL_VARIABLES:
                    result.add(Label(AWS_CREDENTIAL_VARIABLES[key], line, column, key))
            elif key not in ("method", "expiry_time", "expiration"):
                result.add(label)
        return frozenset(result)


class SensitiveSpec(_Spec):
    """CODE025: data worth protecting on disk (event data, secrets, credentials)."""

    DECRYPTING = re.compile(
        r"(get_secret_value|getSecretValue|GetSecretValueCommand|\bdecrypt\b|DecryptCommand|"
        r"get_parameters?\b|getParameters?\b|GetParameters?Command|get_credentials|"
        r"get_session_token|assume_role|assumeRole|AssumeRoleCommand|GetSessionTokenCommand)"
    )

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        if qual is not None and qual.endswith("()") and self.DECRYPTING.search(qual):
            return _lab("secret", line, column, f"the result of {qual.removesuffix('()')}()")
        if qual is not None and qual.startswith("new ") and self.DECRYPTING.search(qual):
            return _lab("secret", line, column, f"the result of {qual.removeprefix('new ')}")
        return None

    def name(self, ident: str, info: _ScopeInfo, line: int, column: int) -> Labels:
        if ident in info.events:
            return _lab("event", line, column, f"event data ({ident})")
        if is_secret_key(ident):
            return _lab("secret", line, column, f"the secret-bearing variable {ident}")
        return EMPTY

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        if key is not None and key != "*" and is_secret_key(key):
            return labels | _lab("secret", line, column, f"the secret-bearing field {key!r}")
        return labels


# ---------------------------------------------------------------------------- shared helpers


def _tmp_path(text: str) -> bool:
    """True for a fixed path in Lambda's ``/tmp``."""
    return text == "/tmp" or text.startswith("/tmp/")


def _describe(labels: Iterable[Label]) -> str:
    texts = sorted({lab.text for lab in labels})
    return ", ".join(texts[:3]) + (f" and {len(texts) - 3} more" if len(texts) > 3 else "")


def _first(labels: Iterable[Label]) -> Label:
    return min(labels, key=lambda lab: (lab.line, lab.column, lab.text))


# ============================================================================ Python


def _py_text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError, AttributeError):  # pragma: no cover - odd trees
        return "<expression>"


def _py_const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _py_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (False, 0) and node.value is not None


def _py_own_nodes(roots: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node under ``roots`` in source order. Nested functions are yielded (so they can
    be found) but not entered, except for their decorators and defaults, which run in the
    enclosing scope."""
    stack = list(roots)[::-1]
    while stack:
        node = stack.pop()
        yield node
        children: list[ast.AST]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args
            children = [
                *node.decorator_list,
                *arguments.defaults,
                *(d for d in arguments.kw_defaults if d is not None),
            ]
        elif isinstance(node, ast.Lambda):
            children = []
        else:
            children = list(ast.iter_child_nodes(node))
        stack.extend(reversed(children))


@dataclass
class _PyScope:
    node: ast.AST | None  # None for the module
    body: list[ast.AST]
    info: _ScopeInfo
    parent: _PyScope | None
    top: str | None  # the top-level function name around it (an export candidate)
    is_top_function: bool = False
    _nodes: list[ast.AST] | None = None
    _sinks: list[_Sink] | None = None

    @property
    def nodes(self) -> list[ast.AST]:
        """The scope's own nodes (computed once: every rule walks them)."""
        if self._nodes is None:
            self._nodes = list(_py_own_nodes(self.body))
        return self._nodes


class _PyFile:
    """One parsed Python file with its imports, scopes and top-level functions."""

    def __init__(self, path: Path, tree: ast.Module, imports: dict[str, str]) -> None:
        self.path = path
        self.tree = tree
        self.imports = imports
        self.scopes: list[_PyScope] = []
        self.exports: dict[str, tuple[int, int]] = {}
        module = _PyScope(None, list(tree.body), _ScopeInfo(), None, None)
        self.scopes.append(module)
        self._collect(module)

    def _collect(self, scope: _PyScope) -> None:
        for node in scope.nodes:
            if isinstance(node, ast.ExceptHandler) and node.name:
                scope.info.exceptions.add(node.name)
        for node in scope.nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._collect(self._function(node, scope))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, parent: _PyScope) -> _PyScope:
        is_top = parent.node is None and node in self.tree.body
        if is_top:
            self.exports[node.name] = (node.lineno, node.end_lineno or node.lineno)
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        info = _ScopeInfo(events=set(parent.info.events), contexts=set(parent.info.contexts))
        if len(params) >= 2 and params[1] in CONTEXT_NAMES:
            info.events.add(params[0])
            info.contexts.add(params[1])
        info.events.update(p for p in params if p in EVENT_NAMES)
        info.contexts.update(p for p in params if p in CONTEXT_NAMES)
        top = node.name if parent.top is None else parent.top
        scope = _PyScope(node, list(node.body), info, parent, top, is_top)
        self.scopes.append(scope)
        return scope

    def qual(self, node: ast.AST) -> str | None:
        """The dotted name of an expression through the file's imports (``jwt.decode``)."""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qual(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            base = self.qual(node.func)
            return f"{base}()" if base else None
        return None


def _py_imports(tree: ast.Module) -> dict[str, str]:
    imports: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    imports[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return imports


class _PyFlow:
    """Labels of names in one Python function for one spec (see the module docstring)."""

    def __init__(self, file: _PyFile, scope: _PyScope, spec: _Spec, parent: _PyFlow | None):
        self.file = file
        self.scope = scope
        self.spec = spec
        self.parent = parent
        self.names: dict[str, Labels] = {}
        nodes = scope.nodes
        for _ in range(6):
            before = dict(self.names)
            for node in nodes:
                self._bind(node)
            if before == self.names:
                break

    def _add(self, name: str, labels: Labels) -> None:
        if labels:
            self.names[name] = self.names.get(name, EMPTY) | labels

    def _target(self, target: ast.AST, labels: Labels) -> None:
        if isinstance(target, ast.Name):
            self._add(target.id, labels)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element, self.spec.narrow(labels, "*", 0, 0))
        elif isinstance(target, ast.Starred):
            self._target(target.value, labels)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            # Writing into a container or object taints the container.
            root: ast.AST = target
            while isinstance(root, (ast.Subscript, ast.Attribute)):
                root = root.value
            if isinstance(root, ast.Name) and root.id not in ("self", "cls"):
                self._add(root.id, labels)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            labels = self.labels(node.value)
            for target in node.targets:
                self._target(target, labels)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            if node.value is not None:
                self._target(node.target, self.labels(node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            self._target(node.target, self.spec.narrow(self.labels(node.iter), "*", 0, 0))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._target(node.optional_vars, self.labels(node.context_expr))

    def lookup(self, name: str) -> Labels:
        """Labels bound to ``name`` here or in an enclosing function."""
        flow: _PyFlow | None = self
        while flow is not None:
            if name in flow.names:
                return flow.names[name]
            flow = flow.parent
        return EMPTY

    def labels(self, node: ast.AST, through_compare: bool = False) -> Labels:
        """What the value of ``node`` carries."""
        line, column = getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1
        qual = self.file.qual(node) if isinstance(node, (ast.Attribute, ast.Call)) else None
        found = self.spec.source(qual, node, line, column)
        if found is not None:
            return found
        if isinstance(node, ast.Name):
            extra = (
                _log_name(self.spec, node.id, self.scope.info, line, column)
                if isinstance(self.spec, LogSpec)
                else self.spec.name(node.id, self.scope.info, line, column)
            )
            return self.lookup(node.id) | extra
        if isinstance(node, ast.Subscript):
            key = _py_const_str(node.slice)
            if key is None and isinstance(node.slice, ast.Constant):
                key = "*"
            return self.spec.narrow(self.labels(node.value), key, line, column)
        if isinstance(node, ast.Attribute):
            return self.spec.narrow(self.labels(node.value), node.attr, line, column)
        if isinstance(node, ast.Call):
            func = node.func
            if qual in ("os.getenv()", "os.environ.get()") or (
                isinstance(func, ast.Attribute) and func.attr == "get" and node.args
            ):
                base = (
                    self.labels(func.value)
                    if isinstance(func, ast.Attribute) and qual != "os.getenv()"
                    else self.spec.source("os.environ", node, line, column) or EMPTY
                )
                key = _py_const_str(node.args[0]) if node.args else None
                narrowed = self.spec.narrow(base, key, line, column)
                return narrowed | self._union(node.args[1:])
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if self.spec.precise_calls:
                name = func.attr if isinstance(func, ast.Attribute) else _py_text(func)
                found_labels = self._union(arguments) if name in TRANSPARENT_CALLS else EMPTY
                if isinstance(func, ast.Attribute) and name in STRING_METHODS:
                    found_labels |= self.labels(func.value)
                return found_labels
            found_labels = self._union(arguments)
            if isinstance(func, ast.Attribute):
                found_labels |= self.labels(func.value)
            return found_labels
        if isinstance(node, ast.Compare) and not through_compare:
            return EMPTY  # a boolean carries nothing
        if isinstance(node, (ast.Lambda, ast.Constant)):
            return EMPTY
        if isinstance(node, ast.Dict):
            return self._union(v for v in node.values if v is not None)
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        if isinstance(node, ast.JoinedStr | ast.FormattedValue):
            children = [
                c.value if isinstance(c, ast.FormattedValue) else c
                for c in (node.values if isinstance(node, ast.JoinedStr) else [node.value])
            ]
        return self._union(children, through_compare)

    def _union(self, nodes: Iterable[ast.AST], through_compare: bool = False) -> Labels:
        result: Labels = EMPTY
        for node in nodes:
            result |= self.labels(node, through_compare)
        return result


def _py_flows(file: _PyFile, spec: _Spec) -> dict[int, _PyFlow]:
    flows: dict[int, _PyFlow] = {}
    for scope in file.scopes:
        parent = flows.get(id(scope.parent)) if scope.parent is not None else None
        flows[id(scope)] = _PyFlow(file, scope, spec, parent)
    return flows


def _py_is_log_call(file: _PyFile, call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    if not isinstance(func, ast.Attribute):
        return False
    qual = file.qual(func) or ""
    if qual in ("sys.stdout.write", "sys.stderr.write", "pprint.pprint"):
        return True
    if func.attr not in LOG_METHODS:
        return False
    receiver = func.value
    name = (
        receiver.id
        if isinstance(receiver, ast.Name)
        else receiver.attr
        if isinstance(receiver, ast.Attribute)
        else _py_text(receiver)
    )
    return qual.startswith("logging.") or "log" in name.lower()


def _py_response_dict(node: ast.AST) -> ast.expr | None:
    """The ``body`` value of an API-shaped response dict literal."""
    if not isinstance(node, ast.Dict):
        return None
    keys = {_py_const_str(k): v for k, v in zip(node.keys, node.values, strict=True)}
    if "body" in keys and ("statusCode" in keys or "headers" in keys or len(keys) <= 3):
        return keys["body"]
    return None


@dataclass
class _Sink:
    """A place where a value leaves the function."""

    kind: str  # "response", "return", "log", "callback-error"
    node: Any
    line: int
    column: int
    value: Any
    export: str | None = None  # for "return": the export it returns from


def _py_sinks(file: _PyFile, scope: _PyScope, flows: dict[int, _PyFlow]) -> list[_Sink]:
    """Returns (response-shaped or plain) and log calls of one scope (computed once)."""
    del flows  # sinks do not depend on the rule
    if scope._sinks is None:
        scope._sinks = list(_py_find_sinks(file, scope))
    return scope._sinks


def _py_find_sinks(file: _PyFile, scope: _PyScope) -> Iterator[_Sink]:
    response_names: set[str] = set()
    for node in scope.nodes:
        if isinstance(node, ast.Assign) and _py_response_dict(node.value) is not None:
            response_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in scope.nodes:
        if isinstance(node, ast.Return) and node.value is not None:
            body = _py_response_dict(node.value)
            if body is not None:
                yield _Sink("response", node, body.lineno, body.col_offset + 1, body)
            elif isinstance(node.value, ast.Name) and node.value.id in response_names:
                yield _Sink("response", node, node.lineno, node.col_offset + 1, node.value)
            else:
                export = scope.top if scope.is_top_function else None
                yield _Sink("return", node, node.lineno, node.col_offset + 1, node.value, export)
        elif isinstance(node, ast.Call) and _py_is_log_call(file, node):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                yield _Sink("log", node, node.lineno, node.col_offset + 1, arg)


def _py_rel_key(path: Path, *parts: str) -> str:
    return ":".join((path.name, *parts))


def _python_matches(path: Path, tree: ast.Module) -> list[CodeMatch]:
    file = _PyFile(path, tree, _py_imports(tree))
    found: list[CodeMatch] = []
    found += _py_jwt(file)
    found += _py_secrets(file)
    found += _py_exceptions(file)
    found += _py_logging(file)
    found += _py_tls(file)
    found += _py_tmp(file)
    found += _py_credentials(file)
    return _with_exports(found, file.exports)


# -- CODE020 (Python)

_PY_JWT_DECODE = ("jwt.decode", "jose.jwt.decode", "jwt.api_jwt.decode", "jwt.decode_complete")


def _py_verify_off(file: _PyFile, call: ast.Call, dicts: dict[str, ast.Dict]) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "verify" and _py_false(keyword.value):
            return "verify=False"
        if keyword.arg == "options":
            options = keyword.value
            if isinstance(options, ast.Name):
                options = dicts.get(options.id, options)
            if isinstance(options, ast.Dict):
                for key, value in zip(options.keys, options.values, strict=True):
                    if _py_const_str(key) == "verify_signature" and _py_false(value):
                        return 'options={"verify_signature": False}'
        if (
            keyword.arg == "algorithms"
            and isinstance(keyword.value, (ast.List, ast.Tuple))
            and any((_py_const_str(e) or "").lower() == "none" for e in keyword.value.elts)
        ):
            return 'algorithms=["none"]'
    return None


def _py_jwt(file: _PyFile) -> Iterator[CodeMatch]:
    spec = JwtSpec()
    flows = _py_flows(file, spec)
    dicts = {
        t.id: n.value
        for n in ast.walk(file.tree)
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Dict)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    for scope in file.scopes:
        flow = flows[id(scope)]
        verifies = False
        for node in scope.nodes:
            if not isinstance(node, ast.Call):
                continue
            qual = file.qual(node.func) or ""
            if qual.endswith(_PY_JWT_DECODE):
                off = _py_verify_off(file, node, dicts)
                if off is None:
                    verifies = True
                    continue
                yield CodeMatch(
                    "CODE020",
                    str(file.path),
                    node.lineno,
                    node.col_offset + 1,
                    f"{qual}(...) with {off}: the token's signature is not checked, so anyone "
                    "can forge its claims; verify with the issuer's key and a fixed list of "
                    "algorithms",
                    _py_rel_key(file.path, "decode", off),
                )
            elif qual.endswith((".verify", "get_signing_key_from_jwt")):
                verifies = True
        if verifies:
            continue  # claims read before verification (to pick the issuer) are fine
        yield from _jwt_uses(file.path, _py_decisions(scope, flow))


def _py_decisions(scope: _PyScope, flow: _PyFlow) -> Iterator[tuple[str, Labels]]:
    for node in scope.nodes:
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            yield "a condition", flow.labels(node.test, through_compare=True)
        elif isinstance(node, ast.comprehension):
            for test in node.ifs:
                yield "a condition", flow.labels(test, through_compare=True)
        elif isinstance(node, ast.Return) and node.value is not None:
            yield "the returned value", flow.labels(node.value)


def _jwt_uses(path: Path, decisions: Iterable[tuple[str, Labels]]) -> Iterator[CodeMatch]:
    seen: set[tuple[int, int]] = set()
    for use, labels in decisions:
        for label in labels:
            if label.kind not in ("claims", "header") or (label.line, label.column) in seen:
                continue
            seen.add((label.line, label.column))
            what = "claims" if label.kind == "claims" else "header"
            yield CodeMatch(
                "CODE020",
                str(path),
                label.line,
                label.column,
                f"{label.text}() reads the token's {what} without verifying its signature, "
                f"and {use} depends on them: a forged token passes; verify the token "
                "(signature, issuer, audience, expiry) before trusting anything in it",
                _py_rel_key(path, "unverified", label.text),
            )


# -- CODE021 (Python)


def _py_secrets(file: _PyFile) -> Iterator[CodeMatch]:
    parents: dict[int, tuple[ast.AST, str]] = {}
    for node in ast.walk(file.tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = _py_target_name(target)
                if name and node.value is not None:
                    parents[id(node.value)] = (node, name)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg:
                    parents[id(keyword.value)] = (node, keyword.arg)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                name = _py_const_str(key)
                if name:
                    parents[id(value)] = (node, name)
        elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
            # ``if password == "hunter2"``: the literal is compared with a named value.
            name = _py_target_name(node.left)
            if name:
                parents[id(node.comparators[0])] = (node, name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args
            positional = [*arguments.posonlyargs, *arguments.args]
            for arg, default in zip(positional[::-1], arguments.defaults[::-1], strict=False):
                parents[id(default)] = (node, arg.arg)
            for arg, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
                if kw_default is not None:
                    parents[id(kw_default)] = (node, arg.arg)
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(file.tree)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
    }
    for node in ast.walk(file.tree):
        literal = _py_const_str(node)
        if literal is None or id(node) in docstrings or not isinstance(node, ast.Constant):
            continue
        context = parents.get(id(node))
        match = _secret_match(literal, context[1] if context else None)
        if match is not None:
            yield _secret_code_match(file.path, node.lineno, node.col_offset + 1, literal, match)


def _py_target_name(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):
        return _py_const_str(target.slice)
    return None


#: Values that are obviously not real secrets (documented in CODE021).
PLACEHOLDER_SECRET = re.compile(
    r"(example|dummy|placeholder|change[-_]?me|replace[-_]?me|your[-_]|xxxx|\*\*\*|fake|sample|"
    r"redacted|not[-_]?a[-_]?secret|<[^>]*>|\$\{|\{\{|^test|test$|^dev$|^local$)",
    re.IGNORECASE,
)
_IDENTIFIER_LIKE = re.compile(r"^([a-z0-9_.:/-]+|[A-Z0-9_.:/-]+)$")
#: The jwt.io sample token (documentation), by its well-known payload.
_SAMPLE_JWT_PAYLOAD = "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"


MAX_SECRET_LENGTH = 2000
_PEM = re.compile(r"-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY")


def _password_like(value: str) -> bool:
    """A literal that looks like a chosen password: 8+ characters, no spaces, mixed classes
    with a digit, not an identifier, path or URL."""
    if len(value) < 8 or any(c.isspace() for c in value) or _IDENTIFIER_LIKE.match(value):
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


def _secret_match(value: str, name: str | None) -> tuple[str, Severity] | None:
    """Why ``value`` (bound to ``name``) is a hard-coded secret, and how bad."""
    from faasguard.secrets import (  # noqa: PLC0415 - detect-secrets loads lazily
        is_high_entropy,
        is_literal,
        is_secret_name,
        known_secret_type,
    )

    text = value.strip()
    if len(text) > MAX_SECRET_LENGTH:
        # Embedded binaries and data blobs match token patterns by chance; only a private
        # key header is meaningful in a text that long.
        return ("matches the Private Key pattern", Severity.CRITICAL) if _PEM.search(text) else None
    if len(text) < 8 or not is_literal(text) or PLACEHOLDER_SECRET.search(text):
        return None
    if _SAMPLE_JWT_PAYLOAD in text:
        return None
    kind = _known_type(text, known_secret_type)
    if kind is not None:
        return f"matches the {kind} pattern", Severity.CRITICAL
    if name is None:
        return None
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    if not is_secret_name(snake) or NOT_SECRET_KEY.search(snake):
        return None
    if is_high_entropy(text) or _password_like(text):
        return f"a literal assigned to {name}", Severity.HIGH
    return None


def _known_type(text: str, known: Callable[[str], str | None]) -> str | None:
    kind = known(text)
    if kind is not None:
        return kind
    if "://" in text:
        from detect_secrets.plugins.basic_auth import BasicAuthDetector  # noqa: PLC0415

        if any(True for _ in BasicAuthDetector().analyze_string(text)):
            return "URL with a password"
    return None


def _secret_code_match(
    path: Path, line: int, column: int, value: str, why: tuple[str, Severity]
) -> CodeMatch:
    from faasguard.secrets import redact  # noqa: PLC0415 - patterns load lazily

    reason, severity = why
    kind = reason.split(" pattern")[0].removeprefix("matches the ")
    return CodeMatch(
        "CODE021",
        str(path),
        line,
        column,
        f"hard-coded secret {redact(value.strip())} ({reason}): anyone who can read the code or "
        "download the function's package has it; load it from Secrets Manager or SSM "
        "Parameter Store at run time and rotate it",
        _py_rel_key(path, "secret", kind, str(column)),
        severity,
    )


# -- CODE022 (Python)


def _exception_matches(path: Path, sinks: Iterable[tuple[_Sink, Labels]]) -> Iterator[CodeMatch]:
    for sink, labels in sinks:
        carried = frozenset(lab for lab in labels if lab.kind in ("exception", "stack"))
        if not carried:
            continue
        labels = carried  # noqa: PLW2901 - only the labels this rule is about
        stack = any(lab.kind == "stack" for lab in labels)
        what = "a stack trace" if stack else "raw exception text"
        where = {
            "response": "in the response body",
            "return": "as the function's result",
            "callback-error": "to the caller through the callback",
        }.get(sink.kind, "to the caller")
        yield CodeMatch(
            "CODE022",
            str(path),
            sink.line,
            sink.column,
            f"{what} ({_describe(labels)}) is returned {where}: it tells an attacker file "
            "paths, library versions, queries and internal names; return a generic message "
            "with a correlation id (the request id) and log the details instead",
            _py_rel_key(path, "exception", sink.kind, _describe(labels)),
            Severity.MEDIUM if stack else Severity.LOW,
            handler_return=sink.export,
            requires_http=sink.kind in ("return", "callback-error"),
        )


def _py_exceptions(file: _PyFile) -> Iterator[CodeMatch]:
    flows = _py_flows(file, ExceptionSpec())
    found = []
    for scope in file.scopes:
        flow = flows[id(scope)]
        for sink in _py_sinks(file, scope, flows):
            if sink.kind == "log" or (sink.kind == "return" and sink.export is None):
                continue  # a helper returning the exception to its caller is not exposure
            found.append((sink, flow.labels(sink.value)))
    return _exception_matches(file.path, found)


# -- CODE023 (Python)


def _log_matches(path: Path, sink: _Sink, labels: Labels) -> CodeMatch | None:
    labels = frozenset(
        lab for lab in labels if lab.kind in ("event", "headers", "secret", "identity")
    )
    if not labels:
        return None
    secret = any(lab.kind in ("secret", "headers") for lab in labels)
    whole = all(lab.kind == "event" for lab in labels)
    return CodeMatch(
        "CODE023",
        str(path),
        sink.line,
        sink.column,
        f"logs {_describe(labels)}: logs are kept, copied to subscriptions and read by many; "
        + (
            "credentials, tokens and personal data in the event end up there; log selected, "
            "non-secret fields (ids, sizes, types) instead"
            if whole
            else "never log credentials or tokens; log that they were present, not their value"
        ),
        _py_rel_key(path, "log", _describe(labels)),
        Severity.HIGH if secret and not whole else Severity.MEDIUM,
        needs_event_content=whole,
    )


def _py_logging(file: _PyFile) -> Iterator[CodeMatch]:
    flows = _py_flows(file, LogSpec())
    credentials = _py_flows(file, CredentialSpec())
    seen: set[int] = set()
    for scope in file.scopes:
        flow = flows[id(scope)]
        for sink in _py_sinks(file, scope, flows):
            if sink.kind != "log" or id(sink.node) in seen:
                continue
            if credentials[id(scope)].labels(sink.value):
                continue  # AWS credentials in a log call are CODE026's
            labels = flow.labels(sink.value)
            match = _log_matches(file.path, sink, labels)
            if match is not None:
                seen.add(id(sink.node))
                yield match
        if isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in scope.node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and (file.qual(decorator.func) or "").endswith("inject_lambda_context")
                    and any(
                        k.arg == "log_event"
                        and isinstance(k.value, ast.Constant)
                        and k.value.value is True
                        for k in decorator.keywords
                    )
                ):
                    yield CodeMatch(
                        "CODE023",
                        str(file.path),
                        decorator.lineno,
                        decorator.col_offset + 1,
                        "inject_lambda_context(log_event=True) logs every incoming event whole "
                        "(headers with credentials, bodies with personal data); turn it off "
                        "and log selected fields",
                        _py_rel_key(file.path, "log_event", scope.node.name),
                        Severity.MEDIUM,
                        needs_event_content=True,
                    )


# -- CODE024 (Python)

_TLS_KEYWORDS = {"verify": False, "verify_certs": False, "verify_ssl": False}
_TLS_KEYWORDS_CERT = ("cert_reqs", "ssl_cert_reqs")


def _tls_match(path: Path, line: int, column: int, what: str, extra: str = "") -> CodeMatch:
    return CodeMatch(
        "CODE024",
        str(path),
        line,
        column,
        f"TLS certificate verification is disabled ({what}){extra}: anyone on the network path "
        "can impersonate the server and read or change the traffic, credentials included; "
        "keep verification on and pass a CA bundle for private certificates",
        _py_rel_key(path, "tls", what),
    )


def _py_tls(file: _PyFile) -> Iterator[CodeMatch]:
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

    def once(line: int) -> bool:
        if line in lines:
            return False
        lines.add(line)
        return True

    for node in ast.walk(file.tree):
        if isinstance(node, ast.Call):
            qual = file.qual(node.func) or ""
            if qual.startswith(("jwt.", "jose.")):
                continue  # verify=False there is CODE020
            for keyword in node.keywords:
                if keyword.arg in _TLS_KEYWORDS and _py_false(keyword.value) and once(node.lineno):
                    yield _tls_match(
                        file.path, node.lineno, node.col_offset + 1, f"{keyword.arg}=False", extra
                    )
                elif (
                    keyword.arg == "ssl"
                    and _py_false(keyword.value)
                    and (
                        qual.startswith("aiohttp")
                        or (
                            isinstance(node.func, ast.Attribute)
                            and node.func.attr
                            in ("get", "post", "put", "patch", "delete", "request", "ws_connect")
                        )
                    )
                    and once(node.lineno)
                ):
                    yield _tls_match(
                        file.path, node.lineno, node.col_offset + 1, "ssl=False", extra
                    )
                elif (
                    keyword.arg in _TLS_KEYWORDS_CERT
                    and ((_py_const_str(keyword.value) or "").upper() in ("CERT_NONE", "NONE"))
                    and once(node.lineno)
                ):
                    yield _tls_match(
                        file.path,
                        node.lineno,
                        node.col_offset + 1,
                        f"{keyword.arg}='CERT_NONE'",
                        extra,
                    )
                if (file.qual(keyword.value) or "") == "ssl.CERT_NONE" and once(node.lineno):
                    yield _tls_match(file.path, node.lineno, node.col_offset + 1, "ssl.CERT_NONE")
            if qual.endswith("ssl._create_unverified_context") and once(node.lineno):
                yield _tls_match(
                    file.path, node.lineno, node.col_offset + 1, "ssl._create_unverified_context()"
                )
        elif isinstance(node, ast.Assign):
            value = file.qual(node.value) or ""
            if value in ("ssl.CERT_NONE", "ssl._create_unverified_context") and once(node.lineno):
                yield _tls_match(file.path, node.lineno, node.col_offset + 1, value)
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in ("verify", "check_hostname")
                    and _py_false(node.value)
                    and once(node.lineno)
                ):
                    yield _tls_match(
                        file.path,
                        node.lineno,
                        node.col_offset + 1,
                        f".{target.attr} = False",
                        extra,
                    )


# -- CODE025 (Python)

_PY_WRITE_MODES = re.compile(r"[wax+]")
_PY_DUMPERS = ("json.dump", "pickle.dump", "yaml.dump", "yaml.safe_dump", "marshal.dump")


def _py_fixed_tmp(node: ast.AST | None) -> str | None:
    """The fixed ``/tmp`` path an expression spells, if it is one (constants only)."""
    if node is None:
        return None
    text = _py_const_str(node)
    if text is not None:
        return text if _tmp_path(text) else None
    if isinstance(node, ast.Call) and _py_text(node.func) in (
        "os.path.join",
        "Path",
        "pathlib.Path",
    ):
        parts = [_py_const_str(a) for a in node.args]
        if parts and all(p is not None for p in parts):
            joined = "/".join(
                p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts) if p
            )
            return joined if _tmp_path(joined) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _py_fixed_tmp(node.left), _py_const_str(node.right)
        if left and right:
            return f"{left.rstrip('/')}/{right}"
    return None


def _py_tmp(file: _PyFile) -> Iterator[CodeMatch]:
    flows = _py_flows(file, SensitiveSpec())
    for scope in file.scopes:
        flow = flows[id(scope)]
        nodes = scope.nodes
        constants: dict[str, str] = {}
        for node in [*nodes, *_py_own_nodes(file.scopes[0].body)]:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                path = _py_fixed_tmp(node.value)
                if isinstance(target, ast.Name) and path:
                    constants[target.id] = path

        def fixed(node: ast.AST | None, constants: dict[str, str] = constants) -> str | None:
            if isinstance(node, ast.Name):
                return constants.get(node.id)
            return _py_fixed_tmp(node)

        deleted = {
            fixed(n.args[0])
            for n in nodes
            if isinstance(n, ast.Call)
            and n.args
            and (file.qual(n.func) or "") in ("os.remove", "os.unlink", "shutil.rmtree")
        } | {
            fixed(n.func.value)
            for n in nodes
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "unlink"
        }
        handles: dict[str, str] = {}
        for node in nodes:
            opened: tuple[ast.AST, ast.AST | None] | None = None
            if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call):
                opened = (node.context_expr, node.optional_vars)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                opened = (node.value, node.targets[0])
            if opened is None:
                continue
            call, bound = opened
            if not isinstance(call, ast.Call) or _py_text(call.func) != "open" or not call.args:
                continue
            mode = _py_const_str(call.args[1]) if len(call.args) > 1 else None
            for keyword in call.keywords:
                if keyword.arg == "mode":
                    mode = _py_const_str(keyword.value)
            opened_path = fixed(call.args[0])
            if (
                opened_path
                and mode
                and _PY_WRITE_MODES.search(mode)
                and isinstance(bound, ast.Name)
            ):
                handles[bound.id] = opened_path
        for node in nodes:
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            qual = file.qual(func) or ""
            path = None
            data: list[ast.AST] = []
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in handles
                and func.attr in ("write", "writelines")
            ):
                path, data = handles[func.value.id], list(node.args)
            if qual.endswith(_PY_DUMPERS) and len(node.args) >= 2:
                handle = node.args[1]
                if isinstance(handle, ast.Name) and handle.id in handles:
                    path, data = handles[handle.id], [node.args[0]]
            if isinstance(func, ast.Attribute) and func.attr in ("write_text", "write_bytes"):
                path, data = fixed(func.value), list(node.args)
            if not path or path in deleted:
                continue
            labels = flow._union(data)
            if labels:
                yield _tmp_match(file.path, node.lineno, node.col_offset + 1, path, labels)


def _tmp_match(path: Path, line: int, column: int, tmp: str, labels: Labels) -> CodeMatch:
    return CodeMatch(
        "CODE025",
        str(path),
        line,
        column,
        f"writes {_describe(labels)} to the fixed path {tmp}: /tmp survives between "
        "invocations of a warm execution environment, so the next invocation (another "
        "user's request) finds it; use a unique temporary file and delete it before "
        "returning, or keep the data in memory",
        _py_rel_key(path, "tmp", tmp),
    )


# -- CODE026 (Python)


def _credential_matches(path: Path, sinks: Iterable[tuple[_Sink, Labels]]) -> Iterator[CodeMatch]:
    for sink, labels in sinks:
        carried = frozenset(
            lab for lab in labels if lab.kind in ("cred-secret", "cred-id", "environment")
        )
        if not carried:
            continue
        labels = carried  # noqa: PLW2901 - only the labels this rule is about
        secret = any(lab.kind in ("cred-secret", "environment") for lab in labels)
        logged = sink.kind == "log"
        yield CodeMatch(
            "CODE026",
            str(path),
            sink.line,
            sink.column,
            f"AWS credentials ({_describe(labels)}) are "
            + ("logged" if logged else "returned to the caller")
            + ": with them anyone can act as the function's role from anywhere until they "
            "expire; never expose them (the SDK reads them itself)",
            _py_rel_key(path, "credentials", sink.kind, _describe(labels)),
            (Severity.CRITICAL if not logged else Severity.HIGH) if secret else Severity.MEDIUM,
            handler_return=sink.export,
            requires_http=sink.kind == "return",
        )


def _py_credentials(file: _PyFile) -> Iterator[CodeMatch]:
    flows = _py_flows(file, CredentialSpec())
    found = []
    for scope in file.scopes:
        flow = flows[id(scope)]
        for sink in _py_sinks(file, scope, flows):
            if sink.kind == "return" and sink.export is None:
                continue  # a helper returning credentials to its caller is not exposure
            found.append((sink, flow.labels(sink.value)))
    return _credential_matches(file.path, found)


def _with_exports(
    matches: Iterable[CodeMatch], exports: dict[str, tuple[int, int]]
) -> list[CodeMatch]:
    result = []
    for match in matches:
        inside = frozenset(n for n, (a, b) in exports.items() if a <= match.line <= b)
        result.append(replace(match, exports=inside))
    return result


# ============================================================================ JavaScript

_JS_FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    }
)
_JS_COMPARISONS = frozenset({"===", "!==", "==", "!=", "<", ">", "<=", ">=", "instanceof", "in"})


def _jt(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace"))


def _jpos(node: Any) -> tuple[int, int]:
    return node.start_point[0] + 1, node.start_point[1] + 1


def _js_string(node: Any) -> str | None:
    """The value of a string literal or a template literal without substitutions."""
    if node is None:
        return None
    if node.type == "string":
        return "".join(
            _jt(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence")
        )
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return _jt(node)[1:-1]
    return None


def _js_own_nodes(roots: Iterable[Any]) -> Iterator[Any]:
    """Every node under ``roots``; nested functions are yielded but not entered."""
    stack = list(roots)[::-1]
    while stack:
        node = stack.pop()
        yield node
        if node.type not in _JS_FUNCTIONS:
            stack.extend(reversed(node.children))


def _js_body(function: Any) -> list[Any]:
    body = function.child_by_field_name("body")
    return [body] if body is not None else []


def _js_params(function: Any) -> list[str | None]:
    single = function.child_by_field_name("parameter")
    if single is not None:
        return [_jt(single)]
    params = function.child_by_field_name("parameters")
    names: list[str | None] = []
    for child in params.named_children if params is not None else []:
        node = child
        if node.type in ("required_parameter", "optional_parameter"):
            node = node.child_by_field_name("pattern") or node
        if node.type == "assignment_pattern":
            node = node.child_by_field_name("left") or node
        names.append(_jt(node) if node.type == "identifier" else None)
    return names


@dataclass
class _JsScope:
    node: Any  # None for the module
    roots: list[Any]
    info: _ScopeInfo
    parent: _JsScope | None
    export: str | None = None  # the export this function is, if it is one
    callback_export: dict[str, str | None] = field(default_factory=dict)
    _nodes: list[Any] | None = None
    _sinks: list[_Sink] | None = None

    @property
    def nodes(self) -> list[Any]:
        """The scope's own nodes (computed once: every rule walks them)."""
        if self._nodes is None:
            self._nodes = list(_js_own_nodes(self.roots))
        return self._nodes


class _JsFile:
    """One parsed JavaScript/TypeScript file with its imports, exports and scopes."""

    def __init__(self, path: Path, root: Any) -> None:
        self.path = path
        self.root = root
        self.imports: dict[str, str] = {}
        self._imports()
        self.export_nodes = self._exports()
        self.exports = {
            name: (node.start_point[0] + 1, node.end_point[0] + 1)
            for name, node in self.export_nodes.items()
        }
        self.scopes: list[_JsScope] = []
        module = _JsScope(None, list(root.children), _ScopeInfo(), None)
        self.scopes.append(module)
        self._collect(module)

    # -- imports and exports

    def _imports(self) -> None:
        for node in _walk_js(self.root):
            if node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                module = self._required(value)
                if name is None or module is None:
                    continue
                if name.type == "identifier":
                    self.imports[_jt(name)] = module
                elif name.type == "object_pattern":
                    for part in name.named_children:
                        if part.type == "shorthand_property_identifier_pattern":
                            self.imports[_jt(part)] = f"{module}.{_jt(part)}"
                        elif part.type == "pair_pattern":
                            key, alias = (
                                part.child_by_field_name("key"),
                                part.child_by_field_name("value"),
                            )
                            if key is not None and alias is not None:
                                self.imports[_jt(alias)] = f"{module}.{_jt(key)}"
            elif node.type == "import_statement":
                source = node.child_by_field_name("source")
                if source is None:
                    continue
                module = (_js_string(source) or "").removeprefix("node:")
                for clause in node.named_children:
                    if clause.type != "import_clause":
                        continue
                    for part in clause.named_children:
                        if part.type == "identifier":
                            self.imports[_jt(part)] = module
                        elif part.type == "namespace_import":
                            for ident in part.named_children:
                                self.imports[_jt(ident)] = module
                        elif part.type == "named_imports":
                            for spec in part.named_children:
                                name = spec.child_by_field_name("name")
                                alias = spec.child_by_field_name("alias") or name
                                if name is not None and alias is not None:
                                    imported = _js_string(name) or _jt(name)
                                    self.imports[_jt(alias)] = f"{module}.{imported}"

    def _required(self, node: Any) -> str | None:
        """The module a ``require("x")`` (or ``require("x").y``) expression names."""
        if node is None:
            return None
        if node.type == "await_expression" and node.named_children:
            return self._required(node.named_children[0])
        if node.type == "member_expression":
            base = self._required(node.child_by_field_name("object"))
            prop = node.child_by_field_name("property")
            return f"{base}.{_jt(prop)}" if base and prop is not None else None
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if callee is not None and _jt(callee) == "require" and args is not None:
                first = args.named_children[0] if args.named_children else None
                text = _js_string(first)
                return text.removeprefix("node:") if text else None
        return None

    def _exports(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        top = list(self.root.named_children)
        for statement in top:
            if statement.type == "expression_statement" and statement.named_children:
                expr = statement.named_children[0]
                if expr.type != "assignment_expression":
                    continue
                left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
                if left is None or right is None:
                    continue
                target = _jt(left)
                for prefix in ("module.exports.", "exports."):
                    if target.startswith(prefix) and "." not in target[len(prefix) :]:
                        self._export(found, target[len(prefix) :], right, top)
                if target == "module.exports" and right.type == "object":
                    for prop in right.named_children:
                        if prop.type == "shorthand_property_identifier":
                            self._export(found, _jt(prop), prop, top)
                        elif prop.type == "pair":
                            key = prop.child_by_field_name("key")
                            value = prop.child_by_field_name("value")
                            if key is not None and value is not None:
                                self._export(found, _js_string(key) or _jt(key), value, top)
            elif statement.type == "export_statement":
                declaration = statement.child_by_field_name("declaration")
                if declaration is not None and declaration.type in _JS_FUNCTIONS:
                    name = declaration.child_by_field_name("name")
                    if name is not None:
                        found[_jt(name)] = declaration
                elif declaration is not None:
                    for declarator in declaration.named_children:
                        name = declarator.child_by_field_name("name")
                        value = declarator.child_by_field_name("value")
                        if name is not None and value is not None:
                            self._export(found, _jt(name), value, top)
                for clause in statement.named_children:
                    if clause.type == "export_clause":
                        for spec in clause.named_children:
                            name = spec.child_by_field_name("name")
                            alias = spec.child_by_field_name("alias") or name
                            if name is not None and alias is not None:
                                self._export(found, _jt(alias), name, top)
        return found

    def _export(self, found: dict[str, Any], name: str, value: Any, top: list[Any]) -> None:
        function = self._function_of(value, top, 0)
        if function is not None:
            found[name] = function

    def _function_of(self, value: Any, top: list[Any], depth: int) -> Any:
        """The function an exported value is: itself, a named local function, or the
        handler wrapped by a middleware call (``middy(handler)``)."""
        if value is None or depth > 4:
            return None
        if value.type in _JS_FUNCTIONS:
            return value
        if value.type in ("identifier", "shorthand_property_identifier"):
            wanted = _jt(value)
            for statement in top:
                node = statement
                if node.type == "export_statement":
                    node = node.child_by_field_name("declaration") or node
                if node.type in _JS_FUNCTIONS:
                    name = node.child_by_field_name("name")
                    if name is not None and _jt(name) == wanted:
                        return node
                if node.type in ("lexical_declaration", "variable_declaration"):
                    for declarator in node.named_children:
                        name = declarator.child_by_field_name("name")
                        if name is not None and _jt(name) == wanted:
                            return self._function_of(
                                declarator.child_by_field_name("value"), top, depth + 1
                            )
            return None
        if value.type == "call_expression":
            callee = value.child_by_field_name("function")
            args = value.child_by_field_name("arguments")
            for arg in args.named_children if args is not None else []:
                found = self._function_of(arg, top, depth + 1)
                if found is not None:
                    return found
            if callee is not None and callee.type == "member_expression":
                return self._function_of(callee.child_by_field_name("object"), top, depth + 1)
        return None

    # -- scopes

    def _collect(self, scope: _JsScope) -> None:
        for node in scope.nodes:
            if node.type == "catch_clause":
                param = node.child_by_field_name("parameter")
                if param is not None and param.type == "identifier":
                    scope.info.exceptions.add(_jt(param))
        for node in scope.nodes:
            if node.type in _JS_FUNCTIONS and node is not scope.node:
                self._collect(self._function(node, scope))

    def _function(self, node: Any, parent: _JsScope) -> _JsScope:
        params = _js_params(node)
        info = _ScopeInfo(
            events=set(parent.info.events),
            contexts=set(parent.info.contexts),
            callbacks=set(parent.info.callbacks),
        )
        export = next((name for name, fn in self.export_nodes.items() if fn == node), None)
        callback_export = dict(parent.callback_export)
        if len(params) >= 2 and params[1] in CONTEXT_NAMES:
            if params[0]:
                info.events.add(params[0])
            info.contexts.add(params[1] or "")
            if len(params) >= 3 and params[2]:
                info.callbacks.add(params[2])
                callback_export[params[2]] = export
        info.events.update(p for p in params if p in EVENT_NAMES)
        info.contexts.update(p for p in params if p in CONTEXT_NAMES)
        for p in params:
            if p in CALLBACK_NAMES:
                info.callbacks.add(p)
                callback_export.setdefault(p, export)
        if params and params[0] in ("err", "error"):
            info.exceptions.add(params[0])  # a Node-style callback's error argument
        call = node.parent.parent if node.parent is not None else None
        if (
            node.parent is not None
            and node.parent.type == "arguments"
            and call is not None
            and call.type == "call_expression"
            and params
            and params[0]
        ):
            callee = call.child_by_field_name("function")
            prop = callee.child_by_field_name("property") if callee is not None else None
            position = node.parent.named_children.index(node)
            if prop is not None and (
                _jt(prop) == "catch" or (_jt(prop) == "then" and position == 1)
            ):
                info.exceptions.add(params[0])
        scope = _JsScope(node, _js_body(node), info, parent, export, callback_export)
        self.scopes.append(scope)
        return scope

    def qual(self, node: Any) -> str | None:
        """The dotted name of an expression through the file's imports."""
        kind = node.type
        if kind in ("identifier", "shorthand_property_identifier"):
            name = _jt(node)
            return self.imports.get(name, name)
        if kind == "this":
            return "this"
        if kind == "member_expression":
            base = self.qual(node.child_by_field_name("object"))
            prop = node.child_by_field_name("property")
            return f"{base}.{_jt(prop)}" if base and prop is not None else None
        if kind == "subscript_expression":
            base = self.qual(node.child_by_field_name("object"))
            key = _js_string(node.child_by_field_name("index"))
            return f"{base}.{key}" if base and key is not None else None
        if kind == "call_expression":
            required = self._required(node)
            if required is not None:
                return required
            callee = node.child_by_field_name("function")
            base = self.qual(callee) if callee is not None else None
            return f"{base}()" if base else None
        if kind == "new_expression":
            constructor = node.child_by_field_name("constructor")
            base = self.qual(constructor) if constructor is not None else None
            return f"new {base}" if base else None
        if kind in ("await_expression", "parenthesized_expression", "non_null_expression"):
            return self.qual(node.named_children[0]) if node.named_children else None
        return None


def _walk_js(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


class _JsFlow:
    """Labels of names in one JavaScript function for one spec."""

    def __init__(self, file: _JsFile, scope: _JsScope, spec: _Spec, parent: _JsFlow | None):
        self.file = file
        self.scope = scope
        self.spec = spec
        self.parent = parent
        self.names: dict[str, Labels] = {}
        nodes = scope.nodes
        for _ in range(6):
            before = dict(self.names)
            for node in nodes:
                self._bind(node)
            if before == self.names:
                break

    def _add(self, name: str, labels: Labels) -> None:
        if labels:
            self.names[name] = self.names.get(name, EMPTY) | labels

    def _pattern(self, node: Any, labels: Labels) -> None:
        kind = node.type
        if kind == "identifier":
            self._add(_jt(node), labels)
        elif kind == "object_pattern":
            for part in node.named_children:
                if part.type == "shorthand_property_identifier_pattern":
                    name = _jt(part)
                    line, column = _jpos(part)
                    self._add(name, self.spec.narrow(labels, name, line, column))
                elif part.type == "object_assignment_pattern":
                    left = part.child_by_field_name("left")
                    if left is not None:
                        line, column = _jpos(left)
                        self._add(_jt(left), self.spec.narrow(labels, _jt(left), line, column))
                elif part.type == "pair_pattern":
                    key, value = part.child_by_field_name("key"), part.child_by_field_name("value")
                    if key is not None and value is not None:
                        line, column = _jpos(key)
                        key_text = _js_string(key) or _jt(key)
                        self._pattern(value, self.spec.narrow(labels, key_text, line, column))
                elif part.type == "rest_pattern" and part.named_children:
                    self._pattern(part.named_children[0], labels)
        elif kind == "array_pattern":
            for part in node.named_children:
                self._pattern(part, self.spec.narrow(labels, "*", 0, 0))
        elif kind == "assignment_pattern":
            left = node.child_by_field_name("left")
            if left is not None:
                self._pattern(left, labels)
        elif kind in ("member_expression", "subscript_expression"):
            root = node
            while root.type in ("member_expression", "subscript_expression"):
                root = root.child_by_field_name("object")
            if root is not None and root.type == "identifier":
                self._add(_jt(root), labels)

    def _bind(self, node: Any) -> None:
        kind = node.type
        if kind == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None:
                self._pattern(name, self.labels(value))
        elif kind in ("assignment_expression", "augmented_assignment_expression"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                self._pattern(left, self.labels(right))
        elif kind == "for_in_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                self._pattern(left, self.spec.narrow(self.labels(right), "*", 0, 0))

    def lookup(self, name: str) -> Labels:
        """Labels bound to ``name`` here or in an enclosing function."""
        flow: _JsFlow | None = self
        while flow is not None:
            if name in flow.names:
                return flow.names[name]
            flow = flow.parent
        return EMPTY

    def labels(self, node: Any, through_compare: bool = False) -> Labels:
        """What the value of ``node`` carries."""
        kind = node.type
        line, column = _jpos(node)
        if kind in (
            "member_expression",
            "subscript_expression",
            "call_expression",
            "new_expression",
        ):
            found = self.spec.source(self.file.qual(node), node, line, column)
            if found is not None:
                return found
        if kind in ("identifier", "shorthand_property_identifier"):
            name = _jt(node)
            extra = (
                _log_name(self.spec, name, self.scope.info, line, column)
                if isinstance(self.spec, LogSpec)
                else self.spec.name(name, self.scope.info, line, column)
            )
            return self.lookup(name) | extra
        if kind == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is None or prop is None:
                return EMPTY
            return self.spec.narrow(self.labels(obj), _jt(prop), line, column)
        if kind == "subscript_expression":
            obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            if obj is None:
                return EMPTY
            key = _js_string(index)
            if key is None and index is not None and index.type == "number":
                key = "*"
            return self.spec.narrow(self.labels(obj), key, line, column)
        if kind == "call_expression":
            if self.file._required(node) is not None:
                return EMPTY
            callee = node.child_by_field_name("function")
            args_node = node.child_by_field_name("arguments")
            args = list(args_node.named_children) if args_node is not None else []
            if callee is not None and callee.type == "member_expression":
                obj = callee.child_by_field_name("object")
                prop = callee.child_by_field_name("property")
                if prop is not None and _jt(prop) == "get" and args and obj is not None:
                    key = _js_string(args[0])
                    return self.spec.narrow(self.labels(obj), key, line, column)
                if self.spec.precise_calls:
                    method = _jt(prop) if prop is not None else ""
                    found = self._union(args) if method in TRANSPARENT_CALLS else EMPTY
                    if method in STRING_METHODS and obj is not None:
                        found |= self.labels(obj)
                    return found
                receiver = self.labels(obj) if obj is not None else EMPTY
                return receiver | self._union(args)
            if self.spec.precise_calls:
                name = _jt(callee) if callee is not None else ""
                return self._union(args) if name in TRANSPARENT_CALLS else EMPTY
            return self._union(args)
        if kind == "new_expression":
            args_node = node.child_by_field_name("arguments")
            return self._union(args_node.named_children if args_node is not None else [])
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and _jt(operator) in _JS_COMPARISONS and not through_compare:
                return EMPTY
        if kind == "ternary_expression" and not through_compare:
            return self._union(
                c
                for c in (
                    node.child_by_field_name("consequence"),
                    node.child_by_field_name("alternative"),
                )
                if c is not None
            )
        if kind in _JS_FUNCTIONS or kind in (
            "string",
            "number",
            "true",
            "false",
            "null",
            "undefined",
            "regex",
        ):
            return EMPTY
        if kind == "pair":
            value = node.child_by_field_name("value")
            return self.labels(value, through_compare) if value is not None else EMPTY
        if kind == "template_string":
            return self._union(
                (
                    c.named_children[0]
                    for c in node.named_children
                    if c.type == "template_substitution" and c.named_children
                ),
                through_compare,
            )
        return self._union(node.named_children, through_compare)

    def _union(self, nodes: Iterable[Any], through_compare: bool = False) -> Labels:
        result: Labels = EMPTY
        for node in nodes:
            if node.type == "comment":
                continue
            result |= self.labels(node, through_compare)
        return result


def _js_flows(file: _JsFile, spec: _Spec) -> dict[int, _JsFlow]:
    flows: dict[int, _JsFlow] = {}
    for scope in file.scopes:
        parent = flows.get(id(scope.parent)) if scope.parent is not None else None
        flows[id(scope)] = _JsFlow(file, scope, spec, parent)
    return flows


def _js_response_body(node: Any) -> Any:
    """The ``body`` value of an API-shaped response object literal."""
    if node is None or node.type != "object":
        return None
    props: dict[str, Any] = {}
    for prop in node.named_children:
        if prop.type == "pair":
            key = prop.child_by_field_name("key")
            if key is not None:
                props[_js_string(key) or _jt(key)] = prop.child_by_field_name("value")
        elif prop.type == "shorthand_property_identifier":
            props[_jt(prop)] = prop
    if "body" in props and ("statusCode" in props or "headers" in props or len(props) <= 3):
        return props["body"]
    return None


def _js_root_name(node: Any) -> str | None:
    while node is not None and node.type in ("member_expression", "call_expression"):
        node = node.child_by_field_name(
            "object" if node.type == "member_expression" else "function"
        )
    return _jt(node) if node is not None and node.type == "identifier" else None


def _js_is_log_call(callee: Any) -> bool:
    if callee is None or callee.type != "member_expression":
        return False
    obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
    if obj is None or prop is None:
        return False
    method, receiver = _jt(prop), _jt(obj)
    if receiver == "console":
        return method in CONSOLE_METHODS
    if receiver in ("process.stdout", "process.stderr"):
        return method == "write"
    last = receiver.rsplit(".", 1)[-1]
    return method in LOG_METHODS and "log" in last.lower()


def _js_sinks(file: _JsFile, scope: _JsScope) -> list[_Sink]:
    """Returns, callbacks, HTTP response calls and log calls of one scope (computed once)."""
    if scope._sinks is None:
        scope._sinks = list(_js_find_sinks(file, scope))
    return scope._sinks


def _js_find_sinks(file: _JsFile, scope: _JsScope) -> Iterator[_Sink]:
    response_names: set[str] = set()
    for node in scope.nodes:
        if node.type == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if (
                name is not None
                and name.type == "identifier"
                and _js_response_body(value) is not None
            ):
                response_names.add(_jt(name))

    def returned(value: Any, at: Any) -> _Sink:
        body = _js_response_body(value)
        if body is not None:
            return _Sink("response", at, *_jpos(body), body)
        if value.type == "identifier" and _jt(value) in response_names:
            return _Sink("response", at, *_jpos(at), value)
        return _Sink("return", at, *_jpos(at), value, scope.export)

    node_type = scope.node.type if scope.node is not None else ""
    if node_type == "arrow_function":
        body = scope.node.child_by_field_name("body")
        if body is not None and body.type != "statement_block":
            inner = (
                body.named_children[0]
                if body.type == "parenthesized_expression" and body.named_children
                else body
            )
            yield returned(inner, body)
    for node in scope.nodes:
        if node.type == "return_statement" and node.named_children:
            yield returned(node.named_children[0], node)
        elif node.type == "call_expression":
            callee = node.child_by_field_name("function")
            args_node = node.child_by_field_name("arguments")
            args = [
                a
                for a in (args_node.named_children if args_node is not None else [])
                if a.type != "comment"
            ]
            if callee is None:
                continue
            if _js_is_log_call(callee):
                for arg in args:
                    yield _Sink("log", node, *_jpos(node), arg)
                continue
            name = _jt(callee)
            if callee.type == "identifier" and name in scope.info.callbacks:
                export = scope.callback_export.get(name)
                if args and args[0].type == "identifier" and export is not None:
                    # Only the Lambda handler's own callback reaches the caller.
                    yield _Sink("callback-error", node, *_jpos(node), args[0])
                if len(args) >= 2:
                    sink = returned(args[1], node)
                    yield replace(sink, export=export) if sink.kind == "return" else sink
                continue
            if callee.type == "member_expression":
                obj = callee.child_by_field_name("object")
                prop = callee.child_by_field_name("property")
                method = _jt(prop) if prop is not None else ""
                if obj is not None and _jt(obj) in scope.info.contexts:
                    if method == "fail" and args:
                        yield _Sink("callback-error", node, *_jpos(node), args[0])
                    elif method in ("succeed", "done") and args:
                        yield returned(args[-1], node)
                elif method in RESPONSE_METHODS and _js_root_name(obj) in RESPONSE_OBJECTS:
                    for arg in args:
                        yield _Sink("response", node, *_jpos(node), arg)


def _javascript_matches(module: Any) -> list[CodeMatch]:
    file = _JsFile(module.path, module.root)
    found: list[CodeMatch] = []
    found += _js_jwt(file)
    found += _js_secrets(file)
    found += _js_exceptions(file)
    found += _js_logging(file)
    found += _js_tls(file)
    found += _js_tmp(file)
    found += _js_credentials(file)
    return _with_exports(found, file.exports)


# -- CODE020 (JavaScript)

_JS_VERIFYING = ("jsonwebtoken.verify", "jose.jwtVerify", "jose.compactVerify", "jose.jwtDecrypt")


def _js_jwt(file: _JsFile) -> Iterator[CodeMatch]:
    flows = _js_flows(file, JwtSpec())
    for scope in file.scopes:
        flow = flows[id(scope)]
        verifies = False
        for node in scope.nodes:
            if node.type != "call_expression":
                continue
            callee = node.child_by_field_name("function")
            qual = (file.qual(callee) if callee is not None else None) or ""
            if qual in _JS_VERIFYING or qual.endswith(".verify"):
                verifies = True
                args = node.child_by_field_name("arguments")
                for obj in _walk_js(args) if args is not None else []:
                    if obj.type == "pair" and _jt(obj.child_by_field_name("key")) == "algorithms":
                        value = obj.child_by_field_name("value")
                        if value is not None and any(
                            (_js_string(e) or "").lower() == "none" for e in value.named_children
                        ):
                            line, column = _jpos(node)
                            yield CodeMatch(
                                "CODE020",
                                str(file.path),
                                line,
                                column,
                                f"{qual}(...) accepts algorithms: ['none']: an unsigned token "
                                "passes verification; list only the algorithms the issuer uses",
                                _py_rel_key(file.path, "verify-none"),
                            )
        if verifies:
            continue
        decisions: list[tuple[str, Labels]] = []
        for node in scope.nodes:
            if node.type in (
                "if_statement",
                "while_statement",
                "do_statement",
                "ternary_expression",
            ):
                condition = node.child_by_field_name("condition")
                if condition is not None:
                    decisions.append(("a condition", flow.labels(condition, through_compare=True)))
            elif node.type == "switch_statement":
                value = node.child_by_field_name("value")
                if value is not None:
                    decisions.append(("a condition", flow.labels(value, through_compare=True)))
        for sink in _js_sinks(file, scope):
            if sink.kind in ("return", "response"):
                decisions.append(("the returned value", flow.labels(sink.value)))
        yield from _jwt_uses(file.path, decisions)


# -- CODE021 (JavaScript)


def _js_secret_name(node: Any) -> str | None:
    """The name a string literal is bound to, compared with or passed as."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
        name = parent.child_by_field_name("name")
        return _jt(name) if name is not None and name.type == "identifier" else None
    if parent.type == "pair" and parent.child_by_field_name("value") == node:
        key = parent.child_by_field_name("key")
        return (_js_string(key) or _jt(key)) if key is not None else None
    if (
        parent.type in ("assignment_expression", "assignment_pattern")
        and parent.child_by_field_name("right") == node
    ):
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "member_expression":
            prop = left.child_by_field_name("property")
            return _jt(prop) if prop is not None else None
        return _jt(left) if left is not None and left.type == "identifier" else None
    if parent.type == "binary_expression":
        other = parent.child_by_field_name("left")
        if other is not None and other != node:
            if other.type == "member_expression":
                prop = other.child_by_field_name("property")
                return _jt(prop) if prop is not None else None
            return _jt(other) if other.type == "identifier" else None
    return None


def _js_secrets(file: _JsFile) -> Iterator[CodeMatch]:
    for node in _walk_js(file.root):
        value = _js_string(node)
        if value is None:
            continue
        parent = node.parent
        if parent is not None and (
            parent.type in ("import_statement", "export_statement")
            or (parent.type == "pair" and parent.child_by_field_name("key") == node)
            or (parent.type == "arguments" and file._required(parent.parent) is not None)
        ):
            continue
        why = _secret_match(value, _js_secret_name(node))
        if why is not None:
            yield _secret_code_match(file.path, *_jpos(node), value, why)


# -- CODE022, CODE023, CODE026 (JavaScript)


def _js_exceptions(file: _JsFile) -> Iterator[CodeMatch]:
    flows = _js_flows(file, ExceptionSpec())
    found: list[tuple[_Sink, Labels]] = []
    for scope in file.scopes:
        flow = flows[id(scope)]
        for sink in _js_sinks(file, scope):
            if sink.kind == "log" or (sink.kind == "return" and sink.export is None):
                continue
            labels = flow.labels(sink.value)
            if sink.kind == "callback-error":
                # Passing the error object itself: what the caller sees is its message.
                labels = frozenset(lab for lab in labels if lab.kind == "exception")
            found.append((sink, labels))
    return _exception_matches(file.path, found)


def _js_logging(file: _JsFile) -> Iterator[CodeMatch]:
    flows = _js_flows(file, LogSpec())
    credentials = _js_flows(file, CredentialSpec())
    seen: set[tuple[int, int]] = set()
    for scope in file.scopes:
        flow = flows[id(scope)]
        for sink in _js_sinks(file, scope):
            if sink.kind != "log" or (sink.line, sink.column) in seen:
                continue
            if credentials[id(scope)].labels(sink.value):
                continue  # AWS credentials in a log call are CODE026's
            match = _log_matches(file.path, sink, flow.labels(sink.value))
            if match is not None:
                seen.add((sink.line, sink.column))
                yield match
    for node in _walk_js(file.root):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        if callee is None or not _jt(callee).endswith("injectLambdaContext"):
            continue
        args = node.child_by_field_name("arguments")
        for pair in _walk_js(args) if args is not None else []:
            if (
                pair.type == "pair"
                and _jt(pair.child_by_field_name("key")) == "logEvent"
                and _jt(pair.child_by_field_name("value")) == "true"
            ):
                line, column = _jpos(node)
                yield CodeMatch(
                    "CODE023",
                    str(file.path),
                    line,
                    column,
                    "injectLambdaContext({ logEvent: true }) logs every incoming event whole "
                    "(headers with credentials, bodies with personal data); turn it off and "
                    "log selected fields",
                    _py_rel_key(file.path, "logEvent"),
                    Severity.MEDIUM,
                    needs_event_content=True,
                )


def _js_credentials(file: _JsFile) -> Iterator[CodeMatch]:
    flows = _js_flows(file, CredentialSpec())
    found: list[tuple[_Sink, Labels]] = []
    for scope in file.scopes:
        flow = flows[id(scope)]
        for sink in _js_sinks(file, scope):
            if sink.kind == "callback-error" or (sink.kind == "return" and sink.export is None):
                continue
            found.append((sink, flow.labels(sink.value)))
    return _credential_matches(file.path, found)


# -- CODE024 (JavaScript)


def _js_tls(file: _JsFile) -> Iterator[CodeMatch]:
    for node in _walk_js(file.root):
        line, column = _jpos(node)
        if node.type == "pair":
            key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
            if key is None or value is None:
                continue
            name, text = _js_string(key) or _jt(key), _jt(value)
            if name in ("rejectUnauthorized", "strictSSL") and text in ("false", "0"):
                yield _tls_match(file.path, line, column, f"{name}: {text}")
            elif name == "checkServerIdentity" and value.type in _JS_FUNCTIONS:
                body = value.child_by_field_name("body")
                if body is not None and (
                    _jt(body) in ("{}", "undefined", "null")
                    or (not body.named_children and body.type == "statement_block")
                ):
                    yield _tls_match(file.path, line, column, "checkServerIdentity accepts any")
        elif node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            target = file.qual(left) or _jt(left)
            value = _js_string(right)
            if value is None:
                value = _jt(right)
            if target.endswith("NODE_TLS_REJECT_UNAUTHORIZED") and value == "0":
                yield _tls_match(file.path, line, column, "NODE_TLS_REJECT_UNAUTHORIZED=0")
            elif target.endswith(".rejectUnauthorized") and value in ("false", "0"):
                yield _tls_match(file.path, line, column, "rejectUnauthorized = false")


# -- CODE025 (JavaScript)

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


def _js_fixed_tmp(file: _JsFile, node: Any, constants: dict[str, str]) -> str | None:
    if node is None:
        return None
    text = _js_string(node)
    if text is not None:
        return text if _tmp_path(text) else None
    if node.type == "identifier":
        return constants.get(_jt(node))
    if node.type == "call_expression":
        qual = file.qual(node) or ""
        if qual in ("os.tmpdir()",):
            return "/tmp"
        if qual in ("path.join()", "path.resolve()", "path.posix.join()"):
            args = node.child_by_field_name("arguments")
            parts = [
                _js_fixed_tmp(file, a, constants) if i == 0 else _js_string(a)
                for i, a in enumerate(args.named_children if args is not None else [])
            ]
            if parts and all(p is not None for p in parts):
                joined = "/".join(
                    p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts) if p
                )
                return joined if _tmp_path(joined) else None
    return None


def _js_tmp(file: _JsFile) -> Iterator[CodeMatch]:
    flows = _js_flows(file, SensitiveSpec())
    module_constants: dict[str, str] = {}
    for scope in file.scopes:
        flow = flows[id(scope)]
        nodes = scope.nodes
        constants = dict(module_constants)
        for node in nodes:
            if node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                path = _js_fixed_tmp(file, value, constants)
                if name is not None and name.type == "identifier" and path:
                    constants[_jt(name)] = path
        if scope.node is None:
            module_constants = constants
        calls = [n for n in nodes if n.type == "call_expression"]

        def parts(call: Any) -> tuple[str, list[Any]]:
            callee = call.child_by_field_name("function")
            args = call.child_by_field_name("arguments")
            method = ""
            if callee is not None:
                prop = (
                    callee.child_by_field_name("property")
                    if callee.type == "member_expression"
                    else None
                )
                method = (
                    _jt(prop) if prop is not None else (file.qual(callee) or "").rsplit(".", 1)[-1]
                )
            return method, [
                a for a in (args.named_children if args is not None else []) if a.type != "comment"
            ]

        deleted = {
            _js_fixed_tmp(file, args[0], constants)
            for call in calls
            for method, args in [parts(call)]
            if method in _JS_DELETERS and args
        }
        streams: dict[str, str] = {}
        for node in nodes:
            if node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if name is not None and value is not None and value.type == "call_expression":
                    method, args = parts(value)
                    path = _js_fixed_tmp(file, args[0], constants) if args else None
                    if method == "createWriteStream" and path:
                        streams[_jt(name)] = path
        for call in calls:
            method, args = parts(call)
            path = None
            data: list[Any] = []
            if method in _JS_WRITERS and len(args) >= 2:
                path, data = _js_fixed_tmp(file, args[0], constants), [args[1]]
            elif method in ("write", "end") and args:
                callee = call.child_by_field_name("function")
                owner = callee.child_by_field_name("object") if callee is not None else None
                if owner is not None and _jt(owner) in streams:
                    path, data = streams[_jt(owner)], [args[0]]
            if not path or path in deleted:
                continue
            labels = flow._union(data)
            if labels:
                yield _tmp_match(file.path, *_jpos(call), path, labels)


# ============================================================================ attribution

_FileKey = tuple[str, int, int]
_CACHE: dict[str, tuple[_FileKey, tuple[CodeMatch, ...]]] = {}
_CACHE_LIMIT = 4096


def file_matches(path: Path, language: str) -> tuple[CodeMatch, ...] | Diagnostic:
    """Every CODE02x match in one file (cached by size and modification time), or a
    diagnostic when it cannot be parsed."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        return Diagnostic(level=DiagnosticLevel.WARNING, message=f"cannot read {path}: {exc}")
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    cached = _CACHE.get(str(path))
    if cached is not None and cached[0] == key:
        return cached[1]
    if language == "python":
        from faasguard.code.python import parse_module  # noqa: PLC0415

        parsed = parse_module(path)
        if not hasattr(parsed, "tree"):
            return _gap_diagnostic(parsed)
        matches = tuple(_python_matches(path, parsed.tree))
    else:
        from faasguard.code.javascript import parse_module as parse_js  # noqa: PLC0415

        parsed_js = parse_js(path)
        if not hasattr(parsed_js, "tree"):
            return _gap_diagnostic(parsed_js)
        matches = tuple(_javascript_matches(parsed_js))
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[str(path)] = (key, matches)
    return matches


def _gap_diagnostic(gap: Any) -> Diagnostic:
    where = Location(file=str(gap.file), line=gap.line) if getattr(gap, "file", None) else None
    return Diagnostic(
        level=DiagnosticLevel.WARNING,
        message=f"handler code not checked by the CODE02x rules: {gap.message}",
        location=where,
    )


def _function_files(function: Function, app: App) -> list[tuple[Path, str, str | None]]:
    """The files of ``function``'s code (handler first) with their language, and the
    handler's export name for the handler file."""
    from faasguard.code.modules import Entry, find_entry  # noqa: PLC0415

    entry = find_entry(function, app)
    if not isinstance(entry, Entry):
        return []
    files = local_files(entry.root, entry.file, entry.language)
    return [
        (path, entry.language, entry.export if i == 0 else None) for i, path in enumerate(files)
    ]


_FILES_CACHE: dict[tuple[str, str], tuple[tuple[_FileKey, ...], list[Path]]] = {}


def _signature(paths: Iterable[Path]) -> tuple[_FileKey, ...]:
    result = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            result.append((str(path), -1, -1))
            continue
        result.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(result)


def local_files(root: Path, entry: Path, language: str) -> list[Path]:
    """The handler file and every file of the code directory it imports, transitively
    (resolved with :mod:`faasguard.code.modules`; cached until one of them changes)."""
    key = (str(root), str(entry))
    cached = _FILES_CACHE.get(key)
    if cached is not None and _signature(cached[1]) == cached[0]:
        return cached[1]
    found = [entry]
    queue = [entry]
    while queue:
        path = queue.pop()
        for imported in _imports_of(root, path, language):
            if imported not in found:
                found.append(imported)
                queue.append(imported)
    if len(_FILES_CACHE) >= _CACHE_LIMIT:
        _FILES_CACHE.clear()
    _FILES_CACHE[key] = (_signature(found), found)
    return found


def _imports_of(root: Path, path: Path, language: str) -> Iterator[Path]:
    from faasguard.code import javascript, python  # noqa: PLC0415
    from faasguard.code.modules import (  # noqa: PLC0415
        resolve_js_module,
        resolve_python_import,
    )

    if language == "python":
        parsed = python.parse_module(path)
        for imported in getattr(parsed, "imports", ()):
            module = imported.module
            target = None
            if imported.name is not None:
                target = resolve_python_import(root, path, module, imported.level, imported.name)
            target = target or resolve_python_import(root, path, module, imported.level)
            if target is not None:
                yield target
        return
    parsed_js = javascript.parse_module(path)
    tree = getattr(parsed_js, "tree", None)
    if tree is None:
        return
    for node in _walk_js(tree.root_node):
        if node.type in ("import_statement", "export_statement", "call_expression"):
            specifier = javascript._module_specifier(node)
            target = resolve_js_module(root, path, specifier) if specifier else None
            if target is not None:
                yield target


def _is_http(function: Function) -> bool:
    return function.url is not None or any(t.kind.is_http for t in function.triggers)


def _only_scheduled(function: Function) -> bool:
    return bool(function.triggers) and all(
        t.kind is TriggerKind.SCHEDULE for t in function.triggers
    )


def rule_hits(app: App, rule_id: str) -> Iterator[Hit]:
    """The hits of one CODE02x rule on ``app``, one per place in the code.

    A match inside a handler export belongs to the function using that export; code shared
    by several functions (module level, helpers, imported modules) is reported once, on the
    first of them, naming the others.
    """
    from faasguard.context import note  # noqa: PLC0415 - patterns load lazily

    per_function = [(fn, _function_files(fn, app)) for fn in app.functions]
    used: dict[Path, set[str]] = {}
    for _, files in per_function:
        for path, _, export in files:
            if export is not None:
                used.setdefault(path.resolve(), set()).add(export)
    groups: dict[tuple[str, int, int, str], tuple[CodeMatch, list[Function]]] = {}
    for fn, files in per_function:
        for path, language, export in files:
            matches = file_matches(path, language)
            if isinstance(matches, Diagnostic):
                note(matches)
                continue
            handlers = used.get(path.resolve(), set())
            for match in matches:
                if match.rule != rule_id or not _applies(match, fn, export, handlers):
                    continue
                group = groups.setdefault(
                    (match.file, match.line, match.column, match.key), (match, [])
                )
                if fn not in group[1]:
                    group[1].append(fn)
    for match, functions in groups.values():
        first = functions[0]
        message = match.message
        if len(functions) > 1:
            others = ", ".join(f.display_name for f in functions[1:])
            message += f" (code shared with {others})"
        yield Hit(
            message=message,
            location=Location(file=match.file, line=match.line, column=match.column),
            function=first.ref,
            key=match.key,
            severity=match.severity,
        )


def _applies(match: CodeMatch, fn: Function, export: str | None, handlers: set[str]) -> bool:
    """Whether a match in one of ``fn``'s files is ``fn``'s (see :func:`rule_hits`)."""
    if (
        match.exports
        and not (export is not None and export in match.exports)
        and match.exports & handlers
    ):
        return False  # inside another function's handler
    if match.handler_return is not None and match.handler_return != export:
        return False
    if match.requires_http and not _is_http(fn):
        return False
    return not (match.needs_event_content and _only_scheduled(fn))


__all__ = ["CodeMatch", "Label", "file_matches", "is_secret_key", "rule_hits"]
