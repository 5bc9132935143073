"""Does a change to the pattern database change what the payload engine reports?

Usage::

    python benchmarks/payloads_verdicts.py save FILE      # before the change
    python benchmarks/payloads_verdicts.py compare FILE   # after it

Records, for every value of ``../shared/payloads/values.tsv``, what
``faasguard.payloads.detect`` reports (class, span, confidence, pattern id) with each backend
(Hyperscan and ``re``), and compares a later run with a saved one: per part (development,
held-out) and per backend, how many values changed class set, confidence or pattern id, or
only the span. Development values that changed classes (with ``--detail`` also confidence or
pattern id) are printed (``--show`` of them); held-out values never are: they stay out of
tuning. Exit status 1 when any value changed classes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from payloads import held_out, load

from faasguard.payloads import detect
from faasguard.payloads.engine import hyperscan_available

Verdict = list[list[object]]


def verdicts(backend: str, values: list[str]) -> list[Verdict]:
    return [
        [[d.cls, d.start, d.end, d.confidence, d.source] for d in detect(value, backend=backend)]
        for value in values
    ]


def backends() -> list[str]:
    return ["hyperscan", "re"] if hyperscan_available() else ["re"]


def compare(
    saved: dict[str, list[Verdict]],
    rows: list[tuple[str, str, str]],
    show: int,
    only: str | None,
    detail: bool = False,
) -> int:
    values = [value for _, _, value in rows]
    changed_classes = 0
    for name in [only] if only else backends():
        now = verdicts(name, values)
        # held out -> [classes changed, confidence or pattern id changed, span only]
        counts = {False: [0, 0, 0], True: [0, 0, 0]}
        shown = 0
        for (label, _, value), old, new in zip(rows, saved[name], now, strict=True):
            if old == new:
                continue
            part = held_out(value)
            classes = {v[0] for v in old} != {v[0] for v in new}
            ids = [v[3:] for v in old] != [v[3:] for v in new]
            counts[part][0 if classes else 1 if ids else 2] += 1
            changed_classes += classes
            if not part and (classes or (ids and detail)) and shown < show:
                shown += 1
                print(f"  [{label}] {value[:120]!r}\n    was {old}\n    now {new}")
        for part, (classes, ids, spans) in counts.items():
            where = "held-out" if part else "development"
            print(
                f"{name}, {where}: {classes} values changed classes, {ids} confidence or"
                f" pattern id, {spans} only the span"
            )
    return 1 if changed_classes else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--show", type=int, default=20, help="development changes to print")
    parser.add_argument(
        "--detail", action="store_true", help="also print confidence or pattern id changes"
    )
    parser.add_argument("--backend", choices=("hyperscan", "re"), help="compare one backend only")
    args = parser.parse_args()
    rows = load()
    if args.action == "save":
        values = [value for _, _, value in rows]
        args.file.write_text(json.dumps({name: verdicts(name, values) for name in backends()}))
        return
    sys.exit(compare(json.loads(args.file.read_text()), rows, args.show, args.backend, args.detail))


if __name__ == "__main__":
    main()
