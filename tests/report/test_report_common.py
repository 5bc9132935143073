"""Shared reporter helpers: relative paths and rule documentation parsing."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import pytest
from report_sample import RULES

from faasguard.report.common import (
    doc_sections,
    relative_path,
    rule_help_markdown,
    rule_help_text,
    rule_markdown,
)


def test_relative_path_under_root() -> None:
    assert relative_path("/srv/shop/a/b.yml", "/srv/shop") == "a/b.yml"
    assert relative_path("/srv/shop/a/b.yml", "/srv/shop/") == "a/b.yml"


def test_relative_path_outside_root_keeps_dotdot() -> None:
    assert relative_path("/srv/other/x.tf", "/srv/shop") == "../other/x.tf"


def test_relative_path_relative_inputs_use_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert relative_path("proj/serverless.yml", "proj") == "serverless.yml"
    assert relative_path("proj/serverless.yml", ".") == "proj/serverless.yml"
    assert relative_path(str(tmp_path / "proj" / "main.tf"), "proj") == "main.tf"


def test_relative_path_leaves_uris_and_empty_alone() -> None:
    assert relative_path("aws://lambda/eu-west-1/fn", "/srv") == "aws://lambda/eu-west-1/fn"
    assert relative_path("", "/srv") == ""


def test_doc_sections_parses_rule_docstrings() -> None:
    doc = (
        "Function URL without authentication.\n\n"
        "What it finds: function URLs with\nAuthType NONE.\n\n"
        "Why it matters:\n    Anyone can call it.\n\n"
        "Example:\n\n    FunctionUrlConfig:\n      AuthType: NONE\n\n"
        "How to fix: use AWS_IAM.\n"
    )
    sections = doc_sections(doc)
    assert sections["title"] == "Function URL without authentication"
    assert sections["What it finds"] == "function URLs with\nAuthType NONE."
    assert "References" not in sections
    markdown = rule_markdown(doc)
    assert "### Why it matters\n\nAnyone can call it." in markdown  # indented prose dedented
    assert "### Example\n\n```\nFunctionUrlConfig:\n  AuthType: NONE\n```" in markdown


def test_rule_markdown_of_sample_rule_has_every_section() -> None:
    markdown = rule_markdown(RULES[0].doc)
    for heading in ("What it finds", "Why it matters", "Example", "How to fix", "References"):
        assert f"### {heading}" in markdown


def test_rule_help_lists_thresholds_the_docstring_points_at() -> None:
    plain = RULES[0]
    assert rule_help_text(plain) == plain.doc.strip()
    assert rule_help_markdown(plain) == rule_markdown(plain.doc)
    limited = dataclasses.replace(
        plain, thresholds=MappingProxyType({"max_timeout_seconds": 900, "unit": "MB"})
    )
    assert rule_help_text(limited).endswith(
        "\n\nThresholds:\n  max_timeout_seconds: 900\n  unit: MB"
    )
    assert rule_help_markdown(limited).endswith(
        "### Thresholds\n\n- `max_timeout_seconds`: 900\n- `unit`: MB\n"
    )
