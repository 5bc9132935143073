"""Reachability by import scanning: which packages a function's own code imports.

Python files are parsed with ``ast`` (never imported or run); JavaScript and TypeScript
files are scanned for ``require("x")``, ``import ... from "x"``, ``import("x")`` and
``export ... from "x"`` with regular expressions, which is enough to name the packages a
module loads. Directories of installed packages (vendored with ``pip install -t``, or
``node_modules``) are not the function's own code and are skipped, so a library importing
another library does not count as the function importing it; transitive reachability goes
through the lockfile's dependency graph instead (see :func:`reachability`).
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from faasguard.deps.model import Dependency
from faasguard.deps.versions import NPM, PYPI, normalize_name
from faasguard.loaders.frameworks.common import parse_python

_JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
_JS_IMPORT = re.compile(
    r"""(?:require\s*\(\s*|import\s*\(\s*|\bfrom\s+|^\s*import\s+)['"]([^'"\n]+)['"]""",
    re.MULTILINE,
)
_SKIP_DIRS = {
    "node_modules",
    ".git",
    "__pycache__",
    ".venv",
    "venv",
    ".aws-sam",
    ".serverless",
    "tests",
    "test",
    "__tests__",
}
_MAX_FILES = 5000
_MAX_BYTES = 2 * 1024 * 1024

#: Reachability states, as shown in messages and ``Hit.properties``.
IMPORTED = "imported"
VIA = "via"
NOT_IMPORTED = "not-imported"
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Imports:
    """Top-level Python modules and npm packages a code directory imports."""

    python: frozenset[str] = frozenset()
    npm: frozenset[str] = frozenset()
    files: int = 0
    installed_modules: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reach:
    """Whether a dependency is reached: ``status`` and, for ``via``, the importing package."""

    status: str
    via: str = ""

    @property
    def lowers_severity(self) -> bool:
        """True when nothing in the function's code leads to the package."""
        return self.status == NOT_IMPORTED

    def describe(self) -> str:
        """A short phrase for messages."""
        if self.status == IMPORTED:
            return "imported by the function's code"
        if self.status == VIA:
            return f"reached through {self.via}, which the function imports"
        if self.status == NOT_IMPORTED:
            return "never imported by the function's code (severity lowered)"
        return "reachability unknown (no source files found)"


@cache
def _import_names() -> dict[str, tuple[str, ...]]:
    text = resources.files("faasguard.data").joinpath("import_names.json").read_text("utf-8")
    table = json.loads(text)["pypi"]
    return {normalize_name(PYPI, k): tuple(v) for k, v in table.items()}


def _installed_top_levels(directory: Path) -> dict[str, tuple[str, ...]]:
    """Distribution name → top-level modules of packages installed into ``directory``."""
    found: dict[str, tuple[str, ...]] = {}
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return found
    for entry in entries:
        if not (entry.is_dir() and entry.name.endswith(".dist-info")):
            continue
        dist = normalize_name(PYPI, entry.name[: -len(".dist-info")].rsplit("-", 1)[0])
        top = Path(entry.path) / "top_level.txt"
        modules: set[str] = set()
        try:
            if top.is_file():
                modules.update(x.strip() for x in top.read_text("utf-8").splitlines() if x.strip())
            else:
                record = Path(entry.path) / "RECORD"
                for line in record.read_text("utf-8").splitlines():
                    first = line.split(",", 1)[0].split("/", 1)[0]
                    if first and not first.endswith((".dist-info", ".data")) and first != "..":
                        modules.add(first.removesuffix(".py"))
        except (OSError, UnicodeDecodeError):
            continue
        found[dist] = tuple(sorted(modules))
    return found


def scan_imports(directory: Path) -> Imports:
    """Every import of the function's own code below ``directory``."""
    installed = _installed_top_levels(directory)
    vendored = {m for modules in installed.values() for m in modules}
    python: set[str] = set()
    npm: set[str] = set()
    files = 0
    for current, dirs, names in os.walk(directory):
        here = Path(current)
        dirs[:] = [
            d
            for d in dirs
            if d not in _SKIP_DIRS
            and not d.endswith((".dist-info", ".egg-info", ".data"))
            and not (here == directory and d in vendored)
        ]
        for name in names:
            if files >= _MAX_FILES:
                break
            path = here / name
            if name.endswith(".py"):
                if here == directory and name[:-3] in vendored:
                    continue
                files += 1
                python.update(_python_imports(path))
            elif name.endswith(_JS_SUFFIXES):
                files += 1
                npm.update(_js_imports(path))
    return Imports(frozenset(python), frozenset(npm), files, installed)


def _python_imports(path: Path) -> set[str]:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return set()
        tree = parse_python(path.read_bytes(), str(path))
    except (OSError, SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


def _js_imports(path: Path) -> set[str]:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return set()
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    found: set[str] = set()
    for raw in _JS_IMPORT.findall(text):
        spec = raw.removeprefix("node:")
        if spec.startswith((".", "/")) or not spec:
            continue
        parts = spec.split("/")
        found.add("/".join(parts[:2]) if spec.startswith("@") and len(parts) > 1 else parts[0])
    return found


def module_names(dependency: Dependency, imports: Imports) -> tuple[str, ...]:
    """The names code uses to import ``dependency``."""
    if dependency.ecosystem == NPM:
        return (dependency.name,)
    key = dependency.key
    if key in imports.installed_modules:
        return imports.installed_modules[key]
    if key in _import_names():
        return _import_names()[key]
    guess = key.replace("-", "_")
    return (guess, guess.removeprefix("python_"), guess.removeprefix("py"))


def reachability(
    dependencies: Sequence[Dependency], imports: Imports
) -> dict[tuple[str, str], Reach]:
    """Reach of every dependency, keyed by (ecosystem, normalised name).

    A package is reached when the code imports it, or when a reached package requires it
    (the lockfile graph). Without source files the answer is ``unknown``, never a guess.
    """
    result: dict[tuple[str, str], Reach] = {}
    if imports.files == 0:
        return {(d.ecosystem, d.key): Reach(UNKNOWN) for d in dependencies}
    by_key = {(d.ecosystem, d.key): d for d in dependencies}
    queue: list[tuple[str, str]] = []
    for key, dependency in by_key.items():
        used = imports.npm if dependency.ecosystem == NPM else imports.python
        if any(m in used for m in module_names(dependency, imports)):
            result[key] = Reach(IMPORTED)
            queue.append(key)
    while queue:
        parent = by_key[queue.pop()]
        for child_name in parent.requires:
            child = (parent.ecosystem, normalize_name(parent.ecosystem, child_name))
            if child in by_key and child not in result:
                result[child] = Reach(VIA, parent.name)
                queue.append(child)
    for key in by_key:
        result.setdefault(key, Reach(NOT_IMPORTED))
    return result


def lowered(severity: int, reach: Reach) -> int:
    """One severity level lower (never below LOW) for packages nothing imports."""
    return max(1, severity - 1) if reach.lowers_severity else severity


def iter_source_files(directory: Path) -> Iterable[Path]:
    """Source files the import scan reads (for tests and diagnostics)."""
    for current, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in names:
            if name.endswith((".py", *_JS_SUFFIXES)):
                yield Path(current) / name
