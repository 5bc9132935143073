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


@pytest.fixture(scope="session")
def payload_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One subscription file and one Firehose object holding every payload of 12 MB of
    generated logs (more than one batch of 50 000 events; payloads past 8 MB)."""
    files = {}
    for container in ("subscription", "firehose"):
        out = tmp_path_factory.mktemp(container)
        generate(out / "g", size=12_000_000, seed=3, container=container)
        parts = sorted(p for p in (out / "g" / container).rglob("*") if p.is_file())
        assert parts
        files[container] = out / "all"
        files[container].write_bytes(b"".join(part.read_bytes() for part in parts))
    return files
