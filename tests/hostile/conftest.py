"""Hostile inputs (issue 16): faasguard run as a user runs it, in a subprocess with bounded
time and memory, so a hang or a blow-up fails the test instead of the test run.

``run_faasguard(*args, cwd=..., env=..., seconds=60, memory_mb=2048)`` returns a
:class:`Run` with the exit code, standard output and standard error (as text) and the wall
time. Memory is capped with ``RLIMIT_AS`` in the child; time with the subprocess timeout
(the child is killed and the test fails with what it had printed).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Run:
    """What a user sees of one faasguard command."""

    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        """Standard output and standard error together."""
        return self.stdout + self.stderr


RunFaasguard = Callable[..., Run]


#: A prefix that runs a command as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH.
WITHOUT_DAC_OVERRIDE = ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")


def _limit(memory_mb: int) -> Callable[[], None]:
    def apply() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_faasguard_in(
    *args: str,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    seconds: float = 60,
    memory_mb: int = 3072,
    stdin: str | None = None,
    honour_permissions: bool = False,
) -> Run:
    """Run ``faasguard ARGS`` in a child process with bounded time and address space.

    The address space (not memory used) is capped at ``memory_mb``: 3 GiB by default, since
    ``logs analyze`` with its history reaches ~2.1 GiB of it (DuckDB reserves ~0.6 GiB when
    it connects, pyarrow, numpy and Hyperscan ~1.4 GiB) while using a fraction of that.

    ``honour_permissions``: when running as root, the child runs without the capabilities
    that let root read any file (``setpriv``), so a mode-000 file is unreadable to it too.
    """
    command = [sys.executable, "-m", "faasguard.cli", *args]
    if honour_permissions and os.geteuid() == 0 and shutil.which("setpriv"):
        command = [*WITHOUT_DAC_OVERRIDE, *command]
    environment = dict(os.environ)
    environment.update(env or {})
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=environment,
            input=stdin,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=seconds,
            preexec_fn=_limit(memory_mb),  # only sets an rlimit in the child
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or b""
        text = out.decode(errors="replace") if isinstance(out, bytes) else out
        pytest.fail(f"faasguard {' '.join(args)} ran over {seconds} s; it printed: {text[-2000:]}")
    return Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)


@pytest.fixture
def run_faasguard(tmp_path: Path) -> RunFaasguard:
    """:func:`run_faasguard_in` with a private HOME (its own user cache, no real one) and,
    unless ``cwd`` is given, a private working directory: what faasguard keeps under the
    working directory (``.faasguard/`` history, scan snapshots) must not be shared with the
    tests that run at the same time (DuckDB locks its file: a second run failed)."""
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "cwd"
    work.mkdir()

    def run(*args: str, **kwargs: object) -> Run:
        env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
        env.update(kwargs.pop("env", None) or {})  # type: ignore[arg-type]
        kwargs.setdefault("cwd", work)
        return run_faasguard_in(*args, env=env, **kwargs)  # type: ignore[arg-type]

    return run
