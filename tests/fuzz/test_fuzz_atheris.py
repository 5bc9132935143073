"""The coverage-guided targets of ``atheris_targets.py``, each run for a fixed number of
inputs from a fixed seed (``FAASGUARD_FUZZ=nightly``: a hundred times more, random seed).

Each target runs in a child process (libFuzzer owns the process: it exits on the first
crash and prints the input that caused it), with a time limit; the test fails with the
crash report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris", reason="atheris is not installed (pip install -e '.[test]')")

TARGETS_SCRIPT = Path(__file__).with_name("atheris_targets.py")
NIGHTLY = os.environ.get("FAASGUARD_FUZZ") == "nightly"
#: Runs per target in CI (a few seconds each) and nightly.
RUNS = {"hcl": 1_000, "yaml": 3_000, "json": 3_000, "requirements": 3_000, "package-lock": 3_000}


@pytest.mark.parametrize("target", sorted(RUNS))
def test_a_coverage_guided_target_finds_no_crash(target: str, tmp_path: Path) -> None:
    runs = RUNS[target] * (100 if NIGHTLY else 1)
    seed = [] if NIGHTLY else ["-seed=1"]
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).parents[2] / "src"), environment.get("PYTHONPATH", "")]
    )
    command = [
        sys.executable,
        str(TARGETS_SCRIPT),
        target,
        f"-atheris_runs={runs}",
        "-max_len=4096",
        "-timeout=20",  # one input over 20 s is a hang
        "-rss_limit_mb=2048",
        *seed,
    ]
    done = subprocess.run(
        command,
        cwd=tmp_path,  # crash files land here
        env=environment,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=None if NIGHTLY else 300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"Done {runs} in" in done.stderr, done.stderr[-2000:]
