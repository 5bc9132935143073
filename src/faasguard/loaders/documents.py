"""Safe YAML/JSON reading with a line map, for CloudFormation, SAM and Serverless files.

We compose the node graph with libyaml (fast, C) and build Python values ourselves instead
of using a PyYAML constructor, because that one walk gives us everything a security tool
needs at once:

- a JSON-pointer → (line, column) map, so every model element points at the user's line;
- CloudFormation short-form tags (``!Ref``, ``!GetAtt``, ``!Sub``, ...) turned into their
  long form, and no Python-object tags ever constructed (``!!python/object`` is an error);
- bounded alias expansion: a "billion laughs" document fails fast with a clear error;
- a nesting cap well below Python's recursion limit, and a size cap per file;
- YAML timestamps kept as the strings the user wrote (``AWSTemplateFormatVersion:
  2010-09-09`` must stay a string, as CloudFormation reads it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from faasguard.errors import LoadError
from faasguard.loaders.files import MAX_FILE_BYTES
from faasguard.model import Diagnostic, DiagnosticLevel, Location

# libyaml is bundled with PyYAML wheels; fall back to the pure-Python loader without it.
_Loader: type[yaml.CSafeLoader | yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 256
MAX_NODES = 2_000_000

_CFN_FUNCTIONS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Not": "Fn::Not",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "Cidr": "Fn::Cidr",
    "ImportValue": "Fn::ImportValue",
    "GetAZs": "Fn::GetAZs",
    "Transform": "Fn::Transform",
    "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
    "ForEach": "Fn::ForEach",
}

_STR = "tag:yaml.org,2002:str"
_SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "binary", "map", "seq")
)
_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def escape_pointer_token(token: str) -> str:
    """Escape one JSON-pointer reference token (RFC 6901)."""
    if "~" not in token and "/" not in token:  # the common case, on the hot path
        return token
    return token.replace("~", "~0").replace("/", "~1")


def pointer_join(pointer: str, token: str | int) -> str:
    """Append one token to a JSON pointer."""
    return f"{pointer}/{escape_pointer_token(str(token))}"


@dataclass(slots=True)
class Document:
    """A loaded YAML or JSON document and where each of its values is in the file.

    ``lines`` maps JSON pointers (``/Resources/Fn/Properties/Timeout``) to 1-based
    ``(line, column)`` of the key (for mapping entries) or the item (for sequence items).
    ``warnings`` are non-fatal problems (duplicate keys, unknown tags) with their lines.
    """

    file: str
    data: Any
    lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    warnings: list[tuple[str, int]] = field(default_factory=list)
    text: str = ""

    def warning_diagnostics(self, path: str) -> list[Diagnostic]:
        """:attr:`warnings` as warning diagnostics (code ``yaml``) located in ``path``."""
        return [
            Diagnostic(
                level=DiagnosticLevel.WARNING,
                message=message,
                location=Location(file=path, line=line),
                code="yaml",
            )
            for message, line in self.warnings
        ]

    def line_of(self, pointer: str) -> tuple[int, int]:
        """Line and column of ``pointer`` or of its nearest ancestor that has one."""
        while pointer:
            found = self.lines.get(pointer)
            if found is not None:
                return found
            pointer = pointer.rsplit("/", 1)[0]
        return self.lines.get("", (1, 1))


class _Builder:
    def __init__(self, file: str, tag_handler: Callable[[str, Any], Any] | None) -> None:
        self.file = file
        self.lines: dict[str, tuple[int, int]] = {}
        self.warnings: list[tuple[str, int]] = []
        self.nodes = 0
        self.tag_handler = tag_handler

    def fail(self, message: str, node: yaml.Node) -> LoadError:
        return LoadError(message, self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                f"document expands to more than {MAX_NODES:,} values (alias bomb?); refusing",
                node,
            )
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels; refusing", node)
        if isinstance(node, yaml.MappingNode):
            value: Any = self.mapping(node, pointer, depth)
        elif isinstance(node, yaml.SequenceNode):
            value = []
            for index, item in enumerate(node.value):
                child = pointer_join(pointer, index)
                self.lines[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
                value.append(self.build(item, child, depth + 1))
        else:
            value = self.scalar(node)
        return self.apply_tag(node, value)

    def mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    built = self.build(source, pointer, depth + 1)
                    if not isinstance(built, dict):
                        raise self.fail("merge key '<<' needs a mapping", source)
                    for key, val in built.items():
                        merged.setdefault(key, val)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("mapping keys must be scalars", key_node)
            key = self.scalar(key_node)
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            if isinstance(key, bool | int | float) or key is None:
                key = key_node.value
            child = pointer_join(pointer, key)
            if key in result:
                self.warnings.append(
                    (f"duplicate key '{key}'; the last one wins", key_node.start_mark.line + 1)
                )
            self.lines[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, child, depth + 1)
        for key, val in merged.items():
            result.setdefault(key, val)
        return result

    def scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR or not tag.startswith("tag:yaml.org,2002:"):
            return node.value
        if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
            return node.value
        if tag in (
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:null",
        ):
            if not isinstance(node, yaml.ScalarNode):
                raise self.fail(f"tag {tag} on a collection", node)
            try:
                return _SCALAR_CONSTRUCTOR.construct_object(node, deep=False)
            except ValueError:  # Python refuses integers of more than 4,300 digits
                raise self.fail("a number too long to read (over 4,300 digits)", node) from None
        if tag in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            return node.value
        raise self.fail(f"unsupported or unsafe YAML tag '{tag}'", node)

    def apply_tag(self, node: yaml.Node, value: Any) -> Any:
        tag = node.tag
        if tag in _SAFE_TAGS or tag in ("!", "?"):
            return value
        if tag.startswith("!") and not tag.startswith("!!"):
            name = tag[1:]
            if self.tag_handler is not None:
                return self.tag_handler(name, value)
            return value
        raise self.fail(f"unsupported or unsafe YAML tag '{tag}'", node)


def cfn_tag(name: str, value: Any) -> Any:
    """Turn a CloudFormation short-form tag into its long form (``!Ref x`` → ``{"Ref": x}``)."""
    long_name = _CFN_FUNCTIONS.get(name)
    if long_name is None:
        return value
    if name == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {long_name: [resource, attribute]}
    return {long_name: value}


def load_yaml(
    text: str, file: str, *, tag_handler: Callable[[str, Any], Any] | None = cfn_tag
) -> Document:
    """Parse YAML text safely into a :class:`Document`; raise :class:`LoadError` on bad input.

    An empty document loads as ``None``. Only the first document of a multi-document stream
    is read (as CloudFormation and the Serverless Framework do).
    """
    if len(text) > MAX_FILE_BYTES:
        raise LoadError(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; skipped", file)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.composer.ComposerError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "expected a single document" in str(exc):
            return _first_document(text, file, tag_handler)
        raise LoadError(_yaml_message(exc), file, _line(mark), _col(mark)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise LoadError(_yaml_message(exc), file, _line(mark), _col(mark)) from None
    except yaml.YAMLError as exc:  # reader errors (bad encoding, control characters)
        raise LoadError(f"invalid YAML: {exc}", file) from None
    builder = _Builder(file, tag_handler)
    if node is None:
        return Document(file=file, data=None, text=text)
    if "&" in text:  # without an anchor there can be no alias to expand
        _check_expanded_size(node, file)
    builder.lines[""] = (node.start_mark.line + 1, node.start_mark.column + 1)
    data = builder.build(node, "", 0)
    return Document(file=file, data=data, lines=builder.lines, warnings=builder.warnings, text=text)


def _first_document(
    text: str, file: str, tag_handler: Callable[[str, Any], Any] | None
) -> Document:
    loader = _Loader(text)
    try:
        node = loader.get_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise LoadError(_yaml_message(exc), file, _line(mark), _col(mark)) from None
    finally:
        loader.dispose()
    builder = _Builder(file, tag_handler)
    if node is None:
        return Document(file=file, data=None, text=text)
    if "&" in text:
        _check_expanded_size(node, file)
    data = builder.build(node, "", 0)
    builder.warnings.append(("more than one YAML document; only the first is read", 1))
    return Document(file=file, data=data, lines=builder.lines, warnings=builder.warnings, text=text)


def load_json(text: str, file: str) -> Document:
    """Parse JSON into a :class:`Document` with line numbers.

    :mod:`json` decides validity (YAML would accept invalid JSON such as a missing value);
    JSON is (almost) YAML, so the YAML path then gives us line numbers. When libyaml rejects
    valid JSON (tabs, some escapes) we keep the :mod:`json` result and lose only the lines.
    """
    if len(text) > MAX_FILE_BYTES:
        raise LoadError(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; skipped", file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"invalid JSON: {exc.msg}", file, exc.lineno, exc.colno) from None
    except RecursionError:
        raise LoadError("JSON nested too deeply; refusing", file) from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise LoadError(
            "invalid JSON: a number too long to read (over 4,300 digits)", file
        ) from None
    try:
        return load_yaml(text, file, tag_handler=None)
    except LoadError:
        return Document(file=file, data=data, lines={"": (1, 1)}, text=text)


def _check_expanded_size(root: yaml.Node, file: str) -> None:
    """Refuse documents whose aliases expand past :data:`MAX_NODES` values or refer to
    themselves (``a: &a [*a]``, which would expand forever).

    Sizes are memoised per node, so this costs one visit per distinct node even for a
    "billion laughs" document, which therefore fails in milliseconds. A node met again
    while its own children are still being visited is an alias to one of its ancestors:
    a cycle, reported at the node where it closes.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # visited, children not yet all sized: the current path
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        children: list[yaml.Node] = (
            [part for pair in node.value for part in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if children_done:
            open_nodes.discard(key)
            total = 1 + sum(sizes.get(id(child), 0) for child in children)
            if total > MAX_NODES:
                raise _located(
                    f"aliases expand to more than {MAX_NODES:,} values (alias bomb?); refusing",
                    file,
                    node,
                )
            sizes[key] = total
            continue
        if key in open_nodes:
            continue  # already on the path through another parent; sized when it closes
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise _located(
                    "recursive alias: a value contains itself (its anchor is at line "
                    f"{child.start_mark.line + 1}); refusing",
                    file,
                    node,
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _located(message: str, file: str, node: yaml.Node) -> LoadError:
    return LoadError(message, file, node.start_mark.line + 1, node.start_mark.column + 1)


def _line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 0


def _col(mark: Any) -> int:
    return int(mark.column) + 1 if mark is not None else 0


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (exc.context, exc.problem) if part]
    return "invalid YAML: " + ("; ".join(parts) if parts else str(exc).splitlines()[0])
