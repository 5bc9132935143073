"""Installed packages in built artifacts: deployment zips and layer zips or directories.

What a function really ships is what its deployment package and layers contain, which
need not be what its lockfile says. This module reads installed Python distributions
(``*.dist-info/METADATA`` and ``RECORD``) and installed npm packages
(``node_modules/**/package.json``) from a zip or a directory, and checks them:

- every file a ``RECORD`` lists with a hash is hashed and compared (``sha256=`` followed by
  the urlsafe base64 digest without padding, as pip writes it);
- files inside a distribution's own directories that no ``RECORD`` lists are reported
  (compiled ``.pyc`` files are left out: ``compileall`` after installation writes them
  legitimately and pip does not always record them);
- ``.pth`` files with ``import`` lines (code Python runs at start-up in a site directory),
  npm install scripts and ``binding.gyp`` files of installed packages are collected.

Zips are streamed with :mod:`zipfile` and never extracted. Member names are data, never
paths to open: absolute names and names with ``..`` are counted and skipped. Reads are
bounded (member count, size of one member, compression ratio, total bytes hashed), and
what a bound skips is counted in one diagnostic per artifact, so a zip bomb costs
nothing and is still visible. Nothing read here is imported or run.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import IO

from faasguard.deps.model import REGISTRY, Dependency, Manifest
from faasguard.deps.project import is_dependency_file, parse_text
from faasguard.deps.versions import NPM, PYPI, normalize_name
from faasguard.model import Diagnostic, DiagnosticLevel, Location

ARTIFACT_CODE = "dep-artifact"

#: Bounds of one artifact. Lambda unpacks at most 250 MB per function (code and layers
#: together), so honest artifacts stay far below them.
MAX_MEMBERS = 200_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_HASH_BYTES = 1024 * 1024 * 1024
MAX_METADATA_BYTES = 1024 * 1024
MAX_RECORD_BYTES = 16 * 1024 * 1024
#: A member compressed more than this ratio (and larger than 1 MiB) is a zip bomb candidate.
MAX_RATIO = 200

#: Issue kinds, as the rules report them.
HASH_MISMATCH = "hash-mismatch"
#: A file that differs from its RECORD entry only by CRLF line ends (a git checkout with
#: ``core.autocrlf``): reported as such, not as tampering.
LINE_ENDINGS = "line-endings"
#: Largest file whose line ends are normalised to tell the two apart.
MAX_LINE_ENDING_BYTES = 4 * 1024 * 1024
UNRECORDED = "unrecorded"
PTH_CODE = "pth-code"
INSTALL_SCRIPT = "install-script"
BINDING_GYP = "binding-gyp"

_DIST_METADATA = re.compile(r"^(?:(.*)/)?([^/]+)\.dist-info/METADATA$")
_NODE_PACKAGE = re.compile(r"^(?:(.*)/)?node_modules/((?:@[^/.][^/]*/)?[^/.@][^/]*)/package\.json$")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_NODE_INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")
#: Directories of a code directory that are not deployed (or not the function's own).
_SKIP_DIRS = {".git", ".venv", "venv", ".aws-sam", ".serverless", "__pycache__", ".terraform"}
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtifactIssue:
    """Something wrong or risky about one file of an artifact.

    ``member`` is the path inside the artifact, ``package`` the distribution it belongs to
    (empty when none does) and ``detail`` a short explanation for the message.
    """

    kind: str
    member: str
    package: str = ""
    detail: str = ""
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
    """The installed packages of one deployment package or layer, and what is wrong with it.

    ``path`` is the zip or directory as the template names it; ``manifests`` are the
    manifests and lockfiles at the root of a zip (a directory's are read by
    :mod:`faasguard.deps.project`).
    """

    path: str
    kind: str
    packages: tuple[Dependency, ...] = ()
    issues: tuple[ArtifactIssue, ...] = ()
    manifests: tuple[Manifest, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def location(self) -> Location:
        """The artifact as a whole."""
        return Location(file=self.path)


@dataclass(slots=True)
class _Counters:
    unsafe: int = 0
    oversized: int = 0
    truncated: bool = False
    hashed_bytes: int = 0
    hash_budget_hit: bool = False
    unreadable: list[str] = field(default_factory=list)


class _Tree:
    """The files of a zip or directory: relative POSIX names, sizes and bounded reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.display = str(path)
        self.sizes: dict[str, int] = {}
        self.counters = _Counters()
        self._zip: zipfile.ZipFile | None = None
        self._infos: dict[str, zipfile.ZipInfo] = {}

    # ------------------------------------------------------------------ listing

    def list_zip(self, archive: zipfile.ZipFile) -> None:
        self._zip = archive
        for info in archive.infolist():
            if len(self.sizes) >= MAX_MEMBERS:
                self.counters.truncated = True
                break
            # zips written on Windows (PowerShell 5 Compress-Archive) separate with "\\"
            name = info.filename.replace("\\", "/")
            if info.is_dir() or name.endswith("/"):
                continue
            if _unsafe(name):
                self.counters.unsafe += 1
                continue
            ratio_bomb = (
                info.file_size > _CHUNK
                and info.compress_size > 0
                and info.file_size / info.compress_size > MAX_RATIO
            )
            if info.file_size > MAX_MEMBER_BYTES or ratio_bomb:
                self.counters.oversized += 1
                continue
            self.sizes[name] = info.file_size
            self._infos[name] = info

    def list_directory(self) -> None:
        root = self.path
        for current, dirs, files in os.walk(root):  # never follows symlinked directories
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
            relative = os.path.relpath(current, root)
            prefix = "" if relative == "." else Path(relative).as_posix() + "/"
            for name in files:
                if len(self.sizes) >= MAX_MEMBERS:
                    self.counters.truncated = True
                    return
                try:
                    info = os.lstat(os.path.join(current, name))
                except OSError:
                    continue
                if not stat.S_ISREG(info.st_mode):
                    continue  # a symlink may point anywhere: it is not the artifact's file
                if info.st_size > MAX_MEMBER_BYTES:
                    self.counters.oversized += 1
                    continue
                self.sizes[prefix + name] = info.st_size

    # ------------------------------------------------------------------ reading

    def _open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(self._infos[name])
        return open(self.path / name, "rb")

    def read(self, name: str, limit: int) -> bytes | None:
        """The content of ``name`` when it exists and is at most ``limit`` bytes."""
        size = self.sizes.get(name)
        if size is None or size > limit:
            return None
        try:
            with self._open(name) as handle:
                return handle.read(limit + 1)[:limit]
        except (OSError, zipfile.BadZipFile, RuntimeError, EOFError) as exc:
            self.counters.unreadable.append(f"{name} ({exc})")
            return None

    def digest(self, name: str, algorithm: str) -> str | None:
        """The urlsafe-base64 digest of ``name`` (no padding), ``None`` when not hashed."""
        size = self.sizes.get(name, 0)
        if self.counters.hashed_bytes + size > MAX_HASH_BYTES:
            self.counters.hash_budget_hit = True
            return None
        hasher = hashlib.new(algorithm)
        read = 0
        try:
            with self._open(name) as handle:
                while chunk := handle.read(_CHUNK):
                    read += len(chunk)
                    if read > size:  # a size that lies: never read past what was listed
                        break
                    hasher.update(chunk)
        except (OSError, zipfile.BadZipFile, RuntimeError, EOFError) as exc:
            self.counters.unreadable.append(f"{name} ({exc})")
            return None
        self.counters.hashed_bytes += read
        return base64.urlsafe_b64encode(hasher.digest()).rstrip(b"=").decode("ascii")

    def location(self, name: str) -> Location:
        """Where a finding about member ``name`` points: the file itself in a directory,
        the zip in an archive (the message names the member)."""
        if self._zip is None:
            return Location(file=str(self.path / name))
        return Location(file=self.display)

    def installed(
        self,
        member: str,
        *,
        ecosystem: str,
        name: str,
        version: str | None,
        requires: tuple[str, ...],
        install_script: bool = False,
    ) -> Dependency:
        """A package installed in this artifact, read from its metadata file ``member``:
        shipped from the registry as a transitive package, pinned at the version it
        names (an installed package has no requirement spec of its own)."""
        return Dependency(
            ecosystem=ecosystem,
            name=name,
            version=version,
            spec=version or "",
            location=self.location(member),
            direct=False,
            source=REGISTRY,
            install_script=install_script,
            requires=requires,
            artifact=self.display,
        )

    def member_display(self, name: str) -> str:
        """How messages name a member."""
        return name if self._zip is None else f"{self.display}!/{name}"


