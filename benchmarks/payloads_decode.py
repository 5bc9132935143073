"""Decoding to the normal form: the C decoder vs the Python one, alone and inside the engine.

Usage::

    python benchmarks/payloads_decode.py [--repeat N] [--write]

On the 60,445 values of ``../shared/payloads/values.tsv`` (read as ``benchmarks/payloads.py``
reads them), attack and benign values apart:

1. ``decode.normalize`` per value with the C extension ``faasguard.payloads._decode`` and
   with the Python code (``decode.normalize_python``): microseconds of CPU per value, best
   of ``--repeat`` runs, and whether the two gave the same form for every value;
2. ``faasguard.payloads.detect`` (the whole engine, default backend) with either decoder:
   values per second on one core, best of ``--repeat`` runs;
3. what the decoder meets: values with nothing to decode (returned at once), values whose
   text is not ASCII after URL decoding (NFKC called), values with a Log4j lookup.

The C decoder covers every value (no fallback to Python). ``--write`` replaces the
``payloads_decode`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from _measure import write_section  # noqa: E402
from payloads import load  # noqa: E402  (benchmarks/payloads.py: the same values)

from faasguard.payloads import decode, detect  # noqa: E402

SECTION = "payloads_decode"


def best_rate(function: Callable[[str], object], values: list[str], repeat: int) -> float:
    """Seconds of CPU per value, best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for value in values:
            function(value)
        best = min(best, time.process_time() - started)
    return best / len(values)


def engine_with(native: Callable[[str], str] | None) -> Callable[[str], object]:
    def run(value: str) -> object:
        saved = decode._native
        decode._native = native
        try:
            return detect(value)
        finally:
            decode._native = saved

    return run


def measure(repeat: int) -> str:
    rows = load()
    parts = {
        "attack": [v for label, _, v in rows if label != "benign"],
        "benign": [v for label, _, v in rows if label == "benign"],
        "all": [v for _, _, v in rows],
    }
    native = decode._native
    if native is None:
        raise SystemExit("faasguard.payloads._decode is not built: setup.py build_ext --inplace")
    values = parts["all"]
    same = all(native(v) == decode.normalize_python(v) for v in values)
    needing = [v for v in values if decode.NEEDS_DECODING.search(v[: decode.MAX_DECODE])]
    wide = sum(not decode.url_decode(v).isascii() for v in needing)
    lookups = sum("${" in v for v in needing)
    detect("warm-up ' or 1=1")
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on this machine (2 shared cores, Python "
        f"{platform.python_version()}), `python benchmarks/payloads_decode.py --repeat {repeat} "
        f"--write`: the {len(values):,} values of `../shared/payloads/values.tsv`, CPU time on "
        f"one core, best of {repeat} runs. C decoder: `faasguard.payloads._decode` (optional, "
        "built by setup.py); Python decoder: `decode.normalize_python`, what runs without it.",
        "",
        "| values | count | decode, C µs/value | decode, Python µs/value | speed-up "
        "| engine with C decoder, values/s | engine with Python decoder, values/s | gain |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, subset in parts.items():
        c_time = best_rate(native, subset, repeat)
        py_time = best_rate(decode.normalize_python, subset, repeat)
        c_rate = 1 / best_rate(engine_with(native), subset, repeat)
        py_rate = 1 / best_rate(engine_with(None), subset, repeat)
        lines.append(
            f"| {name} | {len(subset):,} | {c_time * 1e6:.2f} | {py_time * 1e6:.2f} "
            f"| {py_time / c_time:.1f}x | {c_rate:,.0f} | {py_rate:,.0f} "
            f"| {100 * (c_rate / py_rate - 1):+.0f} % |"
        )
    lines += [
        "",
        f"Same normal form from both decoders on every value: {'yes' if same else '**no**'}. "
        f"Values with something to decode: {len(needing):,} "
        f"({100 * len(needing) / len(values):.1f} %); "
        f"of those, {wide:,} are not ASCII after one URL-decoding round (the C decoder calls "
        f"CPython's UTF-8 decoder and `unicodedata.normalize('NFKC')` for them, as the Python code "
        f"does) and {lookups:,} hold a Log4j lookup. Values the C decoder hands back to Python: 0 "
        "(it has no fallback; every step is in C or the same CPython call).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best kept)")
    parser.add_argument("--write", action="store_true", help="record the results in BENCHMARKS.md")
    args = parser.parse_args()
    text = measure(args.repeat)
    print(text)
    if args.write:
        write_section(ROOT / "BENCHMARKS.md", SECTION, text)


if __name__ == "__main__":
    main()
