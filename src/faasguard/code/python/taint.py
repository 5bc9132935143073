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
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from faasguard.code.handler_files import local_files
from faasguard.code.modules import Entry, find_entry
from faasguard.code.python.taint_exec import Program
from faasguard.code.python.taint_values import (
    ALL,
    STRUCTURED_ENCODING,
    FuncInfo,
    Label,
    Summary,
    Val,
    node_location,
    param_names,
)
from faasguard.code.python.web import REQUEST_ROOT, View, route_views, serves_routes
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
from faasguard.code.values import Gap
from faasguard.model import App, Function, Location, TriggerKind

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
        views = self._views(program, entry)
        web = serves_routes(fn, handler, views)
        http_kinds = tuple(k for k in spec.kinds if k.is_http) or (
            (TriggerKind.API_REST,) if spec.whole_event and web else ()
        )
        flows: list[TaintFlow] = []
        if handler is not None and handler.funcs:
            key = handler.funcs[0]
            info = program.funcs[key]
            if not _validated_by_decorator(info, program):
                summary = program.summary(key)
                params = param_names(info.node)
                event_name = params[0] if params else "event"
                handler_loc = node_location(info.module, info.node)
                flows.extend(_resolve(summary, spec, entry, event_name, handler_loc))
                flows.extend(_resolve_web(summary, {}, entry, http_kinds, handler_loc))
        elif not web:
            missing = Gap(f"handler {entry.export} not found", str(entry.file))
            program.gaps.append(missing)
            self.gaps[fn.ref].append(missing)
            return []
        if web:
            for view in views:
                view_info = program.funcs.get(view.key)
                if view_info is None or (handler is not None and view.key in handler.funcs):
                    continue
                summary = program.summary(view.key)
                view_loc = node_location(view_info.module, view_info.node)
                flows.extend(_resolve_web(summary, view.params, entry, http_kinds, view_loc))
        self._remember(entry.root, program)
        return _dedupe_flows(flows)

    def _views(self, program: Program, entry: Entry) -> list[View]:
        """The route views of the handler's file and the local modules it imports."""
        modules = []
        for path in local_files(entry.root, entry.file, "python"):
            loaded = program.module(path)
            if loaded is not None:
                modules.append((loaded.key, loaded.parsed.tree))
        return route_views(modules)


def _validated_by_decorator(info: FuncInfo, program: Program) -> bool:
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


def _resolve_web(
    summary: Summary,
    params: dict[int, str],
    entry: Entry,
    http_kinds: tuple[TriggerKind, ...],
    entry_loc: Location,
) -> list[TaintFlow]:
    """Flows from a framework's request object (any entry) and from the request
    parameters of a route view (``params``: parameter index → label)."""
    if not http_kinds:
        return []
    flows: list[TaintFlow] = []
    for hit in summary.sinks:
        for label in hit.labels:
            if ALL in label.cleared or hit.family in label.cleared:
                continue
            if label.root == REQUEST_ROOT:
                type_name, _, text = label.path[0][0].partition("\0")
                segments = tuple(p[0] for p in label.path[1:])
                shown = type_name.rsplit(".", 1)[-1].removesuffix("()")
                rendered = shown + "".join(
                    "[i]" if s == ANY_ITEM else "[...]" if s == ANY_KEY else f".{s}"
                    for s in segments
                )
                structured = any(s in ("json", "json_body", "get_json") for s in segments)
                source = SourcePath(
                    pattern=f"{shown}.{'.'.join(segments)}",
                    segments=(),
                    label=f"{text}, HTTP request data",
                    kinds=http_kinds,
                    encoding=STRUCTURED_ENCODING if structured else "",
                )
                source_loc, skip = label.path[0][1], 0
            elif label.root in params:
                rendered = params[label.root]
                source = SourcePath(
                    pattern=f"param{label.root}",
                    segments=(),
                    label="HTTP request data",
                    kinds=http_kinds,
                    encoding=STRUCTURED_ENCODING,
                )
                source_loc, skip = entry_loc, 0
            else:
                continue
            if not _requirement_met(hit.require, label, source):
                continue
            rel = relative_file(hit.location.file, entry.root)
            flows.append(
                TaintFlow(
                    sink_family=hit.family,
                    sink=TaintStep(location=hit.location, message=f"reaches {hit.callee}"),
                    source=TaintStep(location=source_loc, message=f"{rendered} ({source.label})"),
                    steps=tuple(s for s in label.steps[skip:] if s.location != hit.location),
                    trigger_kinds=http_kinds,
                    language="python",
                    key=f"{rel}:{hit.function}.{hit.callee}:{source.pattern}",
                )
            )
    return flows


def _dedupe_flows(flows: list[TaintFlow]) -> list[TaintFlow]:
    """One flow per sink, family and source (the first found), in a stable order."""
    unique: dict[tuple[str, str, int, int, str], TaintFlow] = {}
    for flow in flows:
        where = flow.sink.location
        unique.setdefault((flow.sink_family, where.file, where.line, where.column, flow.key), flow)
    return sorted(
        unique.values(), key=lambda f: (f.sink.location.file, f.sink.location.line, f.key)
    )


def _requirement_met(require: str, label: Label, source: SourcePath) -> bool:
    if require == "host":
        return not label.host_fixed
    if require == "operator":
        return label.exact and (
            label.parsed or source.encoding == STRUCTURED_ENCODING or not source.segments
        )
    return True


def _kinds(source: SourcePath) -> tuple[TriggerKind, ...]:
    return source.kinds


def iter_flows(flows: Iterable[TaintFlow], family: str) -> Iterator[TaintFlow]:
    """The flows of one sink family."""
    return (f for f in flows if f.sink_family == family)


ANALYZER = PythonTaintAnalyzer()
