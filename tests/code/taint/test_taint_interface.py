"""The shared taint interface: dispatch by handler language, caching, unsupported code."""

from __future__ import annotations

import os
from pathlib import Path

from faasguard.code.python.taint import ANALYZER
from faasguard.code.taint import TaintFlow, TaintStep, flows_for, register_analyzer
from faasguard.code.taint.base import analyzer_for, clear_cache, parse_path
from faasguard.model import App, CodeLocation, Function, Location


class _Counting:
    language = "python"

    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, fn: Function, app: App) -> list[TaintFlow]:
        self.calls += 1
        step = TaintStep(location=Location(file="app.py", line=1), message="x")
        return [TaintFlow(sink_family="redos", sink=step, source=step, key="k")]


def _setup(tmp_path: Path, runtime: str = "python3.12") -> tuple[Function, App]:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    pass\n")
    fn = Function(
        ref="Fn",
        runtime=runtime,
        handler="app.handler",
        code=CodeLocation(kind="directory", path=str(tmp_path)),
        location=Location(file="t.yaml"),
    )
    return fn, App(name="t", format="sam", root_file=str(tmp_path / "t.yaml"))


def test_dispatch_and_cache_until_a_file_changes(tmp_path: Path) -> None:
    fn, app = _setup(tmp_path)
    stub = _Counting()
    register_analyzer(stub)
    try:
        assert [f.sink_family for f in flows_for(fn, app)] == ["redos"]
        flows_for(fn, app)
        assert stub.calls == 1  # eleven rules, one analysis
        handler = tmp_path / "app.py"
        handler.write_text(handler.read_text() + "# edited\n")
        stat = handler.stat()
        os.utime(handler, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
        flows_for(fn, app)
        assert stub.calls == 2
    finally:
        register_analyzer(ANALYZER)
        clear_cache()


def test_unsupported_runtimes_and_missing_code_give_no_flows(tmp_path: Path) -> None:
    fn, app = _setup(tmp_path, runtime="java21")
    assert flows_for(fn, app) == []
    missing = Function(
        ref="M", runtime="python3.12", handler="app.handler", location=Location(file="t")
    )
    assert flows_for(missing, app) == []
    assert analyzer_for("cobol") is None
    assert analyzer_for("python") is ANALYZER


def test_paths_parse() -> None:
    assert parse_path("records.*[].value") == ("records", "*", "[]", "value")
    assert parse_path("a[][].b") == ("a", "[]", "[]", "b")
    assert parse_path("") == ()
