"""Timeout and memory right-sizing and denial-of-wallet exposure (``faasguard logs suggest``).

Timeout: the larger of p99.9 x 1.5 and the maximum seen x 1.2, rounded up to whole seconds
(at most 900), p99.9 from the merged log-bucket duration sketch (±0.5 %, deterministic:
the same logs give the same figure every run); refused below
:data:`MIN_SAMPLES` invocations. Memory: suggested only when the largest ``Max Memory
Used`` is under half the configured size, as 1.5 x that peak rounded up to 64 MB (≥ 128).

Denial-of-wallet model, stated in every output: an attacker keeps the function saturated
for one hour at its maximum concurrency (reserved concurrency, else the default account
limit of 1,000) with requests that each run to the full timeout. The hour costs
``concurrency x 3600 s x memory GB x GB-second price`` plus the requests
(``concurrency x 3600 / timeout``). With the recommended timeout, the same request rate
costs ``requests x recommended timeout x memory GB x price``; a reserved-concurrency cap
(3 x the busiest observed 5-minute mean concurrency, at least 2) bounds the concurrency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from faasguard.logs.detectors import PartialState
from faasguard.logs.facts import WINDOW_MINUTES
from faasguard.logs.pricing import Price, price
from faasguard.model import App, Function

MIN_SAMPLES = 100
ACCOUNT_CONCURRENCY = 1000
MAX_TIMEOUT_S = 900


@dataclass(frozen=True, slots=True, kw_only=True)
class Suggestion:
    """Right-sizing of one function and the numbers behind it."""

    function: str
    samples: int
    p50_ms: float | None
    p99_ms: float | None
    p999_ms: float | None
    max_ms: float
    configured_timeout_s: float | None
    timeout_source: str
    recommended_timeout_s: int | None
    confidence: str
    configured_memory_mb: float | None
    max_memory_used_mb: float | None
    recommended_memory_mb: int | None
    concurrency: int
    concurrency_source: str
    recommended_reserved_concurrency: int | None
    exposure_usd: float | None
    exposure_with_timeout_usd: float | None
    exposure_with_cap_usd: float | None
    price: Price
    app_function: Function | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``logs suggest --format json``)."""
        return {
            "function": self.function,
            "samples": self.samples,
            "duration_ms": {
                "p50": self.p50_ms,
                "p99": self.p99_ms,
                "p99.9": self.p999_ms,
                "max": self.max_ms,
            },
            "timeout": {
                "configured_s": self.configured_timeout_s,
                "source": self.timeout_source,
                "recommended_s": self.recommended_timeout_s,
                "confidence": self.confidence,
            },
            "memory": {
                "configured_mb": self.configured_memory_mb,
                "max_used_mb": self.max_memory_used_mb,
                "recommended_mb": self.recommended_memory_mb,
            },
            "denial_of_wallet": {
                "model": "one hour at maximum concurrency, every request running to the timeout",
                "concurrency": self.concurrency,
                "concurrency_source": self.concurrency_source,
                "recommended_reserved_concurrency": self.recommended_reserved_concurrency,
                "exposure_usd_per_hour": self.exposure_usd,
                "with_recommended_timeout_usd": self.exposure_with_timeout_usd,
                "with_timeout_and_concurrency_cap_usd": self.exposure_with_cap_usd,
                "price": {
                    "region": self.price.region,
                    "architecture": self.price.architecture,
                    "gb_second_usd": self.price.gb_second,
                    "request_usd": self.price.per_request,
                    "as_of": self.price.as_of,
                    "note": self.price.note,
                },
            },
        }


def match_function(apps: Sequence[App], name: str) -> Function | None:
    """The app function deployed as ``name`` (by static name, then by ref)."""
    for app in apps:
        for fn in app.functions:
            if name in (fn.display_name, fn.ref):
                return fn
    return None


