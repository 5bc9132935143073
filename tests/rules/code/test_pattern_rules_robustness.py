"""The code pattern rules on awkward input: broken files, code that must never run, the
trigger deciding what counts as exposure, edits between scans, random text, and speed."""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faasguard.code.handler_files import clear_caches, file_matches
from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.findings import Report
from faasguard.rules import get_rule

RULES = tuple(f"CODE02{n}" for n in range(7))


def _rule_module(rule_id: str) -> Any:
    found = get_rule(rule_id)
    assert found is not None
    return importlib.import_module(found.module)


#: The rule modules, each with its ``match_python`` and ``match_javascript``.
PATTERN_RULES = tuple(_rule_module(rule_id) for rule_id in RULES)

FUNCTION = """\
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: {runtime}
      Handler: {handler}
      CodeUri: src/
{events}"""
API_EVENT = """\
      Events:
        Api:
          Type: Api
          Properties:
            Path: /{name}
            Method: get
"""
SQS_EVENT = """\
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:eu-west-1:123456789012:q
"""


def _project(
    tmp_path: Path, functions: list[tuple[str, str, str, str]], files: dict[str, str]
) -> Path:
    """A SAM project: ``functions`` are (name, runtime, handler, events block)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    body = "".join(
        FUNCTION.format(name=n, runtime=r, handler=h, events=e) for n, r, h, e in functions
    )
    (tmp_path / "template.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Transform: AWS::Serverless-2016-10-31\nResources:\n" + body,
        encoding="utf-8",
    )
    for name, text in files.items():
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def _scan(path: Path) -> Report:
    return scan([str(path)], ScanConfig(select=RULES))


def _hits(report: Report) -> set[tuple[str, str, int, str | None]]:
    return {
        (f.rule_id, Path(f.location.file).name, f.location.line, f.function)
        for f in report.findings
    }


ERROR_HANDLER = """\
def handler(event, context):
    try:
        return {"ok": work(event)}
    except Exception as exc:
        return {"error": str(exc)}


def work(event):
    return len(event)
"""


def test_plain_return_of_exception_text_counts_only_for_http_functions(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        [
            ("Web", "python3.12", "app.handler", API_EVENT.format(name="web")),
            ("Queue", "python3.12", "app.handler", SQS_EVENT),
        ],
        {"app.py": ERROR_HANDLER},
    )
    # The API caller sees the result; an SQS poller's result goes nowhere.
    report = _scan(project)
    assert _hits(report) == {("CODE022", "app.py", 5, "Web")}
    assert "Queue" not in report.findings[0].message  # not attributed to the SQS function
    queue_only = _project(
        tmp_path / "queue",
        [("Queue", "python3.12", "app.handler", SQS_EVENT)],
        {"app.py": ERROR_HANDLER},
    )
    assert _hits(_scan(queue_only)) == set()


def test_syntax_error_is_a_diagnostic_and_other_functions_are_checked(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        [
            ("Broken", "python3.12", "broken.handler", ""),
            ("BrokenJs", "nodejs20.x", "broken_js.handler", ""),
            ("Fine", "python3.12", "fine.handler", ""),
        ],
        {
            "broken.py": "def handler(event, context):\n    print(event\n",
            "broken_js.js": "exports.handler = async (event) => { console.log(event; };\n",
            "fine.py": "def handler(event, context):\n    print(event)\n",
        },
    )
    report = _scan(project)
    assert _hits(report) == {("CODE023", "fine.py", 2, "Fine")}
    notes = [d for d in report.diagnostics if "CODE02x" in d.message]
    located = {(Path(d.location.file).name, d.location.line) for d in notes if d.location}
    assert ("broken.py", 2) in located and ("broken_js.js", 1) in located


def test_scanned_code_is_never_executed(tmp_path: Path) -> None:
    marker_py = tmp_path / "ran-python"
    marker_js = tmp_path / "ran-node"
    project = _project(
        tmp_path,
        [
            ("Py", "python3.12", "app.handler", ""),
            ("Js", "nodejs20.x", "index.handler", ""),
        ],
        {
            "app.py": f"open({str(marker_py)!r}, 'w').write('x')\n"
            "def handler(event, context):\n    print(event)\n",
            "index.js": f"require('fs').writeFileSync({str(marker_js)!r}, 'x');\n"
            "exports.handler = async (event) => { console.log(event); };\n",
        },
    )
    assert {h[:3] for h in _hits(_scan(project))} == {
        ("CODE023", "app.py", 3),
        ("CODE023", "index.js", 2),
    }
    assert not marker_py.exists() and not marker_js.exists()


def test_an_edited_handler_is_analysed_again(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        [("Fn", "python3.12", "app.handler", "")],
        {"app.py": "import requests\n\ndef handler(event, context):\n    requests.get('u')\n"},
    )
    assert _hits(_scan(project)) == set()
    (project / "src" / "app.py").write_text(
        "import requests\n\ndef handler(event, context):\n    requests.get('u', verify=False)\n",
        encoding="utf-8",
    )
    assert _hits(_scan(project)) == {("CODE024", "app.py", 4, "Fn")}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("event[]{}()'\"`.:=,;+ \n\tasyncawait$/\\#-_0123456789")),
        max_size=300,
    )
)
def test_random_text_never_raises(tmp_path: Path, text: str) -> None:
    for suffix, language in ((".py", "python"), (".js", "javascript"), (".ts", "javascript")):
        path = tmp_path / f"h{suffix}"
        path.write_text(text, encoding="utf-8")
        for module in PATTERN_RULES:
            result = file_matches(path, language, module.match_python, module.match_javascript)
            assert isinstance(result, tuple) or result.message


HANDLER_TEMPLATE = """\
import json
import logging
import os

