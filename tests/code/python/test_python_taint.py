"""The Python taint engine on small handlers: sources per trigger, propagation, sanitizers,
interprocedural summaries, and robustness on bad code."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from faasguard.code.regex import catastrophic
from faasguard.code.taint import TaintFlow, flows_for, sources_for
from faasguard.code.taint.base import clear_cache
from faasguard.model import App, CodeLocation, Function, Location, Trigger, TriggerKind


def _function(root: Path, kinds: tuple[TriggerKind, ...], handler: str = "app.handler") -> Function:
    return Function(
        ref="Fn",
        runtime="python3.12",
        handler=handler,
        code=CodeLocation(kind="directory", path=str(root)),
        triggers=tuple(Trigger(kind=k, location=Location(file="t.yaml")) for k in kinds),
        location=Location(file="t.yaml", line=1),
    )


def _flows(tmp_path: Path, files: dict[str, str], *kinds: TriggerKind) -> list[TaintFlow]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    clear_cache()
    app = App(name="t", format="sam", root_file=str(tmp_path / "t.yaml"))
    return flows_for(_function(tmp_path, kinds), app)


def _sinks(flows: list[TaintFlow]) -> list[tuple[str, int]]:
    return sorted((f.sink_family, f.sink.location.line) for f in flows)


S3_HANDLER = """
import os
from urllib.parse import unquote_plus

def handler(event, context):
    key = unquote_plus(event["Records"][0]["s3"]["object"]["key"])
    os.system("convert " + key)
    os.system("convert " + event["body"])
