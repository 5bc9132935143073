"""Loaders turn each source format into the one model (:class:`faasguard.model.App`).

Each loader module exposes ``load(path: str, options: LoadOptions) -> App``. A loader never
raises for bad input: what it cannot read becomes an error :class:`Diagnostic` with the
file and line, and whatever it could read is still returned.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

from faasguard.config import LoadOptions
from faasguard.model import App

#: candidate format → loader module
LOADER_MODULES: Mapping[str, str] = {
    "cloudformation": "faasguard.loaders.cloudformation",
    "cdk": "faasguard.loaders.cloudformation",
    "serverless": "faasguard.loaders.serverless",
    "terraform": "faasguard.loaders.terraform",
    "terraform-plan": "faasguard.loaders.terraform",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """Something discovery believes is a serverless app: a file, or a Terraform directory."""

    format: str
    path: str


def prepare(formats: set[str]) -> None:
    """Import the loaders for ``formats`` and warm up their expensive state (the SAM
    translator) in this process, so forked worker processes inherit it instead of each
    paying for it again."""
    for module_name in sorted({LOADER_MODULES[f] for f in formats if f in LOADER_MODULES}):
        module = importlib.import_module(module_name)
        warm_up = getattr(module, "warm_up", None)
        if warm_up is not None:
            warm_up()


def load(candidate: Candidate, options: LoadOptions) -> App:
    """Load one candidate with the loader for its format."""
    module = importlib.import_module(LOADER_MODULES[candidate.format])
    app: App = module.load(candidate.path, options, fmt=candidate.format)
    return app