import requests

logger = logging.getLogger()


def handler(event, context):
    logger.info("start %s", context.aws_request_id)
    body = json.loads(event.get("body") or "{{}}")
    try:
        result = process_{n}(body)
    except ValueError as exc:
        logger.warning("bad input %s", exc)
        return {{"statusCode": 400, "body": json.dumps({{"message": "bad input"}})}}
    return {{"statusCode": 200, "body": json.dumps(result)}}

"""
HELPER = """
def process_{n}_{k}(body, factor={k}):
    values = [int(v) * factor for v in body.get("values", [])]
    total = sum(values)
    if total > {k}00:
        logger.info("large total %d", total)
    response = requests.get(os.environ["PRICE_URL"], params={{"n": total}}, timeout=3)
    prices = response.json()
    return {{"total": total, "prices": prices, "count": len(values)}}

"""


def test_thirty_functions_and_thousands_of_lines_are_fast(tmp_path: Path) -> None:
    files = {}
    functions = []
    for n in range(30):
        helpers = "".join(HELPER.format(n=n, k=k) for k in range(12))
        files[f"fn{n}.py"] = (
            HANDLER_TEMPLATE.format(n=n)
            + helpers
            + f"\ndef process_{n}(body):\n    return process_{n}_0(body)\n"
        )
        functions.append((f"Fn{n}", "python3.12", f"fn{n}.handler", ""))
    lines = sum(text.count("\n") for text in files.values())
    assert lines > 3000
    project = _project(tmp_path, functions, files)
    assert _scan(project).findings == []  # also loads the SAM translator once
    clear_caches()
    # CPU time of a scan in this process (one job, no forked loaders): unlike wall time it
    # does not grow when other processes share the cores.
    started = time.process_time()
    report = scan([str(project)], ScanConfig(select=RULES, jobs=1))
    elapsed = time.process_time() - started
    assert report.findings == []
    # The rules' own analysis takes about 0.4 s (benchmarks/coderules_peers.py), the template
    # about as much again.
    assert elapsed < 3.0, f"{lines} lines in {elapsed:.2f} CPU s"
