"""A handler built by webpack into a directory that is not in the repository."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders import load
from faasguard.loaders.discovery import discover

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Web:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./dist
      Handler: main.handler
      Runtime: nodejs20.x
"""
WEBPACK = """\
const path = require('path')
module.exports = {
  entry: './src/lambda.js',
  output: { path: path.join(__dirname, 'dist'), filename: '[name].js' },
}
"""


def _web(tmp_path: Path, webpack: str | None) -> object:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lambda.js").write_text("exports.handler = async () => 1\n")
    if webpack is not None:
        (tmp_path / "webpack.config.js").write_text(webpack, encoding="utf-8")
    app = load(discover([tmp_path])[0], LoadOptions())
    return app.functions[0]


def test_the_bundle_entry_is_the_code_analysed(tmp_path: Path) -> None:
    fn = _web(tmp_path, WEBPACK)
    assert fn.source_handler == "src/lambda.handler"  # type: ignore[attr-defined]
    assert fn.code.path == str(tmp_path) or Path(fn.code.path).resolve() == tmp_path.resolve()  # type: ignore[attr-defined]


def test_no_config_or_another_output_directory_leaves_the_function_alone(tmp_path: Path) -> None:
    assert _web(tmp_path / "a", None).source_handler is None  # type: ignore[attr-defined]
    other = WEBPACK.replace("'dist'", "'build'")
    assert _web(tmp_path / "b", other).source_handler is None  # type: ignore[attr-defined]
