"""The state and expression half of the Node.js taint interpreter: what a name, a property,
an element or an expression evaluates to. Guards, calls and statements derive from it
(:mod:`.taint_guards`, :mod:`.taint_calls`, :mod:`.taint_exec`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from faasguard.code.javascript.index import (
    string_text,
    text,
)
from faasguard.code.javascript.taint_values import (
    EMPTY,
    TRANSPARENT,
    URL_WITH_HOST,
    Arr,
    Const,
    Env,
    EventRef,
    FileState,
    Fn,
    Frame,
    Instance,
    Klass,
    Module,
    Obj,
    Ref,
    Regex,
    Taint,
    Value,
    Values,
    inner_access,
    js_str,
    merge,
    node_at,
    short,
)
from faasguard.code.taint.base import (
    ANY_ITEM,
    ANY_KEY,
    SourceSpec,
    TaintFlow,
    TaintStep,
)
from faasguard.code.values import Gap
from faasguard.model import Location


class Evaluator:
    """Holds the interpreter's state and evaluates expressions to abstract values."""

    def __init__(self, root: Path, spec: SourceSpec, structured: frozenset[str]) -> None:
        self.root = root
        self.sources = spec
        self.structured = structured
        self.files: dict[str, FileState | None] = {}
        self.envs: list[Env] = []
        self.flows: dict[tuple[str, int, int, str, str, int, int], TaintFlow] = {}
        self.gaps: list[Gap] = []
        self.memo: dict[tuple[Any, ...], Values] = {}
        self.contexts: dict[tuple[str, int], list[Values]] = {}
        self.active: set[tuple[Any, ...]] = set()
        self.depth = 0
        self.statements = 0
        self.resolved: dict[int, set[Value]] = {}
        self.class_props: dict[Klass, dict[str, Values]] = {}
        self.guard_cache: dict[tuple[str, int], list[tuple[int, Any, bool]]] = {}

    def gap(self, gap: Gap) -> None:
        if gap not in self.gaps:
            self.gaps.append(gap)

    def env_id(self, env: Env) -> int:
        self.envs.append(env)
        return len(self.envs) - 1

    def exports_of(self, file: str) -> tuple[dict[str, Values], Values]:
        state = self.files.get(file)
        if state is None:
            return {}, EMPTY
        return state.exports, state.default

    # Implemented by the subclasses (Guards, Calls, Exec, Interpreter).

    def apply_guards(self, values: Values, node: Any, env: Env, frame: Frame) -> Values:
        """``values`` less the taint conditions dominating ``node`` clear."""
        raise NotImplementedError

    def call(self, node: Any, env: Env, frame: Frame) -> Values:
        """The values a call expression returns."""
        raise NotImplementedError

    def new(self, node: Any, env: Env, frame: Frame) -> Values:
        """The values a ``new`` expression returns."""
        raise NotImplementedError

    def bind(
        self,
        pattern: Any,
        values: Values,
        env: Env,
        frame: Frame,
        at: Any,
        *,
        declare: bool,
        quiet: bool = False,
    ) -> None:
        """Bind a declaration or assignment pattern."""
        raise NotImplementedError

    def block(self, nodes: Sequence[Any], env: Env, frame: Frame) -> None:
        """Run a block of statements."""
        raise NotImplementedError

    def require(self, specifier: str, state: FileState) -> Values:
        """The module or package object ``specifier`` names, from ``state``'s file."""
        raise NotImplementedError

    # ----------------------------------------------------------- lookup

    def lookup(self, name: str, env: Env) -> Values:
        found = env.find(name)
        if found is not None:
            return found.vars[name]
        if name == "undefined":
            return EMPTY
        return frozenset({Ref("", (name,))})

    def loc(self, frame: Frame, node: Any) -> Location:
        return Location(
            file=str(frame.file.path),
            line=node.start_point[0] + 1,
            column=node.start_point[1] + 1,
        )

    def key_name(self, node: Any, env: Env, frame: Frame) -> str:
        if node.type in ("property_identifier", "identifier", "private_property_identifier"):
            return text(node)
        if node.type == "string":
            return string_text(node)
        if node.type == "number":
            return ANY_ITEM
        if node.type == "computed_property_name":
            inner = node.named_children[0] if node.named_children else None
            return self.key_name(inner, env, frame) if inner is not None else ANY_KEY
        values = self.eval(node, env, frame)
        consts = {v.value for v in values if isinstance(v, Const)}
        if len(consts) == 1:
            only = next(iter(consts))
            if isinstance(only, str):
                return only
            if isinstance(only, int | float):
                return ANY_ITEM
        return ANY_KEY

    # ----------------------------------------------------------- taint helpers

    def event_value(self, path: tuple[str, ...], node: Any, frame: Frame) -> Values:
        """The value of ``event`` + ``path`` read at ``node``."""
        if not path:
            return frozenset({EventRef(())})
        source = self.sources.match(path)
        if source is not None and inner_access(node):
            # event.request.userAttributes["custom:rule"]: the source is the whole access.
            return frozenset({EventRef(path)})
        if source is not None:
            where = self.loc(frame, node)
            label = source.label
            return frozenset(
                {
                    Taint(
                        source=TaintStep(
                            location=where,
                            message=f"{short(text(node))} ({label}, attacker-controlled)",
                        ),
                        pattern=source.pattern or "event",
                        kinds=source.kinds,
                        structured=source.pattern in self.structured
                        or (source.pattern == "" and len(path) < 2),
                    )
                }
            )
        if self.sources.sources_under(path):
            return frozenset({EventRef(path)})
        return EMPTY

    def taints_of(self, value: Value, node: Any, frame: Frame | None = None) -> list[Taint]:
        """The taint ``value`` carries when used whole (a container: what is inside)."""
        if isinstance(value, Taint):
            return [value]
        if isinstance(value, EventRef):
            inside = self.sources.sources_under(value.path)
            match = self.sources.match(value.path) if value.path else None
            chosen = match or (inside[0] if inside else None)
            if chosen is None or frame is None:
                return []
            label = chosen.label if match or len(inside) <= 1 else "event fields"
            holds = "" if match else "holds "
            where = self.loc(frame, node) if node is not None else frame.file.path
            return [
                Taint(
                    source=TaintStep(
                        location=where
                        if isinstance(where, Location)
                        else Location(file=str(where)),
                        message=f"{short(text(node)) if node is not None else 'event'} "
                        f"({holds}{label}, attacker-controlled)",
                    ),
                    pattern=chosen.pattern or "event",
                    kinds=tuple(dict.fromkeys(k for p in inside for k in p.kinds)) or chosen.kinds,
                    structured=True,
                )
            ]
        if isinstance(value, Obj):
            return [
                t
                for _, values, _ in value.props
                for v in values
                for t in self.taints_of(v, node, frame)
            ]
        if isinstance(value, Arr):
            return [t for v in value.items for t in self.taints_of(v, node, frame)]
        return []

    def tainted(self, values: Values, node: Any, frame: Frame | None) -> list[Taint]:
        out: list[Taint] = []
        for value in values:
            out.extend(self.taints_of(value, node, frame))
        return out

    def prop(self, values: Values, name: str, node: Any, frame: Frame) -> Values:  # noqa: C901 - over the limit before it came in; may only shrink
        """Property ``name`` of every value in ``values``."""
        out: set[Value] = set()
        for value in values:
            if isinstance(value, EventRef):
                if name == "length" and value.path and self.sources.match(value.path):
                    continue
                out |= self.event_value((*value.path, name), node, frame)
            elif isinstance(value, Taint):
                if name in ("length",):
                    continue
                out.add(value)
            elif isinstance(value, Obj):
                found = value.get(name)
                if found is not None:
                    out |= found
                else:
                    spread = value.get("...")
                    if spread:
                        out |= spread
            elif isinstance(value, Arr):
                if name in (ANY_ITEM, ANY_KEY):
                    out |= value.items
            elif isinstance(value, Ref):
                if name == "default":
                    out.add(value)
                elif len(value.path) < 8:
                    out.add(Ref(value.package, (*value.path, name)))
            elif isinstance(value, Module):
                exports, default = self.exports_of(value.file)
                if name == "default":
                    out |= default or frozenset({value})
                elif name in exports:
                    out |= exports[name]
                else:
                    out |= self.prop(default, name, node, frame) if default else EMPTY
            elif isinstance(value, Instance):
                table = self.class_props.get(value.cls, {})
                if name in table:
                    out |= table[name]
                method = self.method_of(value.cls, name)
                if method is not None:
                    out.add(replace(method, this=frozenset({value})))
            elif isinstance(value, Klass):
                method = self.method_of(value, name, static=True)
                if method is not None:
                    out.add(method)
            elif isinstance(value, Fn) and name in ("use", "before", "after", "onError"):
                out.add(value)  # middy-style wrappers return the wrapped handler
        return frozenset(out)

    def elements(self, values: Values, node: Any) -> Values:
        """What iterating ``values`` yields."""
        out: set[Value] = set()
        for value in values:
            if isinstance(value, EventRef):
                path = (*value.path, ANY_ITEM)
                if self.sources.match(path) or self.sources.sources_under(path):
                    out.add(EventRef(path))
            elif isinstance(value, Taint):
                out.add(value)
            elif isinstance(value, Arr):
                out |= value.items
            elif isinstance(value, Obj):
                for _, items, _ in value.props:
                    out |= items
        return frozenset(out)

    def method_of(self, cls: Klass, name: str, static: bool = False) -> Fn | None:
        state = self.files.get(cls.file)
        if state is None:
            return None
        node = node_at(state.module.root, cls.start, "class_declaration")
        body = node.child_by_field_name("body") if node is not None else None
        for member in body.named_children if body is not None else ():
            if member.type != "method_definition":
                continue
            member_name = member.child_by_field_name("name")
            if member_name is not None and text(member_name) == name:
                return Fn(cls.file, member.start_byte, cls.env)
        return None

    # ----------------------------------------------------------- expressions

    def eval(self, node: Any, env: Env, frame: Frame) -> Values:  # noqa: C901 - over the limit before it came in; may only shrink
        if node is None:
            return EMPTY
        kind = node.type
        if kind == "identifier":
            values = self.lookup(text(node), env)
            return self.apply_guards(values, node, env, frame)
        if kind in ("this",):
            return frame.this
        if kind in ("string",):
            return frozenset({Const(string_text(node))})
        if kind == "template_string":
            return self._template(node, env, frame)
        if kind == "number":
            try:
                return frozenset({Const(float(text(node).replace("_", "")))})
            except ValueError:
                return frozenset({Const(0)})
        if kind in ("true", "false"):
            return frozenset({Const(kind == "true")})
        if kind in ("null", "undefined"):
            return frozenset({Const(None)})
        if kind == "regex":
            pattern = node.child_by_field_name("pattern")
            flags = node.child_by_field_name("flags")
            return frozenset(
                {Regex(text(pattern) if pattern else "", text(flags) if flags else "")}
            )
        if kind in TRANSPARENT:
            inner = node.named_children[-1] if kind != "as_expression" else node.named_children[0]
            if kind in ("as_expression", "satisfies_expression", "type_assertion"):
                inner = next(
                    (
                        c
                        for c in node.named_children
                        if not c.type.endswith("type")
                        and c.type
                        not in (
                            "type_identifier",
                            "predefined_type",
                            "generic_type",
                            "type_arguments",
                            "object_type",
                            "union_type",
                            "array_type",
                        )
                    ),
                    node.named_children[0],
                )
            return self.eval(inner, env, frame)
        if kind == "member_expression":
            obj = node.child_by_field_name("object")
            prop = node.child_by_field_name("property")
            if obj is None or prop is None:
                return EMPTY
            values = self.prop(self.eval(obj, env, frame), text(prop), node, frame)
            return self.apply_guards(values, node, env, frame)
        if kind == "subscript_expression":
            obj = node.child_by_field_name("object")
            index = node.child_by_field_name("index")
            if obj is None:
                return EMPTY
            name = self.key_name(index, env, frame) if index is not None else ANY_KEY
            values = self.prop(self.eval(obj, env, frame), name, node, frame)
            if name == ANY_KEY:
                values = merge(values, self.prop(self.eval(obj, env, frame), ANY_ITEM, node, frame))
            return self.apply_guards(values, node, env, frame)
        if kind == "call_expression":
            return self.call(node, env, frame)
        if kind == "new_expression":
            return self.new(node, env, frame)
        if kind in ("arrow_function", "function_expression", "function", "generator_function"):
            fn = Fn(
                str(frame.file.path),
                node.start_byte,
                self.env_id(env),
                frame.this if kind == "arrow_function" else EMPTY,
            )
            return frozenset({fn})
        if kind in ("class", "class_expression"):
            return frozenset({Klass(str(frame.file.path), node.start_byte, self.env_id(env))})
        if kind == "object":
            return self._object(node, env, frame)
        if kind == "array":
            return frozenset({Arr(merge(*(self.eval(c, env, frame) for c in node.named_children)))})
        if kind == "assignment_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            values = self.eval(right, env, frame)
            if left is not None:
                self.bind(left, values, env, frame, node, declare=False)
            return values
        if kind == "augmented_assignment_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            values = merge(
                self.eval(left, env, frame),
                frozenset(
                    t.as_string() for t in self.tainted(self.eval(right, env, frame), right, frame)
                ),
            )
            if left is not None:
                self.bind(left, values, env, frame, node, declare=False)
            return values
        if kind == "binary_expression":
            return self._binary(node, env, frame)
        if kind == "ternary_expression":
            self.eval(node.child_by_field_name("condition"), env, frame)
            return merge(
                self.eval(node.child_by_field_name("consequence"), env, frame),
                self.eval(node.child_by_field_name("alternative"), env, frame),
            )
        if kind in ("unary_expression", "update_expression"):
            for child in node.named_children:
                self.eval(child, env, frame)
            return EMPTY
        if kind == "sequence_expression":
            values = EMPTY
            for child in node.named_children:
                values = self.eval(child, env, frame)
            return values
        if kind in ("comment", "type_annotation", "type_arguments", "property_identifier"):
            return EMPTY
        # Anything else: evaluate the parts (calls inside still run) and keep their taint.
        out: list[Values] = [self.eval(c, env, frame) for c in node.named_children]
        return frozenset(
            t for values in out for v in values for t in self.taints_of(v, node, frame)
        )

    def _template(self, node: Any, env: Env, frame: Frame) -> Values:
        taints: list[Taint] = []
        prefix = ""
        constant = True
        parts: list[str] = []
        for child in node.named_children:
            if child.type in ("string_fragment", "escape_sequence"):
                parts.append(text(child))
                if not taints:
                    prefix += text(child)
            elif child.type == "template_substitution":
                inner = child.named_children[0] if child.named_children else None
                values = self.eval(inner, env, frame)
                found = self.tainted(values, inner, frame)
                consts = [v.value for v in values if isinstance(v, Const)]
                if found:
                    taints.extend(found)
                elif len(consts) == 1 and not taints:
                    prefix += str(consts[0])
                    parts.append(str(consts[0]))
                    continue
                constant = False
        if not taints:
            return frozenset({Const("".join(parts))}) if constant else EMPTY
        fixed = bool(URL_WITH_HOST.match(prefix))
        return frozenset(
            replace(t.as_string(), fixed_host=t.fixed_host or fixed, normalized=False)
            for t in taints
        )

    def _binary(self, node: Any, env: Env, frame: Frame) -> Values:
        operator = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        op = text(operator) if operator is not None else ""
        left_values = self.eval(left, env, frame)
        right_values = self.eval(right, env, frame)
        if op in ("&&", "||", "??"):
            return merge(left_values, right_values)
        if op != "+":
            return EMPTY  # comparisons and arithmetic give booleans and numbers
        left_consts = [v.value for v in left_values if isinstance(v, Const)]
        taints = self.tainted(left_values, left, frame)
        right_taints = self.tainted(right_values, right, frame)
        if not taints and not right_taints:
            right_consts = [v.value for v in right_values if isinstance(v, Const)]
            if len(left_consts) == 1 and len(right_consts) == 1:
                a, b = left_consts[0], right_consts[0]
                if isinstance(a, str) or isinstance(b, str):
                    return frozenset({Const(f"{js_str(a)}{js_str(b)}")})
            return EMPTY
        prefix = str(left_consts[0]) if len(left_consts) == 1 and not taints else ""
        fixed = bool(URL_WITH_HOST.match(prefix))
        return frozenset(
            {t.as_string() for t in taints}
            | {
                replace(t.as_string(), fixed_host=t.fixed_host or fixed, normalized=False)
                for t in right_taints
            }
        )

    def _object(self, node: Any, env: Env, frame: Frame) -> Values:
        props: list[tuple[str, Values, Location]] = []
        for child in node.named_children:
            where = self.loc(frame, child)
            if child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                name = self.key_name(key, env, frame) if key is not None else ANY_KEY
                props.append((name, self.eval(value, env, frame), where))
            elif child.type == "shorthand_property_identifier":
                name = text(child)
                props.append(
                    (name, self.apply_guards(self.lookup(name, env), child, env, frame), where)
                )
            elif child.type == "spread_element":
                inner = child.named_children[0] if child.named_children else None
                for value in self.eval(inner, env, frame):
                    if isinstance(value, Obj):
                        props.extend(value.props)
                    elif isinstance(value, Taint | EventRef):
                        props.append(("...", frozenset({value}), where))
            elif child.type == "method_definition":
                name_node = child.child_by_field_name("name")
                fn = Fn(str(frame.file.path), child.start_byte, self.env_id(env))
                props.append((text(name_node) if name_node else ANY_KEY, frozenset({fn}), where))
        return frozenset({Obj(tuple(props))})