"""


def test_sources_depend_on_the_trigger(tmp_path: Path) -> None:
    s3 = _flows(tmp_path, {"app.py": S3_HANDLER}, TriggerKind.S3)
    assert _sinks(s3) == [("command-injection", 6)]
    assert (
        s3[0].source.message
        == "event['Records'][i]['s3']['object']['key'] (S3 object key, URL-encoded)"
    )
    assert s3[0].trigger_kinds == (TriggerKind.S3,)
    assert [s.message for s in s3[0].steps] == ["decoded by unquote_plus()", "assigned to key"]
    api = _flows(tmp_path, {"app.py": S3_HANDLER}, TriggerKind.API_REST)
    assert _sinks(api) == [("command-injection", 7)]
    assert _flows(tmp_path, {"app.py": S3_HANDLER}, TriggerKind.SCHEDULE) == []
    # No known trigger: the whole event is attacker-controlled.
    assert _sinks(_flows(tmp_path, {"app.py": S3_HANDLER})) == [
        ("command-injection", 6),
        ("command-injection", 7),
    ]


def test_sources_for_reads_the_spec_data() -> None:
    fn = _function(Path("."), (TriggerKind.SQS, TriggerKind.API_HTTP))
    spec = sources_for(fn)
    assert spec.match(("Records", "[]", "body")) is not None
    assert spec.match(("queryStringParameters", "q")) is not None
    assert spec.match(("requestContext", "accountId")) is None
    assert spec.match(("Records",)) is None and spec.sources_under(("Records",))
    assert sources_for(_function(Path("."), (TriggerKind.SCHEDULE,))).empty


def test_interprocedural_summaries_across_modules_and_classes(tmp_path: Path) -> None:
    files = {
        "app.py": """
            import json
            from lib.db import Repo, build

            def handler(event, context):
                body = json.loads(event["body"])
                repo = Repo(body["table"])
                repo.fetch()
                sql = build(body["id"])
                repo.run(sql)
                repo.run(build("constant"))
        """,
        "lib/__init__.py": "",
        "lib/db.py": """
            import sqlite3

            def build(value):
                return f"SELECT * FROM t WHERE id = '{value}'"

            class Repo:
                def __init__(self, table):
                    self.table = table
                    self.conn = sqlite3.connect("/tmp/db")

                def fetch(self):
                    return self.conn.execute("SELECT * FROM " + self.table)

                def run(self, sql):
                    return self.conn.execute(sql)
        """,
    }
    flows = _flows(tmp_path, files, TriggerKind.API_HTTP)
    assert _sinks(flows) == [("sql-injection", 12), ("sql-injection", 15)]
    run = next(f for f in flows if f.sink.location.line == 15)
    messages = [s.message for s in run.steps]
    assert "passed to build()" in messages and "returned by build()" in messages
    assert run.sink.location.file.endswith("lib/db.py")
    assert run.key == "lib/db.py:run.self.conn.execute():body"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("os.system('x ' + shlex.quote(v))", []),
        ("os.system('x %d' % int(v))", []),
        ("os.system('x ' + v) if v in ALLOWED else None", []),
        ("subprocess.run(['convert', v])", []),
        ("subprocess.run(['convert', v], shell=True)", ["command-injection"]),
        ("subprocess.run(v)", ["command-injection"]),
        ("open(os.path.basename(v))", []),
        ("open('/tmp/' + v)", ["path-traversal"]),
        ("requests.get('https://api.example.com/' + v)", []),
        ("requests.get(v)", ["ssrf"]),
        ("yaml.load(v, Loader=yaml.SafeLoader)", []),
        ("yaml.load(v)", ["deserialization"]),
        ("db.execute('SELECT ? ', (v,))", []),
        ("db.execute('SELECT %s' % v)", ["sql-injection"]),
        ("jinja2.Template('{{ x }}').render(x=v)", []),
        ("re.match(r'(a+)+$', v)", ["redos"]),
        ("re.match(r'a+$', v)", []),
        ("eval(', '.join([x for x in v]))", ["code-injection"]),
        ("eval(len(v))", []),
    ],
)
def test_sinks_and_sanitizers(tmp_path: Path, code: str, expected: list[str]) -> None:
    source = f"""
    import os, re, shlex, subprocess, yaml, requests, jinja2, sqlite3
    ALLOWED = ("a", "b")
    db = sqlite3.connect(":memory:")

    def handler(event, context):
        v = event["queryStringParameters"]["v"]
        {code}
    """
    flows = _flows(tmp_path, {"app.py": source}, TriggerKind.API_REST)
    assert [f.sink_family for f in flows] == expected


def test_guards_clean_only_after_the_check(tmp_path: Path) -> None:
    source = """
    import os
    ALLOWED = {"a"}

    def handler(event, context):
        for record in event["Records"]:
            name = record["body"]
            os.system(name)
            if name not in ALLOWED:
                continue
            os.system(name)
    """
    assert _sinks(_flows(tmp_path, {"app.py": source}, TriggerKind.SQS)) == [
        ("command-injection", 7)
    ]


def test_schema_validation_and_powertools_validator(tmp_path: Path) -> None:
    source = """
    import os
    from jsonschema import validate
    from aws_lambda_powertools.utilities.validation import validator

    @validator(inbound_schema={"type": "object"})
    def handler(event, context):
        os.system(event["detail"]["cmd"])

    def other(event, context):
        body = event["detail"]
        validate(instance=body, schema={"type": "object"})
        os.system(body["cmd"])
    """
    assert _flows(tmp_path, {"app.py": source}, TriggerKind.EVENTBRIDGE) == []


def test_bad_code_is_not_fatal(tmp_path: Path) -> None:
    assert _flows(tmp_path, {"app.py": "def handler(event, context):\n    x = (\n"}) == []
    deep = "def handler(event, context):\n    x = " + "(" * 400 + "event" + ")" * 400 + "\n"
    # A recursion limit is a gap, not a crash (the flow may or may not be found).
    assert isinstance(_flows(tmp_path, {"app.py": deep}), list)
    assert _flows(tmp_path, {"app.py": "import os\nhandler = 3\n"}) == []


def test_recursion_and_loops_terminate(tmp_path: Path) -> None:
    source = """
    import os

    def walk(value, depth):
        if depth > 3:
            return value
        return walk(value + "/x", depth + 1)

    def handler(event, context):
        acc = ""
        while True:
            acc = acc + event["body"]
            if len(acc) > 10:
                break
        os.system(walk(acc, 0))
    """
    flows = _flows(tmp_path, {"app.py": source}, TriggerKind.API_HTTP)
    assert _sinks(flows) == [("command-injection", 14)]


def test_catastrophic_patterns() -> None:
    assert catastrophic(r"^(a+)+$")
    assert catastrophic(r"^([a-z0-9]+\.?)+@x\.com$")
    assert not catastrophic(r"^[a-z]+@x\.com$")
    assert not catastrophic(r"(a|b)+")
    assert not catastrophic(r"(unclosed")


def test_a_big_generated_handler_is_fast(tmp_path: Path) -> None:
    helpers = "\n".join(
        f"def h{i}(v):\n    x = v + '{i}'\n    return h{i - 1}(x) if {i} else x\n"
        for i in range(1, 300)
    )
    handler = "def handler(event, context):\n    os.system(h299(event['body']))\n"
    source = f"import os\ndef h0(v):\n    return v\n{helpers}\n{handler}"
    started = time.perf_counter()
    flows = _flows(tmp_path, {"app.py": source}, TriggerKind.API_HTTP)
    assert time.perf_counter() - started < 2.0
    assert [f.sink_family for f in flows] == ["command-injection"]


def test_vendored_libraries_stay_libraries(tmp_path: Path) -> None:
    # ``pip install -t .`` puts requests (and its metadata) next to the handler: its code is
    # not followed, ``requests.get`` stays the sink, and a vendored package the spec does not
    # name (``somelib``, with a dist-info record) is not analysed either.
    files = {
        "app.py": """
            import requests
            import somelib

            def handler(event, context):
                somelib.run(event["body"])
                return requests.get(event["body"]).text
        """,
        "requests/__init__.py": "def get(url):\n    return url\n",
        "somelib/__init__.py": "import os\ndef run(cmd):\n    os.system(cmd)\n",
        "somelib-1.0.dist-info/top_level.txt": "somelib\n",
    }
    flows = _flows(tmp_path, files, TriggerKind.API_REST)
    assert [(f.sink_family, f.sink.location.line) for f in flows] == [("ssrf", 6)]
