"""HCL for the Terraform loader: parsing with tree-sitter and a static-subset evaluator.

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
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser

from faasguard.model import Unknown

_PARSER: Parser | None = None

#: Refuse to build a collection larger than this (a ``range(1e9)`` must not eat the memory).
MAX_COLLECTION = 10_000
#: Largest file ``file()`` reads.
MAX_FILE_FUNCTION_BYTES = 1024 * 1024


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
        obj = super().__new__(cls, _json_dumps(value))
        obj.value = value
        return obj


def _json_default(value: Any) -> Any:
    if isinstance(value, Unknown):
        return "${" + value.expression + "}"
    return str(value)


def _json_dumps(value: Any) -> str:
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


def parse_text(source: bytes, path: str) -> HclFile:
    """Parse HCL source; syntax errors are collected, never raised."""
    tree = parser().parse(source)
    root = tree.root_node
    errors = list(_errors(root)) if root.has_error else []
    body_node = next((c for c in root.children if c.type == "body"), None)
    body = read_body(body_node, path) if body_node is not None else Body()
    return HclFile(path=path, source=source, body=body, errors=errors)


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
            lines = _text(node).splitlines()
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
            body.attributes[_text(ident)] = Attribute(
                name=_text(ident), expr=expr, file=path, line=row + 1, column=col + 1
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
            labels.append(_string_lit_value(child))
        elif child.type == "identifier":
            labels.append(_text(child))
        elif child.type == "body":
            inner = read_body(child, path)
    row, col = node.start_point
    return Block(
        type=_text(children[0]), labels=labels, body=inner, file=path, line=row + 1, column=col + 1
    )


def _text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", errors="replace") if raw is not None else ""


def _string_lit_value(node: Node) -> str:
    literal = "".join(_text(c) for c in node.children if c.type == "template_literal")
    # Block labels are plain strings; the gap-based reading keeps inner spaces intact.
    if len(node.children) >= 2:
        start, end = node.children[0].end_byte, node.children[-1].start_byte
        source = node.text or b""
        offset = node.start_byte
        literal = source[start - offset : end - offset].decode("utf-8", errors="replace")
    return _unescape_quoted(literal)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.DOTALL)


def _unescape_quoted(text: str) -> str:
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


def _unescape_heredoc(text: str) -> str:
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


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetAttr:
    """``.name`` in a traversal."""

    name: str


@dataclass(frozen=True, slots=True)
class GetIndex:
    """``[key]`` (or legacy ``.0``) in a traversal."""

    key: Any


#: A traversal step after the root name: ``var.x[0].y`` → ``[GetAttr("x"), GetIndex(0), ...]``.
Step = GetAttr | GetIndex

#: Resolves ``root`` + steps (for ``var``, ``local``, resources, ...): returns the value and
#: how many steps it consumed; the evaluator applies the rest.
Resolver = Callable[[str, list[Step]], tuple[Any, int]]


class EvalError(Exception):
    """Internal signal: the expression cannot be evaluated statically."""


def unknown_of(node: Node, reason: str = "") -> Unknown:
    """An :class:`Unknown` holding the source text of ``node``."""
    return Unknown(expression=_text(node)[:300], reason=reason)


class Evaluator:
    """Evaluates expressions of one module with a resolver for its references.

    ``module_dir`` bounds ``file()``; ``lines`` receives the line of every object key and
    tuple item built, so later stages can locate a policy statement.
    """

    def __init__(
        self,
        resolver: Resolver,
        *,
        module_dir: str,
        lines: LineIndex,
        file_reader: Callable[[str], str | None] | None = None,
    ) -> None:
        self.resolver = resolver
        self.module_dir = module_dir
        self.lines = lines
        self.file_reader = file_reader

    # Public entry -----------------------------------------------------------------------

    def evaluate(self, node: Node | None, file: str, env: dict[str, Any] | None = None) -> Any:
        """The static value of ``node`` or an :class:`Unknown`; never raises."""
        if node is None:
            return None
        try:
            return self._eval(node, file, env or {})
        except RecursionError:
            return unknown_of(node, "expression nested too deeply")
        except EvalError as exc:
            return unknown_of(node, str(exc))
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, ZeroDivisionError):
            # Operators applied to mismatched static values (``"a" * 2``): not our job to
            # report Terraform type errors; the value is simply not known.
            return unknown_of(node, "not statically evaluable")

    # Dispatch ---------------------------------------------------------------------------

    def _eval(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        # Errors are turned into an Unknown at the smallest enclosing expression, so one
        # unresolvable lookup does not hide the rest of an object.
        try:
            kind = node.type
            if kind == "expression":
                return self._expression(node, file, env)
            handler = _HANDLERS.get(kind)
            if handler is None:
                raise EvalError(f"unsupported expression {kind}")
            return handler(self, node, file, env)
        except EvalError as exc:
            return unknown_of(node, str(exc))
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, ZeroDivisionError):
            return unknown_of(node, "not statically evaluable")

    def _expression(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        return self._sequence(node.children, file, env)

    def _sequence(self, nodes: list[Node], file: str, env: dict[str, Any]) -> Any:
        # A term followed by traversal steps; the grammar sometimes inlines these into the
        # parent node (``binary_operation``), so this works on a list of siblings.
        children = [c for c in nodes if c.type != "comment"]
        if not children:
            raise EvalError("empty expression")
        index = 0
        if children[0].type == "(":
            # ``(expr)`` possibly followed by traversal steps
            inner = next((c for c in children if c.type == "expression"), None)
            if inner is None:
                raise EvalError("empty parentheses")
            value = self._eval(inner, file, env)
            index = next(i for i, c in enumerate(children) if c.type == ")") + 1
            return self._apply_steps(value, children[index:], file, env)
        first = children[0]
        rest = children[1:]
        if first.type == "variable_expr":
            name = _text(first)
            steps: list[Step] = []
            splat_at: int | None = None
            for i, step_node in enumerate(rest):
                step = self._step(step_node, file, env)
                if step is None:
                    splat_at = i
                    break
                steps.append(step)
            if name in env:
                value = env[name]
                consumed = 0
            else:
                value, consumed = self.resolver(name, steps)
            value = self._walk(value, steps[consumed:])
            if splat_at is not None:
                return self._apply_steps(value, rest[splat_at:], file, env)
            return value
        value = self._eval(first, file, env)
        return self._apply_steps(value, rest, file, env)

    def _step(self, node: Node, file: str, env: dict[str, Any]) -> Step | None:
        if node.type == "get_attr":
            ident = next((c for c in node.children if c.type == "identifier"), None)
            if ident is None:
                raise EvalError("bad attribute access")
            return GetAttr(_text(ident))
        if node.type == "index":
            inner = node.children[0] if node.children else None
            if inner is None:
                raise EvalError("bad index")
            if inner.type == "legacy_index":
                digits = _text(inner).lstrip(".")
                return GetIndex(int(digits) if digits.isdigit() else digits)
            key_node = next((c for c in inner.children if c.type == "expression"), None)
            if key_node is None:
                raise EvalError("bad index")
            return GetIndex(self._eval(key_node, file, env))
        if node.type == "splat":
            return None
        raise EvalError(f"unsupported traversal {node.type}")

    def _apply_steps(
        self, value: Any, step_nodes: list[Node], file: str, env: dict[str, Any]
    ) -> Any:
        for i, step_node in enumerate(step_nodes):
            if step_node.type == "splat":
                return self._splat(value, step_node, step_nodes[i + 1 :], file, env)
            step = self._step(step_node, file, env)
            if step is None:  # pragma: no cover - splat handled above
                break
            value = self._walk(value, [step])
        return value

    def _splat(
        self, value: Any, node: Node, after: list[Node], file: str, env: dict[str, Any]
    ) -> Any:
        inner = node.children[0] if node.children else None
        inner_steps = [c for c in (inner.children if inner else []) if c.type != "[*]"]
        inner_steps = [c for c in inner_steps if c.type != ".*"]
        if isinstance(value, Unknown):
            suffix = "".join(_text(c) for c in [*inner_steps, *after])
            return Unknown(expression=f"{value.expression}[*]{suffix}", reason=value.reason)
        items = value if isinstance(value, list) else ([] if value is None else [value])
        result = [self._apply_steps(item, inner_steps, file, env) for item in items]
        return self._apply_steps(result, after, file, env)

    def _walk(self, value: Any, steps: list[Step]) -> Any:
        for step in steps:
            value = traverse(value, step)
        return value

    # Collections and templates -----------------------------------------------------------

    def _tuple(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        result: list[Any] = []
        for child in node.children:
            if child.type == "expression":
                if len(result) >= MAX_COLLECTION:
                    raise EvalError("tuple too large")
                self.lines.record(result, len(result), file, child.start_point[0] + 1)
                result.append(self._eval(child, file, env))
        return result

    def _object(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        result: dict[str, Any] = {}
        for child in node.children:
            if child.type != "object_elem":
                continue
            exprs = [c for c in child.children if c.type == "expression"]
            if len(exprs) != 2:
                raise EvalError("bad object element")
            key_node, value_node = exprs
            key = self._object_key(key_node, file, env)
            if isinstance(key, Unknown):
                return Unknown(expression=_text(node)[:300], reason="object key not static")
            result[key] = self._eval(value_node, file, env)
            self.lines.record(result, key, file, child.start_point[0] + 1)
        return result

    def _object_key(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        # A bare identifier key is its own name, not a variable reference (HCL rule).
        children = [c for c in node.children if c.type != "comment"]
        if len(children) == 1 and children[0].type == "variable_expr":
            return _text(children[0])
        key = self._eval(node, file, env)
        if isinstance(key, Unknown):
            return key
        if isinstance(key, bool):
            return "true" if key else "false"
        if isinstance(key, int | float | str):
            return _to_str(key)
        raise EvalError("object key is not a string")

    def _quoted(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        children = node.children
        if len(children) < 2:
            return ""
        start, end = children[0].end_byte, children[-1].start_byte
        parts = self._template_parts(children[1:-1], start, end, file, env, quoted=True)
        return _join_template(parts)

    def _heredoc(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        children = node.children
        idents = [c for c in children if c.type == "heredoc_identifier"]
        strip = any(c.type == "heredoc_start" and _text(c) == "<<-" for c in children)
        if len(idents) < 2:
            raise EvalError("unterminated heredoc")
        source = self._source_of(node)
        offset = node.start_byte
        start = idents[0].end_byte
        # Content starts after the newline that ends the opening line.
        newline = source.find(b"\n", start - offset)
        start = offset + newline + 1 if newline >= 0 else start
        close = idents[-1].start_byte
        line_start = source.rfind(b"\n", 0, close - offset)
        end = offset + line_start + 1 if line_start >= 0 else close
        end = max(end, start)
        inner = [c for c in children if c.type in ("template_interpolation", "template_directive")]
        parts = self._template_parts(inner, start, end, file, env, quoted=False, node=node)
        if strip:
            parts = _strip_indent(parts)
        return _join_template(parts)

    def _source_of(self, node: Node) -> bytes:
        return node.text or b""

    def _template_parts(
        self,
        children: list[Node],
        start: int,
        end: int,
        file: str,
        env: dict[str, Any],
        *,
        quoted: bool,
        node: Node | None = None,
    ) -> list[Any]:
        owner = node if node is not None else (children[0].parent if children else None)
        whole = owner.text if owner is not None and owner.text is not None else b""
        base = owner.start_byte if owner is not None else start
        # The literal text is taken from the gaps between interpolations, not from the
        # template_literal nodes: the grammar drops their leading/trailing whitespace.
        parts: list[Any] = []
        position = start
        for child in children:
            if child.type == "template_interpolation":
                parts.append(_Literal(_slice(whole, base, position, child.start_byte), quoted))
                inner = next((c for c in child.children if c.type == "expression"), None)
                if inner is None:
                    raise EvalError("empty interpolation")
                parts.append(self._eval(inner, file, env))
                position = child.end_byte
            elif child.type == "template_directive":
                parts.append(_Literal(_slice(whole, base, position, child.start_byte), quoted))
                parts.append(Unknown(expression=_text(child)[:200], reason="template directive"))
                position = child.end_byte
        parts.append(_Literal(_slice(whole, base, position, end), quoted))
        return parts

    # Operators ------------------------------------------------------------------------------

    def _operation(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        return self._eval(node.children[0], file, env)

    def _unary(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        op = _text(node.children[0])
        operand = self._sequence(node.children[1:], file, env)
        if isinstance(operand, Unknown):
            return unknown_of(node, operand.reason)
        if op == "!":
            if not isinstance(operand, bool):
                raise EvalError("! of a non-bool")
            return not operand
        number = _to_number(operand)
        return -number

    def _binary(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        children = node.children
        split = next(
            (i for i, c in enumerate(children) if not c.is_named and c.type in _BINARY_OPS),
            None,
        )
        if split is None or split == 0 or split == len(children) - 1:
            raise EvalError("bad binary operation")
        op = children[split].type
        left = self._sequence(children[:split], file, env)
        # ``&&``/``||`` short-circuit on a static left side even when the right is unknown.
        if op == "&&" and left is False:
            return False
        if op == "||" and left is True:
            return True
        right = self._sequence(children[split + 1 :], file, env)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return unknown_of(node, "operand not static")
        return _binary_op(op, left, right)

    def _conditional(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        exprs = [c for c in node.children if c.type == "expression"]
        if len(exprs) != 3:
            raise EvalError("bad conditional")
        condition = self._eval(exprs[0], file, env)
        if isinstance(condition, Unknown):
            return unknown_of(node, "condition not static")
        if not isinstance(condition, bool):
            condition = _to_bool(condition)
        return self._eval(exprs[1] if condition else exprs[2], file, env)

    # For expressions ------------------------------------------------------------------------

    def _for(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        inner = node.children[0]
        intro = next((c for c in inner.children if c.type == "for_intro"), None)
        if intro is None:
            raise EvalError("bad for expression")
        names = [_text(c) for c in intro.children if c.type == "identifier"]
        source_node = next((c for c in intro.children if c.type == "expression"), None)
        cond = next((c for c in inner.children if c.type == "for_cond"), None)
        cond_expr = (
            next((c for c in cond.children if c.type == "expression"), None) if cond else None
        )
        body = [c for c in inner.children if c.type == "expression"]
        if source_node is None or not body or not names:
            raise EvalError("bad for expression")
        collection = self._eval(source_node, file, env)
        if isinstance(collection, Unknown):
            return unknown_of(node, "for over a non-static collection")
        if isinstance(collection, dict):
            pairs: list[tuple[Any, Any]] = list(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            raise EvalError("for over a non-collection")
        if len(pairs) > MAX_COLLECTION:
            raise EvalError("collection too large")
        grouping = any(c.type == "ellipsis" for c in inner.children)
        is_object = inner.type == "for_object_expr"
        out_list: list[Any] = []
        out_dict: dict[str, Any] = {}
        for key, item in pairs:
            scope = dict(env)
            if len(names) >= 2:
                scope[names[0]], scope[names[1]] = key, item
            else:
                scope[names[0]] = item
            if cond_expr is not None:
                keep = self._eval(cond_expr, file, scope)
                if isinstance(keep, Unknown):
                    return unknown_of(node, "for condition not static")
                if not keep:
                    continue
            if is_object:
                if len(body) < 2:
                    raise EvalError("bad for object")
                out_key = self._eval(body[0], file, scope)
                if isinstance(out_key, Unknown):
                    return unknown_of(node, "for key not static")
                value = self._eval(body[1], file, scope)
                text_key = _to_str(out_key)
                if grouping:
                    out_dict.setdefault(text_key, []).append(value)
                else:
                    out_dict[text_key] = value
            else:
                out_list.append(self._eval(body[0], file, scope))
        return out_dict if is_object else out_list

    # Functions --------------------------------------------------------------------------

    def _call(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        name_node = node.children[0]
        name = _text(name_node)
        if "::" in name:
            name = name.rsplit("::", 1)[1]  # provider:: functions are not ours to run
        args_node = next((c for c in node.children if c.type == "function_arguments"), None)
        arg_nodes = [c for c in args_node.children if c.type == "expression"] if args_node else []
        expand = args_node is not None and any(c.type == "ellipsis" for c in args_node.children)
        if name in ("try", "can"):
            return self._try(name, node, arg_nodes, file, env)
        args = [self._eval(a, file, env) for a in arg_nodes]
        if expand and args:
            last = args.pop()
            if isinstance(last, Unknown) or not isinstance(last, list):
                return unknown_of(node, "expanded argument not static")
            args.extend(last)
        function = FUNCTIONS.get(name)
        if function is None:
            return unknown_of(node, f"function {name}() is not evaluated")
        if name in _LENIENT_FUNCTIONS:
            return function(self, args)
        if any(_contains_unknown(a, shallow=True) for a in args):
            return unknown_of(node, "argument not static")
        return function(self, args)

    def _try(
        self, name: str, node: Node, arg_nodes: list[Node], file: str, env: dict[str, Any]
    ) -> Any:
        for arg in arg_nodes:
            value = self._eval(arg, file, env)
            if isinstance(value, Unknown):
                # Either an error or a value not known statically: we cannot tell which,
                # so try() moves on and can() is unknown.
                if name == "can":
                    return unknown_of(node, value.reason)
                continue
            if name == "can":
                return True
            return value
        if name == "can":
            return False
        return unknown_of(node, "no try() alternative is static")

    def read_file(self, relative: str) -> str | None:
        """Text of a file inside the module directory, or ``None`` (outside, missing, big)."""
        base = os.path.realpath(self.module_dir)
        target = os.path.realpath(os.path.join(base, relative))
        if not (target == base or target.startswith(base.rstrip(os.sep) + os.sep)):
            return None
        if self.file_reader is not None:
            return self.file_reader(target)
        try:
            if os.path.getsize(target) > MAX_FILE_FUNCTION_BYTES:
                return None
            with open(target, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return None


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Literal:
    raw: str
    quoted: bool

    @property
    def text(self) -> str:
        return _unescape_quoted(self.raw) if self.quoted else _unescape_heredoc(self.raw)


def _slice(source: bytes, base: int, start: int, end: int) -> str:
    if end <= start:
        return ""
    return source[start - base : end - base].decode("utf-8", errors="replace")


def _strip_indent(parts: list[Any]) -> list[Any]:
    # ``<<-`` removes the smallest indentation of the non-blank lines.
    flat = "".join(p.raw if isinstance(p, _Literal) else "\x00" for p in parts)
    indents = [
        len(line) - len(line.lstrip(" \t")) for line in flat.split("\n") if line.strip(" \t")
    ]
    indent = min(indents) if indents else 0
    if not indent:
        return parts
    result: list[Any] = []
    at_line_start = True
    for part in parts:
        if not isinstance(part, _Literal):
            result.append(part)
            at_line_start = False
            continue
        lines = part.raw.split("\n")
        stripped = []
        for i, line in enumerate(lines):
            if i > 0 or at_line_start:
                cut = 0
                while cut < indent and cut < len(line) and line[cut] in " \t":
                    cut += 1
                stripped.append(line[cut:])
            else:
                stripped.append(line)
        result.append(_Literal("\n".join(stripped), part.quoted))
        at_line_start = part.raw.endswith("\n")
    return result


def _join_template(parts: list[Any]) -> Any:
    values = [p for p in parts if not (isinstance(p, _Literal) and p.raw == "")]
    if len(values) == 1 and not isinstance(values[0], _Literal):
        # ``"${x}"`` is x itself, unconverted (HCL rule), which keeps references linkable.
        return values[0]
    if any(isinstance(v, Unknown) for v in values):
        text = "".join(v.text if isinstance(v, _Literal) else _template_piece(v) for v in values)
        return Unknown(expression=text[:500], reason="template with unresolved parts")
    out: list[str] = []
    for value in values:
        if isinstance(value, _Literal):
            out.append(value.text)
        elif isinstance(value, list | dict):
            raise EvalError("collection in a string template")
        else:
            out.append(_to_str(value))
    return "".join(out)


def _template_piece(value: Any) -> str:
    if isinstance(value, Unknown):
        expression = value.expression
        if expression.startswith("${") and expression.endswith("}"):
            return expression
        return "${" + expression + "}"
    if isinstance(value, list | dict):
        return "${...}"
    return _to_str(value)


def traverse(value: Any, step: Step) -> Any:
    """Apply one attribute/index step to a static value (Unknown stays Unknown)."""
    if isinstance(value, Unknown):
        suffix = f".{step.name}" if isinstance(step, GetAttr) else f"[{_index_text(step.key)}]"
        return Unknown(expression=value.expression + suffix, reason=value.reason)
    key: Any = step.name if isinstance(step, GetAttr) else step.key
    if isinstance(key, Unknown):
        return Unknown(expression=f"<index {key.expression}>", reason="index not static")
    if isinstance(value, JsonText):
        raise EvalError("attribute of a string")
    if isinstance(value, dict):
        text_key = _to_str(key) if not isinstance(key, str) else key
        if text_key not in value:
            raise EvalError(f"no key {text_key!r}")
        return value[text_key]
    if isinstance(value, list):
        if isinstance(key, bool) or not isinstance(key, int | float | str):
            raise EvalError("bad list index")
        number = int(float(key))
        if not 0 <= number < len(value):
            raise EvalError("index out of range")
        return value[number]
    raise EvalError("traversal of a non-collection")


def _index_text(key: Any) -> str:
    if isinstance(key, Unknown):
        return key.expression
    if isinstance(key, str):
        return json.dumps(key)
    return _to_str(key)


def _contains_unknown(value: Any, *, shallow: bool = False, depth: int = 0) -> bool:
    if isinstance(value, Unknown):
        return True
    if shallow or depth > 64:
        return False
    if isinstance(value, dict):
        return any(_contains_unknown(v, depth=depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v, depth=depth + 1) for v in value)
    return False


def contains_unknown(value: Any) -> bool:
    """True when ``value`` or anything nested in it is an :class:`Unknown`."""
    return _contains_unknown(value)


def _to_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        raise EvalError("null in a string")
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    raise EvalError("cannot convert to string")


def _to_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise EvalError("not a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return parse_number(value)
    raise EvalError("not a number")


def parse_number(text: str) -> int | float:
    """An HCL number literal as ``int`` when integral, else ``float``."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise EvalError(f"not a number: {text!r}") from None
    if not math.isfinite(number):
        raise EvalError("number out of range")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise EvalError("not a bool")


