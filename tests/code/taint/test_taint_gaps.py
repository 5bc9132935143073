"""Handler code the taint engines cannot analyse is reported as a diagnostic, not hidden."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import ScanConfig
from faasguard.engine import scan

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  PyFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: py/
      Events:
        Api: {Type: Api, Properties: {Path: /x, Method: get}}
  JsFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: js/
"""


def test_unparsable_handlers_become_warnings_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "app.py").write_text(
        "import os\n\ndef handler(event, context):\n    os.system(event['body']\n",
        encoding="utf-8",
    )
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "index.js").write_text("exports.other = () => 1;\n", encoding="utf-8")
    report = scan([str(tmp_path)], ScanConfig(select=("CODE",)))
    gaps = [d for d in report.diagnostics if d.code == "code-analysis-gap"]
    messages = " | ".join(d.message for d in gaps)
    assert any(
        d.location is not None and d.location.file.endswith("app.py") and d.location.line >= 4
        for d in gaps
    ), messages
    assert "function PyFn" in messages
    assert "function JsFn" in messages and "handler" in messages
    # Each gap is reported once, however many CODE rules looked at the function.
    assert len(gaps) == len({(d.message, d.location) for d in gaps})
