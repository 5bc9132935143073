"""Values of the Python taint engine: labels (where taint comes from), abstract values,
function summaries and the program's modules, functions and classes."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from faasguard.code.python.index import ClassTable, PyModule
from faasguard.code.taint.base import (
    ANY_ITEM,
    ANY_KEY,
    TaintStep,
)
from faasguard.code.taint.spec import LanguageSpec
from faasguard.code.values import Gap
from faasguard.model import Location

#: ``Label.cleared`` member meaning "sanitised for every family".
ALL = "*"
#: Labels kept per value; beyond this the first ones (the shortest paths) are kept.
MAX_LABELS = 16
#: Steps kept per label (a path longer than this is cut in the middle of the trace).
MAX_STEPS = 24
#: Functions summarised at most per code directory (pathological generated code).
MAX_SUMMARIES = 4000

#: A constant prefix that fixes the host of a URL (or keeps a redirect on the same site):
#: ``https://api.example.com/``, ``//cdn.example.com/``, ``/app/``.
FIXED_HOST = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^/?#]+[/?#]|^/(?![/\\])")
STRUCTURED_ENCODING = "structured"
#: Field key of a constant list index (``x[0]``): distinct from any dict key a handler
#: writes, read back as ``ANY_ITEM`` in access paths (sources do not name indexes).
_INDEX = "\x00"
CONDITIONS = "boto3.dynamodb.conditions."
#: Builtins whose result holds exactly the elements of their arguments.
PASS_THROUGH = frozenset(
    {"enumerate", "sorted", "reversed", "list", "tuple", "set", "iter", "dict", "zip"}
    | {"filter", "next", "frozenset", "copy.copy", "copy.deepcopy"}
)


# ---------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Label:
    """Taint relative to parameter ``root`` of the function being summarised.

    ``path`` is the access path below that parameter, each segment with where it was read.
    ``exact`` means the value *is* ``root[path]`` (a further subscript extends the path);
    a derived value (concatenated, formatted) keeps the path of what it came from.
    """

    root: int
    path: tuple[tuple[str, Location, int], ...]
    exact: bool
    steps: tuple[TaintStep, ...] = ()
    cleared: frozenset[str] = frozenset()
    parsed: bool = False
    host_fixed: bool = False
    normalized: bool = False

    @property
    def ident(self) -> tuple[object, ...]:
        """What makes two labels the same taint (steps aside)."""
        return (
            self.root,
            tuple(p[0] for p in self.path),
            self.exact,
            self.cleared,
            self.parsed,
            self.host_fixed,
            self.normalized,
        )


@dataclass(frozen=True, slots=True)
class Val:
    """The abstract value of an expression.

    ``labels`` is its taint (for containers: of anything inside); ``head`` the taint of
    element 0 of a list or tuple literal (``argv[0]``); ``const`` a known string;
    ``prefix`` its known constant beginning; ``types`` qualified names of the external
    objects it may be (``sqlite3.connect()``, ``yaml.SafeLoader``); ``fields`` the known
    entries of a dict literal or attributes of an instance; ``funcs``/``klass``/``inst``/
    ``module`` references to functions, classes, instances and modules of the code.
    """

    labels: tuple[Label, ...] = ()
    head: tuple[Label, ...] | None = None
    const: str | None = None
    prefix: str = ""
    types: tuple[str, ...] = ()
    fields: tuple[tuple[str, Val], ...] | None = None
    funcs: tuple[str, ...] = ()
    klass: str | None = None
    inst: str | None = None
    module: str | None = None
    boolean: bool | None = None

    def field(self, name: str) -> Val | None:
        """The known field ``name`` (dict key or instance attribute)."""
        if self.fields is None:
            return None
        for key, value in self.fields:
            if key == name:
                return value
        return None


CLEAN = Val()


def dedupe(labels: Iterable[Label]) -> tuple[Label, ...]:
    seen: dict[tuple[object, ...], Label] = {}
    for label in labels:
        if label.ident not in seen:
            seen[label.ident] = label
            if len(seen) >= MAX_LABELS:
                break
    return tuple(seen.values())


def join(a: Val, b: Val) -> Val:
    """The value that may be ``a`` or ``b`` (branches, loop iterations, alternatives)."""
    if a is b:
        return a
    if a == CLEAN:
        return b
    if b == CLEAN:
        return a
    fields: tuple[tuple[str, Val], ...] | None = None
    if a.fields is not None or b.fields is not None:
        # A key known on one side only is, on the other, whatever that side holds there:
        # its own taint under that key (a key checked in one branch is not clean after
        # the ``if``), or nothing for a literal without it.
        keys = dict.fromkeys(k for v in (a, b) for k, _ in v.fields or ())
        fields = tuple((k, join(_entry(a, k, b), _entry(b, k, a))) for k in keys)
    head: tuple[Label, ...] | None = None
    if a.head is not None or b.head is not None:
        head = dedupe((*(a.head or ()), *(b.head or ())))
    return Val(
        labels=dedupe((*a.labels, *b.labels)),
        head=head,
        const=a.const if a.const == b.const else None,
        prefix=a.prefix if a.prefix == b.prefix else _common_prefix(a.prefix, b.prefix),
        types=tuple(dict.fromkeys((*a.types, *b.types))),
        fields=fields,
        funcs=tuple(dict.fromkeys((*a.funcs, *b.funcs))),
        klass=a.klass or b.klass,
        inst=a.inst or b.inst,
        module=a.module or b.module,
        boolean=a.boolean if a.boolean == b.boolean else None,
    )


def _entry(side: Val, key: str, other: Val) -> Val:
    """``side[key]`` for :func:`join`, read where ``other`` read the same key."""
    known = side.field(key)
    if known is not None:
        return known
    return access_value(side, key, _key_location(other.field(key), side, key))


def _key_location(present: Val | None, side: Val, key: str) -> Location:
    """Where a key was read, for the access path of the side of a join that lacks it."""
    segment = _segment(key)
    for lab in present.labels if present is not None else ():
        if lab.path and lab.path[-1][0] == segment:
            return lab.path[-1][1]
    for lab in (*(present.labels if present is not None else ()), *side.labels):
        if lab.path:
            return lab.path[-1][1]
        if lab.steps:
            return lab.steps[-1].location
    return Location(file="")


def _segment(key: str) -> str:
    """The access-path segment of a field key (a constant index is any item)."""
    return ANY_ITEM if key.startswith(_INDEX) else key


def _common_prefix(a: str, b: str) -> str:
    """The longest common beginning of two strings (character by character on purpose:
    these are string prefixes, not paths)."""
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


def join_all(values: Iterable[Val]) -> Val:
    """:func:`join` over any number of values."""
    out = CLEAN
    for value in values:
        out = join(out, value)
    return out


def taint_of(value: Val) -> tuple[Label, ...]:
    """Every label in ``value``, its fields included (a container passed whole)."""
    if not value.fields:
        return value.labels
    return dedupe((*value.labels, *(lab for _, v in value.fields for lab in taint_of(v))))


def derived(value: Val, *, host_fixed: bool = False) -> tuple[Label, ...]:
    """The labels of a value built from ``value`` (no longer exactly the event field)."""
    return tuple(
        replace(lab, exact=False, host_fixed=lab.host_fixed or host_fixed)
        for lab in taint_of(value)
    )


def add_step(labels: tuple[Label, ...], step: TaintStep) -> tuple[Label, ...]:
    out = []
    for label in labels:
        steps = label.steps
        if steps and steps[-1] == step:
            out.append(label)
            continue
        if len(steps) >= MAX_STEPS:
            steps = (*steps[: MAX_STEPS // 2], *steps[-(MAX_STEPS // 2 - 1) :])
        out.append(replace(label, steps=(*steps, step)))
    return tuple(out)


def with_step(value: Val, step: TaintStep) -> Val:
    if not value.labels:
        return value
    return replace(value, labels=add_step(value.labels, step))


def clean_value(value: Val, families: Iterable[str] = (ALL,)) -> Val:
    """``value`` sanitised for ``families`` (``ALL``: no longer tainted at all)."""
    extra = frozenset(families)

    def clean_labels(labels: tuple[Label, ...]) -> tuple[Label, ...]:
        return tuple(replace(lab, cleared=lab.cleared | extra) for lab in labels)

    fields = value.fields
    if fields is not None:
        fields = tuple((k, clean_value(v, extra)) for k, v in fields)
    head = clean_labels(value.head) if value.head is not None else None
    return replace(value, labels=clean_labels(value.labels), head=head, fields=fields)


def access_value(value: Val, segment: str, loc: Location) -> Val:
    """``value[segment]`` / ``value.segment``: a field when known, else the path extended.

    A value may carry both known fields and taint of its own (a message body with one key
    checked): a key it does not know is read from its own taint, and an unknown key
    (``ANY_KEY``/``ANY_ITEM``, or an index not stored) may be any known field as well.
    """
    known = value.field(segment) if segment not in (ANY_KEY, ANY_ITEM) else None
    if known is not None:
        return known
    segment = _segment(segment)
    some = CLEAN
    if value.fields is not None and segment in (ANY_KEY, ANY_ITEM):
        some = join_all(v for _, v in value.fields)
    if segment == ANY_ITEM and value.head is not None and not value.labels:
        return join(some, Val(labels=value.head))
    labels = tuple(
        replace(lab, path=(*lab.path, (segment, loc, len(lab.steps)))) if lab.exact else lab
        for lab in value.labels
    )
    return join(some, Val(labels=labels)) if labels else some


def iterate_value(value: Val, loc: Location) -> Val:
    """An element of ``value`` when iterated (``for x in value``, comprehensions)."""
    return access_value(value, ANY_ITEM, loc)


# ---------------------------------------------------------------------------- summaries


@dataclass(frozen=True, slots=True)
class SinkHit:
    """Labels reaching a sink inside a function. ``require`` is checked on the final,
    handler-level label: ``host`` (the URL host is not fixed), ``operator`` (a parsed,
    structured value: Mongo operator injection)."""

    family: str
    callee: str
    location: Location
    function: str
    labels: tuple[Label, ...]
    require: str = ""


@dataclass(slots=True)
class Summary:
    """What a function does with its parameters (see the module docstring)."""

    returns: Val = CLEAN
    sinks: list[SinkHit] = field(default_factory=list)
    self_fields: dict[str, Val] = field(default_factory=dict)


@dataclass(slots=True)
class TaintModule:
    key: str
    path: Path
    parsed: PyModule
    globals: dict[str, Val] = field(default_factory=dict)
    loaded: bool = False


@dataclass(slots=True)
class FuncInfo:
    key: str
    name: str
    module: TaintModule
    node: ast.FunctionDef | ast.AsyncFunctionDef
    klass: str | None = None
    is_static: bool = False


@dataclass(slots=True)
class ClassInfo:
    key: str
    name: str
    module: TaintModule
    attrs: dict[str, Val] = field(default_factory=dict)
    bases: list[Val] = field(default_factory=list)
    is_model: bool = False


class Frame:
    """The function being summarised: its sinks and ``self`` fields."""

    def __init__(self, func: FuncInfo | None, module: TaintModule) -> None:
        self.func = func
        self.module = module
        self.summary = Summary()
        self.name = func.name if func else "<module>"


def param_names(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


# ---------------------------------------------------------------------------- instantiation


def instantiate_label(label: Label, args: Sequence[Val], step: TaintStep) -> tuple[Label, ...]:
    """``label`` (rooted at a callee parameter) in terms of the caller's argument values."""
    if label.root < 0:
        # Read from a framework request object inside the callee: the same taint in every
        # caller (see :mod:`faasguard.code.python.web`).
        return (label,)
    if label.root >= len(args):
        return ()
    current = args[label.root]
    consumed = 0
    extra: tuple[Label, ...] = ()
    # Walk known fields (dict literals, instance attributes) as far as the path goes.
    while consumed < len(label.path) and current.fields is not None:
        segment = label.path[consumed][0]
        known = current.field(segment)
        if known is None:
            if segment in (ANY_KEY, ANY_ITEM):
                joined = join_all(v for _, v in current.fields)
                if not current.labels:
                    current = joined
                    consumed += 1
                    continue
                # Any entry: a known field, or what the value's own taint holds there.
                below = replace(label, root=0, path=label.path[consumed + 1 :])
                extra = instantiate_label(below, [joined], step)
                break
            if current.labels:
                break
            return ()
        current = known
        consumed += 1
    rest = label.path[consumed:]
    bases = current.labels if rest or not label.exact else taint_of(current)
    if rest and not current.labels and current.head is not None and rest[0][0] == ANY_ITEM:
        bases, rest = current.head, rest[1:]
    out = []
    for base in bases:
        offset = len(base.steps) + 1
        shifted = tuple((seg, where, n + offset) for seg, where, n in rest)
        path = (*base.path, *shifted) if base.exact else base.path
        steps = (*base.steps, step, *label.steps)
        if len(steps) > MAX_STEPS:
            steps = (*steps[: MAX_STEPS // 2], *steps[-(MAX_STEPS // 2 - 1) :])
        out.append(
            Label(
                root=base.root,
                path=path,
                exact=base.exact and label.exact,
                steps=steps,
                cleared=base.cleared | label.cleared,
                parsed=label.parsed or base.parsed,
                host_fixed=base.host_fixed or label.host_fixed,
                normalized=base.normalized or label.normalized,
            )
        )
    return dedupe((*out, *extra)) if extra else tuple(out)


def instantiate(value: Val, args: Sequence[Val], step: TaintStep) -> Val:
    """A callee-relative value (return value, ``self`` field) in the caller's terms."""
    labels = dedupe(lab2 for lab in value.labels for lab2 in instantiate_label(lab, args, step))
    head = None
    if value.head is not None:
        head = dedupe(lab2 for lab in value.head for lab2 in instantiate_label(lab, args, step))
    fields = None
    if value.fields is not None:
        fields = tuple((k, instantiate(v, args, step)) for k, v in value.fields)
    return replace(value, labels=labels, head=head, fields=fields)


def callee_text(func: ast.expr) -> str:
    """How a callee is written (``DB.execute``), shortened for messages."""
    text = ast.unparse(func)
    return text if len(text) <= 60 else text[:57] + "..."


def field_key(node: ast.expr) -> str | None:
    """The field key of a subscript: a string key, a constant index (``_INDEX`` + digits),
    ``ANY_ITEM`` for a negative index, ``None`` when computed."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value
        if isinstance(node.value, bool):
            return None
        if isinstance(node.value, int):
            return f"{_INDEX}{node.value}" if node.value >= 0 else ANY_ITEM
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return ANY_ITEM
    return None


def key_chain(node: ast.expr) -> tuple[str, list[str]] | None:
    """``job["spec"]["name"]`` → ``("job", ["spec", "name"])``: constant keys (or
    ``.get("key")``) below a plain name; ``None`` for anything else."""
    keys: list[str] = []
    while True:
        key: str | None
        if isinstance(node, ast.Subscript):
            key, node = field_key(node.slice), node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and len(node.args) == 1
            and not node.keywords
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            key, node = node.args[0].value, node.func.value
        else:
            break
        if key is None or key == ANY_ITEM:
            return None
        keys.append(key)
    if not keys or not isinstance(node, ast.Name):
        return None
    return node.id, keys[::-1]


def narrow_key(value: Val, keys: Sequence[str], families: frozenset[str], loc: Location) -> Val:
    """``value`` with ``value[keys[0]][keys[1]]...`` sanitised for ``families``: the entry
    becomes a known field; the value keeps its own taint for every other key."""
    inner = access_value(value, keys[0], loc)
    cleaned = (
        clean_value(inner, families)
        if len(keys) == 1
        else narrow_key(inner, keys[1:], families, loc)
    )
    fields = dict(value.fields or ())
    fields[keys[0]] = cleaned
    return replace(value, fields=tuple(fields.items()))


def node_location(module: TaintModule, node: ast.AST) -> Location:
    return Location(
        file=module.key,
        line=getattr(node, "lineno", 0),
        column=getattr(node, "col_offset", -1) + 1,
    )


def terminates(body: Sequence[ast.stmt]) -> bool:
    """True when ``body`` always leaves the enclosing block (return, raise, continue...)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.If):
        return terminates(last.body) and terminates(last.orelse)
    return False


class ProgramView(Protocol):
    """What an execution reads of the program it runs in
    (:class:`faasguard.code.python.taint_exec.Program`)."""

    root: Path
    spec: LanguageSpec
    modules: dict[str, TaintModule]
    funcs: dict[str, FuncInfo]
    classes: dict[str, ClassInfo]
    class_table: ClassTable
    gaps: list[Gap]

    def module(self, path: Path) -> TaintModule | None:
        """The module at ``path``, its top level evaluated."""
        ...

    def import_value(
        self, module: TaintModule, stmt: ast.Import | ast.ImportFrom
    ) -> dict[str, Val]:
        """The values an import statement binds."""
        ...

    def summary(self, key: str) -> Summary:
        """The summary of function ``key``."""
        ...