def _binary_op(op: str, left: Any, right: Any) -> Any:
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op in ("&&", "||"):
        first, second = _to_bool(left), _to_bool(right)
        return (first and second) if op == "&&" else (first or second)
    a, b = _to_number(left), _to_number(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        result = a / b
        return int(result) if result.is_integer() else result
    if op == "%":
        return a % b
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == ">=":
        return a >= b
    raise EvalError(f"unknown operator {op}")


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)


def _literal(ev: Evaluator, node: Node, file: str, env: dict[str, Any]) -> Any:
    child = node.children[0]
    kind = child.type
    if kind == "numeric_lit":
        return parse_number(_text(child))
    if kind == "bool_lit":
        return _text(child) == "true"
    if kind == "null_lit":
        return None
    if kind == "string_lit":
        return _string_lit_value(child)
    raise EvalError(f"unsupported literal {kind}")


def _collection(ev: Evaluator, node: Node, file: str, env: dict[str, Any]) -> Any:
    child = node.children[0]
    if child.type == "tuple":
        return ev._tuple(child, file, env)
    if child.type == "object":
        return ev._object(child, file, env)
    raise EvalError("unsupported collection")


def _template_expr(ev: Evaluator, node: Node, file: str, env: dict[str, Any]) -> Any:
    child = node.children[0]
    if child.type == "quoted_template":
        return ev._quoted(child, file, env)
    if child.type == "heredoc_template":
        return ev._heredoc(child, file, env)
    raise EvalError("unsupported template")


