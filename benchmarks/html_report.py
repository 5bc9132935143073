"""HTML report: how fast the page opens in a real browser on 1,000 functions.

``python benchmarks/html_report.py [--write]`` writes 100 SAM apps of 10 functions (the
synthetic generator of the IAM usage tests: Python and Node.js handlers calling AWS),
runs ``faasguard report`` on it and on ``../shared/corpus`` (real apps), then opens each
page in Debian's Chromium (Playwright, ``/usr/bin/chromium``) three times and takes the
time from navigation start until the page has built itself (``body[data-ready]``: the
JSON parsed, plotly.js evaluated, the plots drawn, the first 50 cards shown), and the time
one filter takes (rule filter, then reset). The budget of issue 17 is 2 s to render.

No other tool writes such a report, so there is no peer to run side by side: the
figure stands against the budget. With ``--write`` the figures go to BENCHMARKS.md
between the ``html_report`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "iam"))
sys.path.insert(0, str(REPO / "tests" / "report"))
BEGIN, END = "<!-- html_report:begin -->", "<!-- html_report:end -->"
RUNS = 3


def _report(target: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "faasguard.cli", "report", str(target), "-o", str(out)],
        env=env,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def _browser_times(browser: Any, html: Path) -> tuple[list[float], list[float], int, int]:
    from html_browser import open_report  # noqa: PLC0415 - the tests' launcher

    ready, filtering = [], []
    cards = findings = 0
    for _ in range(RUNS):
        page = open_report(browser, html)
        assert page.console_errors == [], page.console_errors
        ready.append(page.page.evaluate("() => window.faasguardReadyMs") / 1000)
        rule = page.page.evaluate(
            "() => document.querySelector('#filter-rule option:nth-child(2)').value"
        )
        started = time.perf_counter()
        page.page.select_option("#filter-rule", rule)
        page.page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(0)))")
        filtering.append(time.perf_counter() - started)
        cards = page.page.evaluate("() => document.querySelectorAll('#cards article').length")
        findings = page.page.evaluate(
            "() => JSON.parse(document.getElementById('faasguard-data').textContent)"
            ".findings.length"
        )
        page.page.context.close()
    return ready, filtering, cards, findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    from html_browser import CHROMIUM, CHROMIUM_ARGS, skip_reason  # noqa: PLC0415
    from iamusage_synthetic import generate  # noqa: PLC0415
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    reason = skip_reason()
    if reason:
        print(reason)
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        inputs = [("100 synthetic SAM apps, 1,000 functions", Path(tmp) / "apps")]
        for n in range(100):
            generate(inputs[0][1] / f"app{n:03d}", functions=10)
        if Path(args.corpus).is_dir():
            inputs.append((f"`{Path(args.corpus).name}` (real apps)", Path(args.corpus)))
        for label, target in inputs:
            html = Path(tmp) / f"{len(rows)}.html"
            seconds = _report(target, html)
            ready, filtering, _, findings = _browser_times(browser, html)
            text = html.read_text(encoding="utf-8")
            match = re.search(r'id="faasguard-data">(.*?)</script>', text, re.S)
            functions = len(json.loads(match.group(1))["cards"]) if match else 0
            rows.append(
                f"| {label} | {functions} | {findings} | {len(text) / 2**20:.1f} "
                f"| {seconds:.1f} | {statistics.median(ready):.2f} ({min(ready):.2f}-"
                f"{max(ready):.2f}) | {1000 * statistics.median(filtering):.0f} |"
            )
        browser.close()
    version = subprocess.run(
        [str(CHROMIUM), "--version"], check=False, capture_output=True, text=True
    )
    load = os.getloadavg()[0]
    lines = [
        f"Machine: 2 cores (load average {load:.1f} at the end of the run), Python "
        f"{platform.python_version()}, {version.stdout.strip()}, headless; median of {RUNS} "
        "page loads (min-max).",
        "",
        "| input | functions | findings | page (MiB) | `faasguard report` (s) "
        "| in the browser: open to ready (s) | one filter (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]
    out = "\n".join(lines)
    print(out)
    if args.write:
        path = REPO / "BENCHMARKS.md"
        content = path.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{out}\n{END}"
        if BEGIN in content:
            head, _, rest = content.partition(BEGIN)
            _, _, tail = rest.partition(END)
            content = head + block + tail
        else:
            content = content.rstrip("\n") + "\n\n" + block + "\n"
        path.write_text(content, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
