"""faasguard on the 15 real-world serverless apps of ``../shared/realworld``, scored.

    python benchmarks/realworld.py [--data ../shared/realworld] [--osv DIR] [--app ID ...]
        [--json FILE] [--show {missed,unclassified,negatives,all}] [--write]

What it does, in one run:

1. builds a vulnerability store from real OSV records, the way a user does: the records of
   the packages involved are ``../shared/realworld/osv/*.json`` (one OSV JSON record per
   advisory, as osv.dev serves them at ``https://api.osv.dev/v1/vulns/<ID>`` and as they
   sit inside the per-ecosystem export ``https://osv-vulnerabilities.storage.googleapis.com/
   <ECOSYSTEM>/all.zip``), imported with ``faasguard db update --from DIR --db FILE`` into a
   temporary store (``--osv`` takes another directory or an ``all.zip``);
2. scans every app directory on its own (``faasguard scan APP --no-cache --format json``, so
   nothing is written into the data set) and times it;
3. scores the findings against ``GROUND_TRUTH.json`` with the data set's rules
   (``_realworld_score.py``): recall on required items (core and extended, per kind), false
   alarms on negatives, and precision over every finding except the ignored hygiene kinds
   — findings matching no item and no negative are looked up in
   ``benchmarks/realworld_review.toml`` (a person's verdict: true but unlisted, or false,
   with a reason); unreviewed ones count as false and are listed;
4. compares the functions and routes faasguard discovers (loaders + web-framework routes
   in the code) with the ground truth's ``functions[]``.

The two apps in :data:`HELD_OUT` were set aside by the lead and are never looked at while
tuning: they are scored like the others but reported only in their own table, and their
unclassified findings are never printed (review them once, at the end, not while tuning).

``--json FILE`` writes every detail (per item, per finding, per function) for iteration;
``--write`` replaces the ``realworld`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "src"))

from _measure import write_section  # noqa: E402 - after the path set-up above
from _realworld_score import (  # noqa: E402 - after the path set-up above
    AppScore,
    Finding,
    expected_routes,
    normalise_route,
    route_found,
    score_app,
)

DEFAULT_DATA = REPO.parent / "shared" / "realworld"
DEFAULT_REVIEW = REPO / "benchmarks" / "realworld_review.toml"
#: Decided by the lead, fixed: never tuned on, reported separately.
HELD_OUT = frozenset({"serverless-prey-panther", "chalice-media-query"})
#: Ground-truth trigger types → faasguard trigger kinds.
TRIGGER_KINDS = {
    "api_gateway_rest": "api-rest",
    "api_gateway_http": "api-http",
    "function_url": "function-url",
    "api_gateway_authorizer": "api-authorizer",
    "schedule": "schedule",
    "sns": "sns",
    "sqs": "sqs",
    "s3": "s3",
    "cognito": "cognito",
    "eventbridge": "eventbridge",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def _faasguard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "faasguard.cli", *args],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )


def build_store(osv: Path, db: Path) -> str:
    """Import the OSV records into a fresh store; returns faasguard's summary line."""
    done = _faasguard("db", "update", "--from", str(osv), "--db", str(db))
    if done.returncode != 0:
        raise SystemExit(f"faasguard db update failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""


def osv_aliases(osv: Path) -> dict[str, frozenset[str]]:
    """Advisory id → every id of the same advisory (``id`` and ``aliases`` of the record)."""
    aliases: dict[str, frozenset[str]] = {}
    if not osv.is_dir():
        return aliases
    for path in sorted(osv.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        ids = frozenset(str(i).upper() for i in [record.get("id"), *record.get("aliases", [])])
        for one in ids:
            aliases[one] = aliases.get(one, frozenset()) | ids
    return aliases


def rule_cwes() -> dict[str, list[str]]:
    """Rule id → its CWEs, from ``faasguard rules --format json``."""
    done = _faasguard("rules", "--format", "json")
    return {r["id"]: list(r.get("cwe") or ()) for r in json.loads(done.stdout)}


def scan(app_dir: Path, db: Path) -> tuple[dict[str, Any], float]:
    """``faasguard scan`` of one app directory: the JSON report and the wall time."""
    started = time.perf_counter()
    done = _faasguard(
        "scan", str(app_dir), "--no-cache", "--db", str(db), "--format", "json", "--jobs", "1"
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1, 2) or not done.stdout.strip():
        raise SystemExit(f"scan of {app_dir} failed ({done.returncode}):\n{done.stderr}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report, seconds


def load_review(path: Path) -> dict[tuple[str, str, str, int], tuple[str, str]]:
    """(app, rule, file, line) → (verdict, reason) from the review file."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    review: dict[tuple[str, str, str, int], tuple[str, str]] = {}
    for entry in data.get("finding", []):
        verdict = entry["verdict"]
        if verdict not in ("true", "false"):
            raise SystemExit(f"{path}: verdict must be 'true' or 'false', not {verdict!r}")
        if not entry.get("reason"):
            raise SystemExit(f"{path}: every verdict needs a reason ({entry})")
        key = (entry["app"], entry["rule"], entry["file"], int(entry["line"]))
        review[key] = (verdict, entry["reason"])
    return review


# ---------------------------------------------------------------- functions and routes


def discovered_functions(app_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every function faasguard's discovery and loaders find below ``app_dir``, with its
    handler file, trigger kinds and routes (HTTP triggers and web-framework routes in the
    code), and the load diagnostics."""
    from faasguard.code.modules import Entry, find_entry  # noqa: PLC0415 - after sys.path
    from faasguard.config import LoadOptions  # noqa: PLC0415
    from faasguard.loaders import load  # noqa: PLC0415
    from faasguard.loaders.discovery import discover  # noqa: PLC0415

    try:
        from faasguard.code.routes import web_routes  # noqa: PLC0415
    except ImportError:  # an older tree without web-framework routes
        web_routes = None

    found: list[dict[str, Any]] = []
    diagnostics: list[str] = []
    options = LoadOptions(root=str(app_dir))
    for candidate in discover([app_dir]):
        app = load(candidate, options)
        for diag in app.diagnostics:
            where = f"{diag.location.file}:{diag.location.line}" if diag.location else ""
            diagnostics.append(f"{diag.level} {where} {diag.message}".strip())
        for fn in app.functions:
            entry = find_entry(fn, app)
            handler_file = _relative(entry.file, app_dir) if isinstance(entry, Entry) else None
            if fn.code.kind == "inline":  # the code is in the template itself
                handler_file = _relative(Path(app.root_file), app_dir)
            routes: set[tuple[str, str]] = set()
            kinds: set[str] = set()
            for trigger in fn.triggers:
                kinds.add(_trigger_kind(trigger))
                http = trigger.http
                if http is not None and isinstance(http.path, str):
                    method = http.method if isinstance(http.method, str) else "ANY"
                    routes.add(normalise_route(method, http.path))
            code_routes = web_routes(fn, app) if web_routes is not None else ()
            routes.update(normalise_route(r.method, r.path) for r in code_routes)
            found.append(
                {
                    "app": app.name,
                    "ref": fn.ref,
                    "name": fn.name if isinstance(fn.name, str) else None,
                    "handler_file": handler_file,
                    "triggers": sorted(kinds),
                    "routes": sorted(routes),
                }
            )
    return found, diagnostics


def _trigger_kind(trigger: Any) -> str:
    if trigger.properties.get("authorizer"):
        return "api-authorizer"
    return str(trigger.kind.value)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def match_functions(
    expected: Sequence[Mapping[str, Any]], found: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per ground-truth function: the discovered one, trigger kinds and routes found."""
    left = list(found)
    rows: list[dict[str, Any]] = []
    for fn in expected:
        match = _pick(fn, left)
        if match is not None:
            left.remove(match)
        wanted_kinds = {TRIGGER_KINDS.get(t["type"], t["type"]) for t in fn.get("triggers") or ()}
        wanted_routes = _wanted_routes(fn)
        have_routes = [tuple(r) for r in match["routes"]] if match else []
        routes_ok = [r for r in wanted_routes if route_found(r, have_routes)]
        rows.append(
            {
                "function": fn["name"],
                "found": match["ref"] if match else None,
                "handler_file_ok": bool(match) and _same_file(match, fn),
                "triggers_expected": sorted(wanted_kinds),
                "triggers_found": match["triggers"] if match else [],
                "triggers_ok": bool(match) and wanted_kinds <= set(match["triggers"]),
                "routes_expected": [" ".join(r) for r in wanted_routes],
                "routes_missed": [" ".join(r) for r in wanted_routes if r not in routes_ok],
                "routes_ok": len(routes_ok),
            }
        )
    return rows


def _same_file(found: Mapping[str, Any], fn: Mapping[str, Any]) -> bool:
    """The handler file agrees (``"t.yaml (inline Code.ZipFile, line 3)"`` is ``t.yaml``);
    a ground truth without one (a handler missing from its zip) agrees with anything."""
    wanted = fn.get("handler_file")
    if not wanted:
        return True
    return found["handler_file"] == str(wanted).split(" (")[0]


def _wanted_routes(fn: Mapping[str, Any]) -> list[tuple[str, str]]:
    specs: list[str] = list(fn.get("routes") or ())
    if not specs:
        for trigger in fn.get("triggers") or ():
            specs.extend(trigger.get("routes") or ())
    routes: list[tuple[str, str]] = []
    for spec in specs:
        for route in expected_routes(spec):
            if route not in routes:
                routes.append(route)
    return routes


def _names(fn: Mapping[str, Any]) -> set[str]:
    name = str(fn["name"])
    names = {name, name.split(" (", maxsplit=1)[0]}
    if " (" in name:
        names.add(name.split(" (", 1)[1].rstrip(")"))
    if fn.get("deployed_name"):
        names.add(str(fn["deployed_name"]))
    return names


def _pick(fn: Mapping[str, Any], found: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    names = _names(fn)
    for candidate in found:
        own = {candidate["ref"], candidate["name"]} - {None}
        if own & names or any(
            n.endswith(candidate["ref"]) or candidate["ref"].endswith(n) for n in names
        ):
            return candidate
    for candidate in found:
        if candidate["handler_file"] and candidate["handler_file"] == fn.get("handler_file"):
            return candidate
    return None


# ---------------------------------------------------------------- running and reporting


def run(args: argparse.Namespace) -> list[AppScore]:
    """Scan and score every selected app."""
    truth = json.loads((args.data / "GROUND_TRUTH.json").read_text(encoding="utf-8"))
    cwes = rule_cwes()
    review = load_review(args.review)
    aliases = osv_aliases(args.osv)
    scores: list[AppScore] = []
    with tempfile.TemporaryDirectory(prefix="faasguard-realworld-") as tmp:
        db = Path(tmp) / "osv.sqlite3"
        print(build_store(args.osv, db), file=sys.stderr)
        for app in truth["apps"]:
            if args.app and app["id"] not in args.app:
                continue
            app_dir = (args.data / app["path"]).resolve()
            report, seconds = scan(app_dir, db)
            findings = [Finding.from_json(f, cwes) for f in report["findings"]]
            score = score_app(app, findings, review, aliases, held_out=app["id"] in HELD_OUT)
            score.seconds = seconds
            found, diagnostics = discovered_functions(app_dir)
            score.functions = match_functions(app.get("functions") or (), found)
            score.diagnostics = diagnostics
            scores.append(score)
            print(f"scanned {app['id']} in {seconds:.2f} s", file=sys.stderr)
    return scores


def _pct(hit: int, total: int) -> str:
    return f"{hit}/{total} ({100 * hit / total:.0f} %)" if total else "-"


def _sum(scores: Iterable[AppScore], **kw: str) -> tuple[int, int]:
    hit = total = 0
    for score in scores:
        h, t = score.recall(**kw)
        hit += h
        total += t
    return hit, total


def _row(label: str, scores: Sequence[AppScore]) -> str:
    core = _sum(scores, scope="core")
    ext = _sum(scores, scope="extended")
    neg_hit = sum(len(s.negatives_hit) for s in scores)
    neg_total = sum(s.negatives_total for s in scores)
    counted = sum(s.counted for s in scores)
    true = sum(s.true_findings for s in scores)
    unreviewed = sum(len(s.unreviewed) for s in scores)
    fns = [f for s in scores for f in s.functions]
    fn_ok = sum(1 for f in fns if f["found"] and f["handler_file_ok"] and f["triggers_ok"])
    routes_total = sum(len(f["routes_expected"]) for f in fns)
    routes_ok = sum(f["routes_ok"] for f in fns)
    seconds = sum(s.seconds for s in scores)
    return (
        f"| {label} | {_pct(*core)} | {_pct(*ext)} | {neg_hit}/{neg_total} "
        f"| {_pct(true, counted)} | {unreviewed} | {_pct(fn_ok, len(fns))} "
        f"| {_pct(routes_ok, routes_total)} | {seconds:.1f} |"
    )


HEADER = (
    "| apps | required core items found | required extended items found "
    "| negatives flagged | precision (true / counted findings) | unreviewed "
    "| functions discovered | routes discovered | scan time (s) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def tables(scores: Sequence[AppScore]) -> str:
    """The Markdown tables: development set by category and per app, per kind, held-out."""
    dev = [s for s in scores if not s.held_out]
    held = [s for s in scores if s.held_out]
    lines = [f"Development set ({len(dev)} apps):", "", HEADER]
    for category in ("vulnerable", "reference"):
        group = [s for s in dev if s.category == category]
        if group:
            lines.append(_row(f"{category} ({len(group)})", group))
    lines.append(_row(f"**all ({len(dev)})**", dev))
    lines += ["", "Required core items by kind (development set):", ""]
    lines.append("| kind | found |")
    lines.append("|---|---:|")
    for kind in ("code", "config", "iam", "secret", "sca"):
        lines.append(f"| {kind} | {_pct(*_sum(dev, scope='core', kind=kind))} |")
    lines += ["", "Per app (development set):", "", HEADER]
    lines.extend(_row(f"`{s.app}` ({s.category})", [s]) for s in dev)
    lines += ["", f"Held-out apps ({len(held)}; never looked at while tuning):", "", HEADER]
    lines.extend(_row(f"`{s.app}` ({s.category})", [s]) for s in held)
    if held:
        lines.append(_row(f"**held-out ({len(held)})**", held))
    return "\n".join(lines)


def _finding_text(f: Finding) -> str:
    return f"{f.rule} {f.file}:{f.line} {f.message[:140]}"


def details(scores: Sequence[AppScore], show: str) -> str:
    """What was missed, flagged or left unclassified, per development app (never held-out)."""
    out: list[str] = []
    for score in scores:
        if score.held_out:
            continue
        out.append(f"== {score.app}")
        if show in ("missed", "all"):
            for item_id, meta in score.item_meta.items():
                if meta.get("required") and not score.items[item_id]:
                    out.append(
                        f"  MISSED {item_id} [{meta['kind']}/{meta['scope']}] "
                        f"{meta['file']}:{meta.get('lines')} {meta['cwe']}"
                    )
            for fn in score.functions:
                if not (fn["found"] and fn["handler_file_ok"] and fn["triggers_ok"]):
                    out.append(f"  FUNCTION {fn['function']}: {fn}")
                if fn["routes_missed"]:
                    out.append(f"  ROUTES {fn['function']}: missed {fn['routes_missed']}")
        if show in ("negatives", "all"):
            for neg_id, hits in score.negatives_hit.items():
                out.extend(f"  NEGATIVE {neg_id}: {_finding_text(f)}" for f in hits)
        if show in ("unclassified", "all"):
            out.extend(f"  UNREVIEWED {_finding_text(f)}" for f in score.unreviewed)
            out.extend(f"  FALSE {_finding_text(f)} ({why})" for f, why in score.reviewed_false)
        if show == "all":
            out.extend(f"  diagnostic: {d}" for d in score.diagnostics)
    return "\n".join(out)


def as_json(scores: Sequence[AppScore]) -> list[dict[str, Any]]:
    """Every detail of every development app; the held-out apps only as totals, so that
    nobody tunes on them by reading this file."""

    def one(f: Finding) -> dict[str, Any]:
        return {"rule": f.rule, "file": f.file, "line": f.line, "message": f.message}

    result: list[dict[str, Any]] = []
    for s in scores:
        if s.held_out:
            result.append(
                {
                    "app": s.app,
                    "category": s.category,
                    "held_out": True,
                    "recall_core": s.recall(scope="core"),
                    "recall_extended": s.recall(scope="extended"),
                    "negatives_flagged": len(s.negatives_hit),
                    "negatives_total": s.negatives_total,
                    "counted": s.counted,
                    "true": s.true_findings,
                    "unreviewed": len(s.unreviewed),
                }
            )
            continue
        result.append(
            {
                "app": s.app,
                "category": s.category,
                "held_out": s.held_out,
                "seconds": round(s.seconds, 3),
                "recall_core": s.recall(scope="core"),
                "recall_extended": s.recall(scope="extended"),
                "items": {
                    item_id: {
                        "required": meta.get("required"),
                        "scope": meta.get("scope"),
                        "kind": meta.get("kind"),
                        "found_by": [one(f) for f in s.items[item_id]],
                    }
                    for item_id, meta in s.item_meta.items()
                },
                "negatives_hit": {k: [one(f) for f in v] for k, v in s.negatives_hit.items()},
                "negatives_total": s.negatives_total,
                "counted": s.counted,
                "true": s.true_findings,
                "reviewed_true": [dict(one(f), reason=r) for f, r in s.reviewed_true],
                "reviewed_false": [dict(one(f), reason=r) for f, r in s.reviewed_false],
                "unreviewed": [one(f) for f in s.unreviewed],
                "ignored": [one(f) for f in s.ignored],
                "functions": s.functions,
                "diagnostics": s.diagnostics,
            }
        )
    return result


def main() -> int:
    """Run the benchmark, print the tables (and details), optionally record them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--osv", type=Path, default=None, help="OSV records (default DATA/osv)")
    parser.add_argument("--review", type=Path, default=DEFAULT_REVIEW)
    parser.add_argument("--app", action="append", help="only this app (repeatable)")
    parser.add_argument("--json", type=Path, help="write every detail to this file")
    parser.add_argument(
        "--show",
        choices=("none", "missed", "unclassified", "negatives", "all"),
        default="none",
        help="print details per development app (never for the held-out apps)",
    )
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    args.data = args.data.resolve()
    args.osv = (args.osv or args.data / "osv").resolve()
    scores = run(args)
    table = tables(scores)
    print(table)
    if args.show != "none":
        print()
        print(details(scores, args.show))
    if args.json:
        args.json.write_text(json.dumps(as_json(scores), indent=1), encoding="utf-8")
    if args.write:
        records = len(list(args.osv.glob("*.json"))) if args.osv.is_dir() else 0
        store_line = (
            f"Vulnerability data: {records} OSV records of the packages involved "
            f"(`../shared/realworld/osv`), imported with `faasguard db update --from`. "
            f"Review verdicts: `benchmarks/realworld_review.toml`."
        )
        write_section(REPO / "BENCHMARKS.md", "realworld", f"{store_line}\n\n{table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
