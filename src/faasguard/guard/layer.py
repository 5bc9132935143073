"""``faasguard guard layer build``: a Lambda layer zip with the guard and its exec wrapper.

Layout (what Lambda unpacks under ``/opt``):

- ``faasguard-guard``: the ``AWS_LAMBDA_EXEC_WRAPPER`` script;
- ``python/faasguard/``: ``__init__``, ``guard/``, ``payloads/`` and ``secrets`` only (not the
  scanner);
- ``python/<package>/``: the run-time dependencies, copied from this environment: the
  secret detectors (detect-secrets and what it imports), fastjsonschema for shape validation,
  and the payload engine's optional native matchers when they are installed here;
- ``python/**/__pycache__/*.pyc``: every module compiled ahead (unchecked hash-based pycs,
  PEP 552): ``/opt`` is read-only, so without them each cold start compiles every module
  of the guard and its dependencies from source again;
- ``python/faasguard-databases/hs-*.db``: the payload engine's Hyperscan databases,
  serialized (:mod:`faasguard.guard.shipped`). Compiling one costs ~2 CPU s, and a cold
  start's ``/tmp`` (where the engine caches them) is empty; the guard links them into the
  engine's cache at init. Hyperscan checks on load that a database suits the CPU (they are
  compiled for the features of the machine that builds the layer: build on a machine
  without AVX-512 for ones that load on every x86-64 Lambda host); when one does not, the
  engine compiles it as before.

Built from the installed files, so the layer matches the Python version and architecture of
the machine that builds it (pure-Python parts run anywhere; native ones need a matching
Lambda runtime; the pycs serve only the same Python version, others compile from source as
before). Entries are written in a fixed order with a fixed timestamp, so the same inputs
give the same bytes.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import marshal
import os
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import faasguard
from faasguard.guard.shipped import DATABASES

#: Distributions the guard imports at run time (boto3 is in every Lambda Python runtime).
RUNTIME_DISTRIBUTIONS = (
    "detect-secrets",
    "PyYAML",
    "requests",
    "urllib3",
    "idna",
    "charset-normalizer",
    "certifi",
    "fastjsonschema",
)
#: Optional native matcher of the payload engine, included when installed.
NATIVE_DISTRIBUTIONS = ("hyperscan",)
#: libinjection's Python wrapper is GPL-3.0 (faasguard is Apache-2.0): only on request.
GPL_DISTRIBUTIONS = ("libinjection-python",)
_FAASGUARD_PARTS = ("__init__.py", "secrets.py", "guard", "payloads")
_EPOCH = (2020, 1, 1, 0, 0, 0)

WRAPPER = """#!/bin/bash
# faasguard runtime guard: AWS_LAMBDA_EXEC_WRAPPER=/opt/faasguard-guard
# Puts faasguard.guard.entry.handler in place of the function's handler, which it keeps in
# FAASGUARD_ORIGINAL_HANDLER, then starts the runtime unchanged.
set -euo pipefail
original="${FAASGUARD_ORIGINAL_HANDLER:-${_HANDLER:-}}"
args=()
for arg in "$@"; do
  if [ -n "$original" ] && [ "$arg" = "$original" ]; then
    args+=("faasguard.guard.entry.handler")
  else
    args+=("$arg")
  fi
