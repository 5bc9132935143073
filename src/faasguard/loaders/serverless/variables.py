"""Static resolver for Serverless Framework variables (v3 and v4 syntax).

What is resolved, and from where (nothing is ever executed, and the real process environment
is never read so that a scan is reproducible):

- ``${self:a.b.c}`` from the configuration itself (also through values that are variables);
- ``${opt:stage}`` from ``--stage``; ``${opt:NAME}``, ``${env:NAME}`` and ``${param:NAME}``
  from ``--var NAME=VALUE`` (``--var env:NAME=VALUE`` targets one source only); ``param:``
  also reads the ``params:`` section of ``serverless.yml`` (stage, then ``default``);
- ``${sls:stage}`` (``--stage``, else ``provider.stage``, else ``dev``);
- ``${file(./x.yml)}`` and ``${file(./x.yml):a.b}`` for YAML and JSON files (other text files
  give their content as a string; ``.js``/``.ts`` files are code and give :class:`Unknown`
  plus a warning). A path that leaves the app directory is refused with a diagnostic;
- fallbacks ``${env:X, ${self:y}, 'literal', 10}``, nested variables
  (``${self:custom.${opt:stage}.memory}``) and variables inside resolved values.

``${ssm:...}``, ``${cf:...}``, ``${s3:...}``, ``${aws:...}``, ``${sls:instanceId}`` and
unknown (plugin) sources become :class:`Unknown` with the expression. A string mixing text
with an unknown variable becomes an :class:`Unknown` with the whole string. ``${AWS::Region}``
and other CloudFormation ``Fn::Sub`` placeholders are not Serverless variables and are kept.

Cycles give :class:`Unknown` and a warning; every node is resolved at most once (memoised by
document and path), and reference chains are bounded, so resolution is linear and never
hits Python's recursion limit.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faasguard.errors import LoadError
from faasguard.loaders.documents import Document, load_json, load_yaml, pointer_join
from faasguard.loaders.files import read_regular_text
from faasguard.model import Diagnostic, DiagnosticLevel, Location, Unknown

#: How many variable references may be followed in one chain before giving up. Real
#: configurations use a handful; the bound keeps Python's stack far from its limit.
MAX_REFERENCE_DEPTH = 40
#: Upper bound on resolution steps for one configuration (defence against pathological input).
MAX_STEPS = 200_000
#: Longest string a variable may expand to.
MAX_STRING = 1_000_000

_SOURCE = re.compile(
    r"^\s*(?P<source>[A-Za-z][A-Za-z0-9_-]*)(?:\((?P<params>.*)\))?(?::(?P<address>.*))?\s*$",
    re.DOTALL,
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_CODE_SUFFIXES = (".js", ".ts", ".mjs", ".cjs", ".mts", ".cts")
_SYMBOLIC_SOURCES = frozenset({"ssm", "cf", "s3", "aws", "secrets", "terraform", "construct"})

Path = tuple[str, ...]
NodeKey = tuple[str, Path]


class _Missing:
    """A variable that has no value (so the next fallback is tried)."""

    __slots__ = ()


MISSING = _Missing()


@dataclass(slots=True)
class _Span:
    start: int
    end: int  # exclusive, just after the closing brace
    inner: str


def find_variables(text: str) -> list[_Span]:
    """Top-level ``${...}`` spans of ``text`` (nested ones stay inside their parent)."""
    spans: list[_Span] = []
    index = 0
    length = len(text)
    while True:
        start = text.find("${", index)
        if start < 0:
            return spans
        depth = 0
        position = start
        quote = ""
        end = -1
        while position < length:
            char = text[position]
            if quote:
                if char == quote:
                    quote = ""
            elif text.startswith("${", position):
                depth += 1
                position += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    end = position + 1
                    break
            elif char in "'\"" and depth >= 1 and _in_argument(text, start, position):
                quote = char
            position += 1
        if end < 0:
            return spans  # unbalanced: the rest is plain text
        spans.append(_Span(start, end, text[start + 2 : end - 1]))
        index = end


def _in_argument(text: str, start: int, position: int) -> bool:
    """Quotes only delimit literals after a comma (``${opt:x, 'a,b'}``), not in addresses."""
    return "," in text[start:position]


def split_fallbacks(inner: str) -> list[str]:
    """Split ``a, ${b}, 'c, d'`` at top-level commas."""
    parts: list[str] = []
    depth = 0
    paren = 0
    quote = ""
    current: list[str] = []
    index = 0
    while index < len(inner):
        char = inner[index]
        if quote:
            if char == quote:
                quote = ""
        elif inner.startswith("${", index):
            depth += 1
            current.append("${")
            index += 2
            continue
        elif char == "}":
            depth -= 1
        elif char == "(":
            paren += 1
        elif char == ")":
            paren -= 1
        elif char in "'\"" and depth == 0 and parts_started(current):
            quote = char
        elif char == "," and depth == 0 and paren <= 0:
            parts.append("".join(current).strip())
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    parts.append("".join(current).strip())
    return parts


def parts_started(current: list[str]) -> bool:
    """A quote opens a literal only at the start of a fallback part."""
    return not "".join(current).strip()


def is_variable_expression(inner: str) -> bool:
    """True when ``${inner}`` is a Serverless variable, not a CloudFormation placeholder."""
    first = split_fallbacks(inner)[0]
    match = _SOURCE.match(first)
    if match is None:
        return False
    address = match.group("address")
    if match.group("params") is None and address is None:
        return False
    return not (address is not None and address.startswith(":"))  # ${AWS::Region}


@dataclass(slots=True)
class Resolver:
    """Resolves every variable of one ``serverless.yml`` (and the files it includes).

    ``redirects`` records, for a node whose value came whole from another place (a
    ``${file()}`` include, or a mapping/list taken from ``${self:...}``), where that value
    is, so that :meth:`origin` can point a finding at the line the user wrote.
    """

    root: Document
    service_dir: str
    boundary: str
    stage: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    docs: dict[str, Document] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    redirects: dict[NodeKey, NodeKey] = field(default_factory=dict)
    _done: dict[NodeKey, Any] = field(default_factory=dict)
    _active: set[NodeKey] = field(default_factory=set)
    _depth: int = 0
    _steps: int = 0
    _warned: set[str] = field(default_factory=set)
    _file_errors: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.docs[self.root.file] = self.root

    # -- public API -------------------------------------------------------------------------

    def resolve_all(self) -> Any:
        """The whole configuration with every variable resolved."""
        return self.resolve_node((self.root.file, ()))

    def origin(self, pointer: str) -> tuple[str, str]:
        """The file and JSON pointer a pointer into the resolved root document comes from."""
        tokens = [_unescape(token) for token in pointer.split("/")[1:]] if pointer else []
        key: NodeKey = (self.root.file, ())
        key = self._follow(key)
        for token in tokens:
            key = self._follow((key[0], (*key[1], token)))
        return key[0], "".join(pointer_join("", token) for token in key[1])

    def location(self, pointer: str) -> Location:
        """A :class:`Location` for a pointer into the resolved root document."""
        file, target = self.origin(pointer)
        doc = self.docs.get(file, self.root)
        line, column = doc.line_of(target)
        return Location(file=file, line=line, column=column, pointer=target)

    # -- nodes ------------------------------------------------------------------------------

    def _follow(self, key: NodeKey) -> NodeKey:
        # A redirect target may itself lie below a redirected node (``${self:custom.env}``
        # where ``custom`` is a ``${file()}``), so every prefix is checked, boundedly.
        for _ in range(MAX_REFERENCE_DEPTH):
            doc, path = key
            for length in range(len(path), -1, -1):
                target = self.redirects.get((doc, path[:length]))
                if target is not None:
                    key = (target[0], target[1] + path[length:])
                    break
            else:
                return key
        return key

    def raw(self, key: NodeKey) -> Any:
        """The unresolved value at ``key`` (or :data:`MISSING`)."""
        doc = self.docs.get(key[0])
        if doc is None:
            return MISSING
        node: Any = doc.data
        for token in key[1]:
            node = _child(node, token)
            if node is MISSING:
                return MISSING
        return node

    def resolve_node(self, key: NodeKey) -> Any:
        """The fully resolved value at ``key``; memoised; cycles give :class:`Unknown`."""
        if key in self._done:
            return self._done[key]
        if key in self._active:
            return self._cycle(key)
        self._active.add(key)
        try:
            value = self._resolve_container(key)
        finally:
            self._active.discard(key)
        self._done[key] = value
        return value

    def _resolve_container(self, key: NodeKey) -> Any:
        raw = self.raw(key)
        if isinstance(raw, str):
            return self.resolve_string(raw, key)
        if not isinstance(raw, dict | list):
            return raw
        # Iterative copy so deep documents never recurse in Python; only variable
        # references recurse, and those are bounded by MAX_REFERENCE_DEPTH.
        result: Any = {} if isinstance(raw, dict) else []
        stack: list[tuple[Any, Any, Path]] = [(raw, result, key[1])]
        while stack:
            source, target, path = stack.pop()
            items = source.items() if isinstance(source, dict) else enumerate(source)
            for name, child in items:
                child_path = (*path, str(name))
                child_key = (key[0], child_path)
                if child_key in self._done:
                    value: Any = self._done[child_key]
                elif isinstance(child, dict | list):
                    value = {} if isinstance(child, dict) else []
                    stack.append((child, value, child_path))
                elif isinstance(child, str) and "${" in child:
                    value = self.resolve_node(child_key)
                else:
                    value = child
                if isinstance(target, dict):
                    target[name] = value
                else:
                    target.append(value)
        return result

    def lookup(self, key: NodeKey) -> Any:
        """Resolve the value at a path, following variables met on the way down."""
        doc_file, path = key
        current: NodeKey = (doc_file, ())
        value: Any = MISSING
        for index, token in enumerate(path):
            raw = self.raw(current)
            if isinstance(raw, str) and "${" in raw:
                resolved = self.resolve_node(current)
                return _descend(resolved, path[index:])
            if raw is MISSING:
                return MISSING
            current = (doc_file, (*current[1], token))
            if isinstance(raw, dict | list) and _child(raw, token) is MISSING:
                return MISSING
        value = self.raw(current)
        if value is MISSING:
            return MISSING
        if isinstance(value, dict | list | str):
            return self.resolve_node(current)
        return value

    # -- strings ----------------------------------------------------------------------------

    def resolve_string(self, text: str, key: NodeKey | None = None) -> Any:
        """Resolve every variable in ``text``; a lone variable keeps its type."""
        self._steps += 1
        if self._steps > MAX_STEPS:
            return Unknown(expression=text, reason="resolution step limit reached")
        spans = [span for span in find_variables(text) if is_variable_expression(span.inner)]
        if not spans:
            return text
        if len(spans) == 1 and spans[0].start == 0 and spans[0].end == len(text):
            value, target = self.resolve_expression(spans[0].inner, key)
            # Containers and values from included files point at where they were written;
            # a scalar taken from elsewhere in serverless.yml keeps the line that uses it.
            if (
                key is not None
                and target is not None
                and (isinstance(value, dict | list) or target[0] != self.root.file)
            ):
                self.redirects[key] = target
            if value is MISSING:
                return self._not_found(text, key)
            return value
        pieces: list[str] = []
        cursor = 0
        for span in spans:
            pieces.append(text[cursor : span.start])
            value, _ = self.resolve_expression(span.inner, key)
            if value is MISSING:
                self._not_found("${" + span.inner + "}", key)
                return Unknown(expression=text, reason="variable not found")
            if isinstance(value, Unknown):
                return Unknown(expression=text, reason=value.reason)
            if isinstance(value, dict | list):
                return Unknown(expression=text, reason="a mapping or list inside a string")
            pieces.append(_to_text(value))
            cursor = span.end
            if sum(map(len, pieces)) > MAX_STRING:
                # Strings that reference each other twice per level double at every step.
                self._warn("variable expands to a string over 1 MB; left unresolved", key)
                return Unknown(expression=text, reason="value too large")
        pieces.append(text[cursor:])
        return "".join(pieces)

    def resolve_expression(self, inner: str, key: NodeKey | None) -> tuple[Any, NodeKey | None]:
        """Resolve ``inner`` (the text between ``${`` and ``}``) with its fallbacks.

        Returns the value (or :data:`MISSING`) and, when the value is a node of a document,
        that node's key (for locations).
        """
        if self._depth >= MAX_REFERENCE_DEPTH:
            self._warn(
                f"variable references nested deeper than {MAX_REFERENCE_DEPTH} levels; "
                f"'${{{inner}}}' left unresolved",
                key,
            )
            return Unknown(expression="${" + inner + "}", reason="too deep"), None
        self._depth += 1
        try:
            parts = split_fallbacks(inner)
            for index, part in enumerate(parts):
                value, target = self._resolve_part(part, first=index == 0, key=key)
                if value is not MISSING:
                    if isinstance(value, Unknown) and value.expression == part:
                        value = Unknown(expression="${" + inner + "}", reason=value.reason)
                    return value, target
            return MISSING, None
        finally:
            self._depth -= 1

    def _resolve_part(
        self, part: str, *, first: bool, key: NodeKey | None
    ) -> tuple[Any, NodeKey | None]:
        if not first:
            literal = _literal(part)
            if literal is not MISSING:
                return literal, None
            spans = find_variables(part)
            if len(spans) == 1 and spans[0].start == 0 and spans[0].end == len(part):
                return self.resolve_expression(spans[0].inner, key)
        # An address: resolve the variables nested in it first.
        if "${" in part:
            resolved = self.resolve_string(part, key)
            if isinstance(resolved, Unknown):
                return Unknown(expression=part, reason=resolved.reason), None
            if not isinstance(resolved, str):
                return Unknown(expression=part, reason="address is not a string"), None
            part = resolved
        match = _SOURCE.match(part)
        if match is None:
            return (part if not first else MISSING), None
        source = match.group("source")
        params = match.group("params")
        address = (match.group("address") or "").strip()
        return self._source(source, params, address, part, key)

    def _source(
        self, source: str, params: str | None, address: str, part: str, key: NodeKey | None
    ) -> tuple[Any, NodeKey | None]:
        expression = "${" + part + "}"
        if source == "self":
            if not address:
                return Unknown(expression=expression, reason="the whole configuration"), None
            target = (self.root.file, _address_path(address))
            value = self.lookup(target)
            if value is MISSING and target[1] == ("provider", "stage"):
                value = self.current_stage()  # the framework's default stage
            elif value is MISSING and target[1] == ("provider", "region"):
                value = self._variable("opt", "region")
                value = "us-east-1" if value is MISSING else value
            return value, target
        if source == "file":
            return self._file(params or "", address, expression, key)
        if source == "opt":
            if address == "stage" and self.stage:
                return self.stage, None
            return self._variable("opt", address), None
        if source == "env":
            return self._variable("env", address), None
        if source == "param":
            value = self._variable("param", address)
            if value is MISSING:
                value = self._stage_param(address)
            return value, None
        if source == "sls":
            if address == "stage":
                return self.current_stage(), None
            return Unknown(
                expression=expression, reason=f"sls:{address} is known at deploy time"
            ), None
        if source == "strToBool" and params is not None:
            value = self.resolve_string(params.strip(), key)
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
                return value.strip().lower() in ("true", "1"), None
            return Unknown(expression=expression, reason="not a boolean"), None
        reason = (
            "resolved by AWS at deploy time"
            if source in _SYMBOLIC_SOURCES
            else f"unknown variable source '{source}' (a plugin?)"
        )
        return Unknown(expression=expression, reason=reason), None

    def _variable(self, source: str, name: str) -> Any:
        for candidate in (f"{source}:{name}", name):
            if candidate in self.variables:
                return self.variables[candidate]
        return MISSING

    def _stage_param(self, name: str) -> Any:
        params = self.lookup((self.root.file, ("params",)))
        if not isinstance(params, dict):
            return MISSING
        for stage in (self.current_stage(), "default"):
            section = params.get(stage)
            if isinstance(section, dict) and name in section:
                return section[name]
        return MISSING

    def current_stage(self) -> Any:
        """``--stage``, else ``provider.stage`` when static, else ``dev`` (the default)."""
        if self.stage:
            return self.stage
        key: NodeKey = (self.root.file, ("provider", "stage"))
        if key in self._active:
            return "dev"
        value = self.lookup(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, Unknown):
            return value
        return "dev"

    # -- files ------------------------------------------------------------------------------

    def _file(
        self, params: str, address: str, expression: str, key: NodeKey | None
    ) -> tuple[Any, NodeKey | None]:
        raw_path = params.strip().strip("'\"")
        if "${" in raw_path:
            resolved = self.resolve_string(raw_path, key)
            if not isinstance(resolved, str):
                return Unknown(expression=expression, reason="file path not static"), None
            raw_path = resolved
        if not raw_path:
            return Unknown(expression=expression, reason="empty file path"), None
        candidates = [os.path.join(self.service_dir, raw_path)]
        if key is not None and key[0] != self.root.file:
            candidates.append(os.path.join(os.path.dirname(key[0]), raw_path))
        path = os.path.normpath(candidates[0])
        for candidate in candidates:
            if os.path.exists(candidate):
                path = os.path.normpath(candidate)
                break
        if not _inside(path, self.boundary):
            self._warn(
                f"{expression} points outside the application directory; not read",
                key,
                level=DiagnosticLevel.ERROR,
            )
            return Unknown(expression=expression, reason="file outside the app directory"), None
        if path.lower().endswith(_CODE_SUFFIXES):
            self._warn(
                f"{expression} is JavaScript/TypeScript code; faasguard does not execute it",
                key,
            )
            return Unknown(expression=expression, reason="code file variable source"), None
        doc = self._load_file(path, expression, key)
        if doc is None:
            return Unknown(expression=expression, reason="file could not be read"), None
        if isinstance(doc, str):
            return (doc if not address else MISSING), None
        target: NodeKey = (doc.file, _address_path(address) if address else ())
        if not address:
            return self.resolve_node(target), target
        return self.lookup(target), target

    def _load_file(self, path: str, expression: str, key: NodeKey | None) -> Document | str | None:
        if path in self.docs:
            return self.docs[path]
        if path in self._file_errors:
            return self._file_errors[path]  # type: ignore[no-any-return]
        text: str | None = None
        try:
            text = read_regular_text(path)
        except LoadError as exc:
            # "cannot read file: Reason" → "cannot read file (Reason)", as before.
            reason = exc.message.removeprefix("cannot read file: ")
            message = f"cannot read file ({reason})" if reason != exc.message else exc.message
            self._warn(f"{expression}: {message}", key)
            self._file_errors[path] = None
            return None
        lower = path.lower()
        if not lower.endswith((".yml", ".yaml", ".json")):
            self._file_errors[path] = text
            self.files.append(path)
            return text
        try:
            doc = load_json(text, path) if lower.endswith(".json") else load_yaml(text, path)
        except LoadError as exc:
            self.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=exc.message,
                    location=Location(file=path, line=exc.line, column=exc.column),
                    code="load-error",
                )
            )
            self._file_errors[path] = None
            return None
        self.docs[path] = doc
        self.files.append(path)
        return doc

    # -- diagnostics ------------------------------------------------------------------------

    def _cycle(self, key: NodeKey) -> Unknown:
        pointer = "".join(pointer_join("", token) for token in key[1])
        self._warn(
            f"variable reference cycle through '{pointer or '/'}'; left unresolved",
            key,
        )
        return Unknown(expression=str(self.raw(key)), reason="reference cycle")

    def _not_found(self, expression: str, key: NodeKey | None) -> Unknown:
        # A missing --var/--stage is normal in a scan (info); a missing self: key is a bug.
        user_supplied = expression.lstrip("${ ").startswith(("env:", "opt:", "param:"))
        self._warn(
            f"no value for variable {expression}; left unresolved"
            + (" (supply it with --var/--stage)" if user_supplied else ""),
            key,
            level=DiagnosticLevel.INFO if user_supplied else DiagnosticLevel.WARNING,
        )
        return Unknown(expression=expression, reason="variable not found")

    def _warn(
        self,
        message: str,
        key: NodeKey | None,
        *,
        level: DiagnosticLevel = DiagnosticLevel.WARNING,
    ) -> None:
        location: Location | None = None
        if key is not None:
            doc = self.docs.get(key[0])
            pointer = "".join(pointer_join("", token) for token in key[1])
            if doc is not None:
                line, column = doc.line_of(pointer)
                location = Location(file=key[0], line=line, column=column, pointer=pointer)
        marker = f"{message}@{location}"
        if marker in self._warned:
            return
        self._warned.add(marker)
        self.diagnostics.append(
            Diagnostic(level=level, message=message, location=location, code="sls-variable")
        )


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return node.get(token, MISSING)
    if isinstance(node, list):
        try:
            index = int(token)
        except ValueError:
            return MISSING
        return node[index] if 0 <= index < len(node) else MISSING
    return MISSING


def _descend(value: Any, path: Path) -> Any:
    for token in path:
        if isinstance(value, Unknown):
            return Unknown(expression=value.expression + "." + ".".join(path), reason=value.reason)
        value = _child(value, token)
        if value is MISSING:
            return MISSING
    return value


def _address_path(address: str) -> Path:
    address = address.strip()
    if not address:
        return ()
    # ``${self:custom.list.0}`` and ``${file(x):a.b}``; ``${self:a[0]}`` is rare but legal.
    address = re.sub(r"\[(\d+)\]", r".\1", address)
    return tuple(token for token in address.split(".") if token != "")


def _literal(part: str) -> Any:
    if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
        return part[1:-1]
    if _NUMBER.match(part):
        return float(part) if "." in part else int(part)
    if part in ("true", "false"):
        return part == "true"
    if part in ("null", "~"):
        return MISSING
    if "${" in part or (_SOURCE.match(part) and ":" in part) or "(" in part:
        return MISSING
    return part  # an unquoted literal, as older framework versions accepted


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _inside(path: str, boundary: str) -> bool:
    real = os.path.realpath(path)
    root = os.path.realpath(boundary)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def dump_expression(value: Any) -> str:
    """A short text form of an unresolvable value, for :class:`Unknown` expressions."""
    try:
        return json.dumps(value, sort_keys=True, default=str)[:300]
    except (TypeError, ValueError):
        return repr(value)[:300]


#: signature of the function that maps a pointer into the resolved document to a Location
Locate = Callable[[str], Location]