def _unsafe(name: str) -> bool:
    """Names a careless extractor would write outside its target directory."""
    return (
        name.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", name))
        or ".." in name.split("/")
        or "\x00" in name
    )


def has_installed_packages(directory: Path) -> bool:
    """Whether a code directory holds installed packages (cheap: only its top levels).

    ``pip install -t .`` puts ``*.dist-info`` at the top; layers use ``python/`` and
    ``nodejs/``; Node functions ship ``node_modules``.
    """
    try:
        names = {entry.name for entry in os.scandir(directory)}
    except OSError:
        return False
    return bool(
        {"node_modules", "python", "nodejs"} & names
        or any(name.endswith(".dist-info") for name in names)
    )


def read_artifact(path: Path, display: str | None = None) -> Artifact:
    """Read the installed packages of a zip file or directory and check them."""
    tree = _Tree(path)
    tree.display = display or str(path)
    kind = "directory" if path.is_dir() else "zip"
    try:
        if kind == "directory":
            tree.list_directory()
            return _analyse(tree, kind)
        with zipfile.ZipFile(path) as archive:
            tree.list_zip(archive)
            return _analyse(tree, kind)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError) as exc:
        return Artifact(
            path=tree.display,
            kind=kind,
            diagnostics=(
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message=f"cannot read artifact ({exc}); its installed packages are not audited",
                    location=Location(file=tree.display),
                    code=ARTIFACT_CODE,
                ),
            ),
        )