done
if [ -z "$original" ] && [ "${#args[@]}" -gt 0 ]; then
  # a container image's "python -m awslambdaric module.handler": the handler is last
  original="${args[${#args[@]}-1]}"
  args[${#args[@]}-1]="faasguard.guard.entry.handler"
fi
export FAASGUARD_ORIGINAL_HANDLER="$original"
export _HANDLER="faasguard.guard.entry.handler"
layer="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"  # /opt in Lambda
export PYTHONPATH="$layer/python${PYTHONPATH:+:$PYTHONPATH}"
exec "${args[@]}"
"""


def _faasguard_files() -> Iterator[tuple[Path, str]]:
    root = Path(faasguard.__file__).parent
    for part in _FAASGUARD_PARTS:
        path = root / part
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                yield file, f"python/faasguard/{file.relative_to(root).as_posix()}"


def _distribution_files(name: str) -> Iterator[tuple[Path, str]]:
    distribution = importlib.metadata.distribution(name)
    for entry in sorted(distribution.files or [], key=str):
        parts = Path(str(entry)).parts
        if not parts or parts[0].startswith("..") or "__pycache__" in parts:
            continue
        if parts[0].endswith((".dist-info", ".egg-info")) and parts[-1] not in (
            "METADATA",
            "LICENSE",
            "LICENSE.txt",
            "LICENSE.md",
        ):
            continue
        source = Path(str(distribution.locate_file(entry)))
        if source.is_file() and source.suffix != ".pyc":
            yield source, f"python/{Path(str(entry)).as_posix()}"


def layer_files(native: bool = True, gpl: bool = False) -> list[tuple[Path | None, str]]:
    """Every ``(source file, name in the zip)``; the wrapper has no source file."""
    files: list[tuple[Path | None, str]] = [(None, "faasguard-guard")]
    files.extend(_faasguard_files())
    names = RUNTIME_DISTRIBUTIONS + (NATIVE_DISTRIBUTIONS if native else ())
    names += GPL_DISTRIBUTIONS if native and gpl else ()
    for name in names:
        try:
            files.extend(_distribution_files(name))
        except importlib.metadata.PackageNotFoundError:
            if name in RUNTIME_DISTRIBUTIONS:
                raise
    return files


def compiled_module(source: bytes, name: str) -> bytes:
    """The unchecked hash-based pyc (PEP 552) of a module's ``source``: loaded without
    looking at the source's time stamp or contents, so it serves from a read-only layer."""
    code = compile(source, name, "exec", dont_inherit=True)
    flags = 0b01  # hash-based, not checked against the source
    header = importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little")
    return header + importlib.util.source_hash(source) + marshal.dumps(code)


def pyc_name(name: str) -> str:
    """Where the interpreter looks for the pyc of the module at ``name`` (in the zip)."""
    folder, _, file = name.rpartition("/")
    return f"{folder}/__pycache__/{file.removesuffix('.py')}.{sys.implementation.cache_tag}.pyc"


class LayerBuildError(Exception):
    """The layer cannot be built (the payload engine failed to compile its databases)."""


def _serialized_databases() -> list[tuple[str, bytes]]:
    """The payload engine's Hyperscan databases as the engine saves them in its cache (a
    file name says which patterns and Hyperscan version it holds), or nothing when
    Hyperscan is not installed: the guard's warm-up (:func:`faasguard.guard.runtime.warm_up`)
    run in a fresh interpreter with an empty cache (~2 CPU s a database), so the layer holds
    every database the guard's init loads, under the engine's own names."""
    from faasguard.payloads.engine import hyperscan_available  # noqa: PLC0415 - build only

    if not hyperscan_available():
        return []
    tree = str(Path(faasguard.__file__).parents[1])  # this faasguard, not another install
    with tempfile.TemporaryDirectory() as scratch:
        path = os.pathsep.join(filter(None, [tree, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "FAASGUARD_CACHE": scratch, "PYTHONPATH": path}
        done = subprocess.run(
            [sys.executable, "-c", "from faasguard.guard.runtime import warm_up; warm_up()"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise LayerBuildError(f"compiling the payload engine's databases failed: {last}")
        found = sorted(Path(scratch).glob("hs-*.db"))
        return [(f"python/{DATABASES}/{file.name}", file.read_bytes()) for file in found]


def build_layer(output: Path, native: bool = True, gpl: bool = False) -> int:
    """Write the layer zip to ``output``; returns the number of files in it."""
    entries: list[tuple[str, bytes, bool]] = []
    for source, name in layer_files(native, gpl):
        data = WRAPPER.encode() if source is None else source.read_bytes()
        executable = source is None or bool(source.stat().st_mode & stat.S_IXUSR)
        entries.append((name, data, executable))
        if name.endswith(".py") and name.startswith("python/"):
            # a module that is not for this Python (a backport's) is never imported
            with contextlib.suppress(SyntaxError, ValueError):
                entries.append((pyc_name(name), compiled_module(data, name), False))
    if native:
        entries.extend((name, data, False) for name, data in _serialized_databases())
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data, executable in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            archive.writestr(info, data)
    return len(entries)
