"""Finding every serverless app below the paths a user gives.

Rules of discovery (documented in the README):

- ``serverless.yml``/``.yaml``/``.json``/``.ts``/``.js`` → Serverless Framework app;
- a YAML/JSON/``.template`` file that declares ``AWSTemplateFormatVersion`` or a
  ``Resources`` section with ``AWS::`` types → CloudFormation / SAM template;
- ``cdk.out/*.template.json`` → CDK output (the rest of ``cdk.out`` is skipped);
- a directory holding ``.tf`` files → a Terraform root module, unless another discovered
  directory uses it as a local module (``source = "./modules/x"``);
- a JSON file from ``terraform show -json`` → a Terraform plan.

Skipped: ``node_modules``, ``.aws-sam``, ``.serverless``, ``.terraform``, ``.git``, virtual
environments (any directory with ``pyvenv.cfg``), caches. Symbolic links are never followed
out of the scanned root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from faasguard.loaders import Candidate

SKIP_DIRS = frozenset(
    {
        "node_modules",
        ".aws-sam",
        ".serverless",
        ".terraform",
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".faasguard",
        ".idea",
        ".vscode",
    }
)
SERVERLESS_NAMES = frozenset(
    {"serverless.yml", "serverless.yaml", "serverless.json", "serverless.ts", "serverless.js"}
)
TEMPLATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
MAX_SNIFF_BYTES = 20 * 1024 * 1024

_CFN_MARKERS = re.compile(
    rb"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::"
)
_RESOURCES = re.compile(rb"(^|[\s{,])[\"']?Resources[\"']?\s*:", re.MULTILINE)
_PLAN_MARKERS = re.compile(rb"\"format_version\"")
_PLAN_VALUES = re.compile(rb"\"(planned_values|values|terraform_version)\"")
_LOCAL_MODULE = re.compile(r"""source\s*=\s*"(\.{1,2}/[^"]*)\"""")


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Candidate]:
    """Every app candidate below ``paths``, in a stable (sorted) order, without duplicates."""
    found: dict[tuple[str, str], Candidate] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            candidate = classify_file(path, explicit=True)
            if candidate is not None:
                found[(candidate.format, candidate.path)] = candidate
            elif path.suffix == ".tf":
                candidate = Candidate(format="terraform", path=str(path.parent))
                found[(candidate.format, candidate.path)] = candidate
            continue
        for candidate in _walk(path):
            found[(candidate.format, candidate.path)] = candidate
    return sorted(found.values(), key=lambda c: (c.path, c.format))


def _walk(root: Path) -> Iterator[Candidate]:
    real_root = os.path.realpath(root)
    terraform_dirs: list[Path] = []
    module_dirs: set[tuple[str, str]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        current = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not (current / d / "pyvenv.cfg").exists()
        )
        in_cdk_out = current.name == "cdk.out"
        if in_cdk_out:
            dirnames[:] = []
        has_tf = False
        for name in sorted(filenames):
            file = current / name
            if file.is_symlink() and not _inside(file, real_root):
                continue
            if in_cdk_out:
                if name.endswith(".template.json"):
                    yield Candidate(format="cdk", path=str(file))
                continue
            if name.endswith(".tf"):
                has_tf = True
                module_dirs.update(_local_modules(file))
                continue
            candidate = classify_file(file)
            if candidate is not None:
                yield candidate
        if has_tf:
            terraform_dirs.append(current)
    for directory in terraform_dirs:
        if not _used_as_module(os.path.realpath(directory), module_dirs):
            yield Candidate(format="terraform", path=str(directory))


def classify_file(path: Path, *, explicit: bool = False) -> Candidate | None:
    """The candidate a single file is, or ``None`` when it is not a serverless definition."""
    name = path.name
    if name in SERVERLESS_NAMES:
        return Candidate(format="serverless", path=str(path))
    if path.suffix.lower() not in TEMPLATE_SUFFIXES:
        return None
    if path.parent.name == "cdk.out" and name.endswith(".template.json"):
        return Candidate(format="cdk", path=str(path))
    try:
        if path.stat().st_size > MAX_SNIFF_BYTES:
            return Candidate(format="cloudformation", path=str(path)) if explicit else None
        head = path.read_bytes()
    except OSError:
        return None
    if _CFN_MARKERS.search(head) and _RESOURCES.search(head):
        return Candidate(format="cloudformation", path=str(path))
    if (
        path.suffix.lower() == ".json"
        and _PLAN_MARKERS.search(head[:4096])
        and _PLAN_VALUES.search(head[:65536])
    ):
        return Candidate(format="terraform-plan", path=str(path))
    if explicit and path.suffix.lower() in (".yaml", ".yml", ".json", ".template"):
        # A file named on the command line is loaded even when it does not look like a
        # template, so the user gets a diagnostic instead of silence.
        return Candidate(format="cloudformation", path=str(path))
    return None


def _local_modules(tf_file: Path) -> Iterator[tuple[str, str]]:
    """(caller directory, module directory) of each local module a ``.tf`` file calls."""
    try:
        text = tf_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    caller = os.path.realpath(tf_file.parent)
    for match in _LOCAL_MODULE.finditer(text):
        yield caller, os.path.realpath(tf_file.parent / match.group(1))


def _used_as_module(directory: str, calls: set[tuple[str, str]]) -> bool:
    """True when a directory is called as a module by one that it does not call in turn.

    A root calling itself (``source = "./"``), or two roots calling each other, is still a
    root: the loader reports the cycle, and skipping it would hide the whole configuration.
    """
    callees: dict[str, set[str]] = {}
    for caller, callee in calls:
        callees.setdefault(caller, set()).add(callee)
    reachable: set[str] = set()
    pending = [directory]
    while pending:
        for callee in callees.get(pending.pop(), ()):
            if callee not in reachable:
                reachable.add(callee)
                pending.append(callee)
    return any(
        callee == directory and caller != directory and caller not in reachable
        for caller, callee in calls
    )


def _inside(path: Path, real_root: str) -> bool:
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)
