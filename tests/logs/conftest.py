"""Shared generated logs for the log tests (generated once per session, seeded)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from faasguard.logs.generator import generate


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """10 MB of mixed-container logs with injected incidents, and the ground truth."""
    out = tmp_path_factory.mktemp("gen")
    truth = generate(out, size=10_000_000, seed=7, container="mixed")
    assert json.loads((out / "ground_truth.json").read_text()) == truth
    return out, truth
