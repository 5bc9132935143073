"""The static-subset evaluator of HCL expressions (see :mod:`faasguard.loaders.terraform.hcl`).

Values produced by the evaluator are plain Python values: ``str``, ``int``, ``float``,
``bool``, ``None``, ``list``, ``dict``, :class:`Unknown` and :class:`JsonText` (the result
of ``jsonencode``, a ``str`` that remembers the structure it was encoded from, so inline
policies keep their statement lines).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

from faasguard.loaders.terraform.hcl import (
    JsonText,
    LineIndex,
    node_text,
    string_lit_value,
    unescape_heredoc,
    unescape_quoted,
)
from faasguard.loaders.terraform.hcl_functions import (
    FUNCTIONS,
    LENIENT_FUNCTIONS,
    MAX_COLLECTION,
    BudgetError,
    EvalError,
    SizeBudget,
    contains_unknown,
    parse_number,
    to_bool,
    to_number,
    to_str,
)
from faasguard.model import Unknown

#: Largest file ``file()`` reads.
MAX_FILE_FUNCTION_BYTES = 1024 * 1024


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


def unknown_of(node: Node, reason: str = "") -> Unknown:
    """An :class:`Unknown` holding the source text of ``node``."""
    return Unknown(expression=node_text(node)[:300], reason=reason)


class Evaluator:
    """Evaluates expressions of one module with a resolver for its references.

    ``module_dir`` bounds ``file()``; ``lines`` receives the line of every object key and
    tuple item built, so later stages can locate a policy statement. ``budget`` bounds the
    size of every value and the total built (one budget is shared by a configuration's
    modules); a value over it is an :class:`Unknown` saying so.
    """

    def __init__(
        self,
        resolver: Resolver,
        *,
        module_dir: str,
        lines: LineIndex,
        file_reader: Callable[[str], str | None] | None = None,
        budget: SizeBudget | None = None,
    ) -> None:
        self.budget = budget if budget is not None else SizeBudget()
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
            return self.budget.check(self._eval(node, file, env or {}))
        except BudgetError as exc:
            if self.budget.first_excess is None:
                self.budget.first_excess = (file, node.start_point[0] + 1, str(exc))
            return unknown_of(node, str(exc))
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
        except BudgetError as exc:
            if self.budget.first_excess is None:
                self.budget.first_excess = (file, node.start_point[0] + 1, str(exc))
            return unknown_of(node, str(exc))
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
            name = node_text(first)
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
            return GetAttr(node_text(ident))
        if node.type == "index":
            inner = node.children[0] if node.children else None
            if inner is None:
                raise EvalError("bad index")
            if inner.type == "legacy_index":
                digits = node_text(inner).lstrip(".")
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
            suffix = "".join(node_text(c) for c in [*inner_steps, *after])
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
                return Unknown(expression=node_text(node)[:300], reason="object key not static")
            result[key] = self._eval(value_node, file, env)
            self.lines.record(result, key, file, child.start_point[0] + 1)
        return result

    def _object_key(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        # A bare identifier key is its own name, not a variable reference (HCL rule).
        children = [c for c in node.children if c.type != "comment"]
        if len(children) == 1 and children[0].type == "variable_expr":
            return node_text(children[0])
        key = self._eval(node, file, env)
        if isinstance(key, Unknown):
            return key
        if isinstance(key, bool):
            return "true" if key else "false"
        if isinstance(key, int | float | str):
            return to_str(key)
        raise EvalError("object key is not a string")

    def _quoted(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        children = node.children
        if len(children) < 2:
            return ""
        start, end = children[0].end_byte, children[-1].start_byte
        parts = self._template_parts(children[1:-1], start, end, file, env, quoted=True)
        return _join_template(parts, self.budget)

    def _heredoc(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        children = node.children
        idents = [c for c in children if c.type == "heredoc_identifier"]
        strip = any(c.type == "heredoc_start" and node_text(c) == "<<-" for c in children)
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
        return _join_template(parts, self.budget)

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
                parts.append(
                    Unknown(expression=node_text(child)[:200], reason="template directive")
                )
                position = child.end_byte
        parts.append(_Literal(_slice(whole, base, position, end), quoted))
        return parts

    # Operators ------------------------------------------------------------------------------

    def _operation(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        return self._eval(node.children[0], file, env)

    def _unary(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        op = node_text(node.children[0])
        operand = self._sequence(node.children[1:], file, env)
        if isinstance(operand, Unknown):
            return unknown_of(node, operand.reason)
        if op == "!":
            if not isinstance(operand, bool):
                raise EvalError("! of a non-bool")
            return not operand
        number = to_number(operand)
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
            condition = to_bool(condition)
        return self._eval(exprs[1] if condition else exprs[2], file, env)

    # For expressions ------------------------------------------------------------------------

    def _for(self, node: Node, file: str, env: dict[str, Any]) -> Any:
        inner = node.children[0]
        intro = next((c for c in inner.children if c.type == "for_intro"), None)
        if intro is None:
            raise EvalError("bad for expression")
        names = [node_text(c) for c in intro.children if c.type == "identifier"]
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
        pairs = _for_pairs(collection)
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
                text_key = to_str(out_key)
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
        name = node_text(name_node)
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
        if name not in LENIENT_FUNCTIONS and any(contains_unknown(a, shallow=True) for a in args):
            return unknown_of(node, "argument not static")
        # Arguments are measured through nesting (``jsonencode`` and ``flatten`` expand
        # shared references), the result before anything else keeps it.
        self.budget.check_all(args)
        result = function(self, args)
        if isinstance(result, str) and not any(result is a for a in args):
            self.budget.spend(len(result))
        return self.budget.check(result)

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
        return unescape_quoted(self.raw) if self.quoted else unescape_heredoc(self.raw)


def _for_pairs(collection: Any) -> list[tuple[Any, Any]]:
    """The (key, value) pairs a ``for`` expression iterates: map entries or list items."""
    if isinstance(collection, dict):
        pairs: list[tuple[Any, Any]] = list(collection.items())
    elif isinstance(collection, list):
        pairs = list(enumerate(collection))
    else:
        raise EvalError("for over a non-collection")
    if len(pairs) > MAX_COLLECTION:
        raise EvalError("collection too large")
    return pairs


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


def _join_template(parts: list[Any], budget: SizeBudget) -> Any:
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
            out.append(to_str(value))
    budget.spend(sum(map(len, out)))
    return "".join(out)


def _template_piece(value: Any) -> str:
    if isinstance(value, Unknown):
        expression = value.expression
        if expression.startswith("${") and expression.endswith("}"):
            return expression
        return "${" + expression + "}"
    if isinstance(value, list | dict):
        return "${...}"
    return to_str(value)


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
        text_key = to_str(key) if not isinstance(key, str) else key
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
    return to_str(key)


def _binary_op(op: str, left: Any, right: Any) -> Any:
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op in ("&&", "||"):
        first, second = to_bool(left), to_bool(right)
        return (first and second) if op == "&&" else (first or second)
    a, b = to_number(left), to_number(right)
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
        return parse_number(node_text(child))
    if kind == "bool_lit":
        return node_text(child) == "true"
    if kind == "null_lit":
        return None
    if kind == "string_lit":
        return string_lit_value(child)
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
    name = node_text(node)
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
