"""Loading the per-language taint specifications (sinks, sanitizers, propagators).

The files live in ``faasguard/data/taint/`` (``python.json``, ``javascript.json``); their
format is described in that directory's ``README.md``. They are read on first use, never
at import time, and parsed once into :class:`SinkSpec` entries and name sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True, slots=True)
class SinkSpec:
    """One sink entry: calls named by ``callees`` are dangerous for ``family`` when the
    argument at one of ``args`` (positions) or ``kwargs`` (names) is tainted and the
    condition ``when`` (a predicate the engine implements, ``""`` for none) holds."""

    family: str
    callees: frozenset[str]
    args: tuple[int, ...]
    kwargs: tuple[str, ...]
    when: str = ""


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    """The parsed specification of one language."""

    sinks: tuple[SinkSpec, ...]
    #: callee name → sink entries (a callee may be a sink of several families).
    sinks_by_callee: dict[str, tuple[SinkSpec, ...]]
    response_headers: dict[str, str]  # lower-case header name → family
    sanitize_all: frozenset[str]
    sanitize_family: dict[str, frozenset[str]]  # callee → families it sanitises
    schema_validators: frozenset[str]
    validator_decorators: frozenset[str]
    normalizers: frozenset[str]
    regex_validators: frozenset[str]
    parsers: frozenset[str]
    decoders: frozenset[str]
    clean_results: frozenset[str]


@cache
def language_spec(language: str) -> LanguageSpec:
    """The specification for ``language`` (``python`` or ``javascript``), parsed once."""
    from faasguard.data import load_json  # noqa: PLC0415 - data is read lazily, on first use

    raw: dict[str, Any] = load_json(f"taint/{language}.json")
    sinks = tuple(
        SinkSpec(
            family=entry["family"],
            callees=frozenset(entry["callees"]),
            args=tuple(entry.get("args", ())),
            kwargs=tuple(entry.get("kwargs", ())),
            when=entry.get("when", ""),
        )
        for entry in raw.get("sinks", ())
    )
    by_callee: dict[str, list[SinkSpec]] = {}
    for sink in sinks:
        for callee in sink.callees:
            by_callee.setdefault(callee, []).append(sink)
    headers = {
        header.lower(): entry["family"]
        for entry in raw.get("response_sinks", ())
        for header in entry.get("headers", ())
    }
    sanitizers: dict[str, Any] = raw.get("sanitizers", {})
    per_family: dict[str, set[str]] = {}
    for family, callees in sanitizers.get("families", {}).items():
        for callee in callees:
            per_family.setdefault(callee, set()).add(family)
    propagators: dict[str, Any] = raw.get("propagators", {})
    return LanguageSpec(
        sinks=sinks,
        sinks_by_callee={k: tuple(v) for k, v in by_callee.items()},
        response_headers=headers,
        sanitize_all=frozenset(sanitizers.get("all", ())),
        sanitize_family={k: frozenset(v) for k, v in per_family.items()},
        schema_validators=frozenset(sanitizers.get("schema_validators", ())),
        validator_decorators=frozenset(sanitizers.get("validator_decorators", ())),
        normalizers=frozenset(sanitizers.get("normalizers", ())),
        regex_validators=frozenset(sanitizers.get("regex_validators", ())),
        parsers=frozenset(propagators.get("parse", ())),
        decoders=frozenset(propagators.get("decode", ())),
        clean_results=frozenset(propagators.get("clean_results", ())),
    )
