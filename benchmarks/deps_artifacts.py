"""Dependency audit of built artifacts: reading and verifying a deployment zip.

Generates (fixed seed) a deployment zip shaped like ``pip install -t`` output plus a
``node_modules`` tree: a few hundred Python distributions, each with a ``dist-info``
(``METADATA``, ``RECORD`` with urlsafe-base64 sha256 digests) and tens of modules of
code-like text, and a few thousand npm packages. Then times, best of 3, in process:

- reading every member through :mod:`zipfile` (decompression only: the bound of any tool
  that looks inside the zip, what ``unzip -t`` does),
- decompressing and hashing every member with sha256 (the bound of any RECORD verifier),
- :func:`faasguard.deps.artifact.read_artifact` (listing, metadata, RECORD parsing, hash
  verification, unrecorded-file and ``.pth`` checks, npm packages).

No peer verifies ``RECORD`` hashes of an installed tree offline (pip checks hashes of
downloaded archives, ``pip check`` checks requirements, pip-audit and osv-scanner match
versions), so the bounds above are the comparison.

Run: ``.venv/bin/python benchmarks/deps_artifacts.py [--write]``.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import platform
import random
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from faasguard.deps.artifact import read_artifact

SEED = 20261201
DISTRIBUTIONS = 300
MODULES_PER_DISTRIBUTION = 40
NPM_PACKAGES = 3_000
ROOT = Path(__file__).resolve().parents[1]
SECTION = "deps_artifacts"

_WORDS = "def return import self value event context data items result config if else for in"


def _module(rng: random.Random) -> bytes:
    words = _WORDS.split()
    lines = [
        " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
        for _ in range(rng.randint(20, 120))
    ]
    return ("\n".join(lines) + "\n").encode()


def _record_hash(content: bytes) -> str:
    digest = hashlib.sha256(content).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def build_zip(path: Path, rng: random.Random) -> tuple[int, int]:
    """Write the synthetic deployment zip; return (members, uncompressed bytes)."""
    members = 0
    size = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, content: bytes) -> None:
            nonlocal members, size
            archive.writestr(name, content)
            members += 1
            size += len(content)

        for index in range(DISTRIBUTIONS):
            name = f"pkg{index:04d}"
            dist = f"{name}-1.{index % 7}.0.dist-info"
            files = {f"{name}/mod{m:02d}.py": _module(rng) for m in range(MODULES_PER_DISTRIBUTION)}
            files[f"{name}/__init__.py"] = b""
            files[f"{dist}/METADATA"] = (
                f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.{index % 7}.0\n"
                f"Requires-Dist: pkg{(index + 1) % DISTRIBUTIONS:04d}\n"
            ).encode()
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            for member, content in files.items():
                writer.writerow([member, _record_hash(content), len(content)])
            writer.writerow([f"{dist}/RECORD", "", ""])
            files[f"{dist}/RECORD"] = out.getvalue().encode()
            for member, content in files.items():
                add(member, content)
        for index in range(NPM_PACKAGES):
            root = f"node_modules/npm{index:05d}"
            add(
                f"{root}/package.json",
                json.dumps({"name": f"npm{index:05d}", "version": "1.0.0"}).encode(),
            )
            add(f"{root}/index.js", _module(rng))
        add("app.py", b"import pkg0000\n")
    return members, size


def _best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def read_all(path: Path) -> None:
    """Decompress every member (the bound of looking inside the zip)."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as handle:
                while handle.read(1 << 20):
                    pass


def hash_all(path: Path) -> None:
    """Decompress and sha256 every member (the bound of verifying RECORD)."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            hasher = hashlib.sha256()
            with archive.open(info) as handle:
                while chunk := handle.read(1 << 20):
                    hasher.update(chunk)


def main() -> None:
    """Run the benchmark and print (or write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "function.zip"
        members, size = build_zip(path, rng)
        zip_mib = path.stat().st_size / 2**20
        artifact = read_artifact(path)
        assert not artifact.issues and not artifact.diagnostics, artifact.diagnostics
        assert len(artifact.packages) == DISTRIBUTIONS + NPM_PACKAGES
        read_s = _best(3, lambda: read_all(path))
        hash_s = _best(3, lambda: hash_all(path))
        audit_s = _best(3, lambda: read_artifact(path))
    lines = [
        f"Input: synthetic deployment zip (seed {SEED}): {DISTRIBUTIONS} Python distributions "
        f"with {MODULES_PER_DISTRIBUTION} modules each and a RECORD, {NPM_PACKAGES:,} npm "
        f"packages; {members:,} members, {size / 2**20:.1f} MiB uncompressed, "
        f"{zip_mib:.1f} MiB zipped.",
        f"Machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}.",
        "",
        "| step (best of 3) | seconds | vs. decompress only |",
        "|---|---:|---:|",
        f"| decompress every member (`unzip -t` bound) | {read_s:.2f} | 1.00 |",
        f"| decompress + sha256 every member (RECORD-verifier bound) | {hash_s:.2f} | "
        f"{hash_s / read_s:.2f} |",
        f"| faasguard `read_artifact` (packages, RECORD hashes, unrecorded files, .pth, npm) "
        f"| {audit_s:.2f} | {audit_s / read_s:.2f} |",
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
