"""The shared taint interface: flows, analyzers, sources per trigger, dispatch and cache.

A :class:`TaintFlow` is one path from attacker-controlled data (a part of the handler's
``event`` argument that one of the function's triggers fills) to a dangerous call, with the
steps in between. A :class:`TaintAnalyzer` finds them for one language; rules call
:func:`flows_for`, which finds the handler file (:mod:`faasguard.code.modules`), picks the
analyzer for its language and caches the result so the rules share one analysis.

Analyzers register themselves: :func:`flows_for` imports ``faasguard.code.<language>.taint``
on first use and takes its module-level ``ANALYZER`` (or whatever the module passed to
:func:`register_analyzer` while importing). Tests may register a stub with
:func:`register_analyzer` directly.

Sources are data (``faasguard/data/taint/sources.json``, shared by both languages): event
access paths per trigger kind, such as ``Records[].s3.object.key``. A path is a dotted list
of keys; ``[]`` is "any element of a list" (``event['Records'][0]``, ``for r in
event['Records']``) and ``*`` is "any key" (``queryStringParameters.*``). The empty path is
the whole event (IoT rules deliver the payload itself as the event).
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from faasguard.code.modules import Entry, find_entry
from faasguard.model import App, Function, Location, TriggerKind

#: The sink families: what a flow ends in (the rules map families to findings).
SINK_FAMILIES: tuple[str, ...] = (
    "command-injection",
    "code-injection",
    "deserialization",
    "sql-injection",
    "nosql-injection",
    "path-traversal",
    "ssrf",
    "xxe",
    "template-injection",
    "open-redirect",
    "redos",
)

#: Access-path segment for "an element of a list" (an index or an iteration).
ANY_ITEM = "[]"
#: Access-path segment for "any key" (in a spec) or "a key not known statically" (in code).
ANY_KEY = "*"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaintStep:
    """One point of a taint path in the handler code."""

    location: Location
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TaintFlow:
    """Attacker-controlled data reaching a dangerous call.

    ``sink`` is where the finding points; ``source`` where the data enters (the event
    access); ``steps`` the assignments and calls in between, in order. ``trigger_kinds``
    are the function's triggers that deliver this source (empty: no known trigger, the
    whole event was treated as tainted). ``key`` discriminates flows in the fingerprint and
    must not contain line numbers: ``f"{relative file}:{sink callee}:{source path}"``.
    """

    sink_family: str
    sink: TaintStep
    source: TaintStep
    steps: tuple[TaintStep, ...] = ()
    trigger_kinds: tuple[TriggerKind, ...] = ()
    language: str = "python"
    key: str = ""


@runtime_checkable
class TaintAnalyzer(Protocol):
    """Finds the taint flows of one function's handler in one language.

    ``analyze`` never raises for bad code (syntax errors, unreadable files, constructs it
    cannot follow): it analyses what it can and records the rest as gaps.
    """

    language: str

    def analyze(self, fn: Function, app: App) -> list[TaintFlow]:
        """Every flow from a source of ``fn``'s triggers to a sink, in ``fn``'s code."""
        ...


# ---------------------------------------------------------------------------- sources


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcePath:
    """One attacker-controlled part of the event for some trigger kinds.

    ``encoding`` says how the value arrives (``url`` for S3 keys, ``base64`` for Kinesis,
    Kafka and MQ data, ``json`` for bodies that are usually parsed): it is a hint for
    messages, taint survives decoding either way.
    """

    pattern: str
    segments: tuple[str, ...]
    label: str
    kinds: tuple[TriggerKind, ...]
    encoding: str = ""


#: Event fields that the invoking AWS service writes, never the caller: a CloudFormation
#: custom resource's pre-signed ``ResponseURL`` (the function must PUT its answer there),
#: its ``StackId`` and ``ServiceToken``. Not sources even when the whole event is one.
SERVICE_WRITTEN = frozenset({"ResponseURL", "StackId", "ServiceToken"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceSpec:
    """The attacker-controlled parts of one function's ``event``.

    ``whole_event`` is set when the function has no trigger faasguard knows (invoked
    directly, or an ``other`` trigger): then every part of the event is a source.
    ``kinds`` are the function's known trigger kinds.
    """

    paths: tuple[SourcePath, ...] = ()
    whole_event: bool = False
    kinds: tuple[TriggerKind, ...] = ()

    def match(self, access: Sequence[str]) -> SourcePath | None:
        """The source that ``access`` (segments from ``event``) reads, at or below it.

        ``event['body']`` and ``event['body']['x']`` both match ``body``; ``event`` itself
        only matches when the whole event is a source.
        """
        if self.whole_event:
            if access and access[0] in SERVICE_WRITTEN:
                return None
            return _WHOLE_EVENT
        for path in self.paths:
            if len(access) >= len(path.segments) and _segments_match(
                path.segments, access[: len(path.segments)]
            ):
                return path
        return None

    def sources_under(self, access: Sequence[str]) -> tuple[SourcePath, ...]:
        """The sources strictly inside the container ``access`` reads (``event['Records']``
        holds ``Records[].body``): passing that container whole to a sink passes them."""
        if self.whole_event:
            return () if access and access[0] in SERVICE_WRITTEN else (_WHOLE_EVENT,)
        return tuple(
            path
            for path in self.paths
            if len(path.segments) > len(access)
            and _segments_match(path.segments[: len(access)], access)
        )

    @property
    def empty(self) -> bool:
        """True when nothing in the event is attacker-controlled (e.g. schedules only)."""
        return not self.whole_event and not self.paths


_WHOLE_EVENT = SourcePath(
    pattern="",
    segments=(),
    label="Lambda event (no known trigger: every field is treated as attacker-controlled)",
    kinds=(),
    encoding="structured",
)


def _segments_match(spec: Sequence[str], access: Sequence[str]) -> bool:
    for want, got in zip(spec, access, strict=True):
        if got in (want, ANY_KEY):
            continue
        if want == ANY_KEY and got != ANY_ITEM:
            continue
        return False
    return True


def parse_path(pattern: str) -> tuple[str, ...]:
    """``"Records[].s3.object.key"`` → ``("Records", "[]", "s3", "object", "key")``."""
    segments: list[str] = []
    for part in pattern.split(".") if pattern else ():
        key = part
        items = 0
        while key.endswith(ANY_ITEM):
            key = key[: -len(ANY_ITEM)]
            items += 1
        if key:
            segments.append(key)
        segments.extend([ANY_ITEM] * items)
    return tuple(segments)


@cache
def _source_table() -> dict[TriggerKind, tuple[SourcePath, ...]]:
    from faasguard.data import load_json  # noqa: PLC0415 - data is read lazily, on first use

    raw: dict[str, Any] = load_json("taint/sources.json")
    table: dict[TriggerKind, list[SourcePath]] = {}
    for kind_name, entries in raw["sources"].items():
        kind = TriggerKind(kind_name)
        for entry in entries:
            table.setdefault(kind, []).append(
                SourcePath(
                    pattern=entry["path"],
                    segments=parse_path(entry["path"]),
                    label=entry["label"],
                    kinds=(kind,),
                    encoding=entry.get("encoding", ""),
                )
            )
    return {kind: tuple(paths) for kind, paths in table.items()}


def sources_for(fn: Function) -> SourceSpec:
    """The parts of ``event`` an outsider controls, given ``fn``'s triggers (spec data).

    A function without triggers, or with a trigger of kind ``other``, has its whole event
    treated as attacker-controlled (it may be invoked by anything).
    """
    kinds = tuple(dict.fromkeys(trigger.kind for trigger in fn.triggers))
    if fn.url is not None and TriggerKind.FUNCTION_URL not in kinds:
        kinds = (*kinds, TriggerKind.FUNCTION_URL)
    if not kinds or TriggerKind.OTHER in kinds:
        return SourceSpec(whole_event=True, kinds=kinds)
    table = _source_table()
    merged: dict[str, SourcePath] = {}
    for kind in kinds:
        for path in table.get(kind, ()):
            known = merged.get(path.pattern)
            if known is None:
                merged[path.pattern] = path
            else:
                # One event shape shared by several triggers (REST API + ALB both send
                # ``body``): one source delivered by all of them.
                merged[path.pattern] = SourcePath(
                    pattern=known.pattern,
                    segments=known.segments,
                    label=known.label,
                    kinds=(*known.kinds, kind),
                    encoding=known.encoding,
                )
    return SourceSpec(paths=tuple(merged.values()), kinds=kinds)


# ---------------------------------------------------------------------------- dispatch

_ANALYZERS: dict[str, TaintAnalyzer] = {}
_CACHE: dict[tuple[str, str, str], tuple[tuple[tuple[str, int], ...], list[TaintFlow]]] = {}
_GAPS: dict[tuple[str, str, str], list[Any]] = {}
_LOCK = threading.Lock()
#: Results kept at most (a scan of a big monorepo must not grow the cache without bound).
_CACHE_LIMIT = 4096


def register_analyzer(analyzer: TaintAnalyzer) -> None:
    """Make ``analyzer`` the one :func:`flows_for` uses for ``analyzer.language``."""
    with _LOCK:
        _ANALYZERS[analyzer.language] = analyzer
        _CACHE.clear()


def analyzer_for(language: str) -> TaintAnalyzer | None:
    """The registered analyzer for ``language``, importing its module on first use."""
    analyzer = _ANALYZERS.get(language)
    if analyzer is not None:
        return analyzer
    try:
        module = importlib.import_module(f"faasguard.code.{language}.taint")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"faasguard.code.{language}", f"faasguard.code.{language}.taint"):
            raise
        return None
    analyzer = _ANALYZERS.get(language) or getattr(module, "ANALYZER", None)
    if analyzer is None:
        return None
    _ANALYZERS.setdefault(language, analyzer)
    return analyzer


def flows_for(fn: Function, app: App) -> list[TaintFlow]:
    """Every taint flow of ``fn``'s handler code (empty when the code is not analysable).

    Cached per (app root file, function ref, handler file) and revalidated against the
    modification times of the handler file and of every file a flow passes through, so
    rules of one scan share one analysis and an edited file is analysed again.
    """
    entry = find_entry(fn, app)
    if not isinstance(entry, Entry):
        return []
    key = (app.root_file, fn.ref, str(entry.file))
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None and _mtimes(name for name, _ in cached[0]) == cached[0]:
        return list(cached[1])
    analyzer = analyzer_for(entry.language)
    if analyzer is None:
        return []
    flows = analyzer.analyze(fn, app)
    # What the analyzer could not follow for this function (read right after the call:
    # analyzers keep their latest gaps per function ref).
    gaps = list(getattr(analyzer, "gaps", {}).get(fn.ref, ()))
    with _LOCK:
        _GAPS[key] = gaps
    # The template too: a changed trigger changes the sources.
    files = {str(entry.file), app.root_file}
    for flow in flows:
        files.update(
            step.location.file for step in (flow.source, *flow.steps, flow.sink) if step.location
        )
    with _LOCK:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = (_mtimes(sorted(files)), list(flows))
    return list(flows)


def gaps_for(fn: Function, app: App) -> list[Any]:
    """What made the analysis of ``fn`` incomplete (syntax errors, an unresolved handler,
    code nested too deeply), as :class:`faasguard.code.values.Gap` values; call after
    :func:`flows_for`."""
    entry = find_entry(fn, app)
    if not isinstance(entry, Entry):
        return []
    with _LOCK:
        return list(_GAPS.get((app.root_file, fn.ref, str(entry.file)), ()))


def _mtimes(files: Any) -> tuple[tuple[str, int], ...]:
    out: list[tuple[str, int]] = []
    for name in files:
        try:
            out.append((name, os.stat(name).st_mtime_ns))
        except OSError:
            out.append((name, -1))
    return tuple(out)


def clear_cache() -> None:
    """Forget every cached analysis (tests, long-running watch processes)."""
    with _LOCK:
        _CACHE.clear()


def relative_file(path: str | Path, root: Path) -> str:
    """``path`` relative to the code directory ``root`` (for flow keys), POSIX style."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()