def _analyse(tree: _Tree, kind: str) -> Artifact:
    packages: list[Dependency] = []
    issues: list[ArtifactIssue] = []
    python_packages, python_issues, site_roots = _python(tree)
    packages.extend(python_packages)
    issues.extend(python_issues)
    issues.extend(_pth_files(tree, site_roots))
    node_packages, node_issues = _node(tree)
    packages.extend(node_packages)
    issues.extend(node_issues)
    manifests = _root_manifests(tree) if kind == "zip" else ()
    return Artifact(
        path=tree.display,
        kind=kind,
        packages=tuple(packages),
        issues=tuple(issues),
        manifests=manifests,
        diagnostics=tuple(_diagnostics(tree)),
    )


# ---------------------------------------------------------------------------- Python


def _join(site: str, relative: str) -> str:
    return f"{site}/{relative}" if site else relative


def _python(tree: _Tree) -> tuple[list[Dependency], list[ArtifactIssue], set[str]]:
    packages: list[Dependency] = []
    issues: list[ArtifactIssue] = []
    recorded: dict[str, set[str]] = {}  # site root -> recorded members
    owners: dict[str, dict[str, str]] = {}  # site root -> top-level directory -> distribution
    for member in sorted(tree.sizes):
        match = _DIST_METADATA.match(member)
        if not match or "node_modules/" in member:
            continue
        site = match.group(1) or ""
        dist_dir = _join(site, match.group(2) + ".dist-info")
        headers = tree.read(member, MAX_METADATA_BYTES)
        fallback_name = match.group(2).rsplit("-", 1)[0]
        fallback_version = match.group(2).rsplit("-", 1)[1] if "-" in match.group(2) else None
        name, version = fallback_name, fallback_version
        requires: tuple[str, ...] = ()
        if headers is not None:
            parsed = BytesHeaderParser().parsebytes(headers)
            name = str(parsed.get("Name") or fallback_name).strip()
            version = str(parsed.get("Version") or fallback_version or "").strip() or None
            requires = tuple(
                sorted(
                    {
                        m.group(1)
                        for r in parsed.get_all("Requires-Dist") or ()
                        if (m := _REQUIREMENT_NAME.match(str(r)))
                    }
                )
            )
        packages.append(
            tree.installed(member, ecosystem=PYPI, name=name, version=version, requires=requires)
        )
        site_recorded = recorded.setdefault(site, set())
        site_owners = owners.setdefault(site, {})
        site_owners.setdefault(dist_dir.rsplit("/", 1)[-1], name)
        record = tree.read(f"{dist_dir}/RECORD", MAX_RECORD_BYTES)
        if record is None:
            continue
        for row in csv.reader(io.StringIO(record.decode("utf-8", errors="replace"))):
            if not row or not row[0] or row[0].startswith("/") or ".." in row[0].split("/"):
                continue  # scripts and data installed outside the site directory
            relative = row[0]
            full = _join(site, relative)
            site_recorded.add(full)
            if "/" in relative:
                site_owners.setdefault(relative.split("/", 1)[0], name)
            expected = row[1] if len(row) > 1 else ""
            if not expected or full not in tree.sizes:
                continue  # RECORD itself, or a file a packaging tool removed ("slim")
            issue = _check_hash(tree, full, expected, row[2] if len(row) > 2 else "", name)
            if issue is not None:
                issues.append(issue)
    for site, site_owners in owners.items():
        site_recorded = recorded[site]
        prefix = _join(site, "")
        for member in sorted(tree.sizes):
            if not member.startswith(prefix) or member in site_recorded:
                continue
            relative = member[len(prefix) :]
            top, slash, _ = relative.partition("/")
            if not slash or top not in site_owners:
                continue  # a loose file of the site directory, or the function's own code
            if member.endswith((".pyc", ".pyo")) or "/__pycache__/" in f"/{relative}":
                continue
            issues.append(
                ArtifactIssue(
                    kind=UNRECORDED,
                    member=member,
                    package=site_owners[top],
                    detail=f"not listed in the RECORD of {site_owners[top]}",
                    location=tree.location(member),
                )
            )
    return packages, issues, set(owners)


