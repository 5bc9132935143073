"""Python manifests and lockfiles: requirements files, Pipfile.lock, poetry.lock, uv.lock,
pylock.toml and ``pyproject.toml`` dependencies.

Requirements files are parsed with ``pip-requirements-parser`` (pip's own parsing code):
``-r``/``-c`` includes, hashes, markers, extras, index options and direct URL/VCS/path
references, each with its file and line. TOML and JSON lockfiles use the standard parsers
and :mod:`faasguard.deps.lines` for line numbers.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from faasguard.deps.lines import KeyIndex, find_line, toml_names
from faasguard.deps.model import (
    PATH,
    REGISTRY,
    URL,
    VCS,
    Dependency,
    IndexSetting,
    Manifest,
    broken_manifest,
    not_audited,
    parse_warning,
)
from faasguard.deps.versions import PYPI, normalize_name
from faasguard.model import Diagnostic, Location

_NAME_IN_SPEC = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _pinned(spec: str) -> str | None:
    match = re.fullmatch(r"\s*===?\s*([^\s,;*]+)\s*", spec)
    return match.group(1) if match else None


def parse_requirements(path: str, text: str | None = None, *, root: str | None = None) -> Manifest:
    """A ``requirements*.txt`` file with everything it includes through ``-r``/``-c``.

    Includes are followed only to regular files inside ``root`` (the scanned root; default:
    the running scan's) or the file's own directory, each file once: ``-r
    /proc/self/environ``, ``-r ../../outside.txt``, a FIFO or ``/dev/stdin`` become a
    diagnostic at the including line and are never read, and a file including itself
    does not multiply. With ``text`` (a requirements file read from inside a zip), ``path``
    only names it in locations; see :func:`_requirements_text`.
    """
    if text is not None:
        return _requirements_text(path, text)
    reader = _IncludeReader(_include_roots(path, root))
    refused = reader.refusal(path)
    if refused is not None:
        return broken_manifest(
            path, "requirements", PYPI, is_lock=False, message=f"requirements file {refused}"
        )
    reader.read(path, is_constraint=False)
    return _requirements_manifest(path, reader.dependencies, reader.indexes, reader.diagnostics)


def _include_roots(path: str, root: str | None) -> tuple[str, ...]:
    """The directories includes must stay in: the scanned root (``root``, else the running
    scan's) and the file's own directory (a function's code may lie outside the scanned
    root when the loader followed the app to it)."""
    from faasguard.context import current_config  # noqa: PLC0415 - start-up speed

    chosen = root or current_config().load.root
    own = os.path.dirname(os.path.abspath(path))
    return tuple(os.path.realpath(r) for r in (chosen, own) if r)


_MAX_REQUIREMENTS_BYTES = 4 * 1024 * 1024
_MAX_REQUIREMENTS_FILES = 256
_OPTION_KEYS = {
    "index_url": "index-url",
    "extra_index_urls": "extra-index-url",
    "trusted_hosts": "trusted-host",
    "find_links": "find-links",
}


class _IncludeReader:
    """Reads a requirements file and its ``-r``/``-c`` includes, one file at a time.

    ``pip-requirements-parser`` follows includes itself, anywhere and without end (any
    path, a FIFO, a file including itself twice); here it parses single files and this
    class decides which includes are read.
    """

    def __init__(self, roots: tuple[str, ...]) -> None:
        self.roots = roots
        self.seen: set[str] = set()
        self.dependencies: list[Dependency] = []
        self.indexes: list[IndexSetting] = []
        self.diagnostics: list[Diagnostic] = []

    def refusal(self, path: str) -> str | None:
        """Why ``path`` may not be read (outside the root, not a regular file), or ``None``."""
        real = os.path.realpath(path)
        if not any(real.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots):
            return "is outside the scanned root; it is not read"
        try:
            info = os.stat(real)
        except OSError as exc:
            return f"cannot be read ({exc.strerror or 'error'}); it is not read"
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file; it is not read"
        if info.st_size > _MAX_REQUIREMENTS_BYTES:
            return "is larger than 4 MiB; it is not read"
        return None

    def _requirement(self, req: Any, path: str) -> None:
        try:
            self.dependencies.append(_dependency(req, path))
        except ValueError:  # packaging cannot hold the version (a 5,000-digit number, ...)
            line = int(req.line_number or 0)
            self.diagnostics.append(
                not_audited(path, f"the version specifier at line {line} cannot be read", line)
            )

    def read(self, path: str, *, is_constraint: bool) -> None:
        """Parse ``path`` (already checked by :meth:`refusal`) and follow its includes."""
        from pip_requirements_parser import RequirementsFile  # noqa: PLC0415 - heavy import

        self.seen.add(os.path.realpath(path))
        try:
            parsed = RequirementsFile.from_file(path, include_nested=False)
        except Exception:  # the parser raises bare exceptions on bad input
            # its message may quote the file; say only which file
            self.diagnostics.append(not_audited(path, "cannot parse requirements file"))
            return
        if not is_constraint:
            for req in parsed.requirements:
                self._requirement(req, path)
        for option in parsed.options:
            self._option(option, path)
        self.diagnostics.extend(
            # the parser's message quotes the line: it may be anything but a requirement
            not_audited(
                str(invalid.filename or path),
                "invalid requirement line",
                int(invalid.line_number or 0),
            )
            for invalid in parsed.invalid_lines
        )

    def _option(self, option: Any, path: str) -> None:
        file = str(option.filename or path)
        location = Location(file=file, line=int(option.line_number or 0))
        for key, value in option.options.items():
            values = value if isinstance(value, list) else [value]
            if key in ("requirements", "constraints"):
                for target in values:
                    self._include(str(target), file, location, key == "constraints")
            elif key in _OPTION_KEYS:
                self.indexes.extend(
                    IndexSetting(kind=_OPTION_KEYS[key], value=str(item), location=location)
                    for item in values
                )

    def _include(self, target: str, file: str, location: Location, constraint: bool) -> None:
        option = "-c" if constraint else "-r"
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) and not os.path.exists(target):
            refused: str | None = "names a URL; it is not fetched"
        else:
            included = os.path.join(os.path.dirname(file), target)
            if os.path.realpath(included) in self.seen:
                return  # each file once: an include cycle or diamond adds nothing new
            if len(self.seen) >= _MAX_REQUIREMENTS_FILES:
                refused = f"is one more than {_MAX_REQUIREMENTS_FILES} included files"
            else:
                refused = self.refusal(included)
            if refused is None:
                self.read(included, is_constraint=constraint)
                return
        self.diagnostics.append(
            parse_warning(
                location.file,
                f"included file ({option} at line {location.line}) {refused}",
                location.line,
            )
        )


def _dependency(req: Any, path: str) -> Dependency:
    """A requirement line of ``pip-requirements-parser`` as a dependency."""
    location = Location(file=str(req.filename or path), line=int(req.line_number or 0))
    link = req.link.url if req.link else None
    name = req.name
    if req.is_vcs_url:
        source = VCS
    elif link and link.startswith(("http://", "https://")):
        source = URL
    elif req.is_local_path or req.is_editable or link:
        source = PATH
    else:
        source = REGISTRY
    if not name:
        name = Path(str(link or "").split("#")[0].split("?")[0]).name or "<unnamed>"
    spec = str(req.specifier or "")
    return Dependency(
        ecosystem=PYPI,
        name=name,
        version=_pinned(spec),
        spec=spec or (link or ""),
        location=location,
        source=source,
        url=link,
        hashes=tuple(req.hash_options or ()),
    )


def _requirements_manifest(
    path: str,
    dependencies: list[Dependency],
    indexes: list[IndexSetting],
    diagnostics: list[Diagnostic],
) -> Manifest:
    """A requirements file as the audit sees it, whichever of the two readers read it
    (a file on disk, or the text of a file inside an archive)."""
    return Manifest(
        path=path,
        kind="requirements",
        ecosystem=PYPI,
        is_lock=False,
        dependencies=tuple(dependencies),
        indexes=tuple(indexes),
        diagnostics=tuple(diagnostics),
    )


_OPTION_KINDS = {
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "--trusted-host": "trusted-host",
    "-f": "find-links",
    "--find-links": "find-links",
}


def _requirements_text(path: str, text: str) -> Manifest:
    """A requirements file read from inside a zip, parsed line by line.

    ``pip-requirements-parser`` only reads files (its ``from_string`` writes a temporary
    file, and fails in the released version), and nothing of an archive is written to disk,
    so this reads the subset that matters for an installed artifact: pinned and URL
    requirements with their hashes, and index options. ``-r``/``-c`` includes are not
    followed: they name files outside the archive.
    """
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415 - loaded on first use (start-up speed)

    dependencies: list[Dependency] = []
    indexes: list[IndexSetting] = []
    diagnostics: list[Diagnostic] = []
    logical: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append((start, pending + line))
        pending = ""
    for number, line in logical:
        words = line.split()
        if not words:
            continue
        location = Location(file=path, line=number)
        option = words[0].split("=", 1)
        if option[0] in _OPTION_KINDS:
            value = option[1] if len(option) > 1 else (words[1] if len(words) > 1 else "")
            indexes.append(
                IndexSetting(kind=_OPTION_KINDS[option[0]], value=value, location=location)
            )
            continue
        if words[0].startswith("-") and words[0] not in ("-e", "--editable"):
            continue  # -r, -c and other options
        hashes = tuple(w.split("=", 1)[1] for w in words if w.startswith("--hash="))
        spec_words = [w for w in words if not w.startswith("--")]
        editable = spec_words[0] in ("-e", "--editable")
        requirement = " ".join(spec_words[1:] if editable else spec_words)
        if re.match(r"^(git|hg|svn|bzr)\+", requirement) or "://" in requirement.split("@")[0]:
            egg = re.search(r"#egg=([\w.-]+)", requirement)
            url = requirement.split()[0]
            dependencies.append(
                Dependency(
                    ecosystem=PYPI,
                    name=egg.group(1) if egg else url.rsplit("/", 1)[-1].split("#")[0],
                    spec=url,
                    location=location,
                    source=VCS if "+" in url.split("://")[0] else URL,
                    url=url,
                    hashes=hashes,
                )
            )
            continue
        try:
            req = Requirement(requirement)
        except InvalidRequirement as exc:
            diagnostics.append(
                not_audited(path, f"invalid requirement line: {str(exc).splitlines()[0]}", number)
            )
            continue
        spec = str(req.specifier)
        source = REGISTRY
        if req.url:
            source = VCS if re.match(r"^(git|hg|svn|bzr)\+", req.url) else URL
        dependencies.append(
            Dependency(
                ecosystem=PYPI,
                name=req.name,
                version=_pinned(spec),
                spec=spec or (req.url or ""),
                location=location,
                source=PATH if editable and source == REGISTRY else source,
                url=req.url,
                hashes=hashes,
            )
        )
    return _requirements_manifest(path, dependencies, indexes, diagnostics)


def parse_pipfile_lock(path: str, text: str) -> Manifest:
    """A ``Pipfile.lock``: ``default`` is shipped, ``develop`` is dev-only."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("top level is not an object")
    except ValueError as exc:
        return _broken(path, "pipfile-lock", f"invalid Pipfile.lock JSON ({exc})")
    keys = KeyIndex(text)
    dependencies: list[Dependency] = []
    indexes: list[IndexSetting] = []
    meta = data.get("_meta")
    sources = meta.get("sources") if isinstance(meta, dict) else None
    for source in sources if isinstance(sources, list) else ():
        if isinstance(source, dict) and isinstance(source.get("url"), str):
            indexes.append(
                IndexSetting(
                    kind="index-url",
                    value=source["url"],
                    location=Location(file=path, line=keys.find("url")),
                )
            )
    for section, dev in (("default", False), ("develop", True)):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        section_line = keys.find(section)
        for name, entry in entries.items():
            if not isinstance(entry, dict):
                continue
            spec = str(entry.get("version", ""))
            source = REGISTRY
            url = None
            if "git" in entry:
                source, url = VCS, str(entry["git"])
            elif "path" in entry or "file" in entry:
                source, url = PATH, str(entry.get("path") or entry.get("file"))
            dependencies.append(
                Dependency(
                    ecosystem=PYPI,
                    name=name,
                    version=_pinned(spec),
                    spec=spec,
                    location=Location(file=path, line=keys.find(name, section_line)),
                    direct=False,
                    dev=dev,
                    source=source,
                    url=url,
                    hashes=tuple(str(h) for h in entry.get("hashes") or ()),
                )
            )
    return Manifest(
        path=path,
        kind="pipfile-lock",
        ecosystem=PYPI,
        is_lock=True,
        dependencies=tuple(dependencies),
        indexes=tuple(indexes),
    )


def _load_toml(path: str, text: str, kind: str) -> dict[str, Any] | Manifest:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = exc.lineno if hasattr(exc, "lineno") else 0
        return _broken(path, kind, f"invalid TOML ({exc})", line)


def _broken(path: str, kind: str, message: str, line: int = 0) -> Manifest:
    return broken_manifest(
        path, kind, PYPI, is_lock=kind != "pyproject", message=message, line=line
    )


def parse_toml_lock(path: str, text: str, kind: str, direct_names: set[str]) -> Manifest:  # noqa: C901 - over the limit before it came in; may only shrink
    """``poetry.lock``, ``uv.lock`` or ``pylock.toml`` (PEP 751).

    ``direct_names`` are the normalised names the project's ``pyproject.toml`` asks for, to
    tell direct from transitive dependencies (empty: unknown, everything counts as direct).
    """
    data = _load_toml(path, text, kind)
    if isinstance(data, Manifest):
        return data
    packages = data.get("packages" if kind == "pylock" else "package")
    if not isinstance(packages, list):
        return Manifest(path=path, kind=kind, ecosystem=PYPI, is_lock=True)
    names = toml_names(text)
    metadata = data.get("metadata")
    legacy_files = metadata.get("files") if isinstance(metadata, dict) else None
    last_line: dict[str, int] = {}
    dependencies: list[Dependency] = []
    for entry in packages:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        name = entry["name"]
        line = names.find(name, last_line.get(name, 0))
        last_line[name] = line
        source = REGISTRY
        url: str | None = None
        raw_source = entry.get("source")
        if isinstance(raw_source, dict):
            if raw_source.get("type") == "git" or "git" in raw_source:
                source, url = VCS, str(raw_source.get("url") or raw_source.get("git"))
            elif raw_source.get("type") in ("directory", "file") or {
                "editable",
                "directory",
                "path",
                "virtual",
            } & set(raw_source):
                source = PATH
            elif raw_source.get("type") == "url" or "url" in raw_source:
                source, url = URL, str(raw_source.get("url"))
            elif isinstance(raw_source.get("registry"), str):
                url = raw_source["registry"]
        if kind == "pylock" and "vcs" in entry:
            source = VCS
        hashes: list[str] = []
        for file_entry in entry.get("files") or entry.get("wheels") or ():
            if isinstance(file_entry, dict):
                digest = file_entry.get("hash") or file_entry.get("hashes")
                if isinstance(digest, str):
                    hashes.append(digest)
                elif isinstance(digest, dict):
                    hashes.extend(f"{k}:{v}" for k, v in digest.items())
        sdist = entry.get("sdist")
        if isinstance(sdist, dict) and isinstance(sdist.get("hash"), str):
            hashes.append(sdist["hash"])
        requires: list[str] = []
        deps = entry.get("dependencies")
        if isinstance(deps, dict):
            requires = list(deps)
        elif isinstance(deps, list):
            requires = [str(d.get("name")) for d in deps if isinstance(d, dict)]
        key = normalize_name(PYPI, name)
        direct = not direct_names or key in direct_names
        legacy = legacy_files.get(name) if isinstance(legacy_files, dict) else None
        if (
            source == PATH
            and kind == "uv-lock"
            and isinstance(raw_source, dict)
            and ("editable" in raw_source or "virtual" in raw_source)
        ):
            continue  # the project itself
        dependencies.append(
            Dependency(
                ecosystem=PYPI,
                name=name,
                version=str(entry["version"]) if entry.get("version") is not None else None,
                spec=str(entry.get("version", "")),
                location=Location(file=path, line=line),
                direct=direct,
                dev=entry.get("category") == "dev",
                source=source,
                url=url,
                hashes=tuple(hashes),
                requires=tuple(requires),
                sdist_only=_sdist_only(entry, legacy),
            )
        )
    return Manifest(
        path=path, kind=kind, ecosystem=PYPI, is_lock=True, dependencies=tuple(dependencies)
    )


_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz")


def _sdist_only(entry: dict[str, Any], legacy_files: object) -> bool:
    """Whether a lockfile entry records only source archives (no wheel) for its version.

    Poetry lists file names (``files``, or ``[metadata.files]`` in lockfiles before 1.1);
    uv and PEP 751 keep ``sdist`` apart from ``wheels``. Entries recording no file at all
    (VCS, path, or a lockfile written without file lists) are not judged.
    """
    files = entry.get("files")
    if not isinstance(files, list):
        files = legacy_files if isinstance(legacy_files, list) else None
    if files is not None:
        names = [
            str(f.get("file") or f.get("name") or "")
            for f in files
            if isinstance(f, dict) and (f.get("file") or f.get("name"))
        ]
        return bool(names) and not any(n.endswith(".whl") for n in names)
    sdist = entry.get("sdist")
    return isinstance(sdist, dict) and not entry.get("wheels")


def parse_pyproject(path: str, text: str) -> Manifest:  # noqa: C901 - over the limit before it came in; may only shrink
    """``[project].dependencies`` (PEP 621) and ``[tool.poetry.dependencies]``.

    Optional dependencies, dependency groups and Poetry's dev groups are marked dev-only:
    they are not what ``pip install .`` puts into a deployment package.
    """
    data = _load_toml(path, text, "pyproject")
    if isinstance(data, Manifest):
        return data
    lines = text.splitlines()
    dependencies: list[Dependency] = []
    project = data.get("project")
    if isinstance(project, dict):
        start = find_line(lines, "dependencies")
        for item in project.get("dependencies") or ():
            if isinstance(item, str):
                dependencies.append(_pep508(path, item, lines, start, dev=False))
        optional = project.get("optional-dependencies")
        for group in optional.values() if isinstance(optional, dict) else ():
            for item in group if isinstance(group, list) else ():
                if isinstance(item, str):
                    dependencies.append(_pep508(path, item, lines, 0, dev=True))
    groups = data.get("dependency-groups")
    for group in groups.values() if isinstance(groups, dict) else ():
        for item in group if isinstance(group, list) else ():
            if isinstance(item, str):
                dependencies.append(_pep508(path, item, lines, 0, dev=True))
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict):
        sections: list[tuple[str, Any, bool]] = [
            ("tool.poetry.dependencies", poetry.get("dependencies"), False),
            ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies"), True),
        ]
        poetry_groups = poetry.get("group")
        for group_name, group in poetry_groups.items() if isinstance(poetry_groups, dict) else ():
            if isinstance(group, dict):
                sections.append(
                    (
                        f"tool.poetry.group.{group_name}.dependencies",
                        group.get("dependencies"),
                        True,
                    )
                )
        for header, table, dev in sections:
            if not isinstance(table, dict):
                continue
            start = find_line(lines, f"[{header}]")
            for name, value in table.items():
                if normalize_name(PYPI, name) == "python":
                    continue
                spec = value if isinstance(value, str) else ""
                source = REGISTRY
                url = None
                if isinstance(value, dict):
                    spec = str(value.get("version", ""))
                    if "git" in value:
                        source, url = VCS, str(value["git"])
                    elif "path" in value:
                        source, url = PATH, str(value["path"])
                    elif "url" in value:
                        source, url = URL, str(value["url"])
                line = find_line(lines, name, max(start - 1, 0))
                dependencies.append(
                    Dependency(
                        ecosystem=PYPI,
                        name=name,
                        version=_pinned(spec),
                        spec=spec,
                        location=Location(file=path, line=line),
                        dev=dev,
                        source=source,
                        url=url,
                    )
                )
    return Manifest(
        path=path,
        kind="pyproject",
        ecosystem=PYPI,
        is_lock=False,
        dependencies=tuple(dependencies),
    )


def _pep508(path: str, text: str, lines: list[str], start: int, *, dev: bool) -> Dependency:
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415 - loaded on first use (start-up speed)

    line = find_line(lines, text, max(start - 1, 0)) or find_line(lines, text)
    try:
        req = Requirement(text)
    except InvalidRequirement:
        match = _NAME_IN_SPEC.match(text)
        return Dependency(
            ecosystem=PYPI,
            name=match.group(1) if match else text,
            spec=text,
            location=Location(file=path, line=line),
            dev=dev,
        )
    spec = str(req.specifier)
    return Dependency(
        ecosystem=PYPI,
        name=req.name,
        version=_pinned(spec),
        spec=spec or (req.url or ""),
        location=Location(file=path, line=line),
        dev=dev,
        source=(VCS if req.url and req.url.startswith("git+") else URL) if req.url else REGISTRY,
        url=req.url,
    )


def pyproject_direct_names(path: Path) -> set[str]:
    """Normalised names of the non-dev dependencies a ``pyproject.toml`` declares."""
    try:
        manifest = parse_pyproject(str(path), path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return set()
    return {d.key for d in manifest.dependencies}
