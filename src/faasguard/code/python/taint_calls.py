"""The call half of the Python taint engine: calls into the code (through summaries),
library calls, sinks, sanitizers and propagators from the taint spec."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Self

from faasguard.code.python.taint_values import (
    ALL,
    CLEAN,
    CONDITIONS,
    FIXED_HOST,
    PASS_THROUGH,
    Frame,
    Label,
    ProgramView,
    SinkHit,
    TaintModule,
    Val,
    access_value,
    add_step,
    callee_text,
    clean_value,
    dedupe,
    derived,
    instantiate,
    instantiate_label,
    iterate_value,
    join,
    join_all,
    param_names,
    taint_of,
)
from faasguard.code.regex import catastrophic
from faasguard.code.taint.base import (
    ANY_KEY,
    TaintStep,
)
from faasguard.code.taint.spec import SinkSpec
from faasguard.model import Location

#: Methods that put their arguments into the container they are called on.
_MUTATORS = frozenset(
    {"append", "appendleft", "extend", "extendleft", "insert", "add", "update", "setdefault"}
)


#: Programs that fetch the URL they are given.
_FETCHERS = frozenset({"curl", "wget", "http", "https", "aria2c", "lynx", "links"})
_FIXED_URL = re.compile(r"\bhttps?://[^/\s'\"]+/")


def _literal_start(node: ast.expr) -> str:
    """The constant text an expression starts with (``"https://x/" + y`` → ``https://x/``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _literal_start(node.left)
    if isinstance(node, ast.JoinedStr) and node.values:
        return _literal_start(node.values[0])
    return ""


def _fetches_free_url(command: ast.expr | None, value: Val) -> bool:
    """Whether a command runs a URL fetcher on a URL whose host is not fixed by a constant."""
    if isinstance(command, ast.List | ast.Tuple):
        first = command.elts[0] if command.elts else None
        program = first.value if isinstance(first, ast.Constant) else None
        fixed = any(_FIXED_URL.search(_literal_start(e)) for e in command.elts[1:])
    else:
        text = value.const if value.const is not None else value.prefix
        words = text.split()
        program = words[0] if words else None
        fixed = bool(_FIXED_URL.search(text))
    if not isinstance(program, str):
        return False
    return program.rsplit("/", 1)[-1] in _FETCHERS and not fixed


def _drops_separator(args: list[Val]) -> bool:
    """``str.replace("/", x)`` where ``x`` holds no separator."""
    if len(args) < 2 or args[0].const not in ("/", "\\") or args[1].const is None:
        return False
    return "/" not in args[1].const and "\\" not in args[1].const


class Calls:
    """The call half of an execution (:class:`faasguard.code.python.taint_exec.Exec`):
    calls into the code, library calls, sinks and sanitizers. The statement and expression
    half is :class:`~faasguard.code.python.taint_exec.Exec`, which derives from this."""

    p: ProgramView
    frame: Frame
    module: TaintModule
    env: dict[str, Val]

    # Implemented by Exec.
    def eval(self, node: ast.expr) -> Val:
        """The abstract value of ``node``."""
        raise NotImplementedError

    def attribute(self, base: Val, name: str, node: ast.expr) -> Val:
        """``base.name``."""
        raise NotImplementedError

    def assign(self, target: ast.expr, value: Val, source: ast.expr | None) -> None:
        """Bind ``value`` to ``target``."""
        raise NotImplementedError

    def narrow(self, test: ast.expr, *, truth: bool) -> None:
        """What ``test`` being ``truth`` says about the variables it checks."""
        raise NotImplementedError

    def clean_name(self, node: ast.expr, families: Iterable[str]) -> None:
        """Mark the variable ``node`` clean for ``families``."""
        raise NotImplementedError

    def fork(self) -> Self:
        """A copy of this execution for one branch."""
        raise NotImplementedError

    def loc(self, node: ast.AST) -> Location:
        """Where ``node`` is."""
        raise NotImplementedError

    def lookup(self, name: str) -> Val | None:
        """The value bound to ``name``."""
        raise NotImplementedError

    def method_of(self, klass: str, name: str) -> str | None:
        """The method ``name`` of ``klass``."""
        raise NotImplementedError

    def step(self, node: ast.AST, message: str) -> TaintStep:
        """A path step at ``node``."""
        raise NotImplementedError

    def check_headers(self, headers: Val, node: ast.expr) -> None:
        """Response headers whose redirect target is attacker-controlled."""
        for name, value in headers.fields or ():
            family = self.p.spec.response_headers.get(name.lower())
            labels = taint_of(value)
            if family is None or not labels:
                continue
            where = node
            if isinstance(node, ast.Dict):
                for key_node, value_node in zip(node.keys, node.values, strict=True):
                    if isinstance(key_node, ast.Constant) and key_node.value == name:
                        where = value_node
            self.record(family, f"response header {name}", where, labels, "host")

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> Val:
        """Bind each generator's target to an element, then evaluate the element."""
        inner = self.fork()
        for generator in node.generators:
            iterable = inner.eval(generator.iter)
            inner.assign(generator.target, iterate_value(iterable, self.loc(generator.iter)), None)
            for condition in generator.ifs:
                inner.narrow(condition, truth=True)
        if isinstance(node, ast.DictComp):
            key, value = inner.eval(node.key), inner.eval(node.value)
            return Val(labels=dedupe((*taint_of(key), *taint_of(value))))
        element = inner.eval(node.elt)
        return Val(labels=taint_of(element))

    # ------------------------------------------------------------------ calls

    def callee_names(self, func: ast.expr) -> set[str]:
        """The qualified names a call may be to (external code only)."""
        if isinstance(func, ast.Name):
            value = self.lookup(func.id)
            if value is None:
                return {func.id}
            return set(value.types)
        if isinstance(func, ast.Attribute):
            receiver = self.eval(func.value)
            names = {f"{t}.{func.attr}" for t in receiver.types}
            names.add(f"*.{func.attr}")
            return names
        return set()

    def call(self, node: ast.Call) -> Val:
        """A call: code of the directory (summaries), sinks, sanitizers, propagators."""
        func = node.func
        receiver: Val | None = None
        target = CLEAN
        method = ""
        if isinstance(func, ast.Attribute):
            receiver = self.eval(func.value)
            method = func.attr
            target = self.attribute(receiver, method, func) if receiver.module else CLEAN
        elif isinstance(func, ast.Name):
            target = self.lookup(func.id) or Val(types=(func.id,))
        else:
            target = self.eval(func)
        args = [self.eval(a) for a in node.args]
        kwargs: dict[str, Val] = {}
        for keyword in node.keywords:
            value = self.eval(keyword.value)
            name = keyword.arg or "**"
            kwargs[name] = join(kwargs[name], value) if name in kwargs else value
        name = method or (func.id if isinstance(func, ast.Name) else "<call>")

        # Code of the directory: functions, classes, methods of instances.
        if receiver is not None and receiver.inst and not receiver.module:
            key = self.method_of(receiver.inst, method)
            if key is not None:
                return self.call_local(key, [receiver, *args], kwargs, node, name, bound=True)
        if receiver is not None and receiver.klass and not receiver.module:
            if method in ("model_validate", "parse_obj", "parse_raw", "model_validate_json"):
                return Val(inst=receiver.klass)
            key = self.method_of(receiver.klass, method)
            if key is not None:
                return self.call_local(key, args, kwargs, node, name, bound=False)
        if target.funcs:
            results = [self.call_local(k, args, kwargs, node, name) for k in target.funcs]
            return join_all(results)
        if target.klass:
            return self.construct(target.klass, args, kwargs, node)

        if method in _MUTATORS and isinstance(func, ast.Attribute):
            self.mutate(func.value, [*args, *kwargs.values()])

        # External code: qualified names.
        if isinstance(func, ast.Attribute):
            base_types = receiver.types if receiver is not None else ()
            quals = {f"{t}.{method}" for t in base_types} | {f"*.{method}"}
            if receiver is not None and receiver.module:
                quals |= set(target.types)
        else:
            quals = set(target.types)
        result = self.external(node, quals, receiver, args, kwargs, method)
        if method == "replace" and _drops_separator(args):
            # ``name.replace("/", "_")``: no directory can be named any more.
            result = clean_value(result, ("path-traversal",))
        return result

    def mutate(self, owner: ast.expr, values: list[Val]) -> None:
        """``items.append(x)``, ``d.update(m)``, ``s.add(x)``: the container now holds the
        values' taint (as elements whose position is not known)."""
        extra = dedupe(lab for value in values for lab in derived(value))
        if not extra or not isinstance(owner, ast.Name):
            return
        current = self.lookup(owner.id)
        if current is None or current.module or current.funcs or current.klass:
            return
        self.env[owner.id] = replace(current, labels=dedupe((*current.labels, *extra)))

    def call_local(
        self,
        key: str,
        args: list[Val],
        kwargs: dict[str, Val],
        node: ast.Call,
        name: str,
        *,
        bound: bool = True,
    ) -> Val:
        """Instantiate the summary of function ``key`` at this call."""
        info = self.p.funcs.get(key)
        if info is None:
            return Val(labels=dedupe(lab for a in args for lab in derived(a)))
        params = param_names(info.node)
        if info.klass and not info.is_static and not bound:
            args = [Val(inst=info.klass), *args]
        bound_args: list[Val] = [CLEAN] * len(params)
        node_args = info.node.args
        positional = [a.arg for a in (*node_args.posonlyargs, *node_args.args)]
        for index, value in enumerate(args):
            if index < len(positional):
                bound_args[index] = value
            elif node_args.vararg is not None:
                slot = params.index(node_args.vararg.arg)
                bound_args[slot] = join(bound_args[slot], value)
        for keyword, value in kwargs.items():
            if keyword in params:
                bound_args[params.index(keyword)] = value
            elif node_args.kwarg is not None:
                slot = params.index(node_args.kwarg.arg)
                bound_args[slot] = join(bound_args[slot], value)
            elif keyword == "**":
                for slot in range(len(params)):
                    bound_args[slot] = join(bound_args[slot], Val(labels=taint_of(value)))
        summary = self.p.summary(key)
        step = self.step(node, f"passed to {info.name}()")
        for hit in summary.sinks:
            labels = dedupe(
                lab2 for lab in hit.labels for lab2 in instantiate_label(lab, bound_args, step)
            )
            if labels:
                self.frame.summary.sinks.append(replace(hit, labels=labels))
        return instantiate(summary.returns, bound_args, step)

    def construct(self, klass: str, args: list[Val], kwargs: dict[str, Val], node: ast.Call) -> Val:
        """``Klass(...)``: an instance whose fields are what ``__init__`` stores on ``self``."""
        info = self.p.classes.get(klass)
        if info is not None and info.is_model:
            # Pydantic models validate their input: the instance is what the schema allows.
            return Val(inst=klass)
        init = self.method_of(klass, "__init__")
        instance = Val(inst=klass)
        if init is None:
            return instance
        bound_args = [instance, *args]
        self.call_local(init, list(bound_args[1:]), kwargs, node, "__init__", bound=False)
        summary = self.p.summary(init)
        step = self.step(node, f"stored by {self.p.classes[klass].name}()")
        params = param_names(self.p.funcs[init].node)
        full = [CLEAN] * len(params)
        for index, value in enumerate(bound_args[: len(params)]):
            full[index] = value
        for keyword, value in kwargs.items():
            if keyword in params:
                full[params.index(keyword)] = value
        fields = tuple((k, instantiate(v, full, step)) for k, v in summary.self_fields.items())
        return Val(inst=klass, fields=fields)

    def external(  # noqa: C901 - over the limit before it came in; may only shrink
        self,
        node: ast.Call,
        quals: set[str],
        receiver: Val | None,
        args: list[Val],
        kwargs: dict[str, Val],
        method: str,
    ) -> Val:
        """A call to code outside the directory: sinks, sanitizers, propagators."""
        spec = self.p.spec
        for qual in sorted(quals):
            for sink in spec.sinks_by_callee.get(qual, ()):
                self.check_sink(sink, qual, node, receiver, args, kwargs)
        every = [*args, *kwargs.values()]
        if quals & spec.schema_validators:
            validated = node.args[0] if node.args else None
            for keyword in node.keywords:
                if keyword.arg in ("instance", "event", "data", "obj"):
                    validated = keyword.value
            if validated is not None:
                self.clean_name(validated, (ALL,))
            return CLEAN
        if quals & spec.sanitize_all:
            return Val(types=tuple(f"{q}()" for q in quals if not q.startswith("*.")))
        families = {f for q in quals for f in spec.sanitize_family.get(q, ())}
        if families:
            return clean_value(Val(labels=derived(join_all(every))), families)
        if quals & spec.clean_results:
            return Val(types=tuple(f"{q}()" for q in quals if not q.startswith("*.")))
        if quals & spec.normalizers:
            base = join_all(every) if not (receiver and method == "resolve") else receiver
            labels = tuple(replace(lab, normalized=True, exact=False) for lab in taint_of(base))
            return Val(labels=labels)
        shown = callee_text(node.func)
        if quals & spec.parsers:
            labels = tuple(replace(lab, parsed=True) for a in args[:1] for lab in taint_of(a))
            return Val(labels=add_step(labels, self.step(node, f"parsed by {shown}()")))
        if quals & spec.decoders:
            # ``str(x)`` is a string whatever ``x`` was (no operator objects survive it).
            stringify = bool(quals & {"str", "repr", "format"})
            labels = tuple(
                replace(lab, exact=False) if stringify else lab
                for a in args[:1]
                for lab in taint_of(a)
            )
            return Val(labels=add_step(labels, self.step(node, f"decoded by {shown}()")))
        types = tuple(f"{q}()" for q in sorted(quals) if not q.startswith("*."))
        consts = tuple(
            (k, v) for k, v in kwargs.items() if v.const is not None or v.boolean is not None
        )
        if "re.compile" in quals and args:
            return Val(types=("re.compile()",), const=args[0].const, labels=derived(args[0]))
        if quals & PASS_THROUGH:
            return join_all(args)
        # Methods on a data value: dict access, string methods, iteration helpers.
        is_data = receiver is not None and (
            receiver.labels
            or receiver.fields is not None
            or receiver.const is not None
            or receiver.head is not None
        )
        if receiver is not None and method and is_data and not receiver.module:
            if method in ("get", "pop", "setdefault") and args:
                key = args[0].const
                value = access_value(receiver, key if key is not None else ANY_KEY, self.loc(node))
                return join(value, args[1]) if len(args) > 1 else value
            if method in ("items", "values"):
                return access_value(receiver, ANY_KEY, self.loc(node))
            if method in ("keys", "copy", "__getitem__"):
                return receiver
            if method == "format" and receiver.const is not None:
                known = receiver.const.split("{", 1)[0]
                fixed = bool(FIXED_HOST.match(known))
                labels = dedupe(lab for a in every for lab in derived(a, host_fixed=fixed))
                return Val(labels=labels, prefix=known)
            if method == "join":
                return Val(
                    labels=dedupe((*derived(receiver), *(lab for a in args for lab in derived(a))))
                )
            labels = dedupe((*derived(receiver), *(lab for a in every for lab in derived(a))))
            return Val(labels=labels, types=types, fields=consts or None)
        labels = dedupe(lab for a in every for lab in derived(a))
        return Val(labels=labels, types=types, fields=consts or None)

    # ------------------------------------------------------------------ sinks

    def check_sink(  # noqa: C901 - over the limit before it came in; may only shrink
        self,
        sink: SinkSpec,
        qual: str,
        node: ast.Call,
        receiver: Val | None,
        args: list[Val],
        kwargs: dict[str, Val],
    ) -> None:
        """Record a sink hit when a dangerous argument is tainted and the condition holds."""
        values: list[Val] = [args[i] for i in sink.args if i < len(args)]
        values.extend(kwargs[k] for k in sink.kwargs if k in kwargs)
        if not values:
            return
        require = ""
        labels: tuple[Label, ...]
        when = sink.when
        if when == "argv0_or_shell":
            shell = kwargs.get("shell")
            if shell is not None and shell.boolean is not False and shell != CLEAN:
                labels = dedupe(lab for v in values for lab in taint_of(v))
            else:
                labels = dedupe(
                    lab for v in values for lab in (v.head if v.head is not None else v.labels)
                )
        elif when == "unsafe_yaml_loader":
            loader = kwargs.get("Loader") or (args[1] if len(args) > 1 else None)
            safe = {"yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader", "yaml.CBaseLoader"}
            if loader is not None and (set(loader.types) & safe or loader.funcs):
                return
            labels = dedupe(lab for v in values for lab in taint_of(v))
        elif when == "mongo_query":
            labels, require = self.mongo_labels(values[0])
        elif when == "string_expression":
            # ``Key("id").eq(x)`` builds a condition object with placeholders: safe.
            values = [v for v in values if not any(t.startswith(CONDITIONS) for t in v.types)]
            labels = dedupe(lab for v in values for lab in taint_of(v))
        elif when == "url_host":
            labels, require = dedupe(lab for v in values for lab in taint_of(v)), "host"
        elif when == "fetcher_command":
            # ``curl``/``wget`` run with a URL from the event: the request goes where the
            # caller says, whether or not the command itself is injectable.
            command = node.args[0] if node.args else None
            if not _fetches_free_url(command, values[0]):
                return
            labels = dedupe(lab for v in values for lab in taint_of(v))
            if not isinstance(command, ast.List | ast.Tuple):
                # A shell string the input is not quoted in is command injection already
                # (CODE001 reports it): one cause, one finding.
                labels = tuple(lab for lab in labels if "command-injection" in lab.cleared)
        elif when == "lxml_resolving":
            parser = kwargs.get("parser") or (args[1] if len(args) > 1 else None)
            if parser is not None:
                resolve = parser.field("resolve_entities")
                if resolve is not None and resolve.boolean is False:
                    return
                if resolve is None and any(t.endswith("XMLParser()") for t in parser.types):
                    # lxml 5 stopped resolving external entities by default.
                    no_network = parser.field("no_network")
                    if no_network is None or no_network.boolean is not False:
                        return
            labels = dedupe(lab for v in values for lab in taint_of(v))
        elif when in ("catastrophic_pattern_arg0", "catastrophic_pattern_receiver"):
            pattern = (
                (args[0].const if args else None)
                if when == "catastrophic_pattern_arg0"
                else (receiver.const if receiver is not None else None)
            )
            if pattern is None or not catastrophic(pattern):
                return
            labels = dedupe(lab for v in values for lab in taint_of(v))
        else:
            labels = dedupe(lab for v in values for lab in taint_of(v))
        labels = tuple(
            lab for lab in labels if ALL not in lab.cleared and sink.family not in lab.cleared
        )
        if labels:
            callee = callee_text(node.func) + "()" if qual.startswith("*.") else qual + "()"
            self.record(sink.family, callee, node, labels, require)

    def mongo_labels(self, query: Val) -> tuple[tuple[Label, ...], str]:
        """``$where`` code is always dangerous; other filter values only when they can be
        objects (parsed JSON): ``{"user": {"$ne": null}}`` is operator injection."""
        where = query.field("$where")
        if where is not None and taint_of(where):
            return taint_of(where), ""
        if query.fields is not None:
            # Known entries, and whatever else the filter carries (a parsed body with one
            # key checked).
            return dedupe(
                lab for v in (query, *(v for _, v in query.fields)) for lab in v.labels if lab.exact
            ), "operator"
        return tuple(lab for lab in query.labels if lab.exact), "operator"

    def record(
        self, family: str, callee: str, node: ast.AST, labels: tuple[Label, ...], require: str
    ) -> None:
        """Add a sink hit to the current function's summary."""
        self.frame.summary.sinks.append(
            SinkHit(
                family=family,
                callee=callee,
                location=self.loc(node),
                function=self.frame.name,
                labels=labels,
                require=require,
            )
        )
