"""Language-neutral facts about handler code that the code pattern rules read.

The pattern rules look for *shapes* in handler code, not for attacker-controlled data (that
is the taint engine's job). Several of them need a little data flow inside one function
("the decoded claims are used in an ``if``", "the exception text ends up in the response
body"): the per-language flows (:class:`faasguard.code.python.facts.PyFlow`,
:class:`faasguard.code.javascript.facts.JsFlow`) are a small flow-insensitive propagation
over the assignments of one function (names, destructuring, ``for`` targets, containers
written item by item) with *labels* instead of taint, and a :class:`LabelSpec` written by
the rule saying where labels come from and what survives a field access (``event["body"]``
is not the whole event; ``headers["Authorization"]`` is a secret). Flows do not follow
values into helper functions or other modules; the rules document the limit.

This module holds what both languages share: labels, the spec protocol, the names with a
role in a handler (event, context, callback, response, logger), the places where a value
leaves a function (:class:`Sink`) and what a rule's matcher returns (:class:`CodeMatch`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from faasguard.findings import Severity

# ---------------------------------------------------------------------------- matches


@dataclass(frozen=True, slots=True)
class CodeMatch:
    """One place in a handler file that a code pattern rule reports.

    ``exports`` are the handler exports whose function body contains the match (filled in
    by the per-language ``matches``); ``handler_return`` is set for a plain ``return`` of
    that export (only a sink when the function's handler is that export);
    ``requires_http`` matches only count for functions with an HTTP trigger;
    ``needs_event_content`` ones not for functions only run on a schedule (their event
    holds nothing sensitive).
    """

    file: str
    line: int
    column: int
    message: str
    key: str
    severity: Severity | None = None
    exports: frozenset[str] = frozenset()
    handler_return: str | None = None
    requires_http: bool = False
    needs_event_content: bool = False


def match_key(path: Path, *parts: str) -> str:
    """A match's stable key: the file's name and what the rule says identifies the match."""
    return ":".join((path.name, *parts))


def with_exports(
    matches: Iterable[CodeMatch], exports: dict[str, tuple[int, int]]
) -> tuple[CodeMatch, ...]:
    """``matches`` with the handler exports (name: first and last line) that contain them."""
    result = []
    for match in matches:
        inside = frozenset(n for n, (a, b) in exports.items() if a <= match.line <= b)
        result.append(replace(match, exports=inside))
    return tuple(result)


# ---------------------------------------------------------------------------- labels


@dataclass(frozen=True, slots=True)
class Label:
    """What a value carries: ``kind`` (``event``, ``secret``, ``exception``, ...), where it
    came from and how to name it in a message."""

    kind: str
    line: int
    column: int
    text: str


Labels = frozenset[Label]
EMPTY: Labels = frozenset()


def label(kind: str, line: int, column: int, text: str) -> Labels:
    """The labels of a value carrying just one label."""
    return frozenset({Label(kind, line, column, text)})


def describe(labels: Iterable[Label]) -> str:
    """The labels' texts for a message: at most three, then how many more."""
    texts = sorted({lab.text for lab in labels})
    return ", ".join(texts[:3]) + (f" and {len(texts) - 3} more" if len(texts) > 3 else "")


@dataclass
class ScopeInfo:
    """Names with a role in one function (and the functions around it)."""

    events: set[str] = field(default_factory=set)
    contexts: set[str] = field(default_factory=set)
    exceptions: set[str] = field(default_factory=set)
    callbacks: set[str] = field(default_factory=set)


class LabelSpec:
    """Where one rule's labels come from and what a field access keeps of them.

    ``precise_calls``: a call's result carries its arguments' labels only for functions
    that pass text through (:data:`TRANSPARENT_CALLS`) and its receiver's only for
    string-like methods (:data:`STRING_METHODS`); otherwise any call propagates everything
    (a helper building a response from an exception still carries it).

    Flows are cached per file and spec instance, so a rule keeps one instance of its spec.
    """

    precise_calls = False

    def source(self, qual: str | None, node: Any, line: int, column: int) -> Labels | None:
        """Labels of an expression by its dotted name (``None``: not a source, look inside).

        ``qual`` is the expression's name through the file's imports (``jwt.decode()`` for
        a call, ``new X`` for a JavaScript constructor call)."""
        del qual, node, line, column
        return None

    def name(self, ident: str, info: ScopeInfo, line: int, column: int) -> Labels:
        """Labels a name carries by its role or its own name."""
        del ident, info, line, column
        return EMPTY

    def narrow(self, labels: Labels, key: str | None, line: int, column: int) -> Labels:
        """Labels of ``value[key]`` (``key`` ``None``: computed, ``"*"``: any element)."""
        del key, line, column
        return labels


#: Calls whose result is their arguments as text (for ``precise_calls`` specs).
TRANSPARENT_CALLS = frozenset(
    {
        "str",
        "repr",
        "format",
        "format_map",
        "dumps",
        "stringify",
        "dict",
        "list",
        "tuple",
        "sorted",
        "copy",
        "deepcopy",
        "pformat",
        "inspect",
        "b64encode",
        "String",
        "join",
        "assign",
        "fromEntries",
        "entries",
        "values",
        "keys",
        "items",
        "concat",
        "vars",
    }
)
#: Methods whose result is their receiver's text or content.
STRING_METHODS = frozenset(
    {
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "rsplit",
        "replace",
        "lower",
        "upper",
        "encode",
        "decode",
        "removeprefix",
        "removesuffix",
        "format",
        "copy",
        "items",
        "values",
        "keys",
        "splitlines",
        "partition",
        "title",
        "toString",
        "trim",
        "substring",
        "slice",
        "toLowerCase",
        "toUpperCase",
        "concat",
        "toJSON",
        "join",
        "entries",
    }
)

# ---------------------------------------------------------------------------- roles and sinks

#: Parameter names taken for the event and the context of a handler-like function.
EVENT_NAMES = frozenset({"event", "evt", "lambda_event", "_event"})
CONTEXT_NAMES = frozenset({"context", "ctx", "_context", "_ctx", "lambda_context", "lambdaContext"})
CALLBACK_NAMES = frozenset({"callback", "cb"})
#: Receivers of HTTP responses in Express-style frameworks (serverless-http, fastify).
RESPONSE_OBJECTS = frozenset({"res", "response", "resp", "reply"})
RESPONSE_METHODS = frozenset({"send", "json", "jsonp", "end", "write"})
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "trace"}
)
CONSOLE_METHODS = frozenset({"log", "info", "warn", "error", "debug", "trace", "dir", "table"})