def _variable(ev: Evaluator, node: Node, file: str, env: dict[str, Any]) -> Any:
    name = _text(node)
    if name in env:
        return env[name]
    value, _ = ev.resolver(name, [])
    return value


def _error_node(ev: Evaluator, node: Node, file: str, env: dict[str, Any]) -> Any:
    return unknown_of(node, "syntax error")


_BINARY_OPS = frozenset({"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||"})

_Handler = Callable[[Evaluator, Node, str, dict[str, Any]], Any]

_HANDLERS: dict[str, _Handler] = {
    "literal_value": _literal,
    "collection_value": _collection,
    "template_expr": _template_expr,
    "variable_expr": _variable,
    "function_call": lambda ev, n, f, e: ev._call(n, f, e),
    "operation": lambda ev, n, f, e: ev._operation(n, f, e),
    "unary_operation": lambda ev, n, f, e: ev._unary(n, f, e),
    "binary_operation": lambda ev, n, f, e: ev._binary(n, f, e),
    "conditional": lambda ev, n, f, e: ev._conditional(n, f, e),
    "for_expr": lambda ev, n, f, e: ev._for(n, f, e),
    "tuple": lambda ev, n, f, e: ev._tuple(n, f, e),
    "object": lambda ev, n, f, e: ev._object(n, f, e),
    "quoted_template": lambda ev, n, f, e: ev._quoted(n, f, e),
    "heredoc_template": lambda ev, n, f, e: ev._heredoc(n, f, e),
    "ERROR": _error_node,
}


