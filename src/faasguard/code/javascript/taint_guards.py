"""Guards of the Node.js taint interpreter: conditions that dominate a use and clear its
taint (``if (!ALLOWED.includes(x)) return``, validators, anchored regexes, prefix checks)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from faasguard.code.javascript.index import (
    FUNCTION_TYPES,
    text,
)
from faasguard.code.javascript.taint_eval import Evaluator
from faasguard.code.javascript.taint_values import (
    ALL_FAMILIES,
    Env,
    EventRef,
    Frame,
    Ref,
    Regex,
    Taint,
    Value,
    Values,
    anchored,
    argument_nodes,
    exits,
    js_spec,
    subject_text,
)


class Guards(Evaluator):
    """Clears taint by the conditions that dominate a use."""

    def guarded(self, node: Any, env: Env, frame: Frame) -> tuple[frozenset[str], bool]:  # noqa: C901 - over the limit before it came in; may only shrink
        """Families cleared for the expression at ``node`` by conditions that dominate it,
        and whether the clearing needs a normalised path (prefix checks)."""
        subject = subject_text(node)
        families: set[str] = set()
        prefix_only = False
        current = node
        while current.parent is not None and current.type not in FUNCTION_TYPES:
            parent = current.parent
            if parent.type in ("if_statement", "ternary_expression"):
                condition = parent.child_by_field_name("condition")
                consequence = parent.child_by_field_name("consequence")
                alternative = parent.child_by_field_name("alternative")
                if condition is not None and current != condition:
                    polarity = consequence is not None and current == consequence
                    if alternative is not None and current == alternative:
                        polarity = False
                    found = self.guard(condition, subject, env, frame, positive=polarity)
                    if found is not None:
                        families |= found[0]
                        prefix_only = prefix_only or found[1]
            elif parent.type == "binary_expression":
                operator = parent.child_by_field_name("operator")
                left = parent.child_by_field_name("left")
                if operator is not None and left is not None and current != left:
                    op = text(operator)
                    if op == "&&":
                        found = self.guard(left, subject, env, frame, positive=True)
                        if found is not None:
                            families |= found[0]
                            prefix_only = prefix_only or found[1]
            if parent.type in ("statement_block", "program", "switch_body", "else_clause"):
                for sibling in parent.named_children:
                    if sibling.end_byte > current.start_byte:
                        break
                    if sibling.type != "if_statement":
                        continue
                    consequence = sibling.child_by_field_name("consequence")
                    if consequence is None or not exits(consequence):
                        continue
                    condition = sibling.child_by_field_name("condition")
                    if condition is None:
                        continue
                    found = self.guard(condition, subject, env, frame, positive=False)
                    if found is not None:
                        families |= found[0]
                        prefix_only = prefix_only or found[1]
            current = parent
        return frozenset(families), prefix_only

    def guard(  # noqa: C901 - over the limit before it came in; may only shrink
        self, condition: Any, subject: str, env: Env, frame: Frame, *, positive: bool
    ) -> tuple[frozenset[str], bool] | None:
        """What ``condition`` being ``positive`` (true) proves about ``subject``."""
        while condition.type == "parenthesized_expression" and condition.named_children:
            condition = condition.named_children[0]
        if condition.type == "unary_expression":
            operator = condition.child_by_field_name("operator")
            argument = condition.child_by_field_name("argument")
            if operator is not None and text(operator) == "!" and argument is not None:
                return self.guard(argument, subject, env, frame, positive=not positive)
            return None
        if condition.type == "binary_expression":
            operator = condition.child_by_field_name("operator")
            left = condition.child_by_field_name("left")
            right = condition.child_by_field_name("right")
            if operator is None or left is None or right is None:
                return None
            op = text(operator)
            # A && B true: both hold. A || B false: neither holds (both negations hold).
            if (op == "&&" and positive) or (op == "||" and not positive):
                return self.guard(left, subject, env, frame, positive=positive) or self.guard(
                    right, subject, env, frame, positive=positive
                )
            if op in ("===", "==", "!==", "!="):
                holds = positive == (op in ("===", "=="))
                for one, other in ((left, right), (right, left)):
                    if other.type in ("string", "number", "true", "false") and holds:
                        if subject_text(one) == subject:
                            return ALL_FAMILIES, False
                        if one.type == "unary_expression" and text(one).startswith("typeof"):
                            argument = one.child_by_field_name("argument")
                            if (
                                argument is not None
                                and subject_text(argument) == subject
                                and text(other).strip("'\"") in ("number", "boolean")
                            ):
                                return ALL_FAMILIES, False
                    # X.indexOf(s) !== -1 (true) proves membership.
                    if (
                        one.type == "call_expression"
                        and text(other) == "-1"
                        and not holds
                        and self._membership(one, subject, env, frame, method="indexOf")
                    ):
                        return ALL_FAMILIES, False
                return None
            if (
                op in (">=", ">")
                and positive
                and left.type == "call_expression"
                and self._membership(left, subject, env, frame, method="indexOf")
            ):
                return ALL_FAMILIES, False
            return None
        if condition.type == "member_expression" and positive:
            prop = condition.child_by_field_name("property")
            obj = condition.child_by_field_name("object")
            if prop is not None and text(prop) == "success" and obj is not None:
                return self.guard(obj, subject, env, frame, positive=True)
            return None
        if condition.type != "call_expression" or not positive:
            return None
        return self._call_guard(condition, subject, env, frame)

    def _membership(self, call: Any, subject: str, env: Env, frame: Frame, method: str) -> bool:
        callee = call.child_by_field_name("function")
        args = argument_nodes(call)
        if callee is None or callee.type != "member_expression" or not args:
            return False
        prop = callee.child_by_field_name("property")
        owner = callee.child_by_field_name("object")
        if prop is None or owner is None or text(prop) != method:
            return False
        if subject_text(args[0]) != subject:
            return False
        return not self.tainted(self.eval(owner, env, frame), owner, None)

    def _call_guard(  # noqa: C901 - over the limit before it came in; may only shrink
        self, call: Any, subject: str, env: Env, frame: Frame
    ) -> tuple[frozenset[str], bool] | None:
        spec = js_spec()
        callee = call.child_by_field_name("function")
        args = argument_nodes(call)
        if callee is None:
            return None
        if callee.type == "member_expression":
            prop = callee.child_by_field_name("property")
            owner = callee.child_by_field_name("object")
            if prop is None or owner is None:
                return None
            method = text(prop)
            if (
                method in spec.membership_methods
                and args
                and subject_text(args[0]) == subject
                and not self.tainted(self.eval(owner, env, frame), owner, None)
            ):
                return ALL_FAMILIES, False
            if method == "test" and args and subject_text(args[0]) == subject:
                for value in self.eval(owner, env, frame):
                    if isinstance(value, Regex) and anchored(value.pattern):
                        return ALL_FAMILIES, False
            if method in spec.prefix_methods and subject_text(owner) == subject:
                return frozenset({"path-traversal"}), True
        callee_values = self.eval(callee, env, frame)
        name = text(callee).rsplit(".", 1)[-1]
        for value in callee_values:
            qualified = value.callee if isinstance(value, Ref) else ""
            if qualified in spec.numeric_checks and args and subject_text(args[0]) == subject:
                return ALL_FAMILIES, False
            is_validator = bool(spec.validator_name.match(name)) or (
                isinstance(value, Ref) and value.package in spec.validator_packages
            )
            if not is_validator:
                continue
            # ajv.validate(schema, data) checks its second argument; validate(data) its first.
            for arg in args[:2]:
                if subject_text(arg) == subject:
                    return ALL_FAMILIES, False
        if not callee_values and spec.validator_name.match(name):
            for arg in args[:2]:
                if subject_text(arg) == subject:
                    return ALL_FAMILIES, False
        return None

    def apply_guards(self, values: Values, node: Any, env: Env, frame: Frame) -> Values:
        if not any(isinstance(v, Taint | EventRef) for v in values):
            return values
        families, prefix_only = self.guarded(node, env, frame)
        if not families:
            return values
        out: set[Value] = set()
        for value in values:
            if isinstance(value, Taint) and (value.normalized or not prefix_only):
                out.add(replace(value, cleared=value.cleared | families))
            elif isinstance(value, EventRef) and not prefix_only and families >= ALL_FAMILIES:
                continue
            else:
                out.add(value)
        return frozenset(out)
