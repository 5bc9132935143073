"""Find and read the manifests of a function's code directory.

A function's dependencies are declared next to its handler: from the handler module's
directory faasguard walks up to the function's code root and takes the first directory
holding a manifest or lockfile (so a Serverless service whose functions all share the root
``package.json`` and one with a ``requirements.txt`` per handler directory both work).
``node_modules`` and virtual environments are never searched for manifests.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from faasguard.deps.model import Dependency, Manifest, broken_manifest, parse_warning
from faasguard.deps.versions import NPM, PYPI
from faasguard.model import Diagnostic, Location

LOCKFILE_NAMES = {
    "package-lock.json": NPM,
    "npm-shrinkwrap.json": NPM,
    "yarn.lock": NPM,
    "pnpm-lock.yaml": NPM,
    "Pipfile.lock": PYPI,
    "poetry.lock": PYPI,
    "uv.lock": PYPI,
    "pylock.toml": PYPI,
}
MANIFEST_NAMES = {"package.json": NPM, "pyproject.toml": PYPI}
_REQUIREMENTS = re.compile(r"^requirements[\w.-]*\.(txt|in)$|^pylock\.[\w-]+\.toml$")
_DEV_REQUIREMENTS = re.compile(r"dev|test|lint|doc|ci\b|type", re.IGNORECASE)
_MAX_BYTES = 32 * 1024 * 1024
#: What a parser raises on a value of an unexpected type or shape it did not anticipate.
_PARSER_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError)


def is_dependency_file(name: str) -> bool:
    """Whether a file name is a manifest or lockfile the audit reads."""
    return name in LOCKFILE_NAMES or name in MANIFEST_NAMES or bool(_REQUIREMENTS.match(name))


def ecosystem_of(name: str) -> str:
    """The ecosystem of a dependency file name."""
    return LOCKFILE_NAMES.get(name) or MANIFEST_NAMES.get(name) or PYPI


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    """The manifests of one directory and the dependencies they ship."""

    directory: str
    manifests: tuple[Manifest, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)

    def ecosystems(self) -> list[str]:
        """Ecosystems with at least one manifest, in a stable order."""
        return sorted({m.ecosystem for m in self.manifests})

    def lockfile(self, ecosystem: str) -> Manifest | None:
        """The lockfile of ``ecosystem`` (the first by name when there are several)."""
        locks = [m for m in self.manifests if m.ecosystem == ecosystem and m.is_lock]
        return min(locks, key=lambda m: m.path) if locks else None

    def declared(self, ecosystem: str) -> list[Dependency]:
        """Direct dependencies as the user declared them (manifests, not lockfiles)."""
        return [
            d
            for m in self.manifests
            if m.ecosystem == ecosystem and not m.is_lock
            for d in m.dependencies
        ]

    def shipped(self) -> list[Dependency]:
        """Every dependency deployed with the function (dev-only ones excluded).

        The lockfile of an ecosystem wins when there is one (it lists exact versions of the
        whole tree); otherwise the manifests' declarations count.
        """
        shipped: list[Dependency] = []
        for ecosystem in self.ecosystems():
            lock = self.lockfile(ecosystem)
            source = list(lock.dependencies) if lock else self.declared(ecosystem)
            shipped.extend(d for d in source if not d.dev)
        return shipped

    def declaration(self, dependency: Dependency) -> Location:
        """The line a user edits for ``dependency``: its manifest line when it is declared
        directly, else its lockfile entry."""
        if dependency.direct:
            for declared in self.declared(dependency.ecosystem):
                if declared.key == dependency.key and declared.location.line:
                    return declared.location
        return dependency.location


def parse_file(path: Path, direct_names: set[str] | None = None) -> Manifest:
    """Parse one dependency file by its name; unreadable files become a diagnostic."""
    from faasguard.deps import python  # noqa: PLC0415 - loaded on first use (start-up speed)

    name = path.name
    file = str(path)
    if _REQUIREMENTS.match(name) and not name.startswith("pylock"):
        try:
            manifest = python.parse_requirements(file)
        except _PARSER_ERRORS as exc:
            return _unexpected(name, file, exc)
        if _DEV_REQUIREMENTS.search(name):
            manifest = _as_dev(manifest)
        return manifest
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise OSError("file larger than 32 MiB")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return Manifest(
            path=file,
            kind=name,
            ecosystem=ecosystem_of(name),
            is_lock=name in LOCKFILE_NAMES,
            diagnostics=(
                parse_warning(file, f"cannot read dependency file ({exc}); it is not audited"),
            ),
        )
    return parse_text(name, file, text, direct_names)


def parse_text(name: str, file: str, text: str, direct_names: set[str] | None = None) -> Manifest:
    """Parse the text of a dependency file called ``name``; ``file`` names it in locations.

    Used for files on disk and for manifests read from inside deployment zips. A parser
    that trips over an unexpected value costs that file (a diagnostic), never the rules
    auditing the rest of the function.
    """
    try:
        return _parse_text(name, file, text, direct_names)
    except _PARSER_ERRORS as exc:
        return _unexpected(name, file, exc)


def _unexpected(name: str, file: str, exc: Exception) -> Manifest:
    problem = str(exc).splitlines()[0][:200] if str(exc) else ""
    return broken_manifest(
        file,
        name,
        ecosystem_of(name),
        is_lock=name in LOCKFILE_NAMES,
        message=f"unexpected content ({type(exc).__name__}{': ' if problem else ''}{problem})",
    )


def _parse_text(name: str, file: str, text: str, direct_names: set[str] | None) -> Manifest:
    from faasguard.deps import node, python  # noqa: PLC0415 - loaded on first use (start-up speed)

    names = direct_names or set()
    if _REQUIREMENTS.match(name) and not name.startswith("pylock"):
        manifest = python.parse_requirements(file, text)
        return _as_dev(manifest) if _DEV_REQUIREMENTS.search(name) else manifest
    if name == "package.json":
        return node.parse_package_json(file, text)
    if name in ("package-lock.json", "npm-shrinkwrap.json"):
        return node.parse_package_lock(file, text)
    if name == "yarn.lock":
        return node.parse_yarn_lock(file, text, names)
    if name == "pnpm-lock.yaml":
        return node.parse_pnpm_lock(file, text)
    if name == "Pipfile.lock":
        return python.parse_pipfile_lock(file, text)
    if name == "poetry.lock":
        return python.parse_toml_lock(file, text, "poetry-lock", names)
    if name == "uv.lock":
        return python.parse_toml_lock(file, text, "uv-lock", names)
    if name.startswith("pylock"):
        return python.parse_toml_lock(file, text, "pylock", names)
    return python.parse_pyproject(file, text)


def _as_dev(manifest: Manifest) -> Manifest:
    from dataclasses import replace  # noqa: PLC0415 - loaded on first use (start-up speed)

    return replace(
        manifest, dependencies=tuple(replace(d, dev=True) for d in manifest.dependencies)
    )


def read_directory(directory: Path) -> Project:
    """Every manifest and lockfile directly inside ``directory``."""
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.is_file())
    except OSError:
        return Project(directory=str(directory))
    files = [directory / n for n in names if is_dependency_file(n)]
    manifests: list[Manifest] = []
    direct_npm: set[str] = set()
    direct_pypi: set[str] = set()
    for path in files:
        if path.name in MANIFEST_NAMES:
            manifest = parse_file(path)
            manifests.append(manifest)
            target = direct_npm if manifest.ecosystem == NPM else direct_pypi
            target.update(d.name if d.ecosystem == NPM else d.key for d in manifest.dependencies)
    for path in files:
        if path.name not in MANIFEST_NAMES:
            eco = ecosystem_of(path.name)
            manifests.append(parse_file(path, direct_npm if eco == NPM else direct_pypi))
    diagnostics = tuple(d for m in manifests for d in m.diagnostics)
    return Project(directory=str(directory), manifests=tuple(manifests), diagnostics=diagnostics)


_CACHE: dict[tuple[str, tuple[tuple[str, float, int], ...]], Project] = {}


def _signature(directory: Path) -> tuple[tuple[str, float, int], ...]:
    try:
        entries = [e for e in os.scandir(directory) if e.is_file() and is_dependency_file(e.name)]
    except OSError:
        return ()
    return tuple(sorted((e.name, e.stat().st_mtime, e.stat().st_size) for e in entries))


def project_for(
    code_root: Path, start: Path | None = None, ecosystem: str | None = None
) -> Project:
    """The nearest project from ``start`` (default: the code root) up to ``code_root``.

    ``ecosystem`` (from the function's runtime) skips directories holding only the other
    ecosystem's manifests. Results are cached per directory and file dates, so the rules
    auditing the same function share one parse.
    """
    root = code_root.resolve()
    current = (start or code_root).resolve()
    if root != current and root not in current.parents:
        current = root
    while True:
        signature = _signature(current)
        if signature and (
            ecosystem is None or any(ecosystem_of(name) == ecosystem for name, _, _ in signature)
        ):
            key = (str(current), signature)
            if key not in _CACHE:
                _CACHE[key] = read_directory(current)
            return _CACHE[key]
        if current in (root, current.parent):
            return Project(directory=str(code_root))
        current = current.parent
