"""Behaviour limits with real sockets (an HTTP server on 127.0.0.1 the test starts), real
child processes, real environment reads and real files."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from guard_events import Context, apigw_v2

from faasguard.guard import GuardViolationError, guard, limits
from faasguard.guard.policy import load_policy


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"pong")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


def _run(handler: Any, tmp_path: Path, **policy: Any) -> Any:
    policy.setdefault("redaction", "off")
    policy.setdefault("tmp", {"path": str(tmp_path)})
    return guard(**policy)(handler)(apigw_v2("shoes"), Context())


def _fetch(url: str) -> Any:
    def handler(event: Any, context: Any) -> Any:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()

    return handler


def test_listed_host_and_port_is_reachable(
    security_events: Any, server: int, tmp_path: Path
) -> None:
    network = {"mode": "block", "allow": [f"127.0.0.1:{server}"]}
    assert _run(_fetch(f"http://127.0.0.1:{server}/"), tmp_path, network=network) == "pong"
    assert security_events.all() == []


def test_unlisted_address_is_blocked_before_connecting(
    security_events: Any, server: int, tmp_path: Path
) -> None:
    network = {"mode": "block", "allow": ["127.0.0.1:1"]}
    with pytest.raises(urllib.request.URLError) as raised:
        _run(_fetch(f"http://127.0.0.1:{server}/"), tmp_path, network=network)
    assert isinstance(raised.value.reason, GuardViolationError)
    (logged,) = security_events.all()
    assert logged["faasguard"]["event"] == "network"
    assert logged["faasguard"]["target"] == f"127.0.0.1:{server}"


def test_listed_dns_name_is_resolved_and_reachable(
    security_events: Any, server: int, tmp_path: Path
) -> None:
    network = {"mode": "block", "allow": ["localhost"]}
    assert _run(_fetch(f"http://localhost:{server}/"), tmp_path, network=network) == "pong"


def test_unlisted_dns_name_is_blocked_at_resolution(security_events: Any, tmp_path: Path) -> None:
    network = {"mode": "block", "allow": ["api.internal.test"]}
    with pytest.raises(urllib.request.URLError):
        _run(_fetch("http://localhost:9/"), tmp_path, network=network)
    assert security_events.all()[0]["faasguard"]["target"] == "localhost"


def test_monitor_mode_reports_once_and_connects(
    security_events: Any, server: int, tmp_path: Path
) -> None:
    handler = guard(network="monitor", redaction="off", tmp={"path": str(tmp_path)})(
        _fetch(f"http://127.0.0.1:{server}/")
    )
    assert handler(apigw_v2("a"), Context()) == "pong"
    assert handler(apigw_v2("b"), Context()) == "pong"
    assert security_events.kinds() == [("network", "monitored")]


def test_metadata_endpoint_needs_an_exact_entry(security_events: Any, tmp_path: Path) -> None:
    def handler(event: Any, context: Any) -> Any:
        with pytest.raises(urllib.request.URLError) as raised:
            urllib.request.urlopen("http://169.254.169.254/latest/meta-data/", timeout=1)
        assert isinstance(raised.value.reason, GuardViolationError)
        return "refused"

    network = {"mode": "block", "allow": ["169.254.0.0/16", "0.0.0.0/0"]}
    assert _run(handler, tmp_path, network=network) == "refused"


def test_child_process_blocked_unless_listed(security_events: Any, tmp_path: Path) -> None:
    def handler(event: Any, context: Any) -> Any:
        return subprocess.run(["true"], check=True).returncode

    with pytest.raises(GuardViolationError, match="start true"):
        _run(handler, tmp_path, processes="block")
    assert _run(handler, tmp_path, processes={"mode": "block", "allow": ["true"]}) == 0
    assert security_events.kinds() == [("process", "blocked")]


def test_os_system_is_watched_too(security_events: Any, tmp_path: Path) -> None:
    def handler(event: Any, context: Any) -> Any:
        return os.system("true")

    assert _run(handler, tmp_path, processes="monitor") == 0
    assert security_events.kinds() == [("process", "monitored")]


def test_credential_variables_only_for_listed_modules(
    security_events: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    def handler(event: Any, context: Any) -> Any:
        return os.environ.get("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(GuardViolationError, match="AWS_SECRET_ACCESS_KEY"):
        _run(handler, tmp_path, environ="block")
    logged = security_events.all()[0]["faasguard"]
    assert logged["caller"] == handler.__module__
    allowed = {"mode": "block", "allow_modules": [handler.__module__]}
    assert _run(handler, tmp_path, environ=allowed).startswith("wJal")
    # other variables are not watched
    assert _run(lambda e, c: os.environ.get("PATH"), tmp_path, environ="block")


def test_proc_self_environ_is_watched(security_events: Any, tmp_path: Path) -> None:
    def handler(event: Any, context: Any) -> Any:
        return Path("/proc/self/environ").read_bytes()

    with pytest.raises(GuardViolationError):
        _run(handler, tmp_path, environ="block")
    assert security_events.all()[0]["faasguard"]["target"] == "/proc/self/environ"


def test_tmp_writes_refused_once_the_cap_is_reached(
    security_events: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small folder is walked afresh at every write even when a walk is slow (a loaded
    # machine): with any walk counted as slow, the fourth write is still refused. (It went
    # through once under load, when a slow walk of three files was reused for a while.)
    monkeypatch.setattr(limits, "_TMP_WALK_CHEAP_S", 0.0)

    def handler(event: Any, context: Any) -> Any:
        for index in range(4):
            (tmp_path / f"chunk{index}").write_bytes(b"x" * 400_000)
        return "wrote"

    with pytest.raises(GuardViolationError, match="KiB already in"):
        _run(handler, tmp_path, tmp={"path": str(tmp_path), "mode": "block", "max_mb": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunk0", "chunk1", "chunk2"]
    assert security_events.kinds() == [("tmp", "blocked")]


def test_tmp_under_the_cap_is_silent(security_events: Any, tmp_path: Path) -> None:
    def handler(event: Any, context: Any) -> Any:
        (tmp_path / "small").write_text("x")
        return "ok"

    assert (
        _run(handler, tmp_path, tmp={"path": str(tmp_path), "mode": "block", "max_mb": 1}) == "ok"
    )
    assert security_events.all() == []


def test_a_slow_walk_of_a_big_tmp_folder_is_reused_for_a_while(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the cost cap of big folders: a slow walk's total serves the next writes
    for index in range(limits._TMP_WALK_FEW + 1):
        (tmp_path / f"f{index}").write_bytes(b"")
    monkeypatch.setattr(limits, "_TMP_WALK_CHEAP_S", 0.0)
    watched = limits.Limits(load_policy(tmp={"path": str(tmp_path), "max_mb": 1}))
    before = watched.tmp_usage()
    (tmp_path / "big").write_bytes(b"x" * 400_000)
    assert watched.tmp_usage() == before  # reused
    assert watched.tmp_usage(fresh=True) > before  # after an invocation: walked again
