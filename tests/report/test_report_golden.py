"""Golden files for the output formats (FAASGUARD_UPDATE_GOLDEN=1 rewrites them); for HTML
the data the page is built from (the inlined library and script are not golden)."""

from __future__ import annotations

import json
import re

import pytest
from report_sample import RULES, check_golden, empty_report, sample_report

from faasguard.report import FORMATS, render

SUFFIX = {
    "text": "txt",
    "json": "json",
    "sarif": "sarif",
    "markdown": "md",
    "html": "html.json",
    "junit": "junit.xml",
    "csv": "csv",
}


def golden_text(fmt: str, output: str) -> str:
    """What the golden file holds: the output, or the HTML page's data as indented JSON."""
    if fmt != "html":
        return output
    match = re.search(r'id="faasguard-data">(.*?)</script>', output, re.S)
    assert match is not None
    return json.dumps(json.loads(match.group(1)), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_report_matches_golden(fmt: str) -> None:
    output = render(fmt, sample_report(), rules=RULES)
    check_golden(f"sample.{SUFFIX[fmt]}", golden_text(fmt, output))


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_report_matches_golden(fmt: str) -> None:
    output = render(fmt, empty_report(), rules=RULES)
    check_golden(f"empty.{SUFFIX[fmt]}", golden_text(fmt, output))


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic_and_independent_of_finding_order(fmt: str) -> None:
    report = sample_report()
    first = render(fmt, report, rules=RULES)
    report.findings.reverse()
    report.diagnostics.reverse()
    report.apps.reverse()
    assert render(fmt, report, rules=RULES) == first


@pytest.mark.parametrize("fmt", FORMATS)
def test_paths_are_relative_to_the_root_with_posix_separators(fmt: str) -> None:
    output = render(fmt, sample_report(), rules=RULES)
    assert "/srv/shop" not in output
    assert "legacy/serverless.yml" in output
    assert "src/orders/app.py" in output
    assert output.endswith("\n") and not output.endswith("\n\n")


def test_dispatch_rejects_unknown_format_listing_valid_ones() -> None:
    with pytest.raises(ValueError, match="text, json, sarif, markdown, html, junit, csv"):
        render("pdf", sample_report(), rules=RULES)


def test_dispatch_accepts_any_case() -> None:
    assert render("JSON", sample_report(), rules=RULES) == render(
        "json", sample_report(), rules=RULES
    )
