"""An app is its root file, not its name: apps of one name stay apart in the text and HTML
reports (issue 17: 32 Terraform scenarios were shown under one 'app terraform' header
naming an unrelated file)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from faasguard.cli import app

runner = CliRunner()

MAIN_TF = """\
resource "aws_lambda_function" "fn" {{
  function_name = "fn-{name}"
  role          = "arn:aws:iam::123456789012:role/x"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "fn.zip"
  timeout       = 900
}}
"""


def _twins(root: Path) -> Path:
    for name in ("a", "b"):
        folder = root / name / "terraform"
        folder.mkdir(parents=True)
        (folder / "main.tf").write_text(MAIN_TF.format(name=name), encoding="utf-8")
    return root


def test_apps_of_one_name_get_a_section_each(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["scan", str(_twins(tmp_path)), "--no-cache", "--select", "TIME002", "-q"]
    )
    headers = re.findall(r"^app terraform \(terraform, (.+)\)$", result.output, re.M)
    assert headers == ["a/terraform/main.tf", "b/terraform/main.tf"]
    sections = result.output.split("app terraform")
    assert "function fn-a has" in sections[1] and "function fn-b has" in sections[2]


def test_apps_of_one_name_get_a_card_per_function(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(
        app, ["report", str(_twins(tmp_path / "src")), "-o", str(out), "--no-cache", "-q"]
    )
    assert result.exit_code == 1, result.output
    page = out.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="faasguard-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    keys = {c["key"] for c in data["cards"]}
    assert len(keys) == 2
    assert {f["card"] for f in data["findings"] if f["rule"] == "TIME002"} == keys
