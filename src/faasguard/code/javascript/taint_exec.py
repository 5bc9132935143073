"""Statements and binding of the Node.js taint interpreter: blocks and hoisting, control
flow (branches merged, loops run twice), declarations and destructuring, assignments to
names and members, ES imports and exports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from faasguard.code.javascript.index import (
    import_bindings,
    module_specifier,
    string_text,
    text,
)
from faasguard.code.javascript.taint_calls import Calls
from faasguard.code.javascript.taint_values import (
    EMPTY,
    MAX_STATEMENTS,
    Arr,
    Env,
    Fn,
    Frame,
    Instance,
    Klass,
    Obj,
    StopError,
    Taint,
    Value,
    Values,
    in_branch,
    merge,
)
from faasguard.code.taint.base import (
    ANY_KEY,
)


class Exec(Calls):
    """Runs statements and binds patterns."""

    def block(self, nodes: Sequence[Any], env: Env, frame: Frame) -> None:
        for node in nodes:  # hoisting: functions and classes are visible before their line
            self.hoist(node, env, frame)
        for node in nodes:
            self.stmt(node, env, frame)

    def hoist(self, node: Any, env: Env, frame: Frame) -> None:
        target = node
        if node.type == "export_statement":
            declaration = node.child_by_field_name("declaration")
            if declaration is None:
                return
            target = declaration
        if target.type in ("function_declaration", "generator_function_declaration"):
            name = target.child_by_field_name("name")
            if name is not None:
                env.vars[text(name)] = frozenset(
                    {Fn(str(frame.file.path), target.start_byte, self.env_id(env))}
                )
        elif target.type == "class_declaration":
            name = target.child_by_field_name("name")
            if name is not None:
                env.vars[text(name)] = frozenset(
                    {Klass(str(frame.file.path), target.start_byte, self.env_id(env))}
                )

    def stmt(self, node: Any, env: Env, frame: Frame) -> None:  # noqa: C901 - over the limit before it came in; may only shrink
        self.statements += 1
        if self.statements > MAX_STATEMENTS:
            raise StopError("the handler is too large to analyse completely")
        kind = node.type
        if kind in ("lexical_declaration", "variable_declaration"):
            for declarator in node.named_children:
                if declarator.type != "variable_declarator":
                    continue
                name = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                values = self.eval(value, env, frame) if value is not None else EMPTY
                if name is not None:
                    self.bind(name, values, env, frame, declarator, declare=True)
        elif kind == "expression_statement":
            for child in node.named_children:
                self.eval(child, env, frame)
        elif kind == "statement_block":
            self.block(node.named_children, Env(env), frame)
        elif kind == "if_statement":
            self.eval(node.child_by_field_name("condition"), env, frame)
            for part in ("consequence", "alternative"):
                branch = node.child_by_field_name(part)
                if branch is not None:
                    self.stmt(branch, Env(env), frame)
        elif kind == "else_clause":
            for child in node.named_children:
                self.stmt(child, Env(env), frame)
        elif kind == "for_in_statement":
            self._for_in(node, env, frame)
        elif kind in ("for_statement", "while_statement", "do_statement"):
            loop_env = Env(env)
            for part in ("initializer", "condition", "increment"):
                child = node.child_by_field_name(part)
                if child is not None:
                    if child.type.endswith("declaration"):
                        self.stmt(child, loop_env, frame)
                    else:
                        self.eval(child, loop_env, frame)
            body = node.child_by_field_name("body")
            if body is not None:
                for _ in range(2):  # twice: values assigned late in the body reach the top
                    self.stmt(body, Env(loop_env), frame)
        elif kind == "return_statement":
            value = node.named_children[0] if node.named_children else None
            if value is not None:
                values = self.eval(value, env, frame)
                where = self.loc(frame, node)
                frame.returns.update(
                    v.step(where, f"returned from {frame.name}()") if isinstance(v, Taint) else v
                    for v in values
                )
        elif kind == "throw_statement":
            for child in node.named_children:
                self.eval(child, env, frame)
        elif kind == "try_statement":
            for child in node.named_children:
                if child.type == "catch_clause":
                    catch_env = Env(env)
                    param = child.child_by_field_name("parameter")
                    if param is not None:
                        self.bind(param, EMPTY, catch_env, frame, child, declare=True)
                    body = child.child_by_field_name("body")
                    if body is not None:
                        self.stmt(body, catch_env, frame)
                elif child.type == "finally_clause":
                    for inner in child.named_children:
                        self.stmt(inner, env, frame)
                else:
                    self.stmt(child, env, frame)
        elif kind == "switch_statement":
            self.eval(node.child_by_field_name("value"), env, frame)
            body = node.child_by_field_name("body")
            for case in body.named_children if body is not None else ():
                case_env = Env(env)
                for child in case.named_children:
                    if child.type.endswith("statement") or child.type.endswith("declaration"):
                        self.stmt(child, case_env, frame)
                    else:
                        self.eval(child, case_env, frame)
        elif kind == "labeled_statement":
            body = node.child_by_field_name("body")
            if body is not None:
                self.stmt(body, env, frame)
        elif kind in ("function_declaration", "generator_function_declaration"):
            return  # hoisted; analysed when called
        elif kind == "class_declaration":
            return
        elif kind == "import_statement":
            self._import(node, env, frame)
        elif kind == "export_statement":
            self._export(node, env, frame)
        elif kind in (
            "comment",
            "empty_statement",
            "break_statement",
            "continue_statement",
            "debugger_statement",
            "hash_bang_line",
            "interface_declaration",
            "type_alias_declaration",
            "enum_declaration",
            "ambient_declaration",
            "abstract_class_declaration",
            "module",
            "internal_module",
            "import_alias",
        ):
            return
        else:
            self.eval(node, env, frame)

    def _for_in(self, node: Any, env: Env, frame: Frame) -> None:
        right = node.child_by_field_name("right")
        left = node.child_by_field_name("left")
        body = node.child_by_field_name("body")
        collection = self.eval(right, env, frame) if right is not None else EMPTY
        operator = node.child_by_field_name("operator")
        if operator is not None and text(operator) == "in":
            # for (k in obj): the keys of an attacker-controlled object are attacker data.
            items: Values = frozenset(
                t.as_string() for v in collection for t in self.taints_of(v, right, frame)
            )
        else:
            items = self.elements(collection, right)
        for _ in range(2):
            loop_env = Env(env)
            if left is not None:
                self.bind(left, items, loop_env, frame, node, declare=True)
            if body is not None:
                self.stmt(body, loop_env, frame)

    # ----------------------------------------------------------- binding

    def bind(  # noqa: C901 - over the limit before it came in; may only shrink
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
        """Bind a declaration or assignment pattern (identifier or destructuring);
        ``quiet`` for parameters, whose binding is already a step of the path."""
        kind = pattern.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            name = text(pattern)
            where = self.loc(frame, at)
            stepped = (
                values
                if quiet
                else frozenset(
                    v.step(where, f"assigned to {name}") if isinstance(v, Taint) else v
                    for v in values
                )
            )
            if declare:
                env.vars[name] = stepped
            else:
                self.assign_name(name, stepped, env, at)
        elif kind == "object_pattern":
            for child in pattern.named_children:
                if child.type == "shorthand_property_identifier_pattern":
                    self.bind(
                        child,
                        self.prop(values, text(child), child, frame),
                        env,
                        frame,
                        at,
                        declare=declare,
                    )
                elif child.type == "object_assignment_pattern":
                    left = child.child_by_field_name("left")
                    right = child.child_by_field_name("right")
                    if left is None:
                        continue
                    found = self.prop(values, text(left), child, frame)
                    if right is not None:
                        found = merge(found, self.eval(right, env, frame))
                    self.bind(left, found, env, frame, at, declare=declare)
                elif child.type == "pair_pattern":
                    key = child.child_by_field_name("key")
                    value = child.child_by_field_name("value")
                    if key is not None and value is not None:
                        name = self.key_name(key, env, frame)
                        self.bind(
                            value,
                            self.prop(values, name, child, frame),
                            env,
                            frame,
                            at,
                            declare=declare,
                        )
                elif child.type == "rest_pattern":
                    inner = child.named_children[0] if child.named_children else None
                    if inner is not None:
                        self.bind(inner, values, env, frame, at, declare=declare)
        elif kind == "array_pattern":
            items = self.elements(values, pattern)
            for child in pattern.named_children:
                if child.type == "rest_pattern":
                    inner = child.named_children[0] if child.named_children else None
                    if inner is not None:
                        self.bind(inner, values, env, frame, at, declare=declare)
                else:
                    self.bind(child, items, env, frame, at, declare=declare)
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            left = pattern.child_by_field_name("left")
            right = pattern.child_by_field_name("right")
            if left is not None:
                default = self.eval(right, env, frame) if right is not None else EMPTY
                self.bind(left, merge(values, default), env, frame, at, declare=declare)
        elif kind in ("required_parameter", "optional_parameter"):
            inner = pattern.child_by_field_name("pattern")
            default = pattern.child_by_field_name("value")
            if default is not None:
                values = merge(values, self.eval(default, env, frame))
            if inner is not None:
                self.bind(inner, values, env, frame, at, declare=declare)
        elif kind == "rest_pattern":
            inner = pattern.named_children[0] if pattern.named_children else None
            if inner is not None:
                self.bind(inner, values, env, frame, at, declare=declare)
        elif kind in ("member_expression", "subscript_expression"):
            self.assign_member(pattern, values, env, frame)

    def assign_name(self, name: str, values: Values, env: Env, at: Any) -> None:
        target = env.find(name)
        if target is None:
            # Undeclared: a global or a hoisted var; the outermost scope of the function.
            target = env
            while target.parent is not None and target.parent.parent is not None:
                target = target.parent
        if in_branch(at):
            target.vars[name] = merge(target.vars.get(name, EMPTY), values)
        else:
            target.vars[name] = values

    def assign_member(self, left: Any, values: Values, env: Env, frame: Frame) -> None:  # noqa: C901 - over the limit before it came in; may only shrink
        owner = left.child_by_field_name("object")
        if owner is None:
            return
        if left.type == "member_expression":
            prop = left.child_by_field_name("property")
            name = text(prop) if prop is not None else ANY_KEY
        else:
            index = left.child_by_field_name("index")
            name = self.key_name(index, env, frame) if index is not None else ANY_KEY
        owner_text = text(owner)
        state = frame.file
        if owner_text == "module" and name == "exports":
            state.default = values
            state.exports.clear()
            for value in values:
                if isinstance(value, Obj):
                    for key, item, _ in value.props:
                        state.exports[key] = merge(state.exports.get(key, EMPTY), item)
            return
        if owner_text in ("exports", "module.exports"):
            state.exports[name] = merge(state.exports.get(name, EMPTY), values)
            return
        if owner.type == "this":
            for value in frame.this:
                if isinstance(value, Instance):
                    table = self.class_props.setdefault(value.cls, {})
                    table[name] = merge(table.get(name, EMPTY), values)
            return
        if owner.type == "identifier":
            # obj.x = v: rebind the variable to objects with the property (weakly).
            current = self.lookup(owner_text, env)
            where = self.loc(frame, left)
            updated: set[Value] = set()
            for value in current:
                if isinstance(value, Obj):
                    updated.add(Obj((*value.props, (name, values, where))))
                elif isinstance(value, Arr):
                    updated.add(Arr(merge(value.items, values)))
                elif isinstance(value, Instance):
                    table = self.class_props.setdefault(value.cls, {})
                    table[name] = merge(table.get(name, EMPTY), values)
                    updated.add(value)
                else:
                    updated.add(value)
            if not current:
                updated.add(Obj(((name, values, where),)))
            target = env.find(owner_text)
            if target is not None:
                target.vars[owner_text] = merge(updated)

    # ----------------------------------------------------------- modules

    def _import(self, node: Any, env: Env, frame: Frame) -> None:
        specifier = module_specifier(node)
        if specifier is None:
            return
        module = self.require(specifier, frame.file)
        for binding in import_bindings(node):
            env.vars[binding.local] = (
                module
                if binding.imported is None
                else self.prop(module, binding.imported, binding.node, frame)
            )

    def _export(self, node: Any, env: Env, frame: Frame) -> None:
        state = frame.file
        declaration = node.child_by_field_name("declaration")
        is_default = any(c.type == "default" for c in node.children)
        if declaration is not None:
            self.stmt(declaration, env, frame)
            names: list[str] = []
            if declaration.type in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    name = declarator.child_by_field_name("name")
                    if name is not None and name.type == "identifier":
                        names.append(text(name))
            else:
                name = declaration.child_by_field_name("name")
                if name is not None:
                    names.append(text(name))
            for name in names:
                state.exports[name] = self.lookup(name, env)
            if is_default and names:
                state.default = self.lookup(names[0], env)
            return
        source = node.child_by_field_name("source")
        module = self.require(string_text(source), state) if source is not None else None
        for child in node.named_children:
            if child.type == "export_clause":
                for spec in child.named_children:
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name
                    if name is None or alias is None:
                        continue
                    values = (
                        self.prop(module, text(name), spec, frame)
                        if module is not None
                        else self.lookup(text(name), env)
                    )
                    if text(alias) == "default":
                        state.default = values
                    else:
                        state.exports[text(alias)] = values
            elif is_default and child.type not in ("comment", "string"):
                state.default = self.eval(child, env, frame)
