"""Hostile inputs (issue 16): faasguard writes nothing outside the scanned root (the model
cache never follows a link), keeps ``--var`` values out of the cache, reports unwritable
outputs in one line with exit 2, and still reports when a worker process is killed."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunFaasguard = Callable[..., Any]

SERVERLESS = """\
service: svc
provider:
  name: aws
  runtime: python3.12
  environment:
    DB_PASSWORD: ${opt:dbpass, 'none'}
functions:
  hello:
    handler: handler.main
    timeout: 900
"""
SECRET = "S3cretVarValue-4f9a2c"


def _project(root: Path, apps: int = 1) -> Path:
    """``root`` with ``apps`` Serverless apps (``a1``, ``a2``, ...), each with findings."""
    for number in range(1, apps + 1):
        app = root / f"a{number}"
        app.mkdir(parents=True)
        (app / "serverless.yml").write_text(SERVERLESS, encoding="utf-8")
        (app / "handler.py").write_text("def main(event, context):\n    return 1\n")
    return root


def _outside(tmp_path: Path) -> Path:
    """A directory outside the scanned root that a planted link points into."""
    outside = tmp_path / "outside"
    outside.mkdir()
    return outside


def _scan_json(run_faasguard: RunFaasguard, root: Path, *args: str, **kwargs: Any) -> Any:
    return run_faasguard("scan", str(root), "--format", "json", *args, **kwargs)


def _entries(root: Path) -> list[Path]:
    return sorted((root / ".faasguard" / "cache").glob("*.bin"))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _one_line_error(run: Any, *fragments: str) -> None:
    assert run.code == 2, run.output
    assert "Traceback" not in run.output
    assert run.stderr.startswith("faasguard: error: ")
    assert run.stderr.count("\n") == 1, run.stderr
    for fragment in fragments:
        assert fragment in run.stderr


def test_a_dangling_gitignore_link_is_not_followed(
    run_faasguard: RunFaasguard, tmp_path: Path
) -> None:
    root = _project(tmp_path / "repo")
    planted = _outside(tmp_path) / "planted"
    cache = root / ".faasguard" / "cache"
    cache.mkdir(parents=True)
    (cache / ".gitignore").symlink_to(planted)
    run = _scan_json(run_faasguard, root)
    assert run.code == 1, run.output
    assert not planted.exists()
    assert (cache / ".gitignore").is_symlink()
    assert len(_entries(root)) == 1  # the cache itself still works


def test_a_link_at_the_entry_name_is_replaced_not_followed(
    run_faasguard: RunFaasguard, tmp_path: Path
) -> None:
    root = _project(tmp_path / "repo")
    assert _scan_json(run_faasguard, root).code == 1
    entry = _entries(root)[0]
    target = _outside(tmp_path) / "victim"
    target.write_text("precious\n", encoding="utf-8")
    entry.unlink()
    entry.symlink_to(target)
    # Old temporary names were '<entry>.<pid>.tmp': links there must not matter either.
    for pid in range(2, 400):
        entry.with_suffix(f".{pid}.tmp").symlink_to(target)
    run = _scan_json(run_faasguard, root)
    assert run.code == 1, run.output
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert not entry.is_symlink() and entry.is_file()
    assert _mode(entry) == 0o600


@pytest.mark.parametrize("linked", [".faasguard", ".faasguard/cache"])
def test_a_symlinked_cache_directory_is_refused(
    run_faasguard: RunFaasguard, tmp_path: Path, linked: str
) -> None:
    root = _project(tmp_path / "repo")
    outside = _outside(tmp_path)
    link = root / linked
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside, target_is_directory=True)
    run = _scan_json(run_faasguard, root)
    assert run.code == 1, run.output
    assert list(outside.iterdir()) == []
    report = json.loads(run.stdout)
    assert report["findings"]
    messages = [d["message"] for d in report["diagnostics"]]
    assert any(
        m.startswith("not using the model cache: ")
        and "is a symbolic link; scanning without it" in m
        for m in messages
    ), messages


@pytest.mark.parametrize("setting", ["../outside", "/tmp/elsewhere", "link/cache"])
def test_a_cache_dir_from_the_repository_config_may_not_leave_it(
    run_faasguard: RunFaasguard, tmp_path: Path, setting: str
) -> None:
    root = _project(tmp_path / "repo")
    outside = _outside(tmp_path)
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "faasguard.toml").write_text(f'cache-dir = "{setting}"\n', encoding="utf-8")
    run = _scan_json(run_faasguard, root)
    _one_line_error(run, "faasguard.toml", "cache-dir", "outside the directory")
    assert list(outside.iterdir()) == []


def test_a_cache_dir_inside_the_repository_is_used(
    run_faasguard: RunFaasguard, tmp_path: Path
) -> None:
    root = _project(tmp_path / "repo")
    (root / "faasguard.toml").write_text('cache-dir = "build/fg-cache"\n', encoding="utf-8")
    run = _scan_json(run_faasguard, root)
    assert run.code == 1, run.output
    assert list((root / "build" / "fg-cache").glob("*.bin"))


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "huge"])
def test_a_cache_entry_that_is_not_a_small_regular_file_is_ignored(
    run_faasguard: RunFaasguard, tmp_path: Path, kind: str
) -> None:
    root = _project(tmp_path / "repo")
    first = _scan_json(run_faasguard, root)
    assert first.code == 1, first.output
    entry = _entries(root)[0]
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)
    elif kind == "dev-zero":
        entry.symlink_to("/dev/zero")
    else:  # sparse: larger than the cap without using the disk
        with entry.open("wb") as handle:
            handle.truncate(300 * 1024 * 1024)
    run = _scan_json(run_faasguard, root, seconds=60, memory_mb=1536)
    assert run.code == 1, run.output
    assert json.loads(run.stdout)["findings"] == json.loads(first.stdout)["findings"]


def test_var_values_are_not_stored_in_the_cache(
    run_faasguard: RunFaasguard, tmp_path: Path
) -> None:
    root = _project(tmp_path / "repo")
    run = _scan_json(run_faasguard, root, "--var", f"dbpass={SECRET}")
    assert run.code == 1, run.output
    (entry,) = _entries(root)
    for path in (root / ".faasguard").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert _mode(entry) == 0o600
    assert _mode(root / ".faasguard" / "cache") == 0o700
    assert _mode(tmp_path / "home" / ".cache" / "faasguard" / "cache-key") == 0o600
    # The sealed entry is still read back: a hit leaves it untouched.
    written = entry.stat().st_mtime_ns
    again = _scan_json(run_faasguard, root, "--var", f"dbpass={SECRET}")
    assert json.loads(again.stdout)["findings"] == json.loads(run.stdout)["findings"]
    assert entry.stat().st_mtime_ns == written


def _cache_key_is_a_directory(home: Path) -> dict[str, str]:
    (home / ".cache" / "faasguard" / "cache-key").mkdir(parents=True)
    return {}


def _cache_key_links_to_dev_zero(home: Path) -> dict[str, str]:
    (home / ".cache" / "faasguard").mkdir(parents=True)
    (home / ".cache" / "faasguard" / "cache-key").symlink_to("/dev/zero")
    return {}


def _home_is_root(home: Path) -> dict[str, str]:
    # HOME=/ for a user who cannot write there; /proc is unwritable even for root.
    return {"HOME": "/", "XDG_CACHE_HOME": "/proc/faasguard-no-cache"}


def _cache_home_is_a_file(home: Path) -> dict[str, str]:
    (home / "file").write_text("x", encoding="utf-8")
    return {"XDG_CACHE_HOME": str(home / "file" / "cache")}


@pytest.mark.parametrize(
    "setup",
    [_cache_key_is_a_directory, _cache_key_links_to_dev_zero, _home_is_root, _cache_home_is_a_file],
)
def test_an_unusable_user_cache_directory_scans_without_the_cache(
    run_faasguard: RunFaasguard, tmp_path: Path, setup: Callable[[Path], dict[str, str]]
) -> None:
    root = _project(tmp_path / "repo")
    env = setup(tmp_path / "home")
    run = _scan_json(run_faasguard, root, env=env)
    assert run.code == 1, run.output
    assert "Traceback" not in run.output
    report = json.loads(run.stdout)
    assert report["findings"]
    (warning,) = [d for d in report["diagnostics"] if "model cache" in d["message"]]
    assert warning["level"] == "warning"
    assert "\n" not in warning["message"]
    assert warning["message"].startswith("not using the model cache: ")
    assert _entries(root) == []
    strict = _scan_json(run_faasguard, root, "--strict", env=env)
    assert strict.code == 2  # a warning fails --strict


def test_write_baseline_to_a_directory(run_faasguard: RunFaasguard, tmp_path: Path) -> None:
    root = _project(tmp_path / "repo")
    run = run_faasguard("scan", str(root), "--no-cache", "--write-baseline", str(tmp_path))
    _one_line_error(run, "--write-baseline", "is a directory")


def test_write_baseline_into_a_missing_directory(
    run_faasguard: RunFaasguard, tmp_path: Path
) -> None:
    root = _project(tmp_path / "repo")
    missing = tmp_path / "missing" / "dir" / "x"
    run = run_faasguard("scan", str(root), "--no-cache", "--write-baseline", str(missing))
    _one_line_error(run, "--write-baseline", "does not exist")
    assert not missing.parent.exists()


def test_scan_output_into_a_missing_directory(run_faasguard: RunFaasguard, tmp_path: Path) -> None:
    root = _project(tmp_path / "repo")
    run = run_faasguard("scan", str(root), "--no-cache", "-o", str(tmp_path / "missing" / "x"))
    _one_line_error(run, "--output", "does not exist")


def test_logs_analyze_output_into_a_missing_directory(
    run_faasguard: RunFaasguard, tmp_path: Path
) -> None:
    log = tmp_path / "function.log"
    log.write_text("START RequestId: 1 Version: $LATEST\n", encoding="utf-8")
    missing = tmp_path / "missing" / "x"
    run = run_faasguard("logs", "analyze", str(log), "--no-history", "-o", str(missing))
    _one_line_error(run, "--output", "does not exist")


def test_logs_generate_into_an_existing_file(run_faasguard: RunFaasguard, tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.write_text("keep me\n", encoding="utf-8")
    run = run_faasguard("logs", "generate", "--out", str(existing), "--size", "10KB")
    _one_line_error(run, "--out", "is not a directory")
    assert existing.read_text(encoding="utf-8") == "keep me\n"


def test_a_killed_worker_still_gives_a_report(run_faasguard: RunFaasguard, tmp_path: Path) -> None:
    # FAASGUARD_TEST_KILL_WORKER (a test-only hook in faasguard.engine) makes every worker
    # process that is given app a3 kill itself with SIGKILL, as the OOM killer would.
    root = _project(tmp_path / "repo", apps=8)
    run = _scan_json(
        run_faasguard, root, "--jobs", "2", "--no-cache", env={"FAASGUARD_TEST_KILL_WORKER": "a3"}
    )
    assert run.code == 2, run.output
    assert "BrokenProcessPool" not in run.output and "Traceback" not in run.output
    report = json.loads(run.stdout)
    (died,) = [d for d in report["diagnostics"] if "died" in d["message"]]
    assert died["level"] == "error"
    assert "a3/serverless.yml" in died["message"]
    apps = {app["file"] for app in report["apps"]}
    assert apps == {f"a{n}/serverless.yml" for n in range(1, 9)}
    scanned = {f["location"]["file"].split("/")[0] for f in report["findings"]}
    assert scanned == {f"a{n}" for n in range(1, 9)} - {"a3"}
