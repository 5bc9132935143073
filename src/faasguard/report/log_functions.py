"""The function summary of ``faasguard logs analyze``, as a text or Markdown table. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def render_function_summary(rows: Sequence[Mapping[str, Any]], *, markdown: bool) -> str:
    """The per-function table appended to the text and Markdown reports of ``logs analyze``:
    invocations, errors, timeouts, cold starts, durations and cost."""
    header = (
        "function",
        "invocations",
        "errors",
        "timeouts",
        "cold",
        "p50 ms",
        "p99 ms",
        "max ms",
        "cost $",
    )
    data = [
        (
            r["function"],
            str(r["invocations"]),
            str(r["errors"]),
            str(r["timeouts"]),
            str(r["cold_starts"]),
            str(r["p50_ms"]),
            str(r["p99_ms"]),
            str(r["max_ms"]),
            f"{r['cost_usd']:.4f}",
        )
        for r in rows
    ]
    if markdown:
        lines = [
            "",
            "## Functions",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        lines += ["| " + " | ".join(row) + " |" for row in data]
        return "\n".join(lines) + "\n"
    widths = [
        max(len(h), *(len(row[i]) for row in data)) if data else len(h)
        for i, h in enumerate(header)
    ]
    lines = [
        "",
        "Functions:",
        "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
    ]
    lines += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in data
    ]
    return "\n".join(lines) + "\n"
