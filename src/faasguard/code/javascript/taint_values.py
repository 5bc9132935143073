"""Values of the Node.js taint engine: abstract values (taint, event references, objects,
functions of the code, package objects), the sink spec tables, the interpreter's scopes and
frames, and small helpers over tree-sitter nodes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from faasguard.code.javascript.index import (
    FUNCTION_TYPES,
    JsModule,
    text,
)
from faasguard.code.taint.base import (
    ANY_KEY,
    SINK_FAMILIES,
    TaintStep,
)
from faasguard.code.taint.spec import ANY_RECEIVER, LanguageSpec, SinkSpec, language_spec
from faasguard.model import Location, TriggerKind

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

ALL_FAMILIES = frozenset(SINK_FAMILIES)

BRANCH_TYPES = frozenset(
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
TRANSPARENT = frozenset(
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
ARRAY_CALLBACKS = frozenset(
    {"map", "forEach", "filter", "find", "flatMap", "some", "every", "findLast", "sort"}
)
URL_WITH_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+[/?#]")


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
    #: Leading arguments fixed by ``fn.bind(this, ...args)``.
    bound: tuple[frozenset[Value], ...] = ()


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


def merge(*groups: Iterable[Value]) -> Values:
    out: set[Value] = set()
    for group in groups:
        out.update(group)
        if len(out) > MAX_VALUES:
            break
    return frozenset(out)


# ---------------------------------------------------------------------------- spec


@dataclass(frozen=True, slots=True)
class Sink:
    family: str
    callees: tuple[str, ...]
    args: tuple[int, ...]
    message: str
    props: tuple[str, ...] = ()
    when: tuple[int, str] | None = None
    check: str = ""
    new: bool = False


@dataclass(frozen=True, slots=True)
class Spec:
    sinks: tuple[Sink, ...]
    method_sinks: tuple[tuple[Sink, tuple[str, ...]], ...]
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


def sink_of(entry: SinkSpec) -> Sink:
    return Sink(
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
def js_spec() -> Spec:
    spec = language_spec("javascript")
    guards = spec.guards
    redos = {_REDOS_RECEIVER, _REDOS_ARG0, _REDOS_DYNAMIC}
    plain = [s for s in spec.sinks if s.when not in redos]
    receiver, arg0, dynamic = (
        _redos_sinks(spec, w) for w in (_REDOS_RECEIVER, _REDOS_ARG0, _REDOS_DYNAMIC)
    )
    redirect = next((r for r in spec.response_sinks if r.family == "open-redirect"), None)
    return Spec(
        sinks=tuple(sink_of(s) for s in plain if not s.methods),
        method_sinks=tuple((sink_of(s), tuple(sorted(s.methods))) for s in plain if s.methods),
        sanitizers=tuple(
            (s.callees, s.families or ALL_FAMILIES)
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


def matches(callee: str, patterns: Iterable[str]) -> bool:
    return any(_glob(p).match(callee) for p in patterns)


# ---------------------------------------------------------------------------- interpreter


class Env:
    __slots__ = ("parent", "vars")

    def __init__(self, parent: Env | None) -> None:
        self.parent = parent
        self.vars: dict[str, Values] = {}

    def find(self, name: str) -> Env | None:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env
            env = env.parent
        return None


@dataclass(slots=True)
class FileState:
    path: Path
    module: JsModule
    env: Env
    exports: dict[str, Values] = field(default_factory=dict)
    default: Values = EMPTY


@dataclass(slots=True)
class Frame:
    file: FileState
    name: str
    returns: set[Value] = field(default_factory=set)
    this: Values = EMPTY
    is_handler: bool = False


@dataclass(slots=True)
class StopError(Exception):
    reason: str


# ---------------------------------------------------------------------------- helpers


def inner_access(node: Any) -> bool:
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


def argument_nodes(node: Any) -> list[Any]:
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [a for a in arguments.named_children if a.type != "comment"]


def subject_text(node: Any) -> str:
    while (
        node.type in ("parenthesized_expression", "await_expression", "non_null_expression")
        and node.named_children
    ):
        node = node.named_children[0]
    return re.sub(r"\s+|\?(?=\.)", "", text(node))


def short(value: str, limit: int = 80) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 3] + "..."


def js_str(value: str | int | float | bool | None) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def truthy(values: Values) -> bool:
    return any((isinstance(v, Const) and bool(v.value)) or isinstance(v, Taint) for v in values)


def anchored(pattern: str) -> bool:
    """An allow-list regex: anchored at both ends, no ``.`` wildcard run."""
    return (
        pattern.startswith("^")
        and pattern.endswith("$")
        and ".*" not in pattern
        and ".+" not in pattern
    )


def strips_all(values: Values) -> bool:
    """``s.replace(/[^a-z0-9]/g, "")``: only allowed characters remain."""
    return any(
        isinstance(v, Regex)
        and v.pattern.startswith("[^")
        and v.pattern.rstrip("+*").endswith("]")
        and "g" in v.flags
        for v in values
    )


def exits(node: Any) -> bool:
    """True when the statement always leaves the block (return, throw, continue, break)."""
    if node.type in (
        "return_statement",
        "throw_statement",
        "continue_statement",
        "break_statement",
    ):
        return True
    if node.type == "statement_block":
        return any(exits(c) for c in node.named_children)
    if node.type == "expression_statement":
        # process.exit() / callback(err) followed by nothing: not a guaranteed exit.
        return False
    return False


def in_branch(node: Any) -> bool:
    current = node.parent
    while current is not None and current.type not in FUNCTION_TYPES:
        if current.type in BRANCH_TYPES:
            if current.type == "binary_expression":
                operator = current.child_by_field_name("operator")
                if operator is None or text(operator) not in ("&&", "||", "??"):
                    current = current.parent
                    continue
            return True
        current = current.parent
    return False


def function_params(node: Any) -> list[Any]:
    params = node.child_by_field_name("parameters")
    if params is not None:
        return [p for p in params.named_children if p.type != "comment"]
    single = node.child_by_field_name("parameter")
    return [single] if single is not None else []


def function_name(node: Any) -> str:
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


def node_at(root: Any, start: int, kind: str | None = None) -> Any:
    """The node starting at byte ``start`` that is a function (or ``kind``)."""
    node = root.descendant_for_byte_range(start, start)
    while node is not None:
        if (
            node.start_byte == start
            and node.is_named
            and (
                node.type == kind
                if kind
                else node.type in FUNCTION_TYPES or node.type == "class_declaration"
            )
        ):
            return node
        if node.start_byte < start:
            return None
        node = node.parent
    return None
