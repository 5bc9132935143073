"""``faasguard guard layer build``: a Lambda layer zip with the guard and its exec wrapper.

Layout (what Lambda unpacks under ``/opt``):

- ``faasguard-guard``: the ``AWS_LAMBDA_EXEC_WRAPPER`` script;
- ``python/faasguard/``: ``__init__``, ``guard/``, ``payloads/`` and ``secrets`` only (not the
  scanner);
- ``python/<package>/``: the run-time dependencies, copied from this environment: the
  secret detectors (detect-secrets and what it imports), fastjsonschema for shape validation,
  and the payload engine's optional native matchers when they are installed here.

Built from the installed files, so the layer matches the Python version and architecture of
the machine that builds it (pure-Python parts run anywhere; native ones need a matching
Lambda runtime). Entries are written in a fixed order with a fixed timestamp, so the same
inputs give the same bytes.
"""

from __future__ import annotations

import importlib.metadata
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import faasguard

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


def build_layer(output: Path, native: bool = True, gpl: bool = False) -> int:
    """Write the layer zip to ``output``; returns the number of files in it."""
    files = layer_files(native, gpl)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source, name in files:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            executable = source is None or bool(source.stat().st_mode & stat.S_IXUSR)
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            data = WRAPPER.encode() if source is None else source.read_bytes()
            archive.writestr(info, data)
    return len(files)
