"""Python taint engine: from the handler's ``event`` to dangerous calls, on the standard ``ast``.

The code is parsed with :func:`faasguard.code.python.parse_module` and never imported or
run. Every function of the code directory reached from the handler is summarised once,
independently of its callers (so a helper called from thirty places costs one analysis):

- a :class:`Label` is taint relative to one of the function's parameters: "parameter 0,
  at ``['Records'][i]['body']``", with the steps it took inside the function and what it
  went through (sanitised for some families, parsed from JSON, a path normalised, placed
  after a fixed URL host);
- a function's :class:`Summary` says which labels reach its return value, which reach
  sinks (and which sink), and which it stores on ``self`` (for ``__init__``);
- a call instantiates the callee's summary with the caller's argument values, so a label
  rooted at the callee's parameter becomes one rooted at the caller's, path segments
  appended and steps concatenated;
- at the handler, labels rooted at parameter 0 (``event``) are matched against the
  function's trigger sources (:func:`faasguard.code.taint.base.sources_for`): an access
  path such as ``Records/[]/s3/object/key`` is a source for an S3 trigger and nothing for
  an API. Nothing is a source until then, so summaries are shared by every function.

Within a function the analysis is flow-sensitive (assignments replace values, branches
are joined, loops run twice), and conditions narrow: ``if x not in ALLOWED: return``
cleans ``x`` after the ``if``, and a check on a constant key (``job["name"].isalnum()``,
``event["Records"][0]["body"] in ALLOWED``) cleans that entry only: it becomes a known
field of a value that keeps its own taint for every other key, and joins and computed
keys read that taint back (a key checked on one branch is tainted again after the ``if``).
Sinks, sanitizers and propagators come from ``faasguard/data/taint/python.json``; the few
conditions a sink may carry (``shell=True``, an unsafe YAML loader, a URL whose host is
fixed, ...) are small predicates here, named by the data.

Limits (by design, to stay fast and predictable): closures do not see their enclosing
function's variables, ``*args``/``**kwargs`` are joined, dynamic attribute names and
``getattr`` with a computed name are unknown, and a library the spec does not name is
assumed to pass taint from its arguments to its result.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from faasguard.code.modules import Entry, find_entry, resolve_python_import
from faasguard.code.python.index import ClassTable, PyModule, parse_imports, parse_module
from faasguard.code.regex import catastrophic
from faasguard.code.taint.base import (
    ANY_ITEM,
    ANY_KEY,
    SourcePath,
    SourceSpec,
    TaintFlow,
    TaintStep,
    relative_file,
    sources_for,
)
from faasguard.code.taint.spec import LanguageSpec, SinkSpec, language_spec
from faasguard.code.values import Gap
from faasguard.model import App, Function, Location, TriggerKind

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
_FIXED_HOST = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//[^/?#]+[/?#]|^/(?![/\\])")
_STRUCTURED_ENCODING = "structured"
#: Field key of a constant list index (``x[0]``): distinct from any dict key a handler
#: writes, read back as ``ANY_ITEM`` in access paths (sources do not name indexes).
_INDEX = "\x00"
_CONDITIONS = "boto3.dynamodb.conditions."
#: Builtins whose result holds exactly the elements of their arguments.
_PASS_THROUGH = frozenset(
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


def _dedupe(labels: Iterable[Label]) -> tuple[Label, ...]:
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
        head = _dedupe((*(a.head or ()), *(b.head or ())))
    return Val(
        labels=_dedupe((*a.labels, *b.labels)),
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
    return _access(side, key, _key_location(other.field(key), side, key))


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


def _taint_of(value: Val) -> tuple[Label, ...]:
    """Every label in ``value``, its fields included (a container passed whole)."""
    if not value.fields:
        return value.labels
    return _dedupe((*value.labels, *(lab for _, v in value.fields for lab in _taint_of(v))))


def _derived(value: Val, *, host_fixed: bool = False) -> tuple[Label, ...]:
    """The labels of a value built from ``value`` (no longer exactly the event field)."""
    return tuple(
        replace(lab, exact=False, host_fixed=lab.host_fixed or host_fixed)
        for lab in _taint_of(value)
    )


def _add_step(labels: tuple[Label, ...], step: TaintStep) -> tuple[Label, ...]:
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


def _with_step(value: Val, step: TaintStep) -> Val:
    if not value.labels:
        return value
    return replace(value, labels=_add_step(value.labels, step))


def _clean(value: Val, families: Iterable[str] = (ALL,)) -> Val:
    """``value`` sanitised for ``families`` (``ALL``: no longer tainted at all)."""
    extra = frozenset(families)

    def clean_labels(labels: tuple[Label, ...]) -> tuple[Label, ...]:
        return tuple(replace(lab, cleared=lab.cleared | extra) for lab in labels)

    fields = value.fields
    if fields is not None:
        fields = tuple((k, _clean(v, extra)) for k, v in fields)
    head = clean_labels(value.head) if value.head is not None else None
    return replace(value, labels=clean_labels(value.labels), head=head, fields=fields)


def _access(value: Val, segment: str, loc: Location) -> Val:
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


def _iterate(value: Val, loc: Location) -> Val:
    """An element of ``value`` when iterated (``for x in value``, comprehensions)."""
    return _access(value, ANY_ITEM, loc)


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
class _Module:
    key: str
    path: Path
    parsed: PyModule
    globals: dict[str, Val] = field(default_factory=dict)
    loaded: bool = False


@dataclass(slots=True)
class _FuncInfo:
    key: str
    name: str
    module: _Module
    node: ast.FunctionDef | ast.AsyncFunctionDef
    klass: str | None = None
    is_static: bool = False


@dataclass(slots=True)
class _ClassInfo:
    key: str
    name: str
    module: _Module
    attrs: dict[str, Val] = field(default_factory=dict)
    bases: list[Val] = field(default_factory=list)
    is_model: bool = False


class _Frame:
    """The function being summarised: its sinks and ``self`` fields."""

    def __init__(self, func: _FuncInfo | None, module: _Module) -> None:
        self.func = func
        self.module = module
        self.summary = Summary()
        self.name = func.name if func else "<module>"


class Program:
    """The modules of one code directory and the summaries of their functions."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.spec: LanguageSpec = language_spec("python")
        self.modules: dict[str, _Module] = {}
        self.funcs: dict[str, _FuncInfo] = {}
        self.classes: dict[str, _ClassInfo] = {}
        self.class_table = ClassTable()
        self.summaries: dict[str, Summary] = {}
        self.in_progress: set[str] = set()
        self.gaps: list[Gap] = []

    # ------------------------------------------------------------------ modules

    def module(self, path: Path) -> _Module | None:
        """The module at ``path``, its top level evaluated (imports, defs, constants)."""
        key = str(path)
        found = self.modules.get(key)
        if found is not None:
            return found
        parsed = parse_module(path)
        if isinstance(parsed, Gap):
            self.gaps.append(parsed)
            return None
        module = _Module(key=key, path=path, parsed=parsed)
        self.modules[key] = module
        frame = _Frame(None, module)
        env: dict[str, Val] = module.globals
        try:
            _Exec(self, frame, env).block(parsed.tree.body)
        except RecursionError:
            self.gaps.append(Gap("module too deeply nested to analyse", key))
        module.loaded = True
        return module

    def import_value(self, module: _Module, stmt: ast.Import | ast.ImportFrom) -> dict[str, Val]:
        """The values an import statement binds (local modules, or external names)."""
        out: dict[str, Val] = {}
        for imp in parse_imports(stmt):
            if imp.level == 0 and imp.module.split(".")[0] in self.external_packages:
                qual = f"{imp.module}.{imp.name}" if imp.name else imp.module
                out[imp.local] = Val(types=(qual,))
                continue
            if isinstance(stmt, ast.Import):
                target = resolve_python_import(self.root, module.path, imp.module, 0)
                if target is not None and imp.module.split(".")[0] == imp.local:
                    out[imp.local] = Val(module=str(target))
                else:
                    out[imp.local] = Val(types=(imp.module,))
                continue
            assert imp.name is not None
            sub = resolve_python_import(self.root, module.path, imp.module, imp.level, imp.name)
            if sub is not None:
                out[imp.local] = Val(module=str(sub))
                continue
            target = resolve_python_import(self.root, module.path, imp.module, imp.level)
            if target is not None:
                other = self.module(target)
                value = other.globals.get(imp.name) if other is not None else None
                out[imp.local] = value if value is not None else CLEAN
            elif imp.level == 0:
                out[imp.local] = Val(types=(f"{imp.module}.{imp.name}",))
            else:
                out[imp.local] = CLEAN
        return out

    @functools.cached_property
    def external_packages(self) -> frozenset[str]:
        """Top-level packages treated as libraries even when their files are in the code
        directory (``pip install -t .`` vendors them next to the handler): those installed
        there with a ``*.dist-info``/``*.egg-info`` record, and those the spec names (so
        ``requests.get`` stays the sink, not requests' own code)."""
        names: set[str] = set()
        spec = self.spec
        for callee in (*spec.sinks_by_callee, *spec.sanitize_all, *spec.parsers, *spec.decoders):
            if "." in callee and not callee.startswith("*"):
                names.add(callee.split(".")[0])
        try:
            records = [p for p in self.root.iterdir() if p.suffix in (".dist-info", ".egg-info")]
        except OSError:
            records = []
        for record in records:
            top_level = record / "top_level.txt"
            try:
                names.update(n.strip() for n in top_level.read_text().splitlines() if n.strip())
            except OSError:
                names.add(record.name.split("-")[0].replace("-", "_").lower())
        return frozenset(names)

    # ------------------------------------------------------------------ summaries

    def summary(self, key: str) -> Summary:
        """The summary of function ``key`` (computed once; empty while recursing)."""
        found = self.summaries.get(key)
        if found is not None:
            return found
        info = self.funcs.get(key)
        if info is None or key in self.in_progress or len(self.summaries) > MAX_SUMMARIES:
            return Summary()
        self.in_progress.add(key)
        frame = _Frame(info, info.module)
        env: dict[str, Val] = {}
        for index, name in enumerate(_param_names(info.node)):
            label = Label(root=index, path=(), exact=True)
            inst = info.klass if (index == 0 and info.klass and not info.is_static) else None
            env[name] = Val(labels=(label,), inst=inst)
        try:
            _Exec(self, frame, env).block(info.node.body)
        except RecursionError:
            self.gaps.append(
                Gap("function too deeply nested to analyse", info.module.key, info.node.lineno)
            )
        self.in_progress.discard(key)
        self.summaries[key] = frame.summary
        return frame.summary


