"""Node.js taint engine: attacker data from the Lambda ``event`` to dangerous calls.

The handler file (found by :mod:`faasguard.code.modules`) and every local module it
``require``s or ``import``s are parsed with tree-sitter (:func:`faasguard.code.javascript.
parse_module`: ``tree-sitter-javascript``, ``tree-sitter-typescript`` for ``.ts``) and run
by a small abstract interpreter — never by Node. It starts at the exported handler with
``event`` bound to the trigger-aware sources of :func:`~faasguard.code.taint.base.sources_for`
and executes statements in order:

- values: the event and its parts (an access path, tainted once it reaches a source such as
  ``Records[].s3.object.key``), tainted values carrying their source and the steps they
  took, constants, regular expressions, object and array literals (taint per property),
  functions with their closure, local modules, and package objects (``child_process.exec``,
  ``mysql.createConnection().query``) named by the dotted callee the sink data matches;
- constructs: declarations and destructuring, assignment (strong in straight-line code,
  merged in branches and loops, which run twice), member and subscript access, template
  literals and ``+``, ``await``, ``.then``/``.catch`` callbacks, ``new Promise`` executors,
  array callbacks (``map``, ``forEach``, ...), ``for ... of``, calls into functions of the
  code with their arguments (memoised per argument values: a summary per calling context),
  returns, classes (``this.x``), ``module.exports``/``exports``/ES exports;
- sanitizers: numeric casts, schema validation (zod, joi, yup results), escaping helpers,
  ``path.basename``, parameterised queries (only the query text is a sink), and guards
  that dominate a use: ``if (!ALLOWED.includes(x)) return``, ``if (!validate(body))
  throw ...``, equality with a constant, anchored regular expressions, and
  ``path.resolve``/``normalize``/``join`` followed by a ``startsWith`` prefix check.

Sinks, sanitizers, guards and propagators are data (``faasguard/data/taint/javascript.json``);
sources are shared with Python (``taint/sources.json``). Code that does not parse, or that
the interpreter cannot follow, is recorded as a gap and the rest is analysed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from faasguard.code.javascript.index import (
    JsModule,
    import_bindings,
    module_specifier,
    package_path,
    parse_module,
    required_specifier,
    string_text,
    text,
)
from faasguard.code.modules import Entry, find_entry, resolve_js_module
from faasguard.code.regex import catastrophic
from faasguard.code.taint.base import (
    ANY_ITEM,
    ANY_KEY,
    SINK_FAMILIES,
    SourceSpec,
    TaintFlow,
    TaintStep,
    relative_file,
    sources_for,
)
from faasguard.code.taint.spec import ANY_RECEIVER, LanguageSpec, SinkSpec, language_spec
from faasguard.code.values import Gap
from faasguard.model import App, Function, Location, TriggerKind

#: Steps kept per path (the first ones and the last ones when longer).
MAX_STEPS = 16
#: Values kept per variable (beyond, new values are dropped: the analysis stays bounded).
MAX_VALUES = 32
#: Nested calls followed from the handler.
MAX_DEPTH = 14
#: Calling contexts analysed per function before reusing any earlier result.
MAX_CONTEXTS = 24
#: Statements executed per handler before the analysis stops with a gap.
MAX_STATEMENTS = 400_000

_ALL_FAMILIES = frozenset(SINK_FAMILIES)

_FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    }
)
_BRANCH_TYPES = frozenset(
    {
        "if_statement",
        "for_statement",
        "for_in_statement",
        "while_statement",
        "do_statement",
        "try_statement",
        "catch_clause",
        "switch_statement",
        "ternary_expression",
        "binary_expression",
    }
)
#: TypeScript wrappers around an expression that do not change its value.
_TRANSPARENT = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
        "await_expression",
        "spread_element",
    }
)
_ARRAY_CALLBACKS = frozenset(
    {"map", "forEach", "filter", "find", "flatMap", "some", "every", "findLast", "sort"}
)
_URL_WITH_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+[/?#]")


# ---------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Taint:
    """Attacker-controlled data: where it entered, the steps since, what cleared it.

    ``structured`` data may be an object (a parsed JSON body, an EventBridge detail) and so
    carry MongoDB operators; ``fixed_host`` strings start with a constant
    ``scheme://host/`` (no SSRF, no open redirect); ``normalized`` paths went through
    ``path.resolve``/``normalize``/``join`` (a ``startsWith`` check then confines them).
    """

    source: TaintStep
    pattern: str
    kinds: tuple[TriggerKind, ...]
    steps: tuple[TaintStep, ...] = ()
    cleared: frozenset[str] = frozenset()
    structured: bool = False
    fixed_host: bool = False
    normalized: bool = False

    def step(self, location: Location, message: str) -> Taint:
        """This taint, one step further."""
        if not message or (self.steps and self.steps[-1].location == location):
            return self
        steps = (*self.steps, TaintStep(location=location, message=message))
        if len(steps) > MAX_STEPS:
            half = MAX_STEPS // 2
            steps = (*steps[:half], *steps[-half:])
        return replace(self, steps=steps)

    def as_string(self) -> Taint:
        """This taint once made into a string (no object left for operator injection)."""
        return replace(self, structured=False) if self.structured else self


@dataclass(frozen=True, slots=True)
class EventRef:
    """The ``event`` argument or a container inside it that holds sources."""

    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Const:
    """A constant (string, number, boolean, null)."""

    value: str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Regex:
    """A regular expression literal or ``new RegExp("constant")``."""

    pattern: str
    flags: str = ""


@dataclass(frozen=True, slots=True)
class Obj:
    """An object literal: values and location per property (``...`` for spread taint)."""

    props: tuple[tuple[str, frozenset[Value], Location], ...]

    def get(self, name: str) -> frozenset[Value] | None:
        """The values of property ``name`` (case-sensitive), or ``None``."""
        found: set[Value] = set()
        hit = False
        for key, values, _ in self.props:
            if key == name or (name == ANY_KEY and key != "..."):
                found |= values
                hit = True
        return frozenset(found) if hit else None


@dataclass(frozen=True, slots=True)
class Arr:
    """An array: the union of its elements."""

    items: frozenset[Value]


@dataclass(frozen=True, slots=True)
class Fn:
    """A function of the code, with the environment it closes over."""

    file: str
    start: int
    env: int
    this: frozenset[Value] = frozenset()


@dataclass(frozen=True, slots=True)
class Klass:
    """A class of the code."""

    file: str
    start: int
    env: int


@dataclass(frozen=True, slots=True)
class Instance:
    """``new K()`` of a class of the code (``this.x`` is per class)."""

    cls: Klass


@dataclass(frozen=True, slots=True)
class Ref:
    """A package object or global: ``Ref("child_process", ("exec",))``, ``Ref("", ("eval",))``."""

    package: str
    path: tuple[str, ...] = ()

    @property
    def callee(self) -> str:
        """The dotted name the sink and sanitizer patterns match."""
        return ".".join((self.package, *self.path) if self.package else self.path)


@dataclass(frozen=True, slots=True)
class Module:
    """A local module (its exports)."""

    file: str


@dataclass(frozen=True, slots=True)
class Resolver:
    """The ``resolve`` function of a ``new Promise`` executor."""

    ident: int


@dataclass(frozen=True, slots=True)
class HandlerCallback:
    """The third argument of a callback-style handler."""


Value = (
    Taint
    | EventRef
    | Const
    | Regex
    | Obj
    | Arr
    | Fn
    | Klass
    | Instance
    | Ref
    | Module
    | Resolver
    | HandlerCallback
)
Values = frozenset[Value]
EMPTY: Values = frozenset()


def _merge(*groups: Iterable[Value]) -> Values:
    out: set[Value] = set()
    for group in groups:
        out.update(group)
        if len(out) > MAX_VALUES:
            break
    return frozenset(out)


# ---------------------------------------------------------------------------- spec


@dataclass(frozen=True, slots=True)
class _Sink:
    family: str
    callees: tuple[str, ...]
    args: tuple[int, ...]
    message: str
    props: tuple[str, ...] = ()
    when: tuple[int, str] | None = None
    check: str = ""
    new: bool = False


@dataclass(frozen=True, slots=True)
class _Spec:
    sinks: tuple[_Sink, ...]
    method_sinks: tuple[tuple[_Sink, tuple[str, ...]], ...]
    sanitizers: tuple[tuple[tuple[str, ...], frozenset[str]], ...]
    sanitizer_methods: frozenset[str]
    propagators: tuple[tuple[tuple[str, ...], str, bool, bool, bool], ...]
    structured_sources: frozenset[str]
    string_methods: frozenset[str]
    clean_methods: frozenset[str]
    membership_methods: frozenset[str]
    validator_name: re.Pattern[str]
    validator_packages: frozenset[str]
    numeric_checks: frozenset[str]
    prefix_methods: frozenset[str]
    redirect_headers: frozenset[str]
    redirect_message: str
    regex_methods: frozenset[str]
    regex_string_methods: frozenset[str]
    regex_constructors: frozenset[str]
    redos_catastrophic: str
    redos_dynamic: str


def _sink(entry: SinkSpec) -> _Sink:
    return _Sink(
        family=entry.family,
        callees=tuple(sorted(entry.callees)),
        args=entry.args,
        message=entry.message,
        props=entry.props,
        when=entry.option,
        check=entry.when if entry.when != "option" else "",
        new=entry.new,
    )


#: Sink conditions the ReDoS check implements (the pattern, not an argument, decides).
_REDOS_RECEIVER = "catastrophic_pattern_receiver"
_REDOS_ARG0 = "catastrophic_pattern_arg0"
_REDOS_DYNAMIC = "dynamic_pattern"


def _redos_sinks(spec: LanguageSpec, when: str) -> tuple[SinkSpec, ...]:
    return tuple(s for s in spec.sinks if s.family == "redos" and s.when == when)


@cache
def _spec() -> _Spec:
    spec = language_spec("javascript")
    guards = spec.guards
    redos = {_REDOS_RECEIVER, _REDOS_ARG0, _REDOS_DYNAMIC}
    plain = [s for s in spec.sinks if s.when not in redos]
    receiver, arg0, dynamic = (
        _redos_sinks(spec, w) for w in (_REDOS_RECEIVER, _REDOS_ARG0, _REDOS_DYNAMIC)
    )
    redirect = next((r for r in spec.response_sinks if r.family == "open-redirect"), None)
    return _Spec(
        sinks=tuple(_sink(s) for s in plain if not s.methods),
        method_sinks=tuple((_sink(s), tuple(sorted(s.methods))) for s in plain if s.methods),
        sanitizers=tuple(
            (s.callees, s.families or _ALL_FAMILIES)
            for s in spec.sanitizers
            if not any(c.startswith(ANY_RECEIVER) for c in s.callees)
        ),
        sanitizer_methods=frozenset(
            c.removeprefix(ANY_RECEIVER)
            for s in spec.sanitizers
            for c in s.callees
            if c.startswith(ANY_RECEIVER)
        ),
        propagators=tuple(
            (p.callees, p.message, p.structured, p.normalizes, p.stringifies)
            for p in spec.propagators
        ),
        structured_sources=spec.structured_sources,
        string_methods=frozenset(m.removeprefix(ANY_RECEIVER) for m in spec.string_methods),
        clean_methods=frozenset(m.removeprefix(ANY_RECEIVER) for m in spec.clean_results),
        membership_methods=guards.membership_methods,
        validator_name=re.compile(guards.validator_name),
        validator_packages=guards.validator_packages,
        numeric_checks=guards.numeric_checks,
        prefix_methods=guards.prefix_methods,
        redirect_headers=redirect.headers if redirect else frozenset(),
        redirect_message=redirect.message if redirect else "",
        regex_methods=frozenset(m for s in receiver for m in s.methods),
        regex_string_methods=frozenset(m for s in arg0 for m in s.methods),
        regex_constructors=frozenset(c for s in dynamic for c in s.callees),
        redos_catastrophic=receiver[0].message if receiver else "",
        redos_dynamic=dynamic[0].message if dynamic else "",
    )


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    """A dotted callee pattern as a regex: ``*`` within a segment, ``**`` across them."""
    parts = []
    for segment in pattern.split("."):
        if segment == "**":
            parts.append(r"(?:[^.]+(?:\.[^.]+)*)?")
        else:
            parts.append("".join("[^.]*" if c == "*" else re.escape(c) for c in segment))
    body = r"\.".join(parts).replace(r"\.(?:[^.]+(?:\.[^.]+)*)?", r"(?:\.[^.]+)*")
    return re.compile(body + r"\Z")


def _matches(callee: str, patterns: Iterable[str]) -> bool:
    return any(_glob(p).match(callee) for p in patterns)


# ---------------------------------------------------------------------------- interpreter


class _Env:
    __slots__ = ("parent", "vars")

    def __init__(self, parent: _Env | None) -> None:
        self.parent = parent
        self.vars: dict[str, Values] = {}

    def find(self, name: str) -> _Env | None:
        env: _Env | None = self
        while env is not None:
            if name in env.vars:
                return env
            env = env.parent
        return None


@dataclass(slots=True)
class _File:
    path: Path
    module: JsModule
    env: _Env
    exports: dict[str, Values] = field(default_factory=dict)
    default: Values = EMPTY


@dataclass(slots=True)
class _Frame:
    file: _File
    name: str
    returns: set[Value] = field(default_factory=set)
    this: Values = EMPTY
    is_handler: bool = False


@dataclass(slots=True)
class _StopError(Exception):
    reason: str


class _Interpreter:
    def __init__(self, root: Path, spec: SourceSpec, structured: frozenset[str]) -> None:
        self.root = root
        self.sources = spec
        self.structured = structured
        self.files: dict[str, _File | None] = {}
        self.envs: list[_Env] = []
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

    # ----------------------------------------------------------- files

    def gap(self, gap: Gap) -> None:
        if gap not in self.gaps:
            self.gaps.append(gap)

    def env_id(self, env: _Env) -> int:
        self.envs.append(env)
        return len(self.envs) - 1

    def load(self, path: Path) -> _File | None:
        key = str(path)
        if key in self.files:
            return self.files[key]
        parsed = parse_module(path)
        if isinstance(parsed, Gap):
            self.gaps.append(parsed)
            self.files[key] = None
            return None
        state = _File(path=path, module=parsed, env=_Env(None))
        self.files[key] = state
        frame = _Frame(file=state, name="<module>")
        try:
            self.block(parsed.root.named_children, state.env, frame)
        except _StopError:
            raise
        except RecursionError:
            self.gaps.append(Gap("code nested too deeply to analyse", key))
        return state

    def require(self, specifier: str, state: _File) -> Values:
        target = resolve_js_module(self.root, state.path, specifier)
        if target is not None:
            return frozenset({Module(str(target))}) if self.load(target) else EMPTY
        if specifier.startswith((".", "/")):
            return EMPTY
        package, path = package_path(specifier)
        if package == "mysql2" and path == ("promise",):
            return frozenset({Ref("mysql2")})
        return frozenset({Ref(package, path)})

    # ----------------------------------------------------------- statements

    def block(self, nodes: Sequence[Any], env: _Env, frame: _Frame) -> None:
        for node in nodes:  # hoisting: functions and classes are visible before their line
            self.hoist(node, env, frame)
        for node in nodes:
            self.stmt(node, env, frame)

    def hoist(self, node: Any, env: _Env, frame: _Frame) -> None:
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

    def stmt(self, node: Any, env: _Env, frame: _Frame) -> None:
        self.statements += 1
        if self.statements > MAX_STATEMENTS:
            raise _StopError("the handler is too large to analyse completely")
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
            self.block(node.named_children, _Env(env), frame)
        elif kind == "if_statement":
            self.eval(node.child_by_field_name("condition"), env, frame)
            for part in ("consequence", "alternative"):
                branch = node.child_by_field_name(part)
                if branch is not None:
                    self.stmt(branch, _Env(env), frame)
        elif kind == "else_clause":
            for child in node.named_children:
                self.stmt(child, _Env(env), frame)
        elif kind == "for_in_statement":
            self._for_in(node, env, frame)
        elif kind in ("for_statement", "while_statement", "do_statement"):
            loop_env = _Env(env)
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
                    self.stmt(body, _Env(loop_env), frame)
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
                    catch_env = _Env(env)
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
                case_env = _Env(env)
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

    def _for_in(self, node: Any, env: _Env, frame: _Frame) -> None:
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
            loop_env = _Env(env)
            if left is not None:
                self.bind(left, items, loop_env, frame, node, declare=True)
            if body is not None:
                self.stmt(body, loop_env, frame)

    # ----------------------------------------------------------- binding

    def bind(
        self,
        pattern: Any,
        values: Values,
        env: _Env,
        frame: _Frame,
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
                        found = _merge(found, self.eval(right, env, frame))
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
                self.bind(left, _merge(values, default), env, frame, at, declare=declare)
        elif kind in ("required_parameter", "optional_parameter"):
            inner = pattern.child_by_field_name("pattern")
            default = pattern.child_by_field_name("value")
            if default is not None:
                values = _merge(values, self.eval(default, env, frame))
            if inner is not None:
                self.bind(inner, values, env, frame, at, declare=declare)
        elif kind == "rest_pattern":
            inner = pattern.named_children[0] if pattern.named_children else None
            if inner is not None:
                self.bind(inner, values, env, frame, at, declare=declare)
        elif kind in ("member_expression", "subscript_expression"):
            self.assign_member(pattern, values, env, frame)

    def assign_name(self, name: str, values: Values, env: _Env, at: Any) -> None:
        target = env.find(name)
        if target is None:
            # Undeclared: a global or a hoisted var; the outermost scope of the function.
            target = env
            while target.parent is not None and target.parent.parent is not None:
                target = target.parent
        if _in_branch(at):
            target.vars[name] = _merge(target.vars.get(name, EMPTY), values)
        else:
            target.vars[name] = values

    def assign_member(self, left: Any, values: Values, env: _Env, frame: _Frame) -> None:
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
                        state.exports[key] = _merge(state.exports.get(key, EMPTY), item)
            return
        if owner_text in ("exports", "module.exports"):
            state.exports[name] = _merge(state.exports.get(name, EMPTY), values)
            return
        if owner.type == "this":
            for value in frame.this:
                if isinstance(value, Instance):
                    table = self.class_props.setdefault(value.cls, {})
                    table[name] = _merge(table.get(name, EMPTY), values)
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
                    updated.add(Arr(_merge(value.items, values)))
                elif isinstance(value, Instance):
                    table = self.class_props.setdefault(value.cls, {})
                    table[name] = _merge(table.get(name, EMPTY), values)
                    updated.add(value)
                else:
                    updated.add(value)
            if not current:
                updated.add(Obj(((name, values, where),)))
            target = env.find(owner_text)
            if target is not None:
                target.vars[owner_text] = _merge(updated)

    # ----------------------------------------------------------- modules

    def _import(self, node: Any, env: _Env, frame: _Frame) -> None:
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

    def _export(self, node: Any, env: _Env, frame: _Frame) -> None:
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

    def exports_of(self, file: str) -> tuple[dict[str, Values], Values]:
        state = self.files.get(file)
        if state is None:
            return {}, EMPTY
        return state.exports, state.default

    # ----------------------------------------------------------- lookup

    def lookup(self, name: str, env: _Env) -> Values:
        found = env.find(name)
        if found is not None:
            return found.vars[name]
        if name == "undefined":
            return EMPTY
        return frozenset({Ref("", (name,))})

    def loc(self, frame: _Frame, node: Any) -> Location:
        return Location(
            file=str(frame.file.path),
            line=node.start_point[0] + 1,
            column=node.start_point[1] + 1,
        )

    def key_name(self, node: Any, env: _Env, frame: _Frame) -> str:
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

    def event_value(self, path: tuple[str, ...], node: Any, frame: _Frame) -> Values:
        """The value of ``event`` + ``path`` read at ``node``."""
        if not path:
            return frozenset({EventRef(())})
        source = self.sources.match(path)
        if source is not None and _inner_access(node):
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
                            message=f"{_short(text(node))} ({label}, attacker-controlled)",
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

    def taints_of(self, value: Value, node: Any, frame: _Frame | None = None) -> list[Taint]:
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
                        message=f"{_short(text(node)) if node is not None else 'event'} "
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

    def tainted(self, values: Values, node: Any, frame: _Frame | None) -> list[Taint]:
        out: list[Taint] = []
        for value in values:
            out.extend(self.taints_of(value, node, frame))
        return out

    def prop(self, values: Values, name: str, node: Any, frame: _Frame) -> Values:
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
        node = _node_at(state.module.root, cls.start, "class_declaration")
        body = node.child_by_field_name("body") if node is not None else None
        for member in body.named_children if body is not None else ():
            if member.type != "method_definition":
                continue
            member_name = member.child_by_field_name("name")
            if member_name is not None and text(member_name) == name:
                return Fn(cls.file, member.start_byte, cls.env)
        return None

    # ----------------------------------------------------------- guards

    def guarded(self, node: Any, env: _Env, frame: _Frame) -> tuple[frozenset[str], bool]:
        """Families cleared for the expression at ``node`` by conditions that dominate it,
        and whether the clearing needs a normalised path (prefix checks)."""
        subject = _subject_text(node)
        families: set[str] = set()
        prefix_only = False
        current = node
        while current.parent is not None and current.type not in _FUNCTION_TYPES:
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
                    if consequence is None or not _exits(consequence):
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

    def guard(
        self, condition: Any, subject: str, env: _Env, frame: _Frame, *, positive: bool
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
                        if _subject_text(one) == subject:
                            return _ALL_FAMILIES, False
                        if one.type == "unary_expression" and text(one).startswith("typeof"):
                            argument = one.child_by_field_name("argument")
                            if (
                                argument is not None
                                and _subject_text(argument) == subject
                                and text(other).strip("'\"") in ("number", "boolean")
                            ):
                                return _ALL_FAMILIES, False
                    # X.indexOf(s) !== -1 (true) proves membership.
                    if (
                        one.type == "call_expression"
                        and text(other) == "-1"
                        and not holds
                        and self._membership(one, subject, env, frame, method="indexOf")
                    ):
                        return _ALL_FAMILIES, False
                return None
            if (
                op in (">=", ">")
                and positive
                and left.type == "call_expression"
                and self._membership(left, subject, env, frame, method="indexOf")
            ):
                return _ALL_FAMILIES, False
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

    def _membership(self, call: Any, subject: str, env: _Env, frame: _Frame, method: str) -> bool:
        callee = call.child_by_field_name("function")
        args = _args(call)
        if callee is None or callee.type != "member_expression" or not args:
            return False
        prop = callee.child_by_field_name("property")
        owner = callee.child_by_field_name("object")
        if prop is None or owner is None or text(prop) != method:
            return False
        if _subject_text(args[0]) != subject:
            return False
        return not self.tainted(self.eval(owner, env, frame), owner, None)

    def _call_guard(
        self, call: Any, subject: str, env: _Env, frame: _Frame
    ) -> tuple[frozenset[str], bool] | None:
        spec = _spec()
        callee = call.child_by_field_name("function")
        args = _args(call)
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
                and _subject_text(args[0]) == subject
                and not self.tainted(self.eval(owner, env, frame), owner, None)
            ):
                return _ALL_FAMILIES, False
            if method == "test" and args and _subject_text(args[0]) == subject:
                for value in self.eval(owner, env, frame):
                    if isinstance(value, Regex) and _anchored(value.pattern):
                        return _ALL_FAMILIES, False
            if method in spec.prefix_methods and _subject_text(owner) == subject:
                return frozenset({"path-traversal"}), True
        callee_values = self.eval(callee, env, frame)
        name = text(callee).rsplit(".", 1)[-1]
        for value in callee_values:
            qualified = value.callee if isinstance(value, Ref) else ""
            if qualified in spec.numeric_checks and args and _subject_text(args[0]) == subject:
                return _ALL_FAMILIES, False
            is_validator = bool(spec.validator_name.match(name)) or (
                isinstance(value, Ref) and value.package in spec.validator_packages
            )
            if not is_validator:
                continue
            # ajv.validate(schema, data) checks its second argument; validate(data) its first.
            for arg in args[:2]:
                if _subject_text(arg) == subject:
                    return _ALL_FAMILIES, False
        if not callee_values and spec.validator_name.match(name):
            for arg in args[:2]:
                if _subject_text(arg) == subject:
                    return _ALL_FAMILIES, False
        return None

    def apply_guards(self, values: Values, node: Any, env: _Env, frame: _Frame) -> Values:
        if not any(isinstance(v, Taint | EventRef) for v in values):
            return values
        families, prefix_only = self.guarded(node, env, frame)
        if not families:
            return values
        out: set[Value] = set()
        for value in values:
            if isinstance(value, Taint) and (value.normalized or not prefix_only):
                out.add(replace(value, cleared=value.cleared | families))
            elif isinstance(value, EventRef) and not prefix_only and families >= _ALL_FAMILIES:
                continue
            else:
                out.add(value)
        return frozenset(out)

    # ----------------------------------------------------------- expressions

    def eval(self, node: Any, env: _Env, frame: _Frame) -> Values:
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
        if kind in _TRANSPARENT:
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
                values = _merge(
                    values, self.prop(self.eval(obj, env, frame), ANY_ITEM, node, frame)
                )
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
            return frozenset(
                {Arr(_merge(*(self.eval(c, env, frame) for c in node.named_children)))}
            )
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
            values = _merge(
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
            return _merge(
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

    def _template(self, node: Any, env: _Env, frame: _Frame) -> Values:
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
        fixed = bool(_URL_WITH_HOST.match(prefix))
        return frozenset(
            replace(t.as_string(), fixed_host=t.fixed_host or fixed, normalized=False)
            for t in taints
        )

    def _binary(self, node: Any, env: _Env, frame: _Frame) -> Values:
        operator = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        op = text(operator) if operator is not None else ""
        left_values = self.eval(left, env, frame)
        right_values = self.eval(right, env, frame)
        if op in ("&&", "||", "??"):
            return _merge(left_values, right_values)
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
                    return frozenset({Const(f"{_js_str(a)}{_js_str(b)}")})
            return EMPTY
        prefix = str(left_consts[0]) if len(left_consts) == 1 and not taints else ""
        fixed = bool(_URL_WITH_HOST.match(prefix))
        return frozenset(
            {t.as_string() for t in taints}
            | {
                replace(t.as_string(), fixed_host=t.fixed_host or fixed, normalized=False)
                for t in right_taints
            }
        )

    def _object(self, node: Any, env: _Env, frame: _Frame) -> Values:
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

    # ----------------------------------------------------------- calls

    def arguments(self, node: Any, env: _Env, frame: _Frame) -> tuple[list[Values], list[Any]]:
        nodes = _args(node)
        values = []
        for arg in nodes:
            if arg.type == "spread_element":
                inner = arg.named_children[0] if arg.named_children else None
                values.append(self.elements(self.eval(inner, env, frame), arg))
            else:
                values.append(self.eval(arg, env, frame))
        return values, nodes

    def call(self, node: Any, env: _Env, frame: _Frame) -> Values:
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

    def run_callbacks(self, args: list[Values], handled: set[Fn], frame: _Frame) -> None:
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
        frame: _Frame,
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

    def call_ref(
        self,
        ref: Ref,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: _Frame,
        handled: set[Fn],
        *,
        new: bool,
    ) -> Values:
        spec = _spec()
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
            if _matches(callee, patterns):
                if families >= _ALL_FAMILIES:
                    return EMPTY
                return frozenset(
                    replace(t, cleared=t.cleared | families)
                    for values, n in zip(args, arg_nodes, strict=False)
                    for t in self.tainted(values, n, frame)
                )
        if ref.path and ref.path[-1] in spec.sanitizer_methods:
            return EMPTY
        for patterns, message, structured, normalizes, stringifies in spec.propagators:
            if _matches(callee, patterns):
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

    def new(self, node: Any, env: _Env, frame: _Frame) -> Values:
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

    def method_call(
        self,
        receiver: Values,
        method: str,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: _Frame,
        handled: set[Fn],
    ) -> Values:
        """Methods of built-in values: strings, arrays, promises, regular expressions."""
        spec = _spec()
        out: set[Value] = set()
        callbacks = [v for vs in args[:1] for v in vs if isinstance(v, Fn)]
        for value in receiver:
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
            if method in _ARRAY_CALLBACKS or method == "reduce":
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
            if method in ("replace", "replaceAll") and args and _strips_all(args[0]):
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

    def invoke(self, fn: Fn, args: list[Values], call: Any, caller: _Frame) -> Values:
        state = self.files.get(fn.file)
        if state is None:
            return EMPTY
        node = _node_at(state.module.root, fn.start)
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
            return _merge(*contexts)
        name = _function_name(node)
        where = self.loc(caller, call) if call is not None else None
        params = _params(node)
        env = _Env(self.envs[fn.env])
        frame = _Frame(file=state, name=name, this=fn.this)
        self.active.add(key)
        self.depth += 1
        try:
            for index, param in enumerate(params):
                values = args[index] if index < len(args) else EMPTY
                if param.type == "rest_pattern":
                    values = frozenset({Arr(_merge(*args[index:]))})
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
        result = _merge(frame.returns)
        self.memo[key] = result
        contexts.append(result)
        return result

    # ----------------------------------------------------------- sinks

    def record(
        self,
        family: str,
        taint: Taint,
        node: Any,
        frame: _Frame,
        callee: str,
        message: str,
    ) -> None:
        if family in taint.cleared:
            return
        where = self.loc(frame, node)
        sink = TaintStep(location=where, message=message)
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
            sink=sink,
            source=taint.source,
            steps=taint.steps,
            trigger_kinds=taint.kinds,
            language="javascript",
            key=f"{relative}:{callee}:{taint.pattern}",
        )
        known = self.flows.get(key)
        if known is None or len(flow.steps) < len(known.steps):
            self.flows[key] = flow

    def check_sinks(
        self,
        callee: str,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: _Frame,
        *,
        new: bool,
    ) -> None:
        spec = _spec()
        for sink in spec.sinks:
            if sink.new != new and sink.new:
                continue
            if not _matches(callee, sink.callees):
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
        self, method: str, args: list[Values], arg_nodes: list[Any], node: Any, frame: _Frame
    ) -> None:
        for sink, methods in _spec().method_sinks:
            if method in methods:
                self.apply_sink(sink, method, args, arg_nodes, node, frame)

    def apply_sink(
        self,
        sink: _Sink,
        callee: str,
        args: list[Values],
        arg_nodes: list[Any],
        node: Any,
        frame: _Frame,
    ) -> None:
        if sink.when is not None:
            position, option = sink.when
            options = args[position] if position < len(args) else EMPTY
            if not any(
                _truthy(self.prop(frozenset({o}), option, node, frame))
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

    def sink_taints(self, sink: _Sink, values: Values, arg: Any, frame: _Frame) -> list[Taint]:
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

    def check_redos(
        self, regex: Regex, subject: Values, arg: Any, node: Any, frame: _Frame
    ) -> None:
        if not catastrophic(regex.pattern, dialect="javascript"):
            return
        message = _spec().redos_catastrophic.format(pattern=_short(f"/{regex.pattern}/", 40))
        for taint in self.tainted(subject, arg, frame):
            self.record("redos", taint, node, frame, "regex", message)

    def check_redirect(self, values: Values, frame: _Frame) -> None:
        spec = _spec()
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

    # ----------------------------------------------------------- entry

    def run_handler(self, entry: Entry) -> None:
        state = self.load(entry.file)
        if state is None:
            return
        exported = state.exports.get(entry.export, EMPTY)
        if not exported and state.default:
            exported = self.prop(
                state.default, entry.export, state.module.root, _Frame(state, "<module>")
            )
        handlers = [v for v in exported if isinstance(v, Fn)]
        if not handlers:
            self.gaps.append(Gap(f"handler export {entry.export} not found", str(entry.file)))
            return
        frame = _Frame(file=state, name="<lambda>", is_handler=True)
        event = frozenset({EventRef(())})
        for handler in handlers:
            returned = self.invoke(
                handler, [event, EMPTY, frozenset({HandlerCallback()})], None, frame
            )
            self.check_redirect(returned, frame)


# ---------------------------------------------------------------------------- helpers


def _inner_access(node: Any) -> bool:
    """True for ``a.b`` inside ``a.b.c`` / ``a.b[c]`` (not when ``a.b.c`` is a method call)."""
    parent = node.parent
    if parent is None or parent.type not in ("member_expression", "subscript_expression"):
        return False
    if parent.child_by_field_name("object") != node:
        return False
    grand = parent.parent
    return not (
        grand is not None
        and grand.type == "call_expression"
        and grand.child_by_field_name("function") == parent
    )


def _args(node: Any) -> list[Any]:
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [a for a in arguments.named_children if a.type != "comment"]


def _subject_text(node: Any) -> str:
    while (
        node.type in ("parenthesized_expression", "await_expression", "non_null_expression")
        and node.named_children
    ):
        node = node.named_children[0]
    return re.sub(r"\s+|\?(?=\.)", "", text(node))


def _short(value: str, limit: int = 80) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _js_str(value: str | int | float | bool | None) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _truthy(values: Values) -> bool:
    return any((isinstance(v, Const) and bool(v.value)) or isinstance(v, Taint) for v in values)


def _anchored(pattern: str) -> bool:
    """An allow-list regex: anchored at both ends, no ``.`` wildcard run."""
    return (
        pattern.startswith("^")
        and pattern.endswith("$")
        and ".*" not in pattern
        and ".+" not in pattern
    )


def _strips_all(values: Values) -> bool:
    """``s.replace(/[^a-z0-9]/g, "")``: only allowed characters remain."""
    return any(
        isinstance(v, Regex)
        and v.pattern.startswith("[^")
        and v.pattern.rstrip("+*").endswith("]")
        and "g" in v.flags
        for v in values
    )


def _exits(node: Any) -> bool:
    """True when the statement always leaves the block (return, throw, continue, break)."""
    if node.type in (
        "return_statement",
        "throw_statement",
        "continue_statement",
        "break_statement",
    ):
        return True
    if node.type == "statement_block":
        return any(_exits(c) for c in node.named_children)
    if node.type == "expression_statement":
        # process.exit() / callback(err) followed by nothing: not a guaranteed exit.
        return False
    return False


def _in_branch(node: Any) -> bool:
    current = node.parent
    while current is not None and current.type not in _FUNCTION_TYPES:
        if current.type in _BRANCH_TYPES:
            if current.type == "binary_expression":
                operator = current.child_by_field_name("operator")
                if operator is None or text(operator) not in ("&&", "||", "??"):
                    current = current.parent
                    continue
            return True
        current = current.parent
    return False


def _params(node: Any) -> list[Any]:
    params = node.child_by_field_name("parameters")
    if params is not None:
        return [p for p in params.named_children if p.type != "comment"]
    single = node.child_by_field_name("parameter")
    return [single] if single is not None else []


def _function_name(node: Any) -> str:
    name = node.child_by_field_name("name")
    if name is not None:
        return text(name)
    parent = node.parent
    if parent is not None:
        if parent.type == "variable_declarator":
            found = parent.child_by_field_name("name")
            if found is not None:
                return text(found)
        if parent.type == "pair":
            found = parent.child_by_field_name("key")
            if found is not None:
                return text(found)
        if parent.type == "assignment_expression":
            found = parent.child_by_field_name("left")
            if found is not None:
                return text(found).rsplit(".", 1)[-1]
    return "<anonymous>"


def _node_at(root: Any, start: int, kind: str | None = None) -> Any:
    """The node starting at byte ``start`` that is a function (or ``kind``)."""
    node = root.descendant_for_byte_range(start, start)
    while node is not None:
        if (
            node.start_byte == start
            and node.is_named
            and (
                node.type == kind
                if kind
                else node.type in _FUNCTION_TYPES or node.type == "class_declaration"
            )
        ):
            return node
        if node.start_byte < start:
            return None
        node = node.parent
    return None


# ---------------------------------------------------------------------------- analyzer


@dataclass(frozen=True, slots=True)
class JsTaintResult:
    """The flows of one handler and what could not be analysed."""

    flows: tuple[TaintFlow, ...]
    gaps: tuple[Gap, ...]
    files: tuple[str, ...]


def analyse_entry(entry: Entry, spec: SourceSpec) -> JsTaintResult:
    """Taint flows from the sources ``spec`` describes, through the handler ``entry``."""
    if spec.empty:
        return JsTaintResult(flows=(), gaps=(), files=())
    structured = frozenset(_spec_structured())
    interp = _Interpreter(entry.root, spec, structured)
    try:
        interp.run_handler(entry)
    except _StopError as stop:
        interp.gaps.append(Gap(stop.reason, str(entry.file)))
    except RecursionError:
        interp.gaps.append(Gap("code nested too deeply to analyse", str(entry.file)))
    flows = sorted(
        interp.flows.values(),
        key=lambda f: (
            f.sink.location.file,
            f.sink.location.line,
            f.sink.location.column,
            f.sink_family,
            f.key,
        ),
    )
    return JsTaintResult(
        flows=tuple(flows),
        gaps=tuple(interp.gaps),
        files=tuple(sorted(k for k, v in interp.files.items() if v is not None)),
    )


def _spec_structured() -> frozenset[str]:
    return _spec().structured_sources


class JavaScriptTaintAnalyzer:
    """Finds taint flows in a Node.js (JavaScript or TypeScript) handler."""

    language = "javascript"

    def __init__(self) -> None:
        #: the latest gaps per function ref (read by ``flows_for`` right after ``analyze``)
        self.gaps: dict[str, list[Gap]] = {}

    def analyze(self, fn: Function, app: App) -> list[TaintFlow]:
        """Every flow from a source of ``fn``'s triggers to a sink, in ``fn``'s code."""
        entry = find_entry(fn, app)
        if not isinstance(entry, Entry) or entry.language != "javascript":
            return []
        result = analyse_entry(entry, sources_for(fn))
        self.gaps[fn.ref] = list(result.gaps)
        return list(result.flows)


ANALYZER = JavaScriptTaintAnalyzer()

__all__ = ["ANALYZER", "JavaScriptTaintAnalyzer", "JsTaintResult", "analyse_entry", "catastrophic"]
