"""The harness itself: a run reports what a user sees."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_a_clean_run_reports_its_exit_code(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    run = run_faasguard("scan", str(tmp_path / "empty"), "--no-cache")
    assert run.code == 0, run.output


def test_a_run_over_its_memory_cap_fails_instead_of_swapping(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    # 64 MB of address space is not enough to start Python with faasguard's imports.
    run = run_faasguard("--version", memory_mb=64)
    assert run.code != 0
