"""Text reporter: grouping, colours only on request, width from the caller, totals."""

from __future__ import annotations

import dataclasses

import pytest
from report_sample import RULES, empty_report, sample_report

from faasguard.report import text


def test_plain_output_has_no_escape_codes() -> None:
    output = text.render(sample_report(), rules=RULES, color=False)
    assert "\x1b" not in output


def test_colour_output_styles_severities() -> None:
    output = text.render(sample_report(), rules=RULES, color=True)
    assert "\x1b[1;31mCRITICAL" in output  # bold red
    assert "\x1b[31mHIGH" in output  # red
    assert "\x1b[33mMEDIUM" in output  # yellow
    assert "\x1b[36mLOW" in output  # cyan
    assert "\x1b[2mINFO" in output  # dim


def test_output_ignores_the_real_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = text.render(sample_report(), width=100)
    for name, value in {
        "COLUMNS": "40",
        "LINES": "5",
        "FORCE_COLOR": "1",
        "TTY_COMPATIBLE": "1",
        "TERM": "dumb",
    }.items():
        monkeypatch.setenv(name, value)
    assert text.render(sample_report(), width=100) == expected


def test_lines_fit_the_requested_width() -> None:
    for width in (60, 100, 140):
        output = text.render(sample_report(), width=width)
        assert max(len(line) for line in output.splitlines()) <= width


def test_findings_grouped_by_app_then_function_resources_under_the_app() -> None:
    lines = text.render(sample_report()).splitlines()

    def index(fragment: str) -> int:
        return next(i for i, line in enumerate(lines) if fragment in line)

    legacy, shop = index("app legacy"), index("app shop")
    assert legacy < index("TIME001") < index("TRIG003") < shop
    # The resource-level finding sits directly under its app, before the function groups.
    assert shop < index("CONF004") < index("function OrdersFunction")
    assert "resource UploadBucket  template.yaml:88" in lines[index("CONF004") + 2]
    # Within a function, the most severe finding comes first.
    assert index("function OrdersFunction") < index("CODE003") < index("TRIG001")
    assert index("function WorkerFunction") < index("LOG001")


def test_finding_shows_severity_id_title_message_and_place() -> None:
    lines = text.render(sample_report()).splitlines()
    at = next(i for i, line in enumerate(lines) if "TRIG001" in line)
    assert lines[at].split() == ["HIGH", "TRIG001", "HTTP", "endpoint", "without", "authorization"]
    assert "GET /orders | POST /orders have no authorizer" in lines[at + 1]
    assert lines[at + 2].strip() == "template.yaml:24"
    log = next(i for i, line in enumerate(lines) if "LOG001" in line)
    assert lines[log + 2].strip() == "template.yaml"  # line 0: the whole file


def test_diagnostics_section_lists_level_place_and_message() -> None:
    output = text.render(sample_report())
    assert "error   legacy/serverless.yml:3  cannot resolve ${file(./missing.yml):custom}" in output


def test_summary_table_by_practice_and_totals_footer() -> None:
    output = text.render(sample_report())
    table = {
        line.split()[0]: line.split()[-6:]
        for line in output.splitlines()
        if line.strip()[:1] == "P" and line.strip()[1:2].isdigit()
    }
    assert table["P2"] == ["0", "1", "0", "0", "1", "2"]
    assert table["P7"] == ["1", "0", "1", "0", "0", "2"]
    assert table["P1"] == ["0", "0", "0", "0", "0", "0"]
    assert "Trusting a WAF to protect everything" in output
    assert "6 findings in 2 apps (4 functions); 1 suppressed; 2 baselined; 3 diagnostics" in output
    assert "Ran 25 rules in 1.23 s" in output


def test_empty_report_says_no_findings_with_singular_totals() -> None:
    output = text.render(empty_report())
    assert "No findings." in output
    assert "0 findings in 1 app (2 functions); 0 suppressed; 0 baselined; 0 diagnostics" in output


def test_markup_in_messages_is_printed_literally() -> None:
    report = sample_report()
    report.findings[0] = dataclasses.replace(
        report.findings[0], message="[bold]not markup[/bold] :smile:"
    )
    assert "[bold]not markup[/bold] :smile:" in text.render(report)
