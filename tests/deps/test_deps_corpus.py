"""The dependency audit over every manifest and lockfile of the shared real-world corpus:
no crash, a clear diagnostic (file and line) for each malformed file."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from faasguard.deps import typosquat
from faasguard.deps.project import is_dependency_file, parse_file
from faasguard.deps.reach import reachability, scan_imports

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_files() -> list[Path]:
    found = []
    for current, dirs, names in os.walk(CORPUS):
        dirs[:] = [d for d in dirs if d != ".git"]
        found.extend(Path(current) / n for n in names if is_dependency_file(n))
    return sorted(found)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_every_corpus_manifest_parses_or_is_diagnosed(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files()
    assert len(files) > 100
    kinds: Counter[str] = Counter()
    diagnosed: list[str] = []
    dependencies = 0
    squats: Counter[str] = Counter()
    for path in files:
        manifest = parse_file(path)  # must never raise
        kinds[path.name if not path.name.startswith("requirements") else "requirements*.txt"] += 1
        dependencies += len(manifest.dependencies)
        for diagnostic in manifest.diagnostics:
            assert diagnostic.location is not None and diagnostic.location.file, path
            assert diagnostic.message
            diagnosed.append(f"{diagnostic.location}: {diagnostic.message}")
        for dep in manifest.dependencies:
            assert dep.name and dep.location.file
            if dep.direct and typosquat.check(dep.ecosystem, dep.name):
                squats[dep.name] += 1
    # reachability on a sample of code directories must not raise either
    for path in files[:: max(1, len(files) // 40)]:
        manifest = parse_file(path)
        reachability(list(manifest.dependencies), scan_imports(path.parent))
    with capsys.disabled():
        print(
            f"\ncorpus: {len(files)} dependency files, {dependencies} dependencies, "
            f"{len(diagnosed)} diagnostics, suspected typosquats {dict(squats)}"
        )
        print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
        for line in diagnosed[:10]:
            print(f"  {line}")
