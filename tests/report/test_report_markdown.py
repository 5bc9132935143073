"""Markdown reporter for pull-request comments: totals, tables, escaping, the cap."""

from __future__ import annotations

import dataclasses

from report_sample import RULES, empty_report, sample_report

from faasguard.report import markdown
from faasguard.report.markdown import escape_cell


def test_heading_totals_and_severity_table() -> None:
    output = markdown.render(sample_report(), rules=RULES)
    lines = output.splitlines()
    assert lines[0] == "## faasguard: 6 findings"
    assert "6 findings in 2 apps (4 functions); 1 suppressed; 2 baselined; 3 diagnostics" in lines
    assert "| critical | 1 |" in lines
    assert "| high | 2 |" in lines
    assert "| **total** | **6** |" in lines


def test_findings_most_severe_first_with_links_and_escaped_pipes() -> None:
    lines = markdown.render(sample_report(), rules=RULES).splitlines()
    rows = [line for line in lines if line.startswith("| ") and "<br>" in line]
    assert [row.split(" | ")[0] for row in rows] == [
        "| critical",
        "| high",
        "| high",
        "| medium",
        "| low",
        "| info",
    ]
    trig = next(row for row in rows if "TRIG001" in row)
    assert "GET /orders \\| POST /orders" in trig
    assert (
        "[TRIG001](https://github.com/faasguard/faasguard/blob/main/docs/rules/TRIG001.md)" in trig
    )
    assert "`template.yaml:24`<br>shop / OrdersFunction" in trig
    # Every row has exactly the table's five unescaped pipes.
    for row in rows:
        assert row.replace("\\|", "").count("|") == 5
    # TIME001 was not passed in: no link, but still listed.
    assert any("| TIME001 |" in row for row in rows)
    assert "&lt;everyone&gt;" in next(row for row in rows if "CONF004" in row)


def test_cap_on_findings_says_how_many_more() -> None:
    report = sample_report()
    base = report.findings[1]
    report.findings = [
        dataclasses.replace(base, fingerprint=f"fp{i}", message=f"call site {i}") for i in range(60)
    ]
    output = markdown.render(report, rules=RULES)
    assert output.count("call site ") == 50
    assert "… and 10 more" in output
    assert "… and 2 more" in markdown.render(sample_report(), rules=RULES, max_findings=4)


def test_diagnostics_folded_in_details() -> None:
    output = markdown.render(sample_report(), rules=RULES)
    details = output[output.index("<details>") : output.index("</details>")]
    assert "<summary>3 diagnostics</summary>" in details
    assert "| error | `legacy/serverless.yml:3` | cannot resolve" in details


def test_empty_report() -> None:
    output = markdown.render(empty_report(), rules=RULES)
    assert output.splitlines()[0] == "## faasguard: no findings"
    assert "<details>" not in output and "| Severity |" not in output


def test_escape_cell() -> None:
    assert escape_cell("a | b") == "a \\| b"
    assert escape_cell("line one\nline two") == "line one<br>line two"
    assert escape_cell("<img src=x>") == "&lt;img src=x&gt;"
