"""The HTML report as a person sees it, in Debian's Chromium (Playwright): cards, filters,
plots, links, history, logs, no console errors, no network, and axe-core accessibility.

Skipped, saying why, where Chromium or Playwright is missing (see ``html_browser.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from html_browser import AXE, Page, browser, open_report, visible_texts
from typer.testing import CliRunner

from faasguard.cli import app

__all__ = ["browser"]  # the session fixture, imported for pytest

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
runner = CliRunner()


def _write_logs(root: Path) -> Path:
    """Two hours of REPORT lines of shop-dev-createOrder (one of them close to its timeout)."""
    folder = root / "logs" / "aws" / "lambda" / "shop-dev-createOrder"
    folder.mkdir(parents=True)
    lines = []
    for minute in range(0, 120, 3):
        duration = 880_000.5 if minute == 60 else 120.0 + minute
        lines.append(
            f"2024-05-01T{10 + minute // 60:02d}:{minute % 60:02d}:00.000Z REPORT RequestId: "
            f"0f2a9c1e-0b7a-4d4e-9c51-7a0f3b2e{minute:04d}\tDuration: {duration} ms\t"
            f"Billed Duration: {int(duration) + 1} ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 60 MB\t\n"
        )
    (folder / "2024-05-01.log").write_text("".join(lines))
    return root / "logs"


@pytest.fixture(scope="module")
def shop_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``faasguard report examples/shop --logs ... --history ...`` run twice: the second
    page has a history of two scans."""
    out = tmp_path_factory.mktemp("html")
    logs = _write_logs(out)
    history = out / "history"
    html = out / "report.html"
    args = ["report", str(SHOP), "-o", str(html), "--logs", str(logs), "--history", str(history)]
    for _ in range(2):
        result = runner.invoke(app, [*args, "--no-cache", "--fail-on", "critical"])
        assert result.exit_code == 1, result.output
    assert len(list(history.glob("scan-*.json"))) == 2
    return html


@pytest.fixture(scope="module")
def shop(browser: Any, shop_report: Path) -> Page:
    return open_report(browser, shop_report)


def _reset(page: Any) -> None:
    page.click("#filter-reset")
    page.wait_for_function(
        "!document.getElementById('filter-status').textContent.includes('the filters')"
    )


def test_the_page_opens_offline_without_errors_and_shows_the_overview(
    shop: Page, tmp_path: Path
) -> None:
    page = shop.page
    assert shop.console_errors == []
    assert shop.requests == []  # nothing fetched: everything is inlined
    assert page.title() == "faasguard report: shop"
    subtitle = page.inner_text("#subtitle")
    assert re.fullmatch(r"\d+ findings in 11 functions of 3 apps; \d+ rules ran\.", subtitle)
    assert visible_texts(page, "#tiles .tile .l")[0] == "findings"
    shop.screenshot("report-overview", tmp_path)


def test_plots_are_rendered_by_plotly(shop: Page) -> None:
    page = shop.page
    for plot in ("plot-practice", "plot-functions", "plot-durations", "plot-activity"):
        bars = page.locator(f"#{plot} .cartesianlayer .trace path")
        assert bars.count() > 0, plot
        assert page.locator(f"#{plot}").get_attribute("role") == "img"
    # seven practices on the x axis of the overview plot
    ticks = visible_texts(page, "#plot-practice .xtick text")
    assert ticks == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]


