"""Loading the per-language taint specifications (sinks, sanitizers, guards, propagators).

The files live in ``faasguard/data/taint/`` (``python.json``, ``javascript.json``) and share
one schema, described in that directory's ``README.md``. They are read on first use, never
at import time, and parsed once into a :class:`LanguageSpec`. Each engine reads the parts
its language uses (a key a language has no use for is an empty list).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from faasguard.data import load_json

#: In a callee, ``*.name`` is the method ``name`` on any receiver.
ANY_RECEIVER = "*."


@dataclass(frozen=True, slots=True)
class SinkSpec:
    """One sink entry: calls named by ``callees`` are dangerous for ``family`` when the
    argument at one of ``args`` (positions) or ``kwargs`` (names) is tainted and the
    condition ``when`` (a predicate the engine implements, ``""`` for none) holds.

    ``props``: when the argument is an object literal, only these properties are dangerous;
    ``option``: the sink only counts when argument ``option[0]`` has the truthy key
    ``option[1]`` (``when`` is then ``option``); ``new``: the sink is a constructor call;
    ``message``: how findings describe it (``{callee}`` is replaced).
    """

    family: str
    callees: frozenset[str]
    args: tuple[int, ...]
    kwargs: tuple[str, ...]
    when: str = ""
    props: tuple[str, ...] = ()
    option: tuple[int, str] | None = None
    new: bool = False
    message: str = ""

    @property
    def methods(self) -> frozenset[str]:
        """The method names of ``*.name`` callees (a method on any receiver)."""
        return frozenset(
            c.removeprefix(ANY_RECEIVER) for c in self.callees if c.startswith(ANY_RECEIVER)
        )


@dataclass(frozen=True, slots=True)
class ResponseSink:
    """A response whose listed header (lower case) is tainted is a sink of ``family``."""

    family: str
    headers: frozenset[str]
    message: str = ""


@dataclass(frozen=True, slots=True)
class Sanitizer:
    """Calls named by ``callees`` return values clean for ``families`` (empty: for all)."""

    callees: tuple[str, ...]
    families: frozenset[str]


@dataclass(frozen=True, slots=True)
class Propagator:
    """Calls named by ``callees`` pass their arguments' taint to their result: parsed into
    objects (``structured``), made into a path (``normalizes``) or into a string
    (``stringifies``), with ``message`` as the step shown in the path."""

    callees: tuple[str, ...]
    message: str = ""
    structured: bool = False
    normalizes: bool = False
    stringifies: bool = False


@dataclass(frozen=True, slots=True)
class Guards:
    """Checks that, when they dominate a use, clear the taint of their subject."""

    schema_validators: frozenset[str]
    validator_decorators: frozenset[str]
    normalizers: frozenset[str]
    regex_validators: frozenset[str]
    membership_methods: frozenset[str]
    validator_name: str
    validator_packages: frozenset[str]
    numeric_checks: frozenset[str]
    prefix_methods: frozenset[str]


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    """The parsed specification of one language."""

    sinks: tuple[SinkSpec, ...]
    #: callee name → sink entries (a callee may be a sink of several families).
    sinks_by_callee: dict[str, tuple[SinkSpec, ...]]
    response_sinks: tuple[ResponseSink, ...]
    response_headers: dict[str, str]  # lower-case header name → family
    sanitizers: tuple[Sanitizer, ...]
    sanitize_all: frozenset[str]
    sanitize_family: dict[str, frozenset[str]]  # callee → families it sanitises
    guards: Guards
    propagators: tuple[Propagator, ...]
    parsers: frozenset[str]  # callees whose result may be an object (structured)
    decoders: frozenset[str]  # other propagators: the result carries the taint as a value
    clean_results: frozenset[str]
    string_methods: frozenset[str]
    structured_sources: frozenset[str]

    @property
    def schema_validators(self) -> frozenset[str]:
        """After ``validate(instance=x, ...)`` the variable ``x`` is clean."""
        return self.guards.schema_validators

    @property
    def validator_decorators(self) -> frozenset[str]:
        """Decorators that validate the whole event."""
        return self.guards.validator_decorators

    @property
    def normalizers(self) -> frozenset[str]:
        """Path normalisers: followed by a prefix check they clean a path."""
        return self.guards.normalizers

    @property
    def regex_validators(self) -> frozenset[str]:
        """``if <validator>(PATTERN, x)`` cleans ``x``."""
        return self.guards.regex_validators


def _sink(entry: dict[str, Any]) -> SinkSpec:
    option = entry.get("option")
    return SinkSpec(
        family=entry["family"],
        callees=frozenset(entry["callees"]),
        args=tuple(entry.get("args", ())),
        kwargs=tuple(entry.get("kwargs", ())),
        when=entry.get("when", ""),
        props=tuple(entry.get("props", ())),
        option=(int(option["arg"]), str(option["key"])) if option else None,
        new=bool(entry.get("new", False)),
        message=entry.get("message", ""),
    )


def _guards(raw: dict[str, Any]) -> Guards:
    def names(key: str) -> frozenset[str]:
        return frozenset(raw.get(key, ()))

    return Guards(
        schema_validators=names("schema_validators"),
        validator_decorators=names("validator_decorators"),
        normalizers=names("normalizers"),
        regex_validators=names("regex_validators"),
        membership_methods=names("membership_methods"),
        validator_name=str(raw.get("validator_name", "")),
        validator_packages=names("validator_packages"),
        numeric_checks=names("numeric_checks"),
        prefix_methods=names("prefix_methods"),
    )


@cache
def language_spec(language: str) -> LanguageSpec:
    """The specification for ``language`` (``python`` or ``javascript``), parsed once."""
    raw: dict[str, Any] = load_json(f"taint/{language}.json")
    sinks = tuple(_sink(entry) for entry in raw.get("sinks", ()))
    by_callee: dict[str, list[SinkSpec]] = {}
    for sink in sinks:
        for callee in sink.callees:
            by_callee.setdefault(callee, []).append(sink)
    response = tuple(
        ResponseSink(
            family=entry["family"],
            headers=frozenset(h.lower() for h in entry.get("headers", ())),
            message=entry.get("message", ""),
        )
        for entry in raw.get("response_sinks", ())
    )
    sanitizers = tuple(
        Sanitizer(callees=tuple(entry["callees"]), families=frozenset(entry.get("families", ())))
        for entry in raw.get("sanitizers", ())
    )
    per_family: dict[str, set[str]] = {}
    for sanitizer in sanitizers:
        for callee in sanitizer.callees if sanitizer.families else ():
            per_family.setdefault(callee, set()).update(sanitizer.families)
    propagators = tuple(
        Propagator(
            callees=tuple(entry["callees"]),
            message=entry.get("message", ""),
            structured=bool(entry.get("structured", False)),
            normalizes=bool(entry.get("normalizes", False)),
            stringifies=bool(entry.get("stringifies", False)),
        )
        for entry in raw.get("propagators", ())
    )
    return LanguageSpec(
        sinks=sinks,
        sinks_by_callee={k: tuple(v) for k, v in by_callee.items()},
        response_sinks=response,
        response_headers={h: r.family for r in response for h in sorted(r.headers)},
        sanitizers=sanitizers,
        sanitize_all=frozenset(c for s in sanitizers if not s.families for c in s.callees),
        sanitize_family={k: frozenset(v) for k, v in per_family.items()},
        guards=_guards(raw.get("guards", {})),
        propagators=propagators,
        parsers=frozenset(c for p in propagators if p.structured for c in p.callees),
        decoders=frozenset(c for p in propagators if not p.structured for c in p.callees),
        clean_results=frozenset(raw.get("clean_results", ())),
        string_methods=frozenset(raw.get("string_methods", ())),
        structured_sources=frozenset(raw.get("structured_sources", ())),
    )