@dataclass
class Sink:
    """A place where a value leaves the function.

    ``kind`` is ``response`` (an API-shaped response body or an HTTP response call),
    ``return`` (a plain return; ``export`` names the handler export it returns from, if
    any), ``log`` (one argument of a log call) or ``callback-error`` (the error passed to a
    Node.js handler's callback or ``context.fail``).
    """

    kind: str
    node: Any
    line: int
    column: int
    value: Any
    export: str | None = None


# ---------------------------------------------------------------------------- flows


class NameFlow:
    """Labels of the names of one function for one spec, bound to a fixed point over the
    function's own nodes and looked up through the enclosing functions' flows.

    The language's flow (:class:`faasguard.code.python.facts.PyFlow`,
    :class:`faasguard.code.javascript.facts.JsFlow`) says what a node binds
    (:meth:`_bind`) and what a value carries (:meth:`labels`)."""

    #: Rounds over the nodes at most (a binding feeding an earlier one settles in two or three).
    ROUNDS = 6

    def __init__(self, spec: LabelSpec, parent: NameFlow | None, nodes: Sequence[Any]) -> None:
        self.spec = spec
        self.parent = parent
        self.names: dict[str, Labels] = {}
        for _ in range(self.ROUNDS):
            before = self._state()
            for node in nodes:
                self._bind(node)
            if before == self._state():
                break

    def _state(self) -> object:
        """What a round of :meth:`_bind` may change (the fixed point compares it)."""
        return dict(self.names)

    def _bind(self, node: Any) -> None:
        """Add the labels ``node`` binds to names."""
        raise NotImplementedError

    def labels(self, node: Any, through_compare: bool = False) -> Labels:
        """What the value of ``node`` carries (``through_compare``: also what a comparison
        looks at, for conditions)."""
        raise NotImplementedError

    def _add(self, name: str, labels: Labels) -> None:
        if labels:
            self.names[name] = self.names.get(name, EMPTY) | labels

    def lookup(self, name: str) -> Labels:
        """Labels bound to ``name`` here or in an enclosing function."""
        flow: NameFlow | None = self
        while flow is not None:
            if name in flow.names:
                return flow.names[name]
            flow = flow.parent
        return EMPTY

    def union(self, nodes: Iterable[Any], through_compare: bool = False) -> Labels:
        """What the values of ``nodes`` carry together."""
        result: Labels = EMPTY
        for node in nodes:
            result |= self.labels(node, through_compare)
        return result


class Nested(Protocol):
    """A scope inside its enclosing one (``None`` at the module level)."""

    @property
    def parent(self) -> object | None:
        """The enclosing scope."""
        ...


ScopeT = TypeVar("ScopeT", bound=Nested)
FlowT = TypeVar("FlowT", bound=NameFlow)


def scope_flow(
    cache: dict[LabelSpec, dict[int, FlowT]],
    scopes: Iterable[ScopeT],
    scope: ScopeT,
    spec: LabelSpec,
    make: Callable[[ScopeT, FlowT | None], FlowT],
) -> FlowT:
    """The flow of ``scope`` for ``spec``: every scope's is made once, enclosing scopes
    first (``scopes`` lists them so), and kept in ``cache``."""
    flows = cache.get(spec)
    if flows is None:
        flows = {}
        for each in scopes:
            parent = flows.get(id(each.parent)) if each.parent is not None else None
            flows[id(each)] = make(each, parent)
        cache[spec] = flows
    return flows[id(scope)]