# --------------------------------------------------------------------------------------
# Built-in functions (a pure, fixed table)
# --------------------------------------------------------------------------------------

_Function = Callable[[Evaluator, list[Any]], Any]


def _arity(args: list[Any], low: int, high: int | None = None) -> None:
    if len(args) < low or (high is not None and len(args) > high):
        raise EvalError("wrong number of arguments")


def _fn_jsonencode(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return JsonText(args[0])


def _fn_jsondecode(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    text = args[0]
    if isinstance(text, JsonText):
        return text.value
    if isinstance(text, Unknown):
        return text
    if not isinstance(text, str):
        raise EvalError("jsondecode of a non-string")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise EvalError("invalid JSON") from None


def _fn_merge(ev: Evaluator, args: list[Any]) -> Any:
    result: dict[str, Any] = {}
    for arg in args:
        if arg is None:
            continue
        if isinstance(arg, Unknown):
            return Unknown(expression=f"merge(... {arg.expression} ...)", reason=arg.reason)
        if not isinstance(arg, dict):
            raise EvalError("merge of a non-object")
        for key, value in arg.items():
            result[key] = value
            where = ev.lines.get(arg, key)
            if where is not None:
                ev.lines.record(result, key, *where)
    return result


def _fn_concat(ev: Evaluator, args: list[Any]) -> Any:
    result: list[Any] = []
    for arg in args:
        if isinstance(arg, Unknown):
            return Unknown(expression=f"concat(... {arg.expression} ...)", reason=arg.reason)
        if not isinstance(arg, list):
            raise EvalError("concat of a non-list")
        for i, item in enumerate(arg):
            where = ev.lines.get(arg, i)
            if where is not None:
                ev.lines.record(result, len(result), *where)
            result.append(item)
    return result


_FORMAT_RE = re.compile(r"%(%|[-+ #0]*\d*(?:\.\d+)?[sdfvqtbxXoeEgG])")


def _fn_format(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1)
    spec, values = args[0], list(args[1:])
    if not isinstance(spec, str):
        raise EvalError("format spec is not a string")

    def repl(match: re.Match[str]) -> str:
        verb = match.group(1)
        if verb == "%":
            return "%"
        if not values:
            raise EvalError("too few format arguments")
        value = values.pop(0)
        kind = verb[-1]
        if kind in "dxXob":
            return ("%" + verb.replace("b", "d")) % int(_to_number(value))
        if kind in "feEgG":
            return ("%" + verb) % float(_to_number(value))
        if kind == "q":
            return json.dumps(_to_str(value))
        if kind == "t":
            return "true" if _to_bool(value) else "false"
        if kind == "v" and isinstance(value, list | dict):
            return _json_dumps(value)
        return _to_str(value)

    return _FORMAT_RE.sub(repl, spec)


def _fn_lookup(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 3)
    mapping, key = args[0], args[1]
    if not isinstance(mapping, dict):
        raise EvalError("lookup in a non-map")
    text_key = _to_str(key)
    if text_key in mapping:
        return mapping[text_key]
    if len(args) == 3:
        return args[2]
    raise EvalError("lookup key missing")


def _fn_tolist(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    value = args[0]
    if isinstance(value, list):
        return value
    raise EvalError("not a list")


def _fn_toset(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    value = args[0]
    if not isinstance(value, list):
        raise EvalError("not a list")
    seen: list[Any] = []
    for item in value:
        if item not in seen:
            seen.append(item)
    return seen


def _fn_tomap(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], dict):
        raise EvalError("not a map")
    return args[0]


def _fn_coalesce(ev: Evaluator, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
        if arg is not None and arg != "":
            return arg
    raise EvalError("no non-null argument")


def _fn_coalescelist(ev: Evaluator, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return arg
        if isinstance(arg, list) and arg:
            return arg
    raise EvalError("no non-empty list")


def _fn_length(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    value = args[0]
    if isinstance(value, str | list | dict):
        return len(value)
    raise EvalError("length of a non-collection")


def _string_fn(op: Callable[[str], str]) -> _Function:
    def fn(ev: Evaluator, args: list[Any]) -> Any:
        _arity(args, 1, 1)
        return op(_to_str(args[0]))

    return fn


def _fn_join(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2)
    separator = _to_str(args[0])
    items: list[str] = []
    for arg in args[1:]:
        if not isinstance(arg, list):
            raise EvalError("join of a non-list")
        if any(isinstance(item, Unknown) for item in arg):
            return Unknown(expression=f"join({separator!r}, ...)", reason="element not static")
        items.extend(_to_str(item) for item in arg)
    return separator.join(items)


def _fn_split(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    separator, text = _to_str(args[0]), _to_str(args[1])
    if separator == "":
        return list(text)
    return text.split(separator)


def _fn_replace(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 3, 3)
    text, old, new = _to_str(args[0]), _to_str(args[1]), _to_str(args[2])
    if len(old) > 2 and old.startswith("/") and old.endswith("/"):
        try:
            return re.sub(old[1:-1], new.replace("$", "\\"), text)
        except re.error:
            raise EvalError("bad regular expression") from None
    return text.replace(old, new)


def _fn_file(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    path = _to_str(args[0])
    content = ev.read_file(path)
    if content is None:
        return Unknown(expression=f"file({path!r})", reason="file outside the module or missing")
    return content


def _fn_templatefile(ev: Evaluator, args: list[Any]) -> Any:
    # Only a template without interpolations or directives is "trivial": it is its text.
    _arity(args, 1, 2)
    path = _to_str(args[0])
    content = ev.read_file(path)
    if content is None or "${" in content or "%{" in content:
        return Unknown(expression=f"templatefile({path!r}, ...)", reason="template not executed")
    return content


def _fn_fileexists(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return ev.read_file(_to_str(args[0])) is not None


def _fn_element(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    items = args[0]
    if not isinstance(items, list) or not items:
        raise EvalError("element of a non-list")
    return items[int(_to_number(args[1])) % len(items)]


def _fn_keys(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], dict):
        raise EvalError("keys of a non-map")
    return sorted(args[0])


def _fn_values(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], dict):
        raise EvalError("values of a non-map")
    return [args[0][k] for k in sorted(args[0])]


def _fn_contains(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    if not isinstance(args[0], list):
        raise EvalError("contains on a non-list")
    if any(isinstance(item, Unknown) for item in args[0]):
        return Unknown(expression="contains(...)", reason="element not static")
    return args[1] in args[0]


def _fn_flatten(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)

    def flat(value: Any, depth: int) -> list[Any]:
        if depth > 64:
            raise EvalError("flatten too deep")
        if isinstance(value, list):
            out: list[Any] = []
            for item in value:
                out.extend(flat(item, depth + 1) if isinstance(item, list) else [item])
            return out
        raise EvalError("flatten of a non-list")

    return flat(args[0], 0)


def _fn_compact(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], list):
        raise EvalError("compact of a non-list")
    return [item for item in args[0] if item not in (None, "")]


def _fn_distinct(ev: Evaluator, args: list[Any]) -> Any:
    return _fn_toset(ev, args)


def _fn_tostring(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return None if args[0] is None else _to_str(args[0])


def _fn_tonumber(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return None if args[0] is None else _to_number(args[0])


def _fn_tobool(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return None if args[0] is None else _to_bool(args[0])


def _fn_minmax(pick: Callable[..., Any]) -> _Function:
    def fn(ev: Evaluator, args: list[Any]) -> Any:
        _arity(args, 1)
        return pick(_to_number(a) for a in args)

    return fn


def _fn_zipmap(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    keys, values = args
    if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
        raise EvalError("zipmap of mismatched lists")
    return {_to_str(k): v for k, v in zip(keys, values, strict=True)}


def _fn_one(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    if not isinstance(args[0], list) or len(args[0]) > 1:
        raise EvalError("one() of a non-singleton")
    return args[0][0] if args[0] else None


def _fn_substr(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 3, 3)
    text = _to_str(args[0])
    offset, length = int(_to_number(args[1])), int(_to_number(args[2]))
    if offset < 0:
        offset += len(text)
    return text[offset:] if length < 0 else text[offset : offset + length]


def _fn_startswith(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    return _to_str(args[0]).startswith(_to_str(args[1]))


def _fn_endswith(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    return _to_str(args[0]).endswith(_to_str(args[1]))


def _fn_trim(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    return _to_str(args[0]).strip(_to_str(args[1]))


def _fn_trimprefix(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    return _to_str(args[0]).removeprefix(_to_str(args[1]))


def _fn_trimsuffix(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 2, 2)
    return _to_str(args[0]).removesuffix(_to_str(args[1]))


def _fn_range(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 3)
    numbers = [int(_to_number(a)) for a in args]
    if len(numbers) == 1:
        numbers = [0, numbers[0]]
    step = numbers[2] if len(numbers) == 3 else 1
    if step == 0:
        raise EvalError("range step 0")
    size = (numbers[1] - numbers[0]) // step
    if size > MAX_COLLECTION:
        raise EvalError("range too large")
    return list(range(numbers[0], numbers[1], step))


def _fn_basename(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return os.path.basename(_to_str(args[0]))


def _fn_dirname(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return os.path.dirname(_to_str(args[0]))


def _fn_abspath(ev: Evaluator, args: list[Any]) -> Any:
    # The path as written is what the model wants (relative to the module), not the
    # scanning machine's absolute path.
    _arity(args, 1, 1)
    return _to_str(args[0])


def _fn_title(ev: Evaluator, args: list[Any]) -> Any:
    _arity(args, 1, 1)
    return _to_str(args[0]).title()


FUNCTIONS: dict[str, _Function] = {
    "jsonencode": _fn_jsonencode,
    "jsondecode": _fn_jsondecode,
    "merge": _fn_merge,
    "concat": _fn_concat,
    "format": _fn_format,
    "lookup": _fn_lookup,
    "tolist": _fn_tolist,
    "toset": _fn_toset,
    "tomap": _fn_tomap,
    "coalesce": _fn_coalesce,
    "coalescelist": _fn_coalescelist,
    "length": _fn_length,
    "lower": _string_fn(str.lower),
    "upper": _string_fn(str.upper),
    "trimspace": _string_fn(str.strip),
    "chomp": _string_fn(lambda s: s.rstrip("\r\n")),
    "title": _fn_title,
    "join": _fn_join,
    "split": _fn_split,
    "replace": _fn_replace,
    "file": _fn_file,
    "templatefile": _fn_templatefile,
    "fileexists": _fn_fileexists,
    "element": _fn_element,
    "keys": _fn_keys,
    "values": _fn_values,
    "contains": _fn_contains,
    "flatten": _fn_flatten,
    "compact": _fn_compact,
    "distinct": _fn_distinct,
    "tostring": _fn_tostring,
    "tonumber": _fn_tonumber,
    "tobool": _fn_tobool,
    "min": _fn_minmax(min),
    "max": _fn_minmax(max),
    "zipmap": _fn_zipmap,
    "one": _fn_one,
    "substr": _fn_substr,
    "startswith": _fn_startswith,
    "endswith": _fn_endswith,
    "trim": _fn_trim,
    "trimprefix": _fn_trimprefix,
    "trimsuffix": _fn_trimsuffix,
    "range": _fn_range,
    "basename": _fn_basename,
    "dirname": _fn_dirname,
    "abspath": _fn_abspath,
}

#: Functions that handle Unknown arguments themselves (partial results stay useful:
#: ``jsonencode`` of a policy with one unresolved ARN is still a policy).
_LENIENT_FUNCTIONS = frozenset(
    {
        "jsonencode",
        "jsondecode",
        "merge",
        "concat",
        "coalesce",
        "coalescelist",
        "tolist",
        "toset",
        "tomap",
        "join",
        "contains",
        "length",
    }
)
