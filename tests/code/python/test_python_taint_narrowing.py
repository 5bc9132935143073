"""Narrowing a dict key (``if job["name"].isalnum():``) cleans that key, and only that key,
only where the check holds: inside the guarded branch or after an early-return guard."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from faasguard.code.taint import TaintFlow, flows_for
from faasguard.code.taint.base import clear_cache
from faasguard.model import App, CodeLocation, Function, Location, Trigger, TriggerKind

HEADER = """
import json
import os
import re

ALLOWED = {"resize", "thumb"}


def handler(event, context):
    for record in event["Records"]:
        job = json.loads(record["body"])
"""


def _lines(handler_body: str) -> str:
    """A SQS handler whose loop body is ``handler_body`` (indented under the loop)."""
    body = textwrap.indent(textwrap.dedent(handler_body).strip("\n"), " " * 8)
    return textwrap.dedent(HEADER).lstrip() + body + "\n"


def _sink_lines(tmp_path: Path, source: str, kind: TriggerKind = TriggerKind.SQS) -> list[int]:
    (tmp_path / "app.py").write_text(source)
    clear_cache()
    fn = Function(
        ref="Fn",
        runtime="python3.12",
        handler="app.handler",
        code=CodeLocation(kind="directory", path=str(tmp_path)),
        triggers=(Trigger(kind=kind, location=Location(file="t.yaml")),),
        location=Location(file="t.yaml", line=1),
    )
    flows: list[TaintFlow] = flows_for(fn, App(name="t", format="sam", root_file="t.yaml"))
    return sorted(f.sink.location.line for f in flows if f.sink_family == "command-injection")


def _marked(source: str, mark: str) -> list[int]:
    return [n for n, line in enumerate(source.splitlines(), 1) if line.endswith(mark)]


CASES = {
    "isalnum on a key cleans it inside the branch": """
        if job["name"].isalnum():
            os.system("run-job " + job["name"])  # ok
    """,
    "every narrowing check works on a key": """
        if job["a"] in ALLOWED:
            os.system("run " + job["a"])  # ok
        if isinstance(job["b"], int):
            os.system("run %s" % job["b"])  # ok
        if re.fullmatch(r"[a-z]+", job["c"]):
            os.system("run " + job["c"])  # ok
        if job["d"].lower() in ALLOWED:
            os.system("run " + job["d"])  # ok
        if job.get("e") in ALLOWED:
            os.system("run " + job["e"])  # ok
    """,
    "a sink after the if sees the key tainted again": """
        if job["name"].isalnum():
            os.system("run-job " + job["name"])  # ok
        os.system("run-job " + job["name"])  # expect
    """,
    "the else branch is not narrowed": """
        if job["name"] in ALLOWED:
            pass
        else:
            os.system("run-job " + job["name"])  # expect
    """,
    "a non-constant key still carries the whole value's taint": """
        if job["name"].isalnum():
            os.system("run-job " + job[record["messageId"]])  # expect
            os.system("run-job " + job["other"])  # expect
            os.system("run-job " + json.dumps(job))  # expect
    """,
    "a value stored under an unknown key may overwrite the checked one": """
        if job["name"].isalnum():
            job[record["messageId"]] = record["body"]
            os.system("run-job " + job["name"])  # expect
    """,
    "early-return guard": """
        if not job["name"].isalnum():
            return
        os.system("run-job " + job["name"])  # ok
        os.system("run-job " + job["other"])  # expect
    """,
    "nested keys under the event": """
        if event["Records"][0]["body"] in ALLOWED:
            os.system("run " + event["Records"][0]["body"])  # ok
            os.system("run " + event["Records"][1]["body"])  # expect
            os.system("run " + event["Records"][0]["messageId"] + record["body"])  # expect
        os.system("run " + event["Records"][0]["body"])  # expect
    """,
    "nested keys of a parsed body": """
        if job["spec"]["name"] in ALLOWED:
            os.system("run " + job["spec"]["name"])  # ok
            os.system("run " + job["spec"]["size"])  # expect
            os.system("run " + job["name"])  # expect
    """,
}


@pytest.mark.parametrize("body", CASES.values(), ids=list(CASES))
def test_key_narrowing(tmp_path: Path, body: str) -> None:
    source = _lines(body)
    assert _sink_lines(tmp_path, source) == _marked(source, "# expect")


def test_plain_names_are_unchanged(tmp_path: Path) -> None:
    """The form that already worked keeps working (and its branch-merge counterpart)."""
    source = _lines(
        """
        name = job["name"]
        if name.isalnum():
            os.system("run-job " + name)  # ok
        os.system("run-job " + name)  # expect
        """
    )
    assert _sink_lines(tmp_path, source) == _marked(source, "# expect")


def test_a_branch_assignment_of_a_key_joins_with_the_other_branch(tmp_path: Path) -> None:
    """``job["name"] = "x"`` on one branch only: after the ``if`` the key may still be the
    message's (the join of a known field with a value that only carries taint)."""
    source = _lines(
        """
        if record["messageId"]:
            job["name"] = "default"
            os.system("run-job " + job["name"])  # ok
        os.system("run-job " + job["name"])  # expect
        """
    )
    assert _sink_lines(tmp_path, source) == _marked(source, "# expect")


def test_a_checked_key_passed_to_a_helper(tmp_path: Path) -> None:
    """A helper's summary reads the caller's known fields: the checked key is clean in
    the helper, other keys and computed keys are not."""
    source = _lines(
        """
        if job["name"] in ALLOWED:
            run(job, record["messageId"])
    """
    ) + textwrap.dedent(
        """

        def run(job, key):
            os.system("run " + job["name"])  # ok
            os.system("run " + job["size"])  # expect
            os.system("run " + job[key])  # expect
        """
    )
    assert _sink_lines(tmp_path, source) == _marked(source, "# expect")
