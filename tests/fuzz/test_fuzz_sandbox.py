"""The fuzzing suite's own guards fail when they should (a guard that cannot fail is no
guard)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

import pytest
from fuzz_support import ExampleHung, sandbox, time_limit


def test_a_write_outside_the_sandbox_fails_the_example(tmp_path: Path) -> None:
    outside = tmp_path / "leak.txt"
    # Code under test that swallows the refusal is still caught afterwards.
    with (
        pytest.raises(AssertionError, match="wrote outside"),
        sandbox(),
        contextlib.suppress(PermissionError),
    ):
        outside.write_text("x")
    assert not outside.exists()


def test_a_database_outside_the_sandbox_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(AssertionError, match=r"sqlite3\.connect"),
        sandbox(),
        pytest.raises(PermissionError),
    ):
        sqlite3.connect(tmp_path / "x.db")


def test_writes_inside_the_sandbox_are_allowed() -> None:
    with sandbox() as directory:
        (directory / "sub").mkdir()
        (directory / "sub" / "ok.txt").write_text("x")
        sqlite3.connect(directory / "ok.db").close()


def test_a_hang_is_interrupted() -> None:
    started = time.monotonic()
    with pytest.raises(ExampleHung), time_limit(0.2):
        while True:
            time.sleep(0.01)
    assert time.monotonic() - started < 5
