"""Time the IAM engine on every function of the corpus.

    python benchmarks/iam_corpus.py [--corpus ../shared/corpus] [--jobs 2] [--write]

Loads every app once (not timed), then times ``effective_permissions`` for every function
twice: cold (the catalog and managed policies are read on first use, included in the time)
and again on fresh role objects (catalog warm, result cache empty). ``--write`` records the
figures in BENCHMARKS.md between the ``iam_corpus`` markers.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
BEGIN, END = "<!-- iam_corpus:begin -->", "<!-- iam_corpus:end -->"


def main() -> int:
    """Run the measurement and print (and optionally record) it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()

    # Imported here so --help works without faasguard installed.
    from faasguard.config import ScanConfig  # noqa: PLC0415
    from faasguard.engine import load_all  # noqa: PLC0415
    from faasguard.iam import effective  # noqa: PLC0415
    from faasguard.loaders.discovery import discover  # noqa: PLC0415

    corpus = str(args.corpus.resolve())
    started = time.perf_counter()
    apps = load_all(discover([corpus]), ScanConfig(jobs=args.jobs), root=corpus)
    load_seconds = time.perf_counter() - started
    functions = [(app, fn) for app in apps for fn in app.functions]

    def run() -> tuple[float, Counter[str], int]:
        effective._CACHE.clear()
        kinds: Counter[str] = Counter()
        grants = 0
        begin = time.perf_counter()
        for app, fn in functions:
            result = effective.effective_permissions(fn.role, app=app)
            grants += len(result.grants)
            kinds["with unknowns"] += bool(result.unknowns)
        return time.perf_counter() - begin, kinds, grants

    cold, kinds, grants = run()
    warm, _, _ = run()
    roles = len({id(fn.role) for _, fn in functions if fn.role is not None})
    lines = [
        f"Input: `{Path(corpus).name}` ({len(apps)} apps, {len(functions)} functions, "
        f"{roles} distinct roles; loading took {load_seconds:.1f} s and is not counted).",
        f"Machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}.",
        "",
        "| run | effective_permissions, all functions (s) | grants | functions with unknowns |",
        "|---|---:|---:|---:|",
        f"| first use (catalog + managed policies read) | {cold:.3f} | {grants} "
        f"| {kinds['with unknowns']} |",
        f"| catalog warm, result cache empty | {warm:.3f} | {grants} | {kinds['with unknowns']} |",
    ]
    text = "\n".join(lines)
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
