"""Trigger-aware taint tracking through handler code (issue 4).

The shared interface lives in :mod:`faasguard.code.taint.base`: :class:`TaintFlow` (one
source-to-sink path), :class:`TaintAnalyzer` (one per language), :func:`flows_for` (what the
rules call) and :func:`sources_for` (the attacker-controlled parts of ``event`` for a
function's triggers). The engines work on each language's code index: Python in
:mod:`faasguard.code.python.taint`, Node.js in :mod:`faasguard.code.javascript.taint`.
Sources, sinks, sanitizers and propagators are data files under ``faasguard/data/taint/``,
read by :mod:`faasguard.code.taint.spec` (one schema for both languages).
"""

from faasguard.code.taint.base import (
    SINK_FAMILIES,
    SourcePath,
    SourceSpec,
    TaintAnalyzer,
    TaintFlow,
    TaintStep,
    flows_for,
    register_analyzer,
    sources_for,
)

__all__ = [
    "SINK_FAMILIES",
    "SourcePath",
    "SourceSpec",
    "TaintAnalyzer",
    "TaintFlow",
    "TaintStep",
    "flows_for",
    "register_analyzer",
    "sources_for",
]