def test_cards_come_riskiest_first_with_triggers_permissions_and_paths(
    shop: Page, tmp_path: Path
) -> None:
    page = shop.page
    _reset(page)
    cards = page.locator("#cards article.card")
    assert cards.count() == 11  # every function of the three apps
    first = cards.first
    assert "critical" in (first.get_attribute("class") or "")
    # the REST POST /orders route of the Serverless app has no authorizer and no WAF
    create = page.locator("article.card", has_text="shop-dev-createOrder (createOrder)")
    triggers = create.locator("table").first.inner_text()
    assert "api-rest" in triggers and "POST /orders" in triggers and "none" in triggers
    permissions = create.inner_text()
    assert re.search(r"Role IamRoleLambdaExecution grants \d+ actions; the code needs", permissions)
    assert "granted action" in permissions and "s3 " in permissions
    # the SQL injection path, source to sink, with the line of code
    taint = create.locator("ol.path", has_text="event['pathParameters']['id']")
    assert taint.count() == 1
    assert "execute" in taint.locator("pre.excerpt .hit").last.inner_text()
    # runtime from the logs, next to the configured timeout
    assert "40 invocations" in permissions and "against a 900 s timeout" in permissions
    create.scroll_into_view_if_needed()
    shop.screenshot("report-card", tmp_path)


def _filtered(page: Any, action: Any) -> int:
    """Run ``action`` and wait for the page to show its result; the number of cards shown."""
    before = page.inner_text("#filter-status")
    action()
    page.wait_for_function(
        "b => document.getElementById('filter-status').textContent !== b", arg=before
    )
    return page.locator("#cards article.card").count()


def test_filters_by_severity_rule_practice_function_and_text(shop: Page) -> None:
    page = shop.page
    _reset(page)

    def critical_only() -> None:
        for severity in ("high", "medium", "low", "info"):
            page.uncheck(f"#sev-{severity}")

    assert _filtered(page, critical_only) == 9  # the functions with a critical finding
    assert set(visible_texts(page, "#cards table.findings tbody tr td:first-child .badge")) == {
        "critical"
    }
    _reset(page)
    assert _filtered(page, lambda: page.select_option("#filter-rule", "CODE004")) == 4
    assert set(visible_texts(page, "#cards table.findings tbody tr td:nth-child(2) a")) == {
        "CODE004"
    }
    assert page.inner_text("#filter-status") == (
        "Showing 4 of 4 functions; 4 findings match the filters."
    )
    _reset(page)
    assert _filtered(page, lambda: page.select_option("#filter-practice", "P3")) < 11
    assert set(visible_texts(page, "#cards table.findings tbody tr td:nth-child(2) .muted")) == {
        "P3"
    }
    _reset(page)
    assert _filtered(page, lambda: page.fill("#filter-function", "adminexport")) == 1
    assert "shop-dev-adminExport" in page.inner_text("#cards article h3")
    _reset(page)
    assert _filtered(page, lambda: page.fill("#filter-text", "yaml.load")) < 11
    messages = visible_texts(page, "#cards table.findings tbody tr td:nth-child(3)")
    assert messages and all("yaml.load" in m.lower() for m in messages)
    _reset(page)
    assert page.locator("#cards article.card").count() == 11


def test_rule_links_fingerprints_history_and_runtime(shop: Page, tmp_path: Path) -> None:
    page = shop.page
    _reset(page)
    link = page.locator("#cards a", has_text="CODE004").first
    assert link.get_attribute("href", timeout=2000).endswith("/docs/rules/CODE004.md")
    fingerprint = page.locator("#cards .fp").first.inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", fingerprint)
    assert not page.locator("#history").is_hidden()
    summary = page.inner_text("#history-summary")
    assert re.fullmatch(
        r"Since the scan of .+: 0 new findings, 0 fixed findings, \d+ still open\.", summary
    )
    assert page.locator("#plot-history .cartesianlayer .trace path").count() > 0
    assert not page.locator("#runtime").is_hidden()
    page.locator("#runtime").scroll_into_view_if_needed()
    shop.screenshot("report-runtime", tmp_path)


def test_the_riskiest_table_jumps_to_the_card(shop: Page) -> None:
    page = shop.page
    _reset(page)
    name = page.locator("#riskiest tbody a").first.inner_text()
    page.locator("#riskiest tbody a").first.click()
    page.wait_for_function("document.querySelectorAll('#cards article').length === 1")
    assert page.inner_text("#cards article h3").startswith(name)
    assert page.input_value("#filter-function") == name


def test_no_serious_accessibility_violations(shop: Page) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (.ci/run installs it from npm)")
    page = shop.page
    _reset(page)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
