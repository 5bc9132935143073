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

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from faasguard.code.javascript.index import (
    package_path,
    parse_module,
)
from faasguard.code.javascript.routes import JsRoute, express_routes
from faasguard.code.javascript.taint_exec import Exec
from faasguard.code.javascript.taint_values import (
    EMPTY,
    Env,
    EventRef,
    FileState,
    Fn,
    Frame,
    HandlerCallback,
    Module,
    Ref,
    StopError,
    Values,
    js_spec,
)
from faasguard.code.modules import Entry, find_entry, resolve_js_module
from faasguard.code.taint.base import (
    SourcePath,
    SourceSpec,
    TaintFlow,
    parse_path,
    sources_for,
)
from faasguard.code.values import Gap
from faasguard.model import App, Function, TriggerKind


class Interpreter(Exec):
    """The abstract interpreter of one handler and the local modules it loads."""

    def load(self, path: Path) -> FileState | None:
        key = str(path)
        if key in self.files:
            return self.files[key]
        parsed = parse_module(path)
        if isinstance(parsed, Gap):
            self.gaps.append(parsed)
            self.files[key] = None
            return None
        state = FileState(path=path, module=parsed, env=Env(None))
        self.files[key] = state
        frame = Frame(file=state, name="<module>")
        try:
            self.block(parsed.root.named_children, state.env, frame)
        except StopError:
            raise
        except RecursionError:
            self.gaps.append(Gap("code nested too deeply to analyse", key))
        return state

    def require(self, specifier: str, state: FileState) -> Values:
        target = resolve_js_module(self.root, state.path, specifier)
        if target is not None:
            return frozenset({Module(str(target))}) if self.load(target) else EMPTY
        if specifier.startswith((".", "/")):
            return EMPTY
        package, path = package_path(specifier)
        if package == "mysql2" and path == ("promise",):
            return frozenset({Ref("mysql2")})
        return frozenset({Ref(package, path)})

    # ----------------------------------------------------------- entry

    def run_handler(self, entry: Entry) -> None:
        state = self.load(entry.file)
        if state is None:
            return
        exported = state.exports.get(entry.export, EMPTY)
        if not exported and state.default:
            exported = self.prop(
                state.default, entry.export, state.module.root, Frame(state, "<module>")
            )
        handlers = [v for v in exported if isinstance(v, Fn)]
        if not handlers:
            self.gaps.append(Gap(f"handler export {entry.export} not found", str(entry.file)))
            return
        frame = Frame(file=state, name="<lambda>", is_handler=True)
        event = frozenset({EventRef(())})
        for handler in handlers:
            returned = self.invoke(
                handler, [event, EMPTY, frozenset({HandlerCallback()})], None, frame
            )
            self.check_redirect(returned, frame)

    def run_routes(self, entry: Entry, routes: list[JsRoute]) -> None:
        """Call each Express route's answering function with the request as its ``req``
        (the interpreter's sources are then the request's parts, see :func:`_express_spec`)."""
        if self.load(entry.file) is None:
            return
        request = frozenset({EventRef(())})
        for route in routes:
            state = self.load(route.file)
            if state is None or route.handler is None:
                continue
            fn = Fn(str(route.file), route.handler.start_byte, self.env_id(state.env))
            frame = Frame(file=state, name="<route>", is_handler=True)
            self.invoke(fn, [request, EMPTY, EMPTY], None, frame)


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
    interp = Interpreter(entry.root, spec, structured)
    try:
        interp.run_handler(entry)
    except StopError as stop:
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


def analyse_routes(entry: Entry, kinds: tuple[TriggerKind, ...]) -> JsTaintResult:
    """Taint flows from the request of each Express route the handler's code declares
    (behind serverless-http or @codegenie/serverless-express), for HTTP triggers ``kinds``."""
    routes = [r for r in express_routes(entry) if r.handler is not None]
    if not routes or not kinds:
        return JsTaintResult(flows=(), gaps=(), files=())
    interp = Interpreter(entry.root, _express_spec(kinds), frozenset(_spec_structured()))
    try:
        interp.run_routes(entry, routes)
    except StopError as stop:
        interp.gaps.append(Gap(stop.reason, str(entry.file)))
    except RecursionError:
        interp.gaps.append(Gap("code nested too deeply to analyse", str(entry.file)))
    return JsTaintResult(
        flows=tuple(interp.flows.values()),
        gaps=tuple(interp.gaps),
        files=tuple(sorted(k for k, v in interp.files.items() if v is not None)),
    )


@cache
def _express_properties() -> tuple[str, ...]:
    from faasguard.data import load_json  # noqa: PLC0415 - data is read lazily, on first use

    return tuple(load_json("taint/frameworks.json")["javascript_request_properties"])


def _express_spec(kinds: tuple[TriggerKind, ...]) -> SourceSpec:
    """The parts of an Express request (``req``) an outsider controls."""
    paths = []
    for name in _express_properties():
        pattern = f"{name}.*" if name in ("query", "params", "headers", "cookies") else name
        paths.append(
            SourcePath(
                pattern=pattern,
                segments=parse_path(pattern),
                label=f"Express request {name}",
                kinds=kinds,
                encoding="structured" if name == "body" else "",
            )
        )
    return SourceSpec(paths=tuple(paths), kinds=kinds)


def _spec_structured() -> frozenset[str]:
    return js_spec().structured_sources


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
        spec = sources_for(fn)
        result = analyse_entry(entry, spec)
        kinds = tuple(k for k in spec.kinds if k.is_http)
        routes = analyse_routes(entry, kinds)
        gaps = list(result.gaps)
        if routes.files:
            # The handler is the adapter's (serverless-http(app)): its routes were analysed.
            gaps = [g for g in gaps if not g.message.startswith("handler export")]
        self.gaps[fn.ref] = [*gaps, *routes.gaps]
        return [*result.flows, *routes.flows]


ANALYZER = JavaScriptTaintAnalyzer()

__all__ = ["ANALYZER", "JavaScriptTaintAnalyzer", "JsTaintResult", "analyse_entry"]
