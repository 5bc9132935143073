"""faasguard's code pattern rules (CODE020-CODE026) side by side with Bandit.

Two measurements in one run:

1. Precision and recall on the annotated fixtures ``tests/fixtures/sam/coderules-python``
   (Bandit reads Python only): every ``# expect: CODE02x`` line is a positive, every other
   finding of a rule in the fixture a false positive. Bandit's checks are mapped to the rule
   they overlap with (B105/B106/B107 hard-coded passwords → CODE021, B501 ``verify=False`` and
   B323 unverified SSL context → CODE024, B108 ``/tmp`` paths → CODE025); rules Bandit has
   no check for are shown as such. The Node.js fixture is measured for faasguard alone.
2. Wall time of both command lines over the fixture and over a generated 30-function app
   (4,000+ lines of handler code), best of three, CLI start-up included.

Bandit runs from its own virtual environment ``benchmarks/.venv-bandit`` (``python -m venv
benchmarks/.venv-bandit && benchmarks/.venv-bandit/bin/pip install 'bandit==1.8.*'``).

Run: ``.venv/bin/python benchmarks/coderules_peers.py [--write]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "rules" / "code"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _measure import measure  # noqa: E402
from fixture_annotations import read_annotations  # noqa: E402

SECTION = "coderules_peers"
RULES = tuple(f"CODE02{n}" for n in range(7))
SELECT = ",".join(RULES)
PY_FIXTURE = ROOT / "tests" / "fixtures" / "sam" / "coderules-python"
JS_FIXTURE = ROOT / "tests" / "fixtures" / "sam" / "coderules-node"
BANDIT = ROOT / "benchmarks" / ".venv-bandit" / "bin" / "bandit"
FAASGUARD = ROOT / ".venv" / "bin" / "faasguard"
#: Bandit test id → the faasguard rule it overlaps with.
BANDIT_TO_RULE = {
    "B105": "CODE021",
    "B106": "CODE021",
    "B107": "CODE021",
    "B501": "CODE024",
    "B323": "CODE024",
    "B108": "CODE025",
}

Hits = set[tuple[str, int, str]]


def _expected(fixture: Path) -> Hits:
    notes = read_annotations(fixture)
    return {(p.name, line, rule) for (p, line), ids in notes.expect.items() for rule in ids}


def _faasguard(fixture: Path) -> Hits:
    out = subprocess.run(
        [str(FAASGUARD), "scan", str(fixture), "--no-cache", "-f", "json", "--select", SELECT],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {
        (Path(f["location"]["file"]).name, f["location"]["line"], f["rule_id"])
        for f in json.loads(out)["findings"]
    }


def _bandit(fixture: Path) -> Hits:
    out = subprocess.run(
        [str(BANDIT), "-r", str(fixture / "src"), "-f", "json", "-q"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {
        (Path(r["filename"]).name, r["line_number"], BANDIT_TO_RULE[r["test_id"]])
        for r in json.loads(out)["results"]
        if r["test_id"] in BANDIT_TO_RULE
    }


def _score(found: Hits, expected: Hits, rule: str) -> tuple[int, int, int]:
    got = {h for h in found if h[2] == rule}
    want = {h for h in expected if h[2] == rule}
    return len(got & want), len(got - want), len(want - got)


def _fmt(tp: int, fp: int, fn: int) -> str:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return f"{precision:.2f} / {recall:.2f} ({tp} TP, {fp} FP, {fn} FN)"


def _best(command: list[str]) -> float:
    return min(measure(command).seconds for _ in range(3))


def _generated_app(directory: Path) -> int:
    import test_pattern_rules_robustness as shapes  # noqa: PLC0415 - the test's generator

    files = {}
    functions = []
    for n in range(30):
        helpers = "".join(shapes.HELPER.format(n=n, k=k) for k in range(12))
        files[f"fn{n}.py"] = shapes.HANDLER_TEMPLATE.format(n=n) + helpers
        functions.append((f"Fn{n}", "python3.12", f"fn{n}.handler", ""))
    shapes._project(directory, functions, files)
    return sum(text.count("\n") for text in files.values())


def _in_process(directory: Path) -> float:
    """Best of three: the CODE02x matchers over every handler file, caches cleared (files
    parsed once per run, as in a scan)."""
    import test_pattern_rules_robustness as shapes  # noqa: PLC0415 - the rules' matchers

    from faasguard.code.handler_files import clear_caches, file_matches  # noqa: PLC0415 - only for this figure
    from faasguard.memo import memo_scope  # noqa: PLC0415 - only for this figure

    files = sorted((directory / "src").glob("*.py"))
    best = float("inf")
    for _ in range(3):
        clear_caches()
        started = time.perf_counter()
        with memo_scope():
            for file in files:
                for rule in shapes.PATTERN_RULES:
                    file_matches(file, "python", rule.match_python, rule.match_javascript)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    """Run the comparison and print (or write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    if not BANDIT.exists():
        sys.exit(f"Bandit is not installed in {BANDIT.parent.parent} (see the docstring)")
    version = subprocess.run(
        [str(BANDIT), "--version"], capture_output=True, text=True, check=False
    ).stdout.split()[1]
    expected = _expected(PY_FIXTURE)
    ours, theirs = _faasguard(PY_FIXTURE), _bandit(PY_FIXTURE)
    js_expected, js_ours = _expected(JS_FIXTURE), _faasguard(JS_FIXTURE)
    mapped = set(BANDIT_TO_RULE.values())
    lines = [
        f"Input: the annotated fixtures (`tests/fixtures/sam/coderules-python`, "
        f"{len(expected)} positive lines; `coderules-node`, {len(js_expected)}). Bandit "
        f"{version}; {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}. Cells: precision / recall.",
        "",
        "| rule | faasguard (Python) | Bandit (Python, mapped checks) | faasguard (Node.js) |",
        "|---|---|---|---|",
    ]
    for rule in RULES:
        peer = _fmt(*_score(theirs, expected, rule)) if rule in mapped else "no equivalent check"
        lines.append(
            f"| {rule} | {_fmt(*_score(ours, expected, rule))} | {peer} | "
            f"{_fmt(*_score(js_ours, js_expected, rule))} |"
        )
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as empty:
        app_lines = _generated_app(Path(tmp))
        analysis_s = _in_process(Path(tmp))
        select = ["--select", ",".join(RULES)]
        (Path(empty) / "src").mkdir()
        (Path(empty) / "src" / "app.py").write_text("x = 1\n", encoding="utf-8")
        timing = [
            (
                "one-line file (start-up)",
                _best([str(FAASGUARD), "scan", empty, "--no-cache", *select]),
                _best([str(BANDIT), "-r", str(Path(empty) / "src"), "-q", "-f", "json"]),
            ),
            (
                "fixture (5 Python files)",
                _best([str(FAASGUARD), "scan", str(PY_FIXTURE), "--no-cache", *select]),
                _best([str(BANDIT), "-r", str(PY_FIXTURE / "src"), "-q", "-f", "json"]),
            ),
            (
                f"generated app (30 functions, {app_lines:,} lines)",
                _best([str(FAASGUARD), "scan", tmp, "--no-cache", *select]),
                _best([str(BANDIT), "-r", str(Path(tmp) / "src"), "-q", "-f", "json"]),
            ),
        ]
    lines += [
        "",
        f"In process, the seven rules' own analysis of the generated app (parsing and matching "
        f"its 30 files, no template loading) takes {analysis_s:.2f} s.",
        "",
        "| input | faasguard CODE02x (s) | Bandit, all checks (s) |",
        "|---|---:|---:|",
        *(f"| {label} | {ours_s:.2f} | {peer_s:.2f} |" for label, ours_s, peer_s in timing),
        "",
        "faasguard's command-line time includes its start-up and loading the SAM template "
        "(the SAM translator's import alone is about 1.5 s), then finding each function's "
        "handler and the local modules it imports; Bandit scans every file it is given. "
        "The fixtures were written together with "
        "the rules, so faasguard's scores there measure agreement with the annotations (and "
        "guard against regressions), not precision on code in the wild.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        bench = ROOT / "BENCHMARKS.md"
        content = bench.read_text(encoding="utf-8")
        pattern = re.compile(rf"<!-- {SECTION}:begin -->.*<!-- {SECTION}:end -->", re.S)
        block = f"<!-- {SECTION}:begin -->\n{text}\n<!-- {SECTION}:end -->"
        if not pattern.search(content):
            sys.exit(f"BENCHMARKS.md has no {SECTION} markers")
        bench.write_text(pattern.sub(lambda _: block, content), encoding="utf-8")


if __name__ == "__main__":
    main()
