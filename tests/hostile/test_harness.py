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
    # Loading the rules and the SAM translator needs far more than 40 MB of address space.
    (tmp_path / "app").mkdir()
    run = run_faasguard("scan", str(tmp_path / "app"), "--no-cache", memory_mb=40)
    assert run.code != 0
