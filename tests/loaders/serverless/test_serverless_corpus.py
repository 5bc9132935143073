"""Robustness: every serverless.yml/.yaml of the shared corpus loads without an exception."""

# ruff: noqa: E501  (inline YAML fixtures read best unwrapped)

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.config import LoadOptions
from faasguard.loaders.discovery import discover
from faasguard.loaders.serverless import load
from faasguard.model import DiagnosticLevel

CORPUS = Path(__file__).parents[2].parent.parent / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_every_corpus_serverless_file_loads() -> None:
    candidates = [
        c
        for c in discover([CORPUS])
        if c.format == "serverless" and c.path.endswith((".yml", ".yaml"))
    ]
    assert len(candidates) > 100
    clean = 0
    functions = 0
    crashes: list[str] = []
    for candidate in candidates:
        app = load(candidate.path, LoadOptions())  # must not raise
        crashes += [
            f"{candidate.path}: {d.message}" for d in app.diagnostics if d.code == "internal-error"
        ]
        if not any(d.level is DiagnosticLevel.ERROR for d in app.diagnostics):
            clean += 1
        functions += len(app.functions)
        assert app.format == "serverless" and app.files[0] == candidate.path
    rate = clean / len(candidates)
    print(
        f"\nserverless corpus: {clean}/{len(candidates)} loaded without error ({rate:.1%}), {functions} functions"
    )
    assert not crashes, crashes
    assert rate > 0.95