def _check_hash(
    tree: _Tree, member: str, expected: str, size_text: str, package: str
) -> ArtifactIssue | None:
    algorithm, _, want = expected.partition("=")
    if algorithm not in hashlib.algorithms_guaranteed or not want:
        return None
    if size_text.isdigit() and int(size_text) != tree.sizes[member]:
        detail = f"size {tree.sizes[member]} bytes, RECORD of {package} says {size_text}"
    else:
        got = tree.digest(member, algorithm)
        if got is None or got == want.rstrip("="):
            return None
        detail = f"{algorithm} {got}, RECORD of {package} says {want}"
    kind = HASH_MISMATCH
    if _only_line_endings(tree, member, algorithm, want, size_text):
        kind = LINE_ENDINGS
        detail = (
            f"it differs from the RECORD of {package} only by its line ends (CRLF where the "
            "package has LF: a checkout with git's core.autocrlf?)"
        )
    return ArtifactIssue(
        kind=kind,
        member=member,
        package=package,
        detail=detail,
        location=tree.location(member),
    )


def _only_line_endings(tree: _Tree, member: str, algorithm: str, want: str, size_text: str) -> bool:
    """Whether ``member`` matches its RECORD entry once CRLF line ends are made LF."""
    content = tree.read(member, MAX_LINE_ENDING_BYTES)
    if content is None or b"\r\n" not in content:
        return False
    normalised = content.replace(b"\r\n", b"\n")
    if size_text.isdigit() and int(size_text) != len(normalised):
        return False
    digest = hashlib.new(algorithm, normalised).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii") == want.rstrip("=")


def _pth_files(tree: _Tree, site_roots: set[str]) -> Iterator[ArtifactIssue]:
    """``.pth`` files whose ``import`` lines Python executes (``site.addpackage``)."""
    roots = set(site_roots) | {"", "python"}
    for member in sorted(tree.sizes):
        if not member.endswith(".pth"):
            continue
        directory = member.rsplit("/", 1)[0] if "/" in member else ""
        if directory not in roots and not directory.endswith("/site-packages"):
            continue
        content = tree.read(member, MAX_METADATA_BYTES)
        if content is None:
            continue
        for line in content.decode("utf-8", errors="replace").splitlines():
            if line.startswith(("import ", "import\t")):
                shown = line if len(line) <= 120 else line[:117] + "..."
                yield ArtifactIssue(
                    kind=PTH_CODE,
                    member=member,
                    detail=shown,
                    location=tree.location(member),
                )
                break


# ---------------------------------------------------------------------------- npm


