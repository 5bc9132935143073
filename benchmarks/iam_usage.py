"""Time the code-derived IAM analysis (``faasguard.iam.usage`` / ``iam suggest``).

Two inputs:

1. a synthetic SAM app (``tests/iam/iamusage_synthetic.py``, fixed shape) with 30
   functions, half Python and half Node.js, each a handler plus helper modules — several
   thousand lines of code; the analysis must find exactly the generated calls;
2. every function of ``../shared/corpus`` (real templates; most have no handler code next
   to them, so this measures the cost of looking and the platform needs).

For each: loading is not timed; then usage analysis + policy synthesis for every function
cold (nothing cached: botocore models, boto3 resource models and the IAM catalog are read on
first use, inside the timing) and warm (data loaded, per-function caches cleared), best of
3 for warm. With ``--write`` the figures go to BENCHMARKS.md between the ``iam_usage``
markers. No peer runs here: no tool we know derives an execution-role policy from handler
code statically (AWS's IAM Access Analyzer policy generation and ``iamlive`` work from
CloudTrail logs or recorded API traffic, not from code).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "iam"))
BEGIN, END = "<!-- iam_usage:begin -->", "<!-- iam_usage:end -->"


def _load(path: str) -> list[object]:
    from faasguard.config import LoadOptions  # noqa: PLC0415
    from faasguard.loaders import load  # noqa: PLC0415
    from faasguard.loaders.discovery import discover  # noqa: PLC0415

    apps = []
    for candidate in discover([path]):
        try:
            apps.append(load(candidate, LoadOptions(root=path)))
        except Exception as exc:  # a benchmark reports a bad input, it does not stop
            print(f"skipped {candidate.path}: {exc}", file=sys.stderr)
    return apps


def _clear() -> None:
    from faasguard.code import sdk_calls  # noqa: PLC0415
    from faasguard.iam import usage  # noqa: PLC0415

    sdk_calls._CACHE.clear()
    usage._CACHE.clear()


def _run(apps: list[object]) -> tuple[float, int, int, int]:
    """(seconds, functions, functions whose code was analysed, complete analyses)."""
    from faasguard.iam.suggest import suggest  # noqa: PLC0415

    begin = time.perf_counter()
    functions = analysed = complete = 0
    for app in apps:
        for function in app.functions:  # type: ignore[attr-defined]
            result = suggest(function, app)  # type: ignore[arg-type]
            functions += 1
            analysed += result.usage.analysis.problem is None
            complete += result.usage.complete
    return time.perf_counter() - begin, functions, analysed, complete


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    from iamusage_synthetic import generate, line_count  # noqa: PLC0415

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, functions=30)
        lines = line_count(root)
        synthetic = _load(str(root))
        cold = _run(synthetic)
        warm = []
        for _ in range(3):
            _clear()
            warm.append(_run(synthetic))
        best = min(warm)
        rows.append(
            f"| synthetic SAM app, 30 functions, {lines} lines of code | {cold[1]} | {cold[2]} "
            f"| {cold[3]} | {cold[0]:.3f} | {best[0]:.3f} | {1000 * best[0] / best[1]:.1f} |"
        )
    corpus_apps: list[object] = []
    load_seconds = 0.0
    if Path(args.corpus).is_dir():
        started = time.perf_counter()
        corpus_apps = _load(args.corpus)
        load_seconds = time.perf_counter() - started
        _clear()
        cold = _run(corpus_apps)
        warm = []
        for _ in range(3):
            _clear()
            warm.append(_run(corpus_apps))
        best = min(warm)
        rows.append(
            f"| `{Path(args.corpus).name}` ({len(corpus_apps)} apps) | {cold[1]} | {cold[2]} "
            f"| {cold[3]} | {cold[0]:.3f} | {best[0]:.3f} "
            f"| {1000 * best[0] / max(best[1], 1):.1f} |"
        )
    lines_out = [
        f"Machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; one process. Loading is not timed"
        + (f" (corpus: {load_seconds:.1f} s)." if corpus_apps else "."),
        "",
        "| input | functions | code analysed | complete | first run (s) | warm, best of 3 (s) "
        "| ms per function (warm) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(lines_out)
    print(text)
    if args.write:
        path = REPO / "BENCHMARKS.md"
        content = path.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{text}\n{END}"
        if BEGIN in content:
            head, _, rest = content.partition(BEGIN)
            _, _, tail = rest.partition(END)
            content = head + block + tail
        else:
            content = content.rstrip() + "\n\n" + block + "\n"
        path.write_text(content, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
