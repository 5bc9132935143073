"""Read the ``# expect: ID`` / ``# ok: ID`` annotations of the fixture projects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# One grammar for the annotations: the rule docs list the same files (faasguard.docs).
from faasguard.docs import ANNOTATED_SUFFIXES, read_file_annotations

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = ("sam", "serverless", "terraform", "chalice", "zappa")
#: The loader module that must be importable before a format's fixtures can run.
LOADER_OF_FORMAT = {
    "sam": "faasguard.loaders.cloudformation",
    "serverless": "faasguard.loaders.serverless",
    "terraform": "faasguard.loaders.terraform",
    "chalice": "faasguard.loaders.frameworks.chalice",
    "zappa": "faasguard.loaders.frameworks.zappa",
}


@dataclass
class Annotations:
    """(file, line) → rule ids, for positive and negative annotations of one fixture."""

    expect: dict[tuple[Path, int], set[str]] = field(default_factory=dict)
    ok: dict[tuple[Path, int], set[str]] = field(default_factory=dict)

    @property
    def rules(self) -> set[str]:
        """Every rule id annotated anywhere in the fixture."""
        return {r for ids in (*self.expect.values(), *self.ok.values()) for r in ids}


def fixture_dirs() -> list[Path]:
    """Every fixture project: ``tests/fixtures/<format>/<name>/``."""
    return sorted(
        d
        for fmt in FORMATS
        if (FIXTURES / fmt).is_dir()
        for d in (FIXTURES / fmt).iterdir()
        if d.is_dir()
    )


def read_annotations(directory: Path) -> Annotations:
    """Every annotation in the files of ``directory`` (recursively)."""
    found = Annotations()
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.suffix not in ANNOTATED_SUFFIXES:
            continue
        for number, kind, ids in read_file_annotations(path):
            target = found.expect if kind == "expect" else found.ok
            target.setdefault((path.resolve(), number), set()).update(ids)
    return found
