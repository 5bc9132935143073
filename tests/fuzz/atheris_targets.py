"""Coverage-guided fuzz targets (atheris, libFuzzer) for the parsers that read raw bytes.

Hypothesis (the ``test_fuzz_*`` modules) generates *structured* hostile inputs; these
targets let libFuzzer mutate raw bytes under coverage feedback, which finds the byte-level
corners of the front ends (odd encodings, truncations, token soup) that no grammar
describes. The property is the same: only the documented exceptions escape.

Run one target (``yaml``, ``json``, ``hcl``, ``requirements``, ``package-lock``)::

    python tests/fuzz/atheris_targets.py yaml -atheris_runs=200000 -max_len=4096

The seed inputs are a fixed sample of real files (the shared corpus, else the fixtures).
``tests/fuzz/test_fuzz_atheris.py`` runs every target for a fixed number of runs in CI, and
many more with ``FAASGUARD_FUZZ=nightly``. A crash prints the input's path
(``crash-<sha1>``); replay it with ``python tests/fuzz/atheris_targets.py TARGET FILE``.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["faasguard"]):
    from faasguard.deps import node, python
    from faasguard.deps.model import Manifest
    from faasguard.errors import LoadError
    from faasguard.loaders.documents import Document, load_json, load_yaml
    from faasguard.loaders.terraform.hcl import parse_text

sys.path.insert(0, str(Path(__file__).parent))
from fuzz_support import corpus_sample


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _document(parse: Callable[[str, str], Document], name: str) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        try:
            document = parse(_text(data), name)
        except LoadError:
            return
        assert isinstance(document, Document)

    return target


_yaml = _document(load_yaml, "fuzz.yaml")
_json = _document(load_json, "fuzz.json")


def _hcl(data: bytes) -> None:
    parse_text(data, "fuzz.tf")  # syntax errors are collected, never raised


def _requirements(data: bytes) -> None:
    manifest = python.parse_requirements("requirements.txt", _text(data))
    assert isinstance(manifest, Manifest)


def _package_lock(data: bytes) -> None:
    manifest = node.parse_package_lock("package-lock.json", _text(data))
    assert isinstance(manifest, Manifest)


#: Seeds of our own, next to the corpus sample (which has few small lockfiles).
_SEEDS = {
    "requirements": (
        "requests==2.31.0 --hash=sha256:" + "0" * 64 + "\n-r other.txt\n-e git+https://x/y#egg=y\n"
        "name[extra]>=1,<2; python_version < '3.12'\n--extra-index-url https://host/simple\n"
    ),
    "package-lock": (
        '{"name": "a", "lockfileVersion": 3, "packages": {"": {"dependencies": {"b": "^1"}}, '
        '"node_modules/b": {"version": "1.0.0", "resolved": "https://r/b-1.0.0.tgz", '
        '"integrity": "sha512-x"}, "node_modules/b/node_modules/c": {"version": "2.0.0"}}, '
        '"dependencies": {"b": {"version": "1.0.0", "requires": {"c": "2"}, '
        '"dependencies": {"c": {"version": "2.0.0"}}}}}'
    ),
}

TARGETS: dict[str, tuple[Callable[[bytes], None], tuple[str, ...]]] = {
    "yaml": (_yaml, ("template.yaml", "template.yml", "serverless.yml")),
    "json": (_json, ("*.json",)),
    "hcl": (_hcl, ("*.tf",)),
    "requirements": (_requirements, ("requirements*.txt",)),
    "package-lock": (_package_lock, ("package-lock.json",)),
}


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        raise SystemExit(f"usage: {argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    target, patterns = TARGETS[argv[1]]
    seeds = Path(tempfile.mkdtemp(prefix=f"atheris-{argv[1]}-"))
    own = [_SEEDS[argv[1]]] if argv[1] in _SEEDS else []
    for index, text in enumerate([*own, *corpus_sample(patterns, 16)]):
        (seeds / f"seed{index}").write_text(text, encoding="utf-8")
    options = [argv[0], *argv[2:]]
    if not any(not a.startswith("-") for a in argv[2:]):
        options.append(str(seeds))  # no corpus or input file given: start from the seeds
    atheris.Setup(options, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
