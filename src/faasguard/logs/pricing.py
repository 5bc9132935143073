"""Lambda on-demand prices (dated table ``lambda_prices.json``) and cost arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

from faasguard.data import load_json


@dataclass(frozen=True, slots=True)
class Price:
    """Price of one GB-second and of one request, where it came from and a caveat."""

    gb_second: float
    per_request: float
    region: str
    architecture: str
    as_of: str
    note: str = ""


def price(region: str | None = None, architecture: str | None = None) -> Price:
    """The price for ``region``/``architecture`` (defaults: the table's region, x86_64)."""
    table = load_json("lambda_prices.json")
    default = str(table["default_region"])
    wanted = region or default
    arch = architecture if architecture in ("x86_64", "arm64") else "x86_64"
    note = ""
    regions = table["regions"]
    if wanted not in regions:
        note = f"no checked price for {wanted}; using {default}"
        wanted = default
    entry = regions[wanted][arch]
    return Price(
        gb_second=float(entry["gb_second"]),
        per_request=float(entry["per_million_requests"]) / 1_000_000,
        region=wanted,
        architecture=arch,
        as_of=str(table["as_of"]),
        note=note,
    )


def invocation_cost(seconds: float, memory_mb: float, rate: Price) -> float:
    """Cost of one invocation running ``seconds`` with ``memory_mb`` of memory."""
    return seconds * memory_mb / 1024.0 * rate.gb_second + rate.per_request
