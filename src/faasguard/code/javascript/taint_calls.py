"""Calls and sinks of the Node.js taint interpreter: calls into the code (memoised per
calling context), package calls, sanitizers and propagators from the spec, built-in
methods, and the sinks a flow is recorded at."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from faasguard.code.javascript.index import (
    required_specifier,
    text,
)
from faasguard.code.javascript.taint_guards import Guards
from faasguard.code.javascript.taint_values import (
    ALL_FAMILIES,
    ARRAY_CALLBACKS,
    EMPTY,
    MAX_CONTEXTS,
    MAX_DEPTH,
    Arr,
    Const,
    Env,
    EventRef,
    Fn,
    Frame,
    HandlerCallback,
    Instance,
    Klass,
    Obj,
    Ref,
    Regex,
    Resolver,
    Sink,
    Taint,
    Value,
    Values,
    argument_nodes,
    function_name,
    function_params,
    js_spec,
    matches,
    merge,
    node_at,
    short,
    strips_all,
    truthy,
)
from faasguard.code.regex import catastrophic
from faasguard.code.taint.base import (
    TaintFlow,
    TaintStep,
    relative_file,
)
from faasguard.code.values import Gap
from faasguard.model import Location


class Calls(Guards):
    """Calls, functions and sinks."""

    def arguments(self, node: Any, env: Env, frame: Frame) -> tuple[list[Values], list[Any]]:
        nodes = argument_nodes(node)
        values = []
        for arg in nodes:
            if arg.type == "spread_element":
                inner = arg.named_children[0] if arg.named_children else None
                values.append(self.elements(self.eval(inner, env, frame), arg))
            else:
                values.append(self.eval(arg, env, frame))
        return values, nodes

    def call(self, node: Any, env: Env, frame: Frame) -> Values:
        callee = node.child_by_field_name("function")
        if callee is None:
            return EMPTY
        arguments = node.child_by_field_name("arguments")
        if arguments is not None and arguments.type == "template_string":
            # A tagged template (sql`...`, html`...`): the tag receives the parts apart, so
            # the substitutions are parameters, not text of the result.
            self.eval(arguments, env, frame)
            self.eval(callee, env, frame)
            return EMPTY
        if (callee.type == "identifier" and text(callee) == "require") or callee.type == "import":
            specifier = required_specifier(node, dynamic_import=True)
            if specifier is None or (callee.type != "import" and env.find("require") is not None):
                return EMPTY
            return self.require(specifier, frame.file)
        args, arg_nodes = self.arguments(node, env, frame)
        receiver: Values = EMPTY
        method = ""
        if callee.type == "member_expression":
            owner = callee.child_by_field_name("object")
            prop = callee.child_by_field_name("property")
            receiver = self.eval(owner, env, frame)
            method = text(prop) if prop is not None else ""
            callee_values = self.prop(receiver, method, callee, frame)
        else:
            callee_values = self.eval(callee, env, frame)
        result: set[Value] = set()
        handled_fns: set[Fn] = set()
        if method:
            result |= self.method_call(receiver, method, args, arg_nodes, node, frame, handled_fns)
            self.method_sinks(method, args, arg_nodes, node, frame)
        for value in callee_values:
            result |= self.call_value(value, args, arg_nodes, node, frame, handled_fns)
        if not callee_values and not method:
            # An unknown function (a parameter, a global of the runtime): data flows through.
            result |= {
                t
                for values, n in zip(args, arg_nodes, strict=False)
                for t in self.tainted(values, n, frame)
            }
        self.run_callbacks(args, handled_fns, frame)
        return frozenset(result)

    def run_callbacks(self, args: list[Values], handled: set[Fn], frame: Frame) -> None:
        """Callbacks given to code faasguard does not follow still run (with unknown
        arguments): what they do with captured variables is analysed."""
        for values in args:
            for value in values:
                if isinstance(value, Fn) and value not in handled:
                    handled.add(value)
                    self.invoke(value, [], None, frame)

    def call_value(
        self,
        value: Value,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: Frame,
        handled: set[Fn],
    ) -> Values:
        if isinstance(value, Fn):
            handled.add(value)
            return self.invoke(value, args, node, frame)
        if isinstance(value, Klass):
            return EMPTY
        if isinstance(value, Resolver):
            for values in args[:1]:
                self.resolved.setdefault(value.ident, set()).update(values)
            return EMPTY
        if isinstance(value, HandlerCallback):
            if len(args) > 1:
                self.check_redirect(args[1], frame)
            return EMPTY
        if isinstance(value, Ref):
            return self.call_ref(value, args, arg_nodes, node, frame, handled, new=False)
        return EMPTY

    def call_ref(  # noqa: C901 - over the limit before it came in; may only shrink
        self,
        ref: Ref,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: Frame,
        handled: set[Fn],
        *,
        new: bool,
    ) -> Values:
        spec = js_spec()
        callee = ref.callee
        if callee in ("Function.prototype.call",):
            return EMPTY
        self.check_sinks(callee, args, arg_nodes, node, frame, new=new)
        if callee in ("RegExp",) or (new and callee == "RegExp"):
            consts = [v.value for v in (args[0] if args else EMPTY) if isinstance(v, Const)]
            if consts and isinstance(consts[0], str):
                return frozenset({Regex(consts[0])})
            return EMPTY
        if callee == "Promise.resolve" and args:
            return args[0]
        for patterns, families in spec.sanitizers:
            if matches(callee, patterns):
                if families >= ALL_FAMILIES:
                    return EMPTY
                return frozenset(
                    replace(t, cleared=t.cleared | families)
                    for values, n in zip(args, arg_nodes, strict=False)
                    for t in self.tainted(values, n, frame)
                )
        if ref.path and ref.path[-1] in spec.sanitizer_methods:
            return EMPTY
        for patterns, message, structured, normalizes, stringifies in spec.propagators:
            if matches(callee, patterns):
                where = self.loc(frame, node)
                note = message.format(callee=callee)
                out: set[Value] = set()
                for values, n in zip(args, arg_nodes, strict=False):
                    for taint in self.tainted(values, n, frame):
                        stepped = taint.step(where, note)
                        stepped = replace(
                            stepped,
                            structured=structured or (taint.structured and not stringifies),
                            normalized=normalizes or taint.normalized,
                        )
                        out.add(stepped)
                    if callee.startswith(("Object.assign", "Promise.all", "Array.from")):
                        out |= {v for v in values if isinstance(v, Obj | Arr)}
                return frozenset(out)
        if ref.package and ref.path == () and any(isinstance(v, Fn) for vs in args for v in vs):
            # A wrapper package (middy(handler)): calling it calls the wrapped function.
            fns = {v for vs in args for v in vs if isinstance(v, Fn)}
            return frozenset({*fns})
        if ref.package:
            # The result of a call is another object: handlebars.compile(t)(data) does not
            # compile again, but mysql.createConnection().query still names the package.
            if new or not ref.path or len(ref.path) >= 8:
                return frozenset({ref})
            return frozenset({Ref(ref.package, (*ref.path[:-1], ref.path[-1] + "()"))})
        return EMPTY

    def new(self, node: Any, env: Env, frame: Frame) -> Values:
        constructor = node.child_by_field_name("constructor")
        if constructor is None:
            return EMPTY
        args, arg_nodes = self.arguments(node, env, frame)
        handled: set[Fn] = set()
        result: set[Value] = set()
        for value in self.eval(constructor, env, frame):
            if isinstance(value, Ref) and value.callee == "Promise":
                ident = node.start_byte * 1000 + self.depth
                for executor in args[0] if args else EMPTY:
                    if isinstance(executor, Fn):
                        handled.add(executor)
                        self.invoke(executor, [frozenset({Resolver(ident)}), EMPTY], node, frame)
                result |= self.resolved.get(ident, set())
            elif isinstance(value, Ref):
                result |= self.call_ref(value, args, arg_nodes, node, frame, handled, new=True)
            elif isinstance(value, Klass):
                instance = Instance(value)
                constructor_fn = self.method_of(value, "constructor")
                if constructor_fn is not None:
                    handled.add(constructor_fn)
                    self.invoke(
                        replace(constructor_fn, this=frozenset({instance})), args, node, frame
                    )
                result.add(instance)
            elif isinstance(value, Fn):
                handled.add(value)
                self.invoke(value, args, node, frame)
        self.run_callbacks(args, handled, frame)
        return frozenset(result)

    def method_call(  # noqa: C901 - over the limit before it came in; may only shrink
        self,
        receiver: Values,
        method: str,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: Frame,
        handled: set[Fn],
    ) -> Values:
        """Methods of built-in values: strings, arrays, promises, regular expressions."""
        spec = js_spec()
        out: set[Value] = set()
        callbacks = [v for vs in args[:1] for v in vs if isinstance(v, Fn)]
        for value in receiver:
            if isinstance(value, Fn) and method in ("bind", "call", "apply"):
                out |= self.function_method(value, method, args, node, frame, handled)
                continue
            if isinstance(value, Regex):
                if method in spec.regex_methods and args:
                    self.check_redos(value, args[0], arg_nodes[0], node, frame)
                    if method == "exec":
                        out |= {t for t in self.tainted(args[0], arg_nodes[0], frame)}
                continue
            taints = (
                self.taints_of(value, node, frame)
                if isinstance(value, Taint | EventRef | Arr)
                else []
            )
            if method in ("then", "finally", "catch"):
                if method == "then":
                    for callback in callbacks:
                        handled.add(callback)
                        out |= self.invoke(callback, [frozenset({value})], node, frame)
                continue
            if method in ARRAY_CALLBACKS or method == "reduce":
                items = self.elements(frozenset({value}), node)
                for callback in callbacks:
                    handled.add(callback)
                    call_args = [items] if method != "reduce" else [EMPTY, items]
                    returned = self.invoke(callback, call_args, node, frame)
                    if method in ("map", "flatMap"):
                        out.add(Arr(returned))
                if method in ("filter", "sort"):
                    out.add(value)
                elif method == "find":
                    out |= items
                continue
            if not taints:
                continue
            if method in spec.regex_string_methods and args:
                for pattern in args[0]:
                    if isinstance(pattern, Regex):
                        self.check_redos(pattern, frozenset({value}), node, node, frame)
            if method in spec.clean_methods:
                continue
            if method in ("replace", "replaceAll") and args and strips_all(args[0]):
                continue
            if method in spec.string_methods or isinstance(value, Taint):
                out |= {
                    t.as_string()
                    if method
                    not in ("get", "values", "entries", "keys", "flat", "pop", "shift", "at")
                    else t
                    for t in taints
                }
        return frozenset(out)

    # ----------------------------------------------------------- functions

    def function_method(
        self, fn: Fn, method: str, args: list[Values], node: Any, frame: Frame, handled: set[Fn]
    ) -> Values:
        """``fn.bind(this, a)`` (a function with ``a`` fixed), ``fn.call(this, a)``,
        ``fn.apply(this, [a])``."""
        this = args[0] if args else fn.this
        rest = args[1:]
        if method == "bind":
            return frozenset({replace(fn, this=this, bound=(*fn.bound, *rest))})
        handled.add(fn)
        if method == "apply":
            spread = [self.elements(rest[0], node)] if rest else []
            return self.invoke(replace(fn, this=this), spread, node, frame)
        return self.invoke(replace(fn, this=this), rest, node, frame)

    def invoke(self, fn: Fn, args: list[Values], call: Any, caller: Frame) -> Values:
        if fn.bound:
            args = [*fn.bound, *args]
        state = self.files.get(fn.file)
        if state is None:
            return EMPTY
        node = node_at(state.module.root, fn.start)
        if node is None:
            return EMPTY
        key = (fn, tuple(args))
        if key in self.memo:
            return self.memo[key]
        contexts = self.contexts.setdefault((fn.file, fn.start), [])
        if key in self.active:
            return EMPTY  # recursion: the first pass through the function decides
        if self.depth >= MAX_DEPTH:
            self.gap(Gap(f"calls nested deeper than {MAX_DEPTH} not followed", fn.file))
            return EMPTY
        if len(contexts) >= MAX_CONTEXTS:
            return merge(*contexts)
        name = function_name(node)
        where = self.loc(caller, call) if call is not None else None
        params = function_params(node)
        env = Env(self.envs[fn.env])
        frame = Frame(file=state, name=name, this=fn.this)
        self.active.add(key)
        self.depth += 1
        try:
            for index, param in enumerate(params):
                values = args[index] if index < len(args) else EMPTY
                if param.type == "rest_pattern":
                    values = frozenset({Arr(merge(*args[index:]))})
                if where is not None:
                    label = text(param) if param.type == "identifier" else f"parameter {index + 1}"
                    values = frozenset(
                        v.step(where, f"passed to {name}() as {label}")
                        if isinstance(v, Taint)
                        else v
                        for v in values
                    )
                self.bind(param, values, env, frame, param, declare=True, quiet=True)
            body = node.child_by_field_name("body")
            if body is None:
                pass
            elif body.type == "statement_block":
                self.block(body.named_children, env, frame)
            else:
                values = self.eval(body, env, frame)
                for item in values:
                    frame.returns.add(
                        item.step(self.loc(frame, body), f"returned from {name}()")
                        if isinstance(item, Taint)
                        else item
                    )
        finally:
            self.depth -= 1
            self.active.discard(key)
        result = merge(frame.returns)
        self.memo[key] = result
        contexts.append(result)
        return result

    # ----------------------------------------------------------- sinks

    def record(
        self,
        family: str,
        taint: Taint,
        node: Any,
        frame: Frame,
        callee: str,
        message: str,
    ) -> None:
        """Record a flow of ``taint`` into the ``family`` sink at ``node``, unless cleared."""
        if family in taint.cleared:
            return
        self._record_at(family, taint, self.loc(frame, node), callee, message)

    def check_sinks(
        self,
        callee: str,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: Frame,
        *,
        new: bool,
    ) -> None:
        spec = js_spec()
        for sink in spec.sinks:
            if sink.new != new and sink.new:
                continue
            if not matches(callee, sink.callees):
                continue
            if (
                new
                and not sink.new
                and callee not in ("Function", "vm.Script")
                and not callee.endswith("Command")
            ):
                continue
            self.apply_sink(sink, callee, args, arg_nodes, node, frame)
        if callee in spec.regex_constructors and args:
            for taint in self.tainted(args[0], arg_nodes[0], frame):
                self.record("redos", taint, node, frame, "RegExp", spec.redos_dynamic)

    def method_sinks(
        self, method: str, args: list[Values], arg_nodes: list[Any], node: Any, frame: Frame
    ) -> None:
        for sink, methods in js_spec().method_sinks:
            if method in methods:
                self.apply_sink(sink, method, args, arg_nodes, node, frame)

    def apply_sink(
        self,
        sink: Sink,
        callee: str,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: Frame,
    ) -> None:
        if sink.when is not None:
            position, option = sink.when
            options = args[position] if position < len(args) else EMPTY
            if not any(
                truthy(self.prop(frozenset({o}), option, node, frame))
                for o in options
                if isinstance(o, Obj)
            ):
                return
        label = callee.rsplit("/", 1)[-1]
        message = sink.message.format(callee=label)
        for position in sink.args:
            if position >= len(args):
                continue
            values, arg = args[position], arg_nodes[position]
            if sink.check == "string-only" and any(isinstance(v, Fn) for v in values):
                continue
            for taint in self.sink_taints(sink, values, arg, frame):
                if sink.family in ("ssrf", "open-redirect") and taint.fixed_host:
                    continue
                self.record(sink.family, taint, node, frame, label, message)

    def sink_taints(self, sink: Sink, values: Values, arg: Any, frame: Frame) -> list[Taint]:
        """The taint in an argument that matters for ``sink``."""
        out: list[Taint] = []
        for value in values:
            if isinstance(value, Obj) and (sink.props or sink.check == "mongo-filter"):
                for name, items, _ in value.props:
                    if sink.check == "mongo-filter":
                        for taint in self.tainted(items, arg, frame):
                            if name == "$where" or taint.structured or name == "...":
                                out.append(taint)
                    elif name in sink.props or name == "...":
                        out.extend(self.tainted(items, arg, frame))
            elif sink.check == "mongo-filter":
                out.extend(t for t in self.taints_of(value, arg, frame) if t.structured)
            else:
                out.extend(self.taints_of(value, arg, frame))
        return out

    def check_redos(self, regex: Regex, subject: Values, arg: Any, node: Any, frame: Frame) -> None:
        if not catastrophic(regex.pattern, dialect="javascript"):
            return
        message = js_spec().redos_catastrophic.format(pattern=short(f"/{regex.pattern}/", 40))
        for taint in self.tainted(subject, arg, frame):
            self.record("redos", taint, node, frame, "regex", message)

    def check_redirect(self, values: Values, frame: Frame) -> None:
        spec = js_spec()
        for value in values:
            if not isinstance(value, Obj):
                continue
            for name, headers, _ in value.props:
                if name.lower() not in ("headers", "multivalueheaders"):
                    continue
                for header_obj in headers:
                    if not isinstance(header_obj, Obj):
                        continue
                    for header, items, where in header_obj.props:
                        if header.lower() not in spec.redirect_headers:
                            continue
                        for taint in self.tainted(items, None, frame):
                            if taint.fixed_host or "open-redirect" in taint.cleared:
                                continue
                            self._record_at(
                                "open-redirect", taint, where, "Location", spec.redirect_message
                            )

    def _record_at(
        self, family: str, taint: Taint, where: Location, callee: str, message: str
    ) -> None:
        """Record a flow whose sink is at ``where``: the shortest path per source and sink."""
        key = (
            where.file,
            where.line,
            where.column,
            family,
            str(taint.source.location.file),
            taint.source.location.line,
            taint.source.location.column,
        )
        relative = relative_file(where.file, self.root)
        flow = TaintFlow(
            sink_family=family,
            sink=TaintStep(location=where, message=message),
            source=taint.source,
            steps=taint.steps,
            trigger_kinds=taint.kinds,
            language="javascript",
            key=f"{relative}:{callee}:{taint.pattern}",
        )
        known = self.flows.get(key)
        if known is None or len(flow.steps) < len(known.steps):
            self.flows[key] = flow