def _node(tree: _Tree) -> tuple[list[Dependency], list[ArtifactIssue]]:
    packages: list[Dependency] = []
    issues: list[ArtifactIssue] = []
    seen: set[tuple[str, str | None, str]] = set()
    for member in sorted(tree.sizes):
        match = _NODE_PACKAGE.match(member)
        if not match:
            continue
        root = member[: -len("/package.json")]
        content = tree.read(member, MAX_METADATA_BYTES)
        data: object = None
        if content is not None:
            try:
                data = json.loads(content.decode("utf-8-sig", errors="replace"))
            except ValueError:
                data = None
        if not isinstance(data, dict):
            continue  # not a package manifest (or unreadable): nothing to name
        name = str(data.get("name") or match.group(2))
        version = str(data["version"]) if isinstance(data.get("version"), str) else None
        requires: set[str] = set()
        for section in ("dependencies", "optionalDependencies"):
            table = data.get(section)
            if isinstance(table, dict):
                requires.update(str(k) for k in table)
        scripts = data.get("scripts")
        install = {
            k: str(v)
            for k, v in (scripts.items() if isinstance(scripts, dict) else ())
            if k in _NODE_INSTALL_SCRIPTS and isinstance(v, str)
        }
        key = (normalize_name(NPM, name), version, root)
        if key in seen:
            continue
        seen.add(key)
        packages.append(
            tree.installed(
                member,
                ecosystem=NPM,
                name=name,
                version=version,
                requires=tuple(sorted(requires)),
                install_script=bool(install),
            )
        )
        for script, command in install.items():
            issues.append(
                ArtifactIssue(
                    kind=INSTALL_SCRIPT,
                    member=member,
                    package=name,
                    detail=f"'{script}': {command[:120]}",
                    location=tree.location(member),
                )
            )
        gyp = f"{root}/binding.gyp"
        if gyp in tree.sizes:
            issues.append(
                ArtifactIssue(
                    kind=BINDING_GYP,
                    member=gyp,
                    package=name,
                    detail="npm runs node-gyp rebuild on install",
                    location=tree.location(gyp),
                )
            )
    return packages, issues


# ---------------------------------------------------------------------------- manifests


def _root_manifests(tree: _Tree) -> tuple[Manifest, ...]:
    """Manifests and lockfiles at the root of a zip, parsed from their text."""
    manifests: list[Manifest] = []
    names = sorted(m for m in tree.sizes if "/" not in m and is_dependency_file(m))
    direct: set[str] = set()
    ordered = sorted(names, key=lambda n: n not in ("package.json", "pyproject.toml"))
    for name in ordered:
        content = tree.read(name, MAX_RECORD_BYTES)
        if content is None:
            continue
        manifest = parse_text(
            name, tree.member_display(name), content.decode("utf-8-sig", errors="replace"), direct
        )
        if not manifest.is_lock:
            direct.update(d.name if d.ecosystem == NPM else d.key for d in manifest.dependencies)
        manifests.append(manifest)
    return tuple(manifests)


def _diagnostics(tree: _Tree) -> Iterator[Diagnostic]:
    counters = tree.counters
    where = Location(file=tree.display)

    def warn(message: str) -> Diagnostic:
        return Diagnostic(
            level=DiagnosticLevel.WARNING, message=message, location=where, code=ARTIFACT_CODE
        )

    if counters.unsafe:
        yield warn(
            f"{counters.unsafe} zip entr{'y' if counters.unsafe == 1 else 'ies'} with an "
            "absolute or '..' path skipped (an extractor could write them outside its target)"
        )
    if counters.oversized:
        yield warn(
            f"{counters.oversized} entr{'y' if counters.oversized == 1 else 'ies'} not read: "
            f"larger than {MAX_MEMBER_BYTES // 2**20} MiB or compressed more than "
            f"{MAX_RATIO}:1 (zip bomb guard)"
        )
    if counters.truncated:
        yield warn(f"more than {MAX_MEMBERS} files: the rest of the artifact was not audited")
    if counters.hash_budget_hit:
        yield warn(
            f"hash verification stopped after {MAX_HASH_BYTES // 2**20} MiB; "
            "later files were not checked against RECORD"
        )
    if counters.unreadable:
        shown = ", ".join(counters.unreadable[:3])
        more = len(counters.unreadable) - 3
        yield warn(f"unreadable entries: {shown}{f' and {more} more' if more > 0 else ''}")