def _peak_concurrency(state: PartialState, function: str, memory_mb: float) -> float:
    windows = state.window_table()
    if windows.num_rows == 0 or not memory_mb:
        return 0.0
    import pyarrow.compute as pc  # noqa: PLC0415 - loaded on first use (start-up speed)

    mine = windows.filter(pc.equal(windows.column("function"), function))
    peak = pc.max(mine.column("gb_seconds")).as_py() or 0.0
    return float(peak) / (memory_mb / 1024.0) / (WINDOW_MINUTES * 60)


def suggest(
    state: PartialState,
    apps: Sequence[App] = (),
    *,
    region: str | None = None,
    architecture: str | None = None,
) -> list[Suggestion]:
    """One suggestion per function seen in the logs."""
    out = []
    for name, stats in sorted(state.functions.items()):
        fn = match_function(apps, name)
        arch = architecture
        if fn is not None and fn.architectures and isinstance(fn.architectures[0], str):
            arch = arch or fn.architectures[0]
        rate = price(region, arch)
        samples = stats.invocations
        p999 = stats.quantile(0.999)
        configured: float | None = None
        source = "unknown"
        if fn is not None and isinstance(fn.timeout, int):
            configured, source = float(fn.timeout), "app"
        elif stats.configured_timeout_s:
            configured, source = stats.configured_timeout_s, "timeout lines"
        recommended: int | None = None
        if samples >= MIN_SAMPLES and p999 is not None:
            needed = max(p999 * 1.5, stats.duration_max * 1.2) / 1000.0
            recommended = min(MAX_TIMEOUT_S, max(1, math.ceil(needed)))
            confidence = (
                f"from {samples} invocations; p99.9 {p999 / 1000:.3g} s (log-bucket sketch, "
                "±0.5 %)"
                + (
                    "; fewer than 1,000 samples, so p99.9 is close to the maximum seen"
                    if samples < 1000
                    else ""
                )
            )
        else:
            confidence = (
                f"no recommendation: {samples} invocation(s), at least {MIN_SAMPLES} are needed"
            )
        memory = (
            float(fn.memory)
            if fn is not None and isinstance(fn.memory, int)
            else (stats.memory_mb or None)
        )
        used = stats.max_memory_used_mb or None
        recommended_memory = None
        if memory and used and samples >= MIN_SAMPLES and used < 0.5 * memory and memory > 128:
            recommended_memory = max(128, math.ceil(used * 1.5 / 64) * 64)
        concurrency, concurrency_source = ACCOUNT_CONCURRENCY, "account default limit"
        if fn is not None and isinstance(fn.reserved_concurrency, int):
            concurrency, concurrency_source = fn.reserved_concurrency, "reserved concurrency"
        cap = None
        exposure = with_timeout = with_cap = None
        timeout_now = configured
        if timeout_now and memory:
            gb = memory / 1024.0
            requests = concurrency * 3600 / timeout_now
            exposure = concurrency * 3600 * gb * rate.gb_second + requests * rate.per_request
            if recommended is not None:
                rec = min(float(recommended), timeout_now)
                with_timeout = requests * rec * gb * rate.gb_second + requests * rate.per_request
                peak = _peak_concurrency(state, name, stats.memory_mb or memory)
                cap = min(concurrency, max(2, math.ceil(peak * 3)))
                capped = cap * 3600 / rec
                with_cap = min(
                    with_timeout, cap * 3600 * gb * rate.gb_second + capped * rate.per_request
                )
        out.append(
            Suggestion(
                function=name,
                samples=samples,
                p50_ms=_r(stats.quantile(0.5)),
                p99_ms=_r(stats.quantile(0.99)),
                p999_ms=_r(p999),
                max_ms=round(stats.duration_max, 1),
                configured_timeout_s=configured,
                timeout_source=source,
                recommended_timeout_s=recommended,
                confidence=confidence,
                configured_memory_mb=memory,
                max_memory_used_mb=used,
                recommended_memory_mb=recommended_memory,
                concurrency=concurrency,
                concurrency_source=concurrency_source,
                recommended_reserved_concurrency=cap,
                exposure_usd=_money(exposure),
                exposure_with_timeout_usd=_money(with_timeout),
                exposure_with_cap_usd=_money(with_cap),
                price=rate,
                app_function=fn,
            )
        )
    return out


