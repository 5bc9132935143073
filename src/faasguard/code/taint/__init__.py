"""Trigger-aware taint tracking through handler code (issue 4).

The shared interface lives in :mod:`faasguard.code.taint.base`: :class:`TaintFlow` (one
source-to-sink path), :class:`TaintAnalyzer` (one per language), :func:`flows_for` (what the
CODE rules call) and :func:`sources_for` (the attacker-controlled parts of ``event`` for a
function's triggers). The Python engine is :mod:`faasguard.code.taint.python`; the Node.js
engine is :mod:`faasguard.code.taint.javascript`. Sources, sinks, sanitizers and
propagators are data files under ``faasguard/data/taint/``.
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
