"""Dependency audit speed: OSV import rate, and matching a 1,000-dependency lockfile.

Generates (fixed seed) a synthetic OSV export shaped like the real PyPI and npm ``all.zip``
files — tens of thousands of advisories with ECOSYSTEM/SEMVER ranges, repeated introduced
events, ``last_affected``, explicit version lists, aliases, CVSS vectors and MAL records —
imports it into a fresh store (timed: the import rate), re-imports it (the incremental
path), then times, for a 1,000-entry ``package-lock.json`` and a 1,000-line pinned
``requirements.txt``: parsing alone (the lower bound) and parsing + matching.

The usual peers (pip-audit, osv-scanner) fetch their vulnerability data over the network
for every run; pip-audit would query PyPI once per package, which this workplace does not
allow in bulk, so it is not run (see BENCHMARKS.md).

Run: ``.venv/bin/python benchmarks/deps_match.py [--write]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from faasguard.deps.matcher import match
from faasguard.deps.project import parse_file
from faasguard.deps.store import Store, update

SEED = 20261128
PYPI_ADVISORIES = 30_000
NPM_ADVISORIES = 20_000
PACKAGES_PER_ECOSYSTEM = 12_000
LOCK_SIZE = 1_000
ROOT = Path(__file__).resolve().parents[1]
SECTION = "deps_match"

_SYLLABLES = [
    "ab",
    "ac",
    "ad",
    "al",
    "an",
    "ar",
    "as",
    "at",
    "be",
    "bo",
    "ca",
    "co",
    "da",
    "de",
    "di",
    "do",
    "el",
    "en",
    "er",
    "es",
    "fa",
    "fi",
    "fo",
    "ga",
    "ge",
    "go",
    "ha",
]
_VECTORS = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
]


def _names(rng: random.Random, count: int, prefix: str) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        words = [
            "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))) for _ in range(rng.randint(1, 2))
        ]
        names.add(prefix + "-".join(words))
    return sorted(names)


def _version(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randint(0, 9), rng.randint(0, 30), rng.randint(0, 20))


def _advisory(rng: random.Random, index: int, ecosystem: str, name: str) -> dict[str, object]:
    kind = rng.random()
    introduced = _version(rng)
    fixed = (introduced[0], introduced[1] + rng.randint(1, 5), 0)
    text = ".".join
    events: list[dict[str, str]] = [
        {"introduced": "0" if kind < 0.3 else text(map(str, introduced))},
        {"fixed": text(map(str, fixed))},
    ]
    if kind > 0.85:  # a second affected interval (repeated introduced)
        events += [{"introduced": f"{fixed[0] + 1}.0.0"}, {"fixed": f"{fixed[0] + 1}.2.0"}]
    elif 0.75 < kind <= 0.85:
        events[1] = {"last_affected": text(map(str, fixed))}
    malicious = kind < 0.02
    prefix = "MAL-2024-" if malicious else "GHSA-"
    advisory_id = f"{prefix}{index:06d}-{ecosystem[:2].lower()}"
    affected: dict[str, object] = {"package": {"ecosystem": ecosystem, "name": name}}
    if malicious:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]
    else:
        affected["ranges"] = [
            {"type": "ECOSYSTEM" if ecosystem == "PyPI" else "SEMVER", "events": events}
        ]
        if kind > 0.95:
            affected["versions"] = [text(map(str, introduced)), text(map(str, fixed))]
    record: dict[str, object] = {
        "schema_version": "1.6.0",
        "id": advisory_id,
        "modified": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "aliases": [f"CVE-2024-{index:05d}"] if not malicious else [],
        "summary": f"Synthetic advisory {index} for {name}",
        "details": "Synthetic benchmark record. " * 8,
        "affected": [affected],
        "references": [{"type": "ADVISORY", "url": f"https://example.invalid/{advisory_id}"}],
    }
    if not malicious and rng.random() < 0.8:
        record["severity"] = [
            {"type": "CVSS_V3" if "3.1" in (v := rng.choice(_VECTORS)) else "CVSS_V4", "score": v}
        ]
    return record


def build_export(directory: Path, rng: random.Random) -> dict[str, list[str]]:
    """Write ``<dir>/PyPI/all.zip`` and ``<dir>/npm/all.zip``; return the package names."""
    names = {
        "PyPI": _names(rng, PACKAGES_PER_ECOSYSTEM, "py"),
        "npm": _names(rng, PACKAGES_PER_ECOSYSTEM, "js"),
    }
    counts = {"PyPI": PYPI_ADVISORIES, "npm": NPM_ADVISORIES}
    for ecosystem, count in counts.items():
        target = directory / ecosystem / "all.zip"
        target.parent.mkdir(parents=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for index in range(count):
                name = rng.choice(names[ecosystem])
                record = _advisory(rng, index, ecosystem, name)
                archive.writestr(f"{record['id']}.json", json.dumps(record))
    return names


def build_lockfiles(
    directory: Path, names: dict[str, list[str]], rng: random.Random
) -> tuple[Path, Path]:
    """A 1,000-entry package-lock.json (v3) and a 1,000-line pinned requirements.txt."""
    packages: dict[str, object] = {"": {"name": "bench", "version": "1.0.0"}}
    for name in rng.sample(names["npm"], LOCK_SIZE):
        version = ".".join(map(str, _version(rng)))
        packages[f"node_modules/{name}"] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
        }
    lock = directory / "package-lock.json"
    lock.write_text(
        json.dumps({"name": "bench", "lockfileVersion": 3, "packages": packages}, indent=2)
    )
    lines = [
        f"{n}=={'.'.join(map(str, _version(rng)))}" for n in rng.sample(names["PyPI"], LOCK_SIZE)
    ]
    requirements = directory / "requirements.txt"
    requirements.write_text("\n".join(lines) + "\n")
    return lock, requirements


def _best(runs: int, action) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    """Run the benchmark and print (or write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        names = build_export(work / "osv", rng)
        generated = time.perf_counter() - started
        zip_mib = sum(p.stat().st_size for p in (work / "osv").rglob("*.zip")) / 2**20
        # update() is what 'faasguard db update' runs: a write-aside copy swapped in.
        first, _ = update(work / "osv.sqlite3", work / "osv")
        again, _ = update(work / "osv.sqlite3", work / "osv")
        db_mib = (work / "osv.sqlite3").stat().st_size / 2**20
        lock, requirements = build_lockfiles(work, names, rng)
        opened = Store.open(work / "osv.sqlite3")
        assert opened is not None
        rows = []
        for label, path in (
            ("package-lock.json (npm)", lock),
            ("requirements.txt (PyPI)", requirements),
        ):
            deps = parse_file(path).dependencies
            assert len(deps) == LOCK_SIZE, (path, len(deps))
            parse_s = _best(5, lambda p=path: parse_file(p))
            found = match(deps, opened)

            def full(p: Path = path) -> None:
                match(parse_file(p).dependencies, opened)

            total_s = _best(5, full)
            match_s = _best(5, lambda d=deps: match(d, opened))
            vulnerable = len(found)
            rows.append((label, parse_s, match_s, total_s, vulnerable))
    lines = [
        f"Input: synthetic OSV export (seed {SEED}): {PYPI_ADVISORIES:,} PyPI + {NPM_ADVISORIES:,} "
        f"npm advisories over {PACKAGES_PER_ECOSYSTEM:,} packages per ecosystem "
        f"({zip_mib:.1f} MiB of zips, generated in {generated:.1f} s); lockfiles of "
        f"{LOCK_SIZE:,} dependencies drawn from the same names.",
        f"Machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}.",
        "",
        "| import | records | seconds | records/s |",
        "|---|---:|---:|---:|",
        f"| first import (store {db_mib:.1f} MiB) | {first.records:,} | {first.seconds:.2f} | "
        f"{first.rate:,.0f} |",
        f"| re-import, nothing changed | {again.records:,} | {again.seconds:.2f} | "
        f"{again.rate:,.0f} |",
        "",
        "| lockfile (1,000 deps) | parse only (s) | match only (s) | parse + match (s) "
        "| vulnerable |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, parse_s, match_s, total_s, vulnerable in rows:
        lines.append(f"| {label} | {parse_s:.3f} | {match_s:.3f} | {total_s:.3f} | {vulnerable} |")
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
