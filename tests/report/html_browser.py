"""A real browser for the HTML report tests: Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium``
(``FAASGUARD_CHROMIUM`` to use another). Tests skip, saying why, where Chromium or
Playwright is missing; ``.ci/run`` installs both, and axe-core (``FAASGUARD_AXE``, default
``.ci/npm/node_modules/axe-core/axe.min.js``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("FAASGUARD_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(
    os.environ.get(
        "FAASGUARD_AXE", REPO / ".ci" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
    )
)
#: Flags for a quiet, offline, sandbox-less headless Chromium in CI containers.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Screenshots go here when set (CI keeps them); otherwise into the test's tmp_path.
SCREENSHOTS = os.environ.get("FAASGUARD_SCREENSHOTS")


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or ``None``."""
    if not CHROMIUM.exists() or not os.access(CHROMIUM, os.X_OK):
        return f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401, PLC0415 - optional test dependency
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


@dataclass
class Page:
    """An opened report: the Playwright page, and what the browser said and asked for."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def screenshot(self, name: str, tmp_path: Path, **options: Any) -> Path:
        """Save a PNG (into ``FAASGUARD_SCREENSHOTS`` when set) and return its path."""
        folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path), **options)
        assert path.stat().st_size > 10_000  # a real picture, not an empty canvas
        return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_report(browser: Any, html: Path, width: int = 1300) -> Page:
    """Open ``html`` from disk with the network cut off, and wait until the page built itself."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    opened = Page(page)
    page.on(
        "console", lambda m: opened.console_errors.append(m.text) if m.type == "error" else None
    )
    page.on("pageerror", lambda e: opened.console_errors.append(str(e)))

    def block(route: Any) -> None:
        opened.requests.append(route.request.url)
        route.abort()

    page.route("http://**/*", block)
    page.route("https://**/*", block)
    page.goto(html.as_uri())
    page.wait_for_selector("body[data-ready]", timeout=30_000)
    return opened


def visible_texts(page: Any, selector: str) -> list[str]:
    """The text of every element matching ``selector``, in document order."""
    return [t.strip() for t in page.locator(selector).all_text_contents()]
