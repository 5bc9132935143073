"""Finding every serverless app below the paths a user gives.

Rules of discovery (documented in the README):

- ``serverless.yml``/``.yaml``/``.json``/``.ts``/``.js`` → Serverless Framework app;
- a YAML/JSON/``.template`` file that declares ``AWSTemplateFormatVersion`` or a
  ``Resources`` section with ``AWS::`` types → CloudFormation / SAM template;
- ``cdk.out/*.template.json`` → CDK output (the rest of ``cdk.out`` is skipped);
- a directory holding ``.tf`` files → a Terraform root module, unless another discovered
  directory uses it as a local module (``source = "./modules/x"``);
- a JSON file from ``terraform show -json`` → a Terraform plan;
- ``.chalice/config.json`` → a Chalice project; ``zappa_settings.json``/``.yml``/``.yaml``/
  ``.toml`` → Zappa settings.

Unreadable input is never skipped silently: a subdirectory that cannot be listed, or a
file discovery would look at that is no regular file (a FIFO named ``template.yaml``), is
an ``unreadable`` candidate whose loading is an error diagnostic naming the path; a
template-named file that cannot be read or is over the size cap is a CloudFormation
candidate, so its loader says why. A file that declares ``AWSTemplateFormatVersion`` or an
``AWS::`` ``Transform`` is a candidate even without a ``Resources`` section, so a missing
or misspelled one is reported instead of ignored. Files are sniffed from their first
megabyte only, never read whole.

Skipped: ``node_modules``, ``.aws-sam``, ``.serverless``, ``.terraform``, ``.git``, virtual
environments (any directory with ``pyvenv.cfg``), caches. Symbolic links are never followed
out of the scanned root.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from faasguard.errors import LoadError
from faasguard.loaders import Candidate
from faasguard.loaders.files import MAX_FILE_BYTES, open_regular

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
#: Zappa settings, in every format Zappa reads.
ZAPPA_NAMES = frozenset(
    {"zappa_settings.json", "zappa_settings.yml", "zappa_settings.yaml", "zappa_settings.toml"}
)
TEMPLATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
#: Leading bytes of a file read to recognise it (markers sit at the top of a template).
SNIFF_BYTES = 1024 * 1024
#: The format of a candidate that could not be read at all (a loader reports why).
UNREADABLE = "unreadable"

_CFN_MARKERS = re.compile(
    rb"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::"
)
_DECLARES_TEMPLATE = re.compile(
    rb"AWSTemplateFormatVersion|(^|[\s{,])[\"']?Transform[\"']?\s*:\s*\[?\s*[\"']?AWS::",
    re.MULTILINE,
)
#: npm metadata, never a template (some CDK samples put a stray "Transform" in it).
_NEVER_TEMPLATES = frozenset({"package.json", "package-lock.json"})
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
    unreadable: list[str] = []

    def cannot_list(error: OSError) -> None:
        unreadable.append(error.filename or str(root))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=cannot_list):
        while unreadable:
            yield Candidate(format=UNREADABLE, path=str(unreadable.pop()))
        current = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not _is_venv(current / d)
        )
        if current.name == "cdk.out":
            dirnames[:] = []
        tf_files: list[Path] = []
        yield from _directory(current, filenames, real_root, tf_files)
        for tf_file in tf_files:
            module_dirs.update(_local_modules(tf_file))
        if tf_files:
            terraform_dirs.append(current)
    while unreadable:
        yield Candidate(format=UNREADABLE, path=str(unreadable.pop()))
    for directory in terraform_dirs:
        if not _used_as_module(os.path.realpath(directory), module_dirs):
            yield Candidate(format="terraform", path=str(directory))


def _directory(
    current: Path, filenames: list[str], real_root: str, tf_files: list[Path]
) -> Iterator[Candidate]:
    """The candidates among one directory's files; its ``.tf`` files go to ``tf_files``."""
    in_cdk_out = current.name == "cdk.out"
    for name in sorted(filenames):
        file = current / name
        if not _interesting(name, in_cdk_out):
            continue
        if file.is_symlink() and not _inside(file, real_root):
            continue
        if not _regular_or_missing(file):
            yield Candidate(format=UNREADABLE, path=str(file))
        elif in_cdk_out:
            yield Candidate(format="cdk", path=str(file))
        elif name.endswith(".tf"):
            tf_files.append(file)
        else:
            candidate = classify_file(file)
            if candidate is not None:
                yield candidate


def classify_file(path: Path, *, explicit: bool = False) -> Candidate | None:
    """The candidate a single file is, or ``None`` when it is not a serverless definition."""
    name = path.name
    if name in SERVERLESS_NAMES:
        return Candidate(format="serverless", path=str(path))
    if name == "config.json" and path.parent.name == ".chalice":
        return Candidate(format="chalice", path=str(path))
    if name in ZAPPA_NAMES:
        return Candidate(format="zappa", path=str(path))
    if path.suffix.lower() not in TEMPLATE_SUFFIXES:
        return None
    if path.parent.name == "cdk.out" and name.endswith(".template.json"):
        return Candidate(format="cdk", path=str(path))
    try:
        head = _head(path)
    except LoadError:
        if not os.path.lexists(path) or not os.path.exists(path):
            return None  # gone, or a dangling link: nothing was there to scan
        # Unreadable or over the size cap: the loader reports it with the path, instead
        # of the template silently missing from the scan.
        return Candidate(format="cloudformation", path=str(path))
    if _CFN_MARKERS.search(head) and _RESOURCES.search(head):
        return Candidate(format="cloudformation", path=str(path))
    if _DECLARES_TEMPLATE.search(head) and name not in _NEVER_TEMPLATES:
        # A template without (or with a misspelled) Resources: the loader says so.
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


def _head(path: Path) -> bytes:
    """The first :data:`SNIFF_BYTES` of a regular file within the size cap; raises
    :class:`LoadError` otherwise (without blocking on a FIFO or reading a huge file)."""
    fd = open_regular(path, MAX_FILE_BYTES)
    with os.fdopen(fd, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def _interesting(name: str, in_cdk_out: bool) -> bool:
    """Whether discovery reads a file of this name (only those need to be regular)."""
    if in_cdk_out:
        return name.endswith(".template.json")
    return (
        name in SERVERLESS_NAMES
        or name in ZAPPA_NAMES
        or name.endswith(".tf")
        or os.path.splitext(name)[1].lower() in TEMPLATE_SUFFIXES
    )


def _regular_or_missing(path: Path) -> bool:
    """False for a FIFO, device or socket (or a link to one), which must not be opened."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return True  # dangling link or unreadable: the loader reports it
    return stat.S_ISREG(mode)


def _is_venv(directory: Path) -> bool:
    try:
        return (directory / "pyvenv.cfg").exists()
    except OSError:
        return False


def _local_modules(tf_file: Path) -> Iterator[tuple[str, str]]:
    """(caller directory, module directory) of each local module a ``.tf`` file calls."""
    try:
        fd = open_regular(tf_file, MAX_FILE_BYTES)
        with os.fdopen(fd, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except (LoadError, OSError):
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