def _r(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _money(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def render_text(suggestions: Sequence[Suggestion]) -> str:
    """A readable per-function summary."""
    lines = []
    for s in suggestions:
        timeout = (
            f"{s.configured_timeout_s:g} s ({s.timeout_source})"
            if s.configured_timeout_s
            else "unknown"
        )
        rec = f"{s.recommended_timeout_s} s" if s.recommended_timeout_s else "—"
        lines.append(f"{s.function}")
        lines.append(
            f"  durations   p50 {s.p50_ms} ms, p99 {s.p99_ms} ms, p99.9 {s.p999_ms} ms, "
            f"max {s.max_ms} ms ({s.samples} invocations)"
        )
        lines.append(f"  timeout     configured {timeout} → recommended {rec}")
        lines.append(f"              {s.confidence}")
        if s.recommended_memory_mb:
            lines.append(
                f"  memory      configured {s.configured_memory_mb:g} MB, peak "
                f"{s.max_memory_used_mb:g} MB → recommended {s.recommended_memory_mb} MB"
            )
        if s.exposure_usd is not None:
            lines.append(
                f"  denial of wallet: ${s.exposure_usd:,.2f}/hour at {s.concurrency} "
                f"concurrent ({s.concurrency_source}), full timeout"
            )
            if s.exposure_with_timeout_usd is not None:
                lines.append(
                    f"    with the recommended timeout: "
                    f"${s.exposure_with_timeout_usd:,.2f}/hour; plus reserved "
                    f"concurrency {s.recommended_reserved_concurrency}: "
                    f"${s.exposure_with_cap_usd:,.2f}/hour"
                )
        lines.append("")
    if suggestions:
        p = suggestions[0].price
        lines.append(
            f"Prices: {p.region} {p.architecture}, ${p.gb_second}/GB-s, "
            f"${p.per_request * 1e6:g}/million requests, as of {p.as_of}. Model: one "
            "hour at maximum concurrency, every request running to the timeout."
        )
    return "\n".join(lines) + "\n"


def render_patch(suggestions: Sequence[Suggestion], fmt: str) -> str:
    """The recommended values as a fragment to merge into a SAM, Serverless or Terraform app."""
    chunks = []
    for s in suggestions:
        if s.recommended_timeout_s is None:
            chunks.append(f"# {s.function}: {s.confidence}")
            continue
        ref = s.app_function.ref if s.app_function is not None else s.function
        memory = s.recommended_memory_mb
        cap = s.recommended_reserved_concurrency
        where = ""
        if s.app_function is not None and s.app_function.location.line:
            where = f" ({s.app_function.location})"
        if fmt == "sam":
            body = [
                f"# {s.function}{where}",
                f"  {ref}:",
                "    Properties:",
                f"      Timeout: {s.recommended_timeout_s}",
            ]
            body += [f"      MemorySize: {memory}"] if memory else []
            body += [f"      ReservedConcurrentExecutions: {cap}"] if cap else []
        elif fmt == "serverless":
            body = [
                f"# {s.function}{where}",
                f"  {ref}:",
                f"    timeout: {s.recommended_timeout_s}",
            ]
            body += [f"    memorySize: {memory}"] if memory else []
            body += [f"    reservedConcurrency: {cap}"] if cap else []
        else:
            address = (
                ref
                if ref.startswith("aws_lambda_function.")
                else (f"aws_lambda_function.{ref.replace('-', '_')}")
            )
            kind, _, label = address.partition(".")
            body = [
                f"# {s.function}{where}",
                f'resource "{kind}" "{label}" {{',
                f"  timeout = {s.recommended_timeout_s}",
            ]
            body += [f"  memory_size = {memory}"] if memory else []
            body += [f"  reserved_concurrent_executions = {cap}"] if cap else []
            body += ["}"]
        chunks.append("\n".join(body))
    header = {"sam": "Resources:", "serverless": "functions:", "terraform": ""}[fmt]
    return "\n".join(([header] if header else []) + chunks) + "\n"
