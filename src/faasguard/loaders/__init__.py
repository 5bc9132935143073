"""Loaders turn each source format into the one model (:class:`faasguard.model.App`).

Each format is a package (``cloudformation``, ``serverless``, ``terraform``) whose
``LOADER`` satisfies :class:`faasguard.loaders.base.Loader`. A loader never raises for bad
input: what it cannot read becomes an error :class:`Diagnostic` with the file and line, and
whatever it could read is still returned. Format packages are imported on first use only,
so a scan of one format does not pay for the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

from faasguard.config import LoadOptions
from faasguard.loaders.base import Loader
from faasguard.model import App

__all__ = ["LOADER_MODULES", "Candidate", "Loader", "load", "loader_for", "prepare"]

#: candidate format → the package whose ``LOADER`` reads it
LOADER_MODULES: Mapping[str, str] = {
    "cloudformation": "faasguard.loaders.cloudformation",
    "cdk": "faasguard.loaders.cloudformation",
    "serverless": "faasguard.loaders.serverless",
    "terraform": "faasguard.loaders.terraform",
    "terraform-plan": "faasguard.loaders.terraform",
    "unreadable": "faasguard.loaders.unreadable",
    "chalice": "faasguard.loaders.frameworks.chalice",
    "zappa": "faasguard.loaders.frameworks.zappa",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """Something discovery believes is a serverless app: a file, or a Terraform directory."""

    format: str
    path: str


def loader_for(fmt: str) -> Loader:
    """The loader of discovery format ``fmt`` (its package is imported on first use)."""
    loader: Loader = importlib.import_module(LOADER_MODULES[fmt]).LOADER
    return loader


def prepare(formats: set[str]) -> None:
    """Import the loaders for ``formats`` and warm up their expensive state (the SAM
    translator) in this process, so forked worker processes inherit it instead of each
    paying for it again."""
    for module_name in sorted({LOADER_MODULES[f] for f in formats if f in LOADER_MODULES}):
        loader: Loader = importlib.import_module(module_name).LOADER
        loader.warm_up()


def load(candidate: Candidate, options: LoadOptions) -> App:
    """Load one candidate with the loader for its format (functions deployed from bundler
    output that is not in the repository are pointed at their sources)."""
    from faasguard.loaders.bundles import with_bundle_sources  # noqa: PLC0415 - import cycle

    app = loader_for(candidate.format).load(candidate.path, options, fmt=candidate.format)
    return with_bundle_sources(app)