def _param_names(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


# ---------------------------------------------------------------------------- instantiation


def _instantiate_label(label: Label, args: Sequence[Val], step: TaintStep) -> tuple[Label, ...]:
    """``label`` (rooted at a callee parameter) in terms of the caller's argument values."""
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
                extra = _instantiate_label(below, [joined], step)
                break
            if current.labels:
                break
            return ()
        current = known
        consumed += 1
    rest = label.path[consumed:]
    bases = current.labels if rest or not label.exact else _taint_of(current)
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
    return _dedupe((*out, *extra)) if extra else tuple(out)


def instantiate(value: Val, args: Sequence[Val], step: TaintStep) -> Val:
    """A callee-relative value (return value, ``self`` field) in the caller's terms."""
    labels = _dedupe(lab2 for lab in value.labels for lab2 in _instantiate_label(lab, args, step))
    head = None
    if value.head is not None:
        head = _dedupe(lab2 for lab in value.head for lab2 in _instantiate_label(lab, args, step))
    fields = None
    if value.fields is not None:
        fields = tuple((k, instantiate(v, args, step)) for k, v in value.fields)
    return replace(value, labels=labels, head=head, fields=fields)


# ---------------------------------------------------------------------------- execution


def _loc(module: _Module, node: ast.AST) -> Location:
    return Location(
        file=module.key,
        line=getattr(node, "lineno", 0),
        column=getattr(node, "col_offset", -1) + 1,
    )


def _terminates(body: Sequence[ast.stmt]) -> bool:
    """True when ``body`` always leaves the enclosing block (return, raise, continue...)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.If):
        return _terminates(last.body) and _terminates(last.orelse)
    return False


class _Exec:
    """Evaluates one function body (or module body) over abstract values."""

    def __init__(self, program: Program, frame: _Frame, env: dict[str, Val]) -> None:
        self.p = program
        self.frame = frame
        self.module = frame.module
        self.env = env

    # ------------------------------------------------------------------ names

    def lookup(self, name: str) -> Val | None:
        """The value of ``name``: local, then module global (``None``: unbound/builtin)."""
        found = self.env.get(name)
        if found is not None:
            return found
        return self.module.globals.get(name)

    def loc(self, node: ast.AST) -> Location:
        """Where ``node`` is."""
        return _loc(self.module, node)

    def step(self, node: ast.AST, message: str) -> TaintStep:
        """A trace step at ``node``."""
        return TaintStep(location=self.loc(node), message=message)

    # ------------------------------------------------------------------ statements

    def block(self, body: Sequence[ast.stmt]) -> bool:
        """Run ``body``; True when it always leaves (the rest of the block is unreachable)."""
        # A plain loop, not any(): statements must run one by one until one leaves.
        for stmt in body:  # noqa: SIM110 - see above
            if self.stmt(stmt):
                return True
        return False

    def fork(self) -> _Exec:
        """A copy of this evaluation for one branch."""
        return _Exec(self.p, self.frame, dict(self.env))

    def merge(self, *branches: _Exec) -> None:
        """Join the environments of ``branches`` into this one."""
        names = {n for b in branches for n in b.env}
        for name in names:
            values = [b.env.get(name, CLEAN) for b in branches]
            self.env[name] = join_all(values)

    def stmt(self, node: ast.stmt) -> bool:
        """Run one statement; True when it always leaves the block."""
        if isinstance(node, ast.Expr):
            self.eval(node.value)
        elif isinstance(node, ast.Assign):
            value = self.eval(node.value)
            for target in node.targets:
                self.assign(target, value, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value), node.value)
        elif isinstance(node, ast.AugAssign):
            current = self.eval(node.target) if isinstance(node.target, ast.Name) else CLEAN
            self.assign(node.target, self.binop(current, self.eval(node.value), node.op), None)
        elif isinstance(node, ast.Return):
            if node.value is not None and self.frame.func is not None:
                value = self.eval(node.value)
                value = _with_step(value, self.step(node, f"returned by {self.frame.name}()"))
                self.frame.summary.returns = join(self.frame.summary.returns, value)
            return True
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self.eval(node.exc)
            return True
        elif isinstance(node, ast.Continue | ast.Break):
            return True
        elif isinstance(node, ast.If):
            return self.if_(node.test, node.body, node.orelse)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.loop(node.body, node.orelse, node.target, node.iter)
        elif isinstance(node, ast.While):
            self.loop(node.body, node.orelse, None, node.test)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.eval(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, value, item.context_expr)
            return self.block(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.try_(node)
        elif isinstance(node, ast.Assert):
            self.narrow(node.test, truth=True)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self.env.update(self.p.import_value(self.module, node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.define_function(node, None)
        elif isinstance(node, ast.ClassDef):
            self.define_class(node)
        elif isinstance(node, ast.Match):
            subject = self.eval(node.subject)
            branches = []
            for case in node.cases:
                branch = self.fork()
                for name_node in ast.walk(case.pattern):
                    name = getattr(name_node, "name", None)
                    if isinstance(name, str):
                        branch.env[name] = subject
                branch.block(case.body)
                branches.append(branch)
            self.merge(self, *branches)
        return False

    def if_(self, test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt]) -> bool:
        """Both branches, each with the condition's narrowing; the continuing env after."""
        self.eval(test)
        then, other = self.fork(), self.fork()
        then.narrow(test, truth=True)
        other.narrow(test, truth=False)
        then_leaves = then.block(body)
        other_leaves = other.block(orelse)
        if then_leaves and other_leaves:
            self.env = then.env
            return True
        if then_leaves:
            self.env = other.env
        elif other_leaves:
            self.env = then.env
        else:
            self.env = {}
            self.merge(then, other)
        return False

    def loop(
        self,
        body: list[ast.stmt],
        orelse: list[ast.stmt],
        target: ast.expr | None,
        iterable: ast.expr,
    ) -> None:
        """Run the loop body twice (loop-carried taint), then join with "never ran"."""
        before = self.fork()
        source = self.eval(iterable)
        current = self.fork()
        for _ in range(2):
            if target is not None:
                current.assign(target, _iterate(source, self.loc(iterable)), iterable)
            current.block(body)
            joined = self.fork()
            joined.merge(joined, current)
            current = joined
        self.merge(before, current)
        self.block(orelse)

    def try_(self, node: ast.Try | ast.TryStar) -> None:
        """Body, then every handler from the joined state, then ``else`` and ``finally``."""
        before = self.fork()
        body = self.fork()
        body_leaves = body.block(node.body)
        branches = [] if body_leaves else [body]
        for handler in node.handlers:
            branch = self.fork()
            branch.merge(before, body)
            if handler.name:
                branch.env[handler.name] = CLEAN
            if not branch.block(handler.body):
                branches.append(branch)
        if not body_leaves and node.orelse:
            body.block(node.orelse)
        self.env = {}
        self.merge(*(branches or [body]))
        self.block(node.finalbody)

    # ------------------------------------------------------------------ definitions

    def define_function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, klass: str | None
    ) -> str:
        """Register a function (or method) and bind its name."""
        owner = self.frame.func.key + ".<locals>." if self.frame.func else ""
        prefix = f"{klass}." if klass else f"{self.module.key}::{owner}"
        key = f"{prefix}{node.name}"
        static = any(
            isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
            for d in node.decorator_list
        )
        self.p.funcs[key] = _FuncInfo(
            key=key, name=node.name, module=self.module, node=node, klass=klass, is_static=static
        )
        if klass is None:
            self.env[node.name] = Val(funcs=(key,))
        return key

    def define_class(self, node: ast.ClassDef) -> None:
        """Register a class: its methods and class-level constants."""
        key = f"{self.module.key}::{node.name}"
        info = _ClassInfo(key=key, name=node.name, module=self.module)
        info.bases = [self.eval(b) for b in node.bases]
        info.is_model = any(
            t.startswith("pydantic.") or t.endswith("BaseModel")
            for b in info.bases
            for t in b.types
        ) or any(self.p.classes.get(b.klass or "", info).is_model for b in info.bases if b.klass)
        self.p.classes[key] = info
        self.p.class_table.define(key, (b.klass for b in info.bases if b.klass))
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self.p.class_table.add_method(key, stmt.name, self.define_function(stmt, key))
            elif isinstance(stmt, ast.Assign):
                value = self.eval(stmt.value)
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        info.attrs[target.id] = value
        self.env[node.name] = Val(klass=key)

    def method_of(self, klass: str, name: str) -> str | None:
        """The method ``name`` of ``klass`` or of a base class defined in the code."""
        return self.p.class_table.method_of(klass, name)

    # ------------------------------------------------------------------ assignment

    def assign(self, target: ast.expr, value: Val, source: ast.expr | None) -> None:
        """Bind ``value`` to ``target`` (names, unpacking, attributes, subscripts)."""
        if isinstance(target, ast.Name):
            self.env[target.id] = _with_step(value, self.step(target, f"assigned to {target.id}"))
        elif isinstance(target, ast.Tuple | ast.List):
            elements = (
                source.elts
                if isinstance(source, ast.Tuple | ast.List) and len(source.elts) == len(target.elts)
                else None
            )
            for index, item in enumerate(target.elts):
                element = item.value if isinstance(item, ast.Starred) else item
                if elements is not None and not isinstance(elements[index], ast.Starred):
                    self.assign(element, self.eval(elements[index]), elements[index])
                else:
                    self.assign(element, value, None)
        elif isinstance(target, ast.Attribute):
            stepped = _with_step(value, self.step(target, f"stored in .{target.attr}"))
            self.store_field(target.value, target.attr, stepped)
        elif isinstance(target, ast.Subscript):
            key = _field_key(target.slice)
            stepped = _with_step(value, self.step(target, "stored in a container"))
            # ``x[-1] = v`` may be any index: stored as an unknown key, not a known field.
            known = key is not None and key != ANY_ITEM
            self.store_field(target.value, key if key is not None and known else ANY_KEY, stepped)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, None)

    def store_field(self, owner: ast.expr, name: str, value: Val) -> None:
        """``owner.name = value`` / ``owner[name] = value`` on a local name (or ``self``)."""
        if not isinstance(owner, ast.Name):
            return
        current = self.lookup(owner.id) or CLEAN
        is_self = (
            self.frame.func is not None
            and self.frame.func.klass is not None
            and _param_names(self.frame.func.node)[:1] == [owner.id]
        )
        if is_self and name != ANY_KEY:
            fields = self.frame.summary.self_fields
            fields[name] = join(fields[name], value) if name in fields else value
        if name == ANY_KEY:
            extra = _derived(value)
            fields_any = current.fields
            if fields_any is not None and extra:
                # ``d[k] = v`` with an unknown ``k`` may overwrite any known entry.
                fields_any = tuple((k, join(v, Val(labels=extra))) for k, v in fields_any)
            updated = replace(current, labels=_dedupe((*current.labels, *extra)), fields=fields_any)
        else:
            fields_now = dict(current.fields or ())
            fields_now[name] = value
            updated = replace(current, fields=tuple(fields_now.items()))
        self.env[owner.id] = updated

    # ------------------------------------------------------------------ narrowing

    def narrow(self, test: ast.expr, *, truth: bool) -> None:
        """Clean what ``test`` being ``truth`` proves safe (allow-lists, casts, prefixes)."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            self.narrow(test.operand, truth=not truth)
            return
        if isinstance(test, ast.BoolOp):
            if isinstance(test.op, ast.And) and truth:
                for value in test.values:
                    self.narrow(value, truth=True)
            elif isinstance(test.op, ast.Or) and not truth:
                for value in test.values:
                    self.narrow(value, truth=False)
            return
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            positive = isinstance(op, ast.In | ast.Eq | ast.Is)
            negative = isinstance(op, ast.NotIn | ast.NotEq | ast.IsNot)
            if (positive and truth) or (negative and not truth):
                comparator = self.eval(right)
                is_none = isinstance(right, ast.Constant) and right.value is None
                # ``x in ALLOWED`` / ``x == "csv"``: x can only be one of the listed values.
                if not _taint_of(comparator) and not is_none:
                    self.clean_name(test.left, (ALL,))
            return
        if isinstance(test, ast.Call) and truth:
            self.narrow_call(test)

    def narrow_call(self, test: ast.Call) -> None:
        """``re.fullmatch(P, x)``, ``x.isdigit()``, ``isinstance(x, int)``,
        ``path.startswith(BASE)`` on a normalised path."""
        func = test.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in ("isdigit", "isdecimal", "isnumeric", "isalnum", "isalpha"):
                self.clean_name(func.value, (ALL,))
                return
            if method == "startswith":
                owner = self.eval(func.value)
                if any(lab.normalized for lab in owner.labels):
                    self.clean_name(func.value, ("path-traversal",))
                return
        quals = self.callee_names(func)
        if quals & self.p.spec.regex_validators:
            receiver = self.eval(func.value) if isinstance(func, ast.Attribute) else CLEAN
            pattern = receiver.const if "re.compile()" in receiver.types else None
            target_index = 0 if pattern is not None else 1
            if pattern is None and test.args:
                pattern = self.eval(test.args[0]).const
            full = any(q.endswith("fullmatch") for q in quals)
            if (
                pattern is not None
                and (full or pattern.endswith(("$", r"\Z")))
                and len(test.args) > target_index
            ):
                self.clean_name(test.args[target_index], (ALL,))
            return
        if isinstance(func, ast.Name) and func.id == "isinstance" and test.args:
            self.clean_name(test.args[0], (ALL,))

    def clean_name(self, node: ast.expr, families: Iterable[str]) -> None:
        """Sanitise what ``node`` names: a variable, or a constant key below one
        (``job["name"]``, ``event["Records"][0]["body"]``, ``job.get("name")``)."""
        chain = _key_chain(node)
        if chain is not None:
            name, keys = chain
            current = self.lookup(name)
            if current is not None:
                self.env[name] = _narrow_key(current, keys, frozenset(families), self.loc(node))
            return
        if isinstance(node, ast.Name):
            current = self.lookup(node.id)
            if current is not None:
                self.env[node.id] = _clean(current, families)
        elif isinstance(node, ast.Attribute):
            # ``urlparse(url).hostname in ALLOWED_HOSTS`` vouches for ``url``.
            if isinstance(node.value, ast.Call):
                self.clean_name(node.value, families)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            # ``if int(x) > 0`` proves nothing, but ``str(x) in ALLOWED`` cleans ``x``.
            if node.func.id in ("str", "urlparse", "urlsplit"):
                self.clean_name(node.args[0], families)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("lower", "upper", "strip", "casefold"):
                self.clean_name(node.func.value, families)
            elif node.func.attr in ("urlparse", "urlsplit") and node.args:
                self.clean_name(node.args[0], families)

    # ------------------------------------------------------------------ expressions

    def eval(self, node: ast.expr) -> Val:
        """The abstract value of ``node`` (records sinks met on the way)."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return Val(const=node.value, prefix=node.value)
            if isinstance(node.value, bool):
                return Val(boolean=node.value)
            return CLEAN
        if isinstance(node, ast.Name):
            found = self.lookup(node.id)
            return found if found is not None else Val(types=(node.id,))
        if isinstance(node, ast.Attribute):
            return self.attribute(self.eval(node.value), node.attr, node)
        if isinstance(node, ast.Subscript):
            base = self.eval(node.value)
            if isinstance(node.slice, ast.Slice):
                return Val(labels=_derived(base))
            key = _field_key(node.slice)
            self.eval(node.slice)
            return _access(base, key if key is not None else ANY_KEY, self.loc(node))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node)
        if isinstance(node, ast.FormattedValue):
            return Val(labels=_derived(self.eval(node.value)))
        if isinstance(node, ast.BinOp):
            return self.binop(self.eval(node.left), self.eval(node.right), node.op)
        if isinstance(node, ast.BoolOp):
            return join_all(self.eval(v) for v in node.values)
        if isinstance(node, ast.IfExp):
            self.eval(node.test)
            then, other = self.fork(), self.fork()
            then.narrow(node.test, truth=True)
            other.narrow(node.test, truth=False)
            return join(then.eval(node.body), other.eval(node.orelse))
        if isinstance(node, ast.Dict):
            return self.dict_(node)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            elements = [self.eval(e) for e in node.elts]
            head = elements[0].labels if elements and not isinstance(node, ast.Set) else None
            labels = _dedupe(lab for e in elements for lab in _taint_of(e))
            return Val(labels=labels, head=head)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        if isinstance(node, ast.Await | ast.Starred):
            return self.eval(node.value)
        if isinstance(node, ast.NamedExpr):
            value = self.eval(node.value)
            self.assign(node.target, value, node.value)
            return value
        if isinstance(node, ast.Compare):
            self.eval(node.left)
            for comparator in node.comparators:
                self.eval(comparator)
            return CLEAN
        if isinstance(node, ast.UnaryOp):
            self.eval(node.operand)
            return CLEAN
        return CLEAN

    def attribute(self, base: Val, name: str, node: ast.expr) -> Val:
        """``base.name``: a module member, an instance field, a class attribute, or the
        taint path extended."""
        if base.module is not None:
            module = self.p.modules.get(base.module) or self.p.module(Path(base.module))
            if module is not None:
                member = module.globals.get(name)
                if member is not None:
                    return member
                sub = resolve_python_import(self.p.root, module.path, None, 1, name)
                if sub is not None and module.path.name == "__init__.py":
                    return Val(module=str(sub))
            return CLEAN
        known = base.field(name)
        if known is not None:
            return known
        for klass in (base.inst, base.klass):
            if klass is None:
                continue
            info = self.p.classes.get(klass)
            if info is not None and name in info.attrs:
                return info.attrs[name]
        types = tuple(f"{t}.{name}" for t in base.types)
        return replace(_access(replace(base, fields=None), name, self.loc(node)), types=types)

    def fstring(self, node: ast.JoinedStr) -> Val:
        """An f-string: taint of its parts; a constant beginning that fixes a URL host
        (``f"https://api.example.com/{x}"``) marks everything after it."""
        known: str | None = ""  # the constant text so far (None after an unknown part)
        fixed = False
        labels: list[Label] = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                if known is not None:
                    known += part.value
                    fixed = fixed or bool(_FIXED_HOST.match(known))
                continue
            value = self.eval(part.value if isinstance(part, ast.FormattedValue) else part)
            labels.extend(_derived(value, host_fixed=fixed))
            if known is not None and value.const is not None:
                known += value.const
            else:
                prefix = known if known is not None else ""
                known = None
                del prefix
        if known is not None:
            return Val(labels=_dedupe(labels), const=known, prefix=known)
        first_unknown = ""
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                first_unknown += part.value
            else:
                break
        return Val(labels=_dedupe(labels), prefix=first_unknown)

    def binop(self, left: Val, right: Val, op: ast.operator) -> Val:
        """``+`` concatenates, ``%`` formats: the result carries both sides' taint."""
        if isinstance(op, ast.Add | ast.Mod):
            known = left.const if left.const is not None else left.prefix
            if isinstance(op, ast.Mod) and left.const is not None:
                known = left.const.split("%", 1)[0]
            fixed = bool(known and _FIXED_HOST.match(known))
            labels = _dedupe((*_derived(left), *_derived(right, host_fixed=fixed)))
            const = None
            if isinstance(op, ast.Add) and left.const is not None and right.const is not None:
                const = left.const + right.const
            prefix = left.const + right.prefix if left.const is not None else left.prefix
            if isinstance(op, ast.Mod):
                prefix = known or ""
            head = None
            if left.head is not None:
                head = left.head
            return Val(labels=labels, const=const, prefix=prefix, head=head)
        return Val(labels=_dedupe((*_derived(left), *_derived(right))))

    def dict_(self, node: ast.Dict) -> Val:
        """A dict literal: known fields; a response ``headers`` entry is checked for a
        tainted ``Location`` (open redirect)."""
        fields: dict[str, Val] = {}
        extra: list[Label] = []
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            value = self.eval(value_node)
            if key_node is None:
                extra.extend(_taint_of(value))
                fields.update(value.fields or ())
                continue
            key = self.eval(key_node).const
            if key is None:
                extra.extend(_taint_of(value))
                continue
            fields[key] = value
            if key.lower() in ("headers", "multivalueheaders"):
                self.check_headers(value, value_node)
        return Val(labels=_dedupe(extra), fields=tuple(fields.items()))

    def check_headers(self, headers: Val, node: ast.expr) -> None:
        """Response headers whose redirect target is attacker-controlled."""
        for name, value in headers.fields or ():
            family = self.p.spec.response_headers.get(name.lower())
            labels = _taint_of(value)
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
            inner.assign(generator.target, _iterate(iterable, self.loc(generator.iter)), None)
            for condition in generator.ifs:
                inner.narrow(condition, truth=True)
        if isinstance(node, ast.DictComp):
            key, value = inner.eval(node.key), inner.eval(node.value)
            return Val(labels=_dedupe((*_taint_of(key), *_taint_of(value))))
        element = inner.eval(node.elt)
        return Val(labels=_taint_of(element))

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

        # External code: qualified names.
        if isinstance(func, ast.Attribute):
            base_types = receiver.types if receiver is not None else ()
            quals = {f"{t}.{method}" for t in base_types} | {f"*.{method}"}
            if receiver is not None and receiver.module:
                quals |= set(target.types)
        else:
            quals = set(target.types)
        return self.external(node, quals, receiver, args, kwargs, method)

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
            return Val(labels=_dedupe(lab for a in args for lab in _derived(a)))
        params = _param_names(info.node)
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
                    bound_args[slot] = join(bound_args[slot], Val(labels=_taint_of(value)))
        summary = self.p.summary(key)
        step = self.step(node, f"passed to {info.name}()")
        for hit in summary.sinks:
            labels = _dedupe(
                lab2 for lab in hit.labels for lab2 in _instantiate_label(lab, bound_args, step)
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
        params = _param_names(self.p.funcs[init].node)
        full = [CLEAN] * len(params)
        for index, value in enumerate(bound_args[: len(params)]):
            full[index] = value
        for keyword, value in kwargs.items():
            if keyword in params:
                full[params.index(keyword)] = value
        fields = tuple((k, instantiate(v, full, step)) for k, v in summary.self_fields.items())
        return Val(inst=klass, fields=fields)

    def external(
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
            return _clean(Val(labels=_derived(join_all(every))), families)
        if quals & spec.clean_results:
            return Val(types=tuple(f"{q}()" for q in quals if not q.startswith("*.")))
        if quals & spec.normalizers:
            base = join_all(every) if not (receiver and method == "resolve") else receiver
            labels = tuple(replace(lab, normalized=True, exact=False) for lab in _taint_of(base))
            return Val(labels=labels)
        shown = _callee_text(node.func)
        if quals & spec.parsers:
            labels = tuple(replace(lab, parsed=True) for a in args[:1] for lab in _taint_of(a))
            return Val(labels=_add_step(labels, self.step(node, f"parsed by {shown}()")))
        if quals & spec.decoders:
            # ``str(x)`` is a string whatever ``x`` was (no operator objects survive it).
            stringify = bool(quals & {"str", "repr", "format"})
            labels = tuple(
                replace(lab, exact=False) if stringify else lab
                for a in args[:1]
                for lab in _taint_of(a)
            )
            return Val(labels=_add_step(labels, self.step(node, f"decoded by {shown}()")))
        types = tuple(f"{q}()" for q in sorted(quals) if not q.startswith("*."))
        consts = tuple(
            (k, v) for k, v in kwargs.items() if v.const is not None or v.boolean is not None
        )
        if "re.compile" in quals and args:
            return Val(types=("re.compile()",), const=args[0].const, labels=_derived(args[0]))
        if quals & _PASS_THROUGH:
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
                value = _access(receiver, key if key is not None else ANY_KEY, self.loc(node))
                return join(value, args[1]) if len(args) > 1 else value
            if method in ("items", "values"):
                return _access(receiver, ANY_KEY, self.loc(node))
            if method in ("keys", "copy", "__getitem__"):
                return receiver
            if method == "format" and receiver.const is not None:
                known = receiver.const.split("{", 1)[0]
                fixed = bool(_FIXED_HOST.match(known))
                labels = _dedupe(lab for a in every for lab in _derived(a, host_fixed=fixed))
                return Val(labels=labels, prefix=known)
            if method == "join":
                return Val(
                    labels=_dedupe(
                        (*_derived(receiver), *(lab for a in args for lab in _derived(a)))
                    )
                )
            labels = _dedupe((*_derived(receiver), *(lab for a in every for lab in _derived(a))))
            return Val(labels=labels, types=types, fields=consts or None)
        labels = _dedupe(lab for a in every for lab in _derived(a))
        return Val(labels=labels, types=types, fields=consts or None)

    # ------------------------------------------------------------------ sinks

    def check_sink(
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
                labels = _dedupe(lab for v in values for lab in _taint_of(v))
            else:
                labels = _dedupe(
                    lab for v in values for lab in (v.head if v.head is not None else v.labels)
                )
        elif when == "unsafe_yaml_loader":
            loader = kwargs.get("Loader") or (args[1] if len(args) > 1 else None)
            safe = {"yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader", "yaml.CBaseLoader"}
            if loader is not None and (set(loader.types) & safe or loader.funcs):
                return
            labels = _dedupe(lab for v in values for lab in _taint_of(v))
        elif when == "mongo_query":
            labels, require = self.mongo_labels(values[0])
        elif when == "string_expression":
            # ``Key("id").eq(x)`` builds a condition object with placeholders: safe.
            values = [v for v in values if not any(t.startswith(_CONDITIONS) for t in v.types)]
            labels = _dedupe(lab for v in values for lab in _taint_of(v))
        elif when == "url_host":
            labels, require = _dedupe(lab for v in values for lab in _taint_of(v)), "host"
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
            labels = _dedupe(lab for v in values for lab in _taint_of(v))
        elif when in ("catastrophic_pattern_arg0", "catastrophic_pattern_receiver"):
            pattern = (
                (args[0].const if args else None)
                if when == "catastrophic_pattern_arg0"
                else (receiver.const if receiver is not None else None)
            )
            if pattern is None or not catastrophic(pattern):
                return
            labels = _dedupe(lab for v in values for lab in _taint_of(v))
        else:
            labels = _dedupe(lab for v in values for lab in _taint_of(v))
        labels = tuple(
            lab for lab in labels if ALL not in lab.cleared and sink.family not in lab.cleared
        )
        if labels:
            callee = _callee_text(node.func) + "()" if qual.startswith("*.") else qual + "()"
            self.record(sink.family, callee, node, labels, require)

    def mongo_labels(self, query: Val) -> tuple[tuple[Label, ...], str]:
        """``$where`` code is always dangerous; other filter values only when they can be
        objects (parsed JSON): ``{"user": {"$ne": null}}`` is operator injection."""
        where = query.field("$where")
        if where is not None and _taint_of(where):
            return _taint_of(where), ""
        if query.fields is not None:
            # Known entries, and whatever else the filter carries (a parsed body with one
            # key checked).
            return _dedupe(
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


def _callee_text(func: ast.expr) -> str:
    """How a callee is written (``DB.execute``), shortened for messages."""
    text = ast.unparse(func)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_key(node: ast.expr) -> str | None:
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


def _key_chain(node: ast.expr) -> tuple[str, list[str]] | None:
    """``job["spec"]["name"]`` → ``("job", ["spec", "name"])``: constant keys (or
    ``.get("key")``) below a plain name; ``None`` for anything else."""
    keys: list[str] = []
    while True:
        key: str | None
        if isinstance(node, ast.Subscript):
            key, node = _field_key(node.slice), node.value
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


def _narrow_key(value: Val, keys: Sequence[str], families: frozenset[str], loc: Location) -> Val:
    """``value`` with ``value[keys[0]][keys[1]]...`` sanitised for ``families``: the entry
    becomes a known field; the value keeps its own taint for every other key."""
    inner = _access(value, keys[0], loc)
    cleaned = (
        _clean(inner, families) if len(keys) == 1 else _narrow_key(inner, keys[1:], families, loc)
    )
    fields = dict(value.fields or ())
    fields[keys[0]] = cleaned
    return replace(value, fields=tuple(fields.items()))


# ---------------------------------------------------------------------------- the analyzer


class PythonTaintAnalyzer:
    """Finds taint flows in Python handlers (registered for ``flows_for``)."""

    language = "python"

    def __init__(self) -> None:
        self._programs: dict[str, tuple[tuple[tuple[str, int], ...], Program]] = {}
        self.gaps: dict[str, list[Gap]] = {}

    def program(self, root: Path) -> Program:
        """The (cached) program of a code directory; rebuilt when one of its files changed."""
        key = str(root)
        cached = self._programs.get(key)
        if cached is not None:
            stamps, program = cached
            if all(_mtime(name) == stamp for name, stamp in stamps):
                return program
        program = Program(root)
        self._programs[key] = ((), program)
        return program

    def _remember(self, root: Path, program: Program) -> None:
        stamps = tuple((name, _mtime(name)) for name in sorted(program.modules))
        self._programs[str(root)] = (stamps, program)

    def analyze(self, fn: Function, app: App) -> list[TaintFlow]:
        """Every flow from a source of ``fn``'s triggers to a sink in its handler code."""
        entry = find_entry(fn, app)
        if not isinstance(entry, Entry) or entry.language != "python":
            return []
        spec = sources_for(fn)
        if spec.empty:
            return []
        program = self.program(entry.root)
        module = program.module(entry.file)
        self._remember(entry.root, program)
        self.gaps[fn.ref] = list(program.gaps)
        if module is None:
            return []
        handler = module.globals.get(entry.export)
        if handler is None or not handler.funcs:
            missing = Gap(f"handler {entry.export} not found", str(entry.file))
            program.gaps.append(missing)
            self.gaps[fn.ref].append(missing)
            return []
        key = handler.funcs[0]
        info = program.funcs[key]
        if _validated_by_decorator(info, program):
            return []
        summary = program.summary(key)
        self._remember(entry.root, program)
        params = _param_names(info.node)
        event_name = params[0] if params else "event"
        handler_loc = _loc(info.module, info.node)
        return _resolve(summary, spec, entry, event_name, handler_loc)


def _validated_by_decorator(info: _FuncInfo, program: Program) -> bool:
    """``@validator(inbound_schema=...)`` (Powertools) validates the whole event."""
    for decorator in info.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        value: Val | None = None
        if isinstance(target, ast.Name):
            value = info.module.globals.get(target.id)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            base = info.module.globals.get(target.value.id)
            if base is not None:
                value = Val(types=tuple(f"{t}.{target.attr}" for t in base.types))
        validates = value is not None and set(value.types) & program.spec.validator_decorators
        if (
            validates
            and isinstance(decorator, ast.Call)
            and any(k.arg == "inbound_schema" for k in decorator.keywords)
        ):
            return True
    return False


def _mtime(name: str) -> int:
    try:
        return os.stat(name).st_mtime_ns
    except OSError:
        return -1


def _render_path(event_name: str, segments: Sequence[str]) -> str:
    out = [event_name]
    for segment in segments:
        if segment == ANY_ITEM:
            out.append("[i]")
        elif segment == ANY_KEY:
            out.append("[...]")
        else:
            out.append(f"[{segment!r}]")
    return "".join(out)


def _resolve(
    summary: Summary,
    spec: SourceSpec,
    entry: Entry,
    event_name: str,
    handler_loc: Location,
) -> list[TaintFlow]:
    """Turn the handler's sink hits on ``event`` labels into flows for the triggers."""
    flows: dict[tuple[str, int, int, str, str], TaintFlow] = {}
    for hit in summary.sinks:
        for label in hit.labels:
            if label.root != 0 or ALL in label.cleared or hit.family in label.cleared:
                continue
            segments = tuple(p[0] for p in label.path)
            source = spec.match(segments)
            if source is not None:
                depth = len(source.segments) or len(segments)
            else:
                under = spec.sources_under(segments)
                if not under:
                    continue
                source, depth = under[0], len(segments)
            if not _requirement_met(hit.require, label, source):
                continue
            source_loc = label.path[depth - 1][1] if depth > 0 else handler_loc
            # Steps taken before the source was read concern the container (``record``).
            skip = label.path[depth - 1][2] if depth > 0 else 0
            text = _render_path(event_name, segments[:depth])
            encoding = {"url": ", URL-encoded", "base64": ", base64-encoded"}.get(
                source.encoding, ""
            )
            source_step = TaintStep(
                location=source_loc, message=f"{text} ({source.label}{encoding})"
            )
            sink_step = TaintStep(location=hit.location, message=f"reaches {hit.callee}")
            rel = relative_file(hit.location.file, entry.root)
            dedupe = (hit.family, hit.location.line, hit.location.column, source.pattern, rel)
            if dedupe in flows:
                continue
            flows[dedupe] = TaintFlow(
                sink_family=hit.family,
                sink=sink_step,
                source=source_step,
                steps=tuple(s for s in label.steps[skip:] if s.location != hit.location),
                trigger_kinds=_kinds(source),
                language="python",
                key=f"{rel}:{hit.function}.{hit.callee}:{source.pattern}",
            )
    return sorted(flows.values(), key=lambda f: (f.sink.location.file, f.sink.location.line, f.key))


def _requirement_met(require: str, label: Label, source: SourcePath) -> bool:
    if require == "host":
        return not label.host_fixed
    if require == "operator":
        return label.exact and (
            label.parsed or source.encoding == _STRUCTURED_ENCODING or not source.segments
        )
    return True


def _kinds(source: SourcePath) -> tuple[TriggerKind, ...]:
    return source.kinds


def iter_flows(flows: Iterable[TaintFlow], family: str) -> Iterator[TaintFlow]:
    """The flows of one sink family."""
    return (f for f in flows if f.sink_family == family)


ANALYZER = PythonTaintAnalyzer()
