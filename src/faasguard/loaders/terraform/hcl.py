"""HCL for the Terraform loader: parsing with tree-sitter and a static-subset evaluator.

This module is the front end (parser, bodies, blocks, line index);
:mod:`~faasguard.loaders.terraform.hcl_eval` evaluates expressions and
:mod:`~faasguard.loaders.terraform.hcl_functions` holds the built-in functions.

We parse with ``tree-sitter`` and the ``tree-sitter-hcl`` grammar (fast, error tolerant,
exact positions) and evaluate only the static subset of HCL a security scanner needs.
Nothing the user wrote is ever executed: functions are a fixed table of pure helpers,
``file()`` only reads text inside the module directory, and everything else (data
sources, computed attributes, ``templatefile`` with real templates, ...) becomes an
:class:`~faasguard.model.Unknown` that keeps the expression it came from.

Values produced by the evaluator are plain Python values: ``str``, ``int``, ``float``,
``bool``, ``None``, ``list``, ``dict``, :class:`Unknown` and :class:`JsonText` (the result
of ``jsonencode``, a ``str`` that remembers the structure it was encoded from, so inline
policies keep their statement lines).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser

from faasguard.model import Unknown

_PARSER: Parser | None = None


def parser() -> Parser:
    """The process-wide HCL parser (building the language costs more than a parse)."""
    global _PARSER  # noqa: PLW0603 - one parser per process, built lazily on first use
    if _PARSER is None:
        _PARSER = Parser(Language(tree_sitter_hcl.language()))
    return _PARSER


class JsonText(str):
    """A JSON string produced by ``jsonencode`` that remembers the value it encodes.

    ``value`` may still hold :class:`Unknown` parts (rendered as ``${expression}`` in the
    text), so a policy with one unresolved ``Resource`` is still a real policy document.
    """

    value: Any

    def __new__(cls, value: Any) -> JsonText:
        """Encode ``value`` and keep it."""
        obj = super().__new__(cls, json_dumps(value))
        obj.value = value
        return obj


def _json_default(value: Any) -> Any:
    if isinstance(value, Unknown):
        return "${" + value.expression + "}"
    return str(value)


def json_dumps(value: Any) -> str:
    """Compact JSON of an evaluated value (:class:`Unknown` parts as ``${expression}``)."""
    try:
        return json.dumps(value, default=_json_default, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError):
        return "<unencodable>"


# --------------------------------------------------------------------------------------
# Source structure: files, bodies, attributes, blocks
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Attribute:
    """``name = expression`` inside a body; ``line`` is 1-based."""

    name: str
    expr: Node | None
    file: str
    line: int
    column: int


@dataclass(slots=True)
class Block:
    """``type "label" ... { body }``; ``line`` is 1-based."""

    type: str
    labels: list[str]
    body: Body
    file: str
    line: int
    column: int


@dataclass(slots=True)
class Body:
    """The attributes (by name, last wins as in a merged view) and nested blocks of a body."""

    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, block_type: str) -> list[Block]:
        """Nested blocks of one type, in source order."""
        return [b for b in self.blocks if b.type == block_type]


@dataclass(slots=True)
class ParseError:
    """A syntax error tree-sitter recovered from, with its 1-based position."""

    line: int
    column: int
    message: str


@dataclass(slots=True)
class HclFile:
    """A parsed ``.tf``/``.tfvars`` file."""

    path: str
    source: bytes
    body: Body
    errors: list[ParseError]


#: Brackets and interpolations nested deeper than this are refused before parsing: the
#: parser's memory grows by kilobytes per level (``"${${${...`` a megabyte long takes 1 GB).
MAX_NESTING = 500
_OPENERS = re.compile(rb"[\[\](){}]")


def parse_text(source: bytes, path: str) -> HclFile:
    """Parse HCL source; syntax errors are collected, never raised."""
    too_deep = _too_deep(source)
    if too_deep is not None:
        return HclFile(path=path, source=source, body=Body(), errors=[too_deep])
    tree = parser().parse(source)
    root = tree.root_node
    errors = list(_errors(root)) if root.has_error else []
    body_node = next((c for c in root.children if c.type == "body"), None)
    body = read_body(body_node, path) if body_node is not None else Body()
    return HclFile(path=path, source=source, body=body, errors=errors)


def _too_deep(source: bytes) -> ParseError | None:
    """An error at the first bracket nested deeper than :data:`MAX_NESTING`, or ``None``."""
    if sum(source.count(opener) for opener in (b"{", b"[", b"(")) <= MAX_NESTING:
        return None  # cannot nest that deep: the common case costs three counts
    depth = 0
    for match in _OPENERS.finditer(source):
        if match.group() in b"[({":
            depth += 1
            if depth > MAX_NESTING:
                line = source.count(b"\n", 0, match.start()) + 1
                column = match.start() - source.rfind(b"\n", 0, match.start())
                message = f"nested more than {MAX_NESTING} levels deep; file skipped"
                return ParseError(line, column, message)
        else:
            depth = max(depth - 1, 0)
    return None


def _errors(root: Node) -> Iterator[ParseError]:
    # Only the outermost ERROR of a subtree is reported: one message per broken spot.
    # Iterative, so a deeply nested broken file cannot exhaust the Python stack.
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            row, col = node.start_point
            yield ParseError(row + 1, col + 1, f"syntax error: missing {node.type!r}")
        elif node.is_error:
            row, col = node.start_point
            lines = node_text(node).splitlines()
            snippet = lines[0][:40] if lines else ""
            yield ParseError(row + 1, col + 1, f"syntax error near {snippet!r}")
        elif node.has_error:
            stack.extend(reversed(node.children))


def read_body(node: Node, path: str) -> Body:
    """The attributes and blocks of a ``body`` node."""
    body = Body()
    for child in node.children:
        if child.type == "attribute":
            ident = child.children[0] if child.children else None
            if ident is None or ident.type != "identifier":
                continue
            expr = next((c for c in child.children if c.type == "expression"), None)
            row, col = child.start_point
            body.attributes[node_text(ident)] = Attribute(
                name=node_text(ident), expr=expr, file=path, line=row + 1, column=col + 1
            )
        elif child.type == "block":
            block = _read_block(child, path)
            if block is not None:
                body.blocks.append(block)
    return body


def _read_block(node: Node, path: str) -> Block | None:
    children = node.children
    if not children or children[0].type != "identifier":
        return None
    labels: list[str] = []
    inner = Body()
    for child in children[1:]:
        if child.type == "string_lit":
            labels.append(string_lit_value(child))
        elif child.type == "identifier":
            labels.append(node_text(child))
        elif child.type == "body":
            inner = read_body(child, path)
    row, col = node.start_point
    return Block(
        type=node_text(children[0]),
        labels=labels,
        body=inner,
        file=path,
        line=row + 1,
        column=col + 1,
    )


def node_text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", errors="replace") if raw is not None else ""


def string_lit_value(node: Node) -> str:
    literal = "".join(node_text(c) for c in node.children if c.type == "template_literal")
    # Block labels are plain strings; the gap-based reading keeps inner spaces intact.
    if len(node.children) >= 2:
        start, end = node.children[0].end_byte, node.children[-1].start_byte
        source = node.text or b""
        offset = node.start_byte
        literal = source[start - offset : end - offset].decode("utf-8", errors="replace")
    return unescape_quoted(literal)


def static_string(expr: Node | None) -> str | None:
    """The value of an expression that is one plain string literal (``"./modules/x"``),
    else ``None`` (interpolations, references, anything computed)."""
    if expr is None or len(expr.children) != 1 or expr.children[0].type != "literal_value":
        return None
    literal = expr.children[0].children
    if len(literal) != 1 or literal[0].type != "string_lit":
        return None
    return string_lit_value(literal[0])


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.DOTALL)


def unescape_quoted(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "$${":
            return "${"
        if whole == "%%{":
            return "%{"
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except (ValueError, OverflowError):
                return whole
        return _ESCAPES.get(code, whole)

    return _ESCAPE_RE.sub(repl, text) if ("\\" in text or "$${" in text or "%%{" in text) else text


def unescape_heredoc(text: str) -> str:
    return text.replace("$${", "${").replace("%%{", "%{")


# --------------------------------------------------------------------------------------
# Where evaluated values came from
# --------------------------------------------------------------------------------------


class LineIndex:
    """Where each key of an evaluated ``dict`` (or item of a ``list``) was written.

    Keyed by the container's identity; the index keeps the container alive so the id is
    never reused while the index exists. Both front ends (HCL and plan JSON) fill it, so
    the mapping layer finds a statement's or an environment variable's line the same way.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[object, dict[object, tuple[str, int]]]] = {}

    def record(self, container: object, key: object, file: str, line: int) -> None:
        """Remember that ``container[key]`` was written at ``file:line``."""
        entry = self._entries.get(id(container))
        if entry is None:
            entry = (container, {})
            self._entries[id(container)] = entry
        entry[1][key] = (file, line)

    def get(self, container: object, key: object) -> tuple[str, int] | None:
        """``(file, line)`` of ``container[key]`` when known."""
        entry = self._entries.get(id(container))
        if entry is None or entry[0] is not container:
            return None
        return entry[1].get(key)
