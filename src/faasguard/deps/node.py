"""Node.js manifests and lockfiles: package.json, package-lock.json (v1-v3), yarn.lock (v1
and berry) and pnpm-lock.yaml.

``yarn.lock`` is read by a small line parser: v1 is yarn's own format (not YAML) and no
maintained Python parser exists; berry files are YAML with the same two-level shape, so
one parser reads both. Keys starting with ``//`` are npm's documented comment convention in
``package.json`` and are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from faasguard.deps.lines import KeyIndex
from faasguard.deps.model import (
    PATH,
    REGISTRY,
    URL,
    VCS,
    Dependency,
    Manifest,
    Script,
    broken_manifest,
    parse_warning,
)
from faasguard.deps.versions import MAX_VERSION_LENGTH, NPM, npm_exact
from faasguard.model import Diagnostic, Location

#: Lifecycle scripts npm runs on ``npm install`` of a package.
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")

_SECTIONS = (
    ("dependencies", False, False),
    ("optionalDependencies", False, True),
    ("devDependencies", True, False),
)


def _broken(path: str, kind: str, message: str, line: int = 0) -> Manifest:
    return broken_manifest(
        path, kind, NPM, is_lock=kind != "package-json", message=message, line=line
    )


def _load_json(path: str, text: str, kind: str) -> dict[str, Any] | Manifest:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _broken(path, kind, f"invalid JSON: {exc.msg}", exc.lineno)
    except RecursionError:
        return _broken(path, kind, "JSON nested too deeply to read")
    if not isinstance(data, dict):
        return _broken(path, kind, "top level is not a JSON object", 1)
    return data


def spec_source(spec: str) -> str:
    """Where a ``package.json`` dependency spec fetches from."""
    text = spec.strip()
    if re.match(r"^(git\+|git:|github:|gitlab:|bitbucket:|gist:)", text) or re.match(
        r"^[\w.-]+/[\w.-]+(#.*)?$", text
    ):
        return VCS
    if text.startswith(("http://", "https://")):
        return URL
    if text.startswith(("file:", "link:", "./", "../", "/", "~/")):
        return PATH
    return REGISTRY


def parse_package_json(path: str, text: str) -> Manifest:
    """Direct dependencies (dev ones marked) and install-time lifecycle scripts."""
    data = _load_json(path, text, "package-json")
    if isinstance(data, Manifest):
        return data
    keys = KeyIndex(text)
    dependencies: list[Dependency] = []
    for section, dev, optional in _SECTIONS:
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        start = keys.find(section)
        for name, spec in table.items():
            if name.startswith("//") or not isinstance(spec, str):
                continue
            source = spec_source(spec)
            alias = re.match(r"^npm:(@?[^@]+)@(.*)$", spec)
            dependencies.append(
                Dependency(
                    ecosystem=NPM,
                    name=alias.group(1) if alias else name,
                    version=npm_exact(alias.group(2) if alias else spec)
                    if source == REGISTRY
                    else None,
                    spec=spec,
                    location=Location(file=path, line=keys.find(name, start)),
                    dev=dev,
                    optional=optional,
                    source=source,
                    url=spec if source != REGISTRY else None,
                )
            )
    scripts: list[Script] = []
    table = data.get("scripts")
    if isinstance(table, dict):
        start = keys.find("scripts")
        for name in INSTALL_SCRIPTS:
            command = table.get(name)
            if isinstance(command, str):
                scripts.append(
                    Script(
                        name=name,
                        command=command,
                        location=Location(file=path, line=keys.find(name, start)),
                    )
                )
    return Manifest(
        path=path,
        kind="package-json",
        ecosystem=NPM,
        is_lock=False,
        dependencies=tuple(dependencies),
        scripts=tuple(scripts),
    )


def _string(value: object) -> str:
    """A lockfile field that must be a string; anything else counts as absent."""
    return value if isinstance(value, str) else ""


def _required_names(value: object) -> tuple[str, ...]:
    """Names of a ``dependencies``/``requires`` table (a mapping; a list of names in v1)."""
    if isinstance(value, dict | list):
        return tuple(name for name in value if isinstance(name, str))
    return ()


def _lock_version(path: str, name: str, value: object, line: int) -> tuple[str, Diagnostic | None]:
    """The ``version`` of a lockfile entry, and a warning when it cannot be one."""
    version = _string(value)
    if len(version) > MAX_VERSION_LENGTH or (value is not None and not isinstance(value, str)):
        shown = f"{len(version)} characters" if version else type(value).__name__
        return "", parse_warning(
            path, f"the version of {name} ({shown}) is not a version; it is not matched", line
        )
    return version, None


def _lock_source(resolved: object, version: str) -> tuple[str, str | None]:
    if isinstance(resolved, str) and resolved:
        if resolved.startswith(("git+", "git:", "github:")):
            return VCS, resolved
        if resolved.startswith("file:"):
            return PATH, resolved
        return (REGISTRY if resolved.startswith(("http://", "https://")) else URL), resolved
    if version.startswith(("file:", "link:")):
        return PATH, version
    if version.startswith(("git+", "github:")):
        return VCS, version
    return REGISTRY, None


def parse_package_lock(path: str, text: str) -> Manifest:
    """``package-lock.json`` / ``npm-shrinkwrap.json``, lockfile versions 1 to 3."""
    data = _load_json(path, text, "package-lock")
    if isinstance(data, Manifest):
        return data
    keys = KeyIndex(text)
    packages = data.get("packages")
    dependencies: list[Dependency] = []
    diagnostics: list[Diagnostic] = []
    if isinstance(packages, dict):
        root = packages.get("")
        direct: set[str] = set()
        if isinstance(root, dict):
            for section, _dev, _optional in _SECTIONS:
                table = root.get(section)
                if isinstance(table, dict):
                    direct.update(table)
        packages_line = keys.find("packages")
        for key, entry in packages.items():
            if not key or not isinstance(entry, dict) or "node_modules/" not in key:
                continue
            name = _string(entry.get("name")) or key.rsplit("node_modules/", 1)[1]
            if entry.get("link"):
                continue  # a symlink to a workspace package, listed again under its path
            line = keys.find(key, packages_line)
            version, problem = _lock_version(path, name, entry.get("version"), line)
            if problem:
                diagnostics.append(problem)
            source, url = _lock_source(entry.get("resolved"), version)
            integrity = _string(entry.get("integrity"))
            dependencies.append(
                Dependency(
                    ecosystem=NPM,
                    name=name,
                    version=version or None,
                    spec=version,
                    location=Location(file=path, line=line),
                    direct=key == f"node_modules/{name}" and name in direct,
                    dev=bool(entry.get("dev")) or bool(entry.get("devOptional")),
                    optional=bool(entry.get("optional")),
                    source=source,
                    url=url,
                    hashes=(integrity,) if integrity else (),
                    install_script=bool(entry.get("hasInstallScript")),
                    requires=_required_names(entry.get("dependencies")),
                )
            )
    elif isinstance(data.get("dependencies"), dict):
        _walk_v1(path, keys, data["dependencies"], dependencies, diagnostics)
    return Manifest(
        path=path,
        kind="package-lock",
        ecosystem=NPM,
        is_lock=True,
        dependencies=tuple(dependencies),
        diagnostics=tuple(diagnostics),
    )


def _walk_v1(
    path: str,
    keys: KeyIndex,
    table: dict[str, Any],
    out: list[Dependency],
    diagnostics: list[Diagnostic],
) -> None:
    """Lockfile v1's nested ``dependencies`` tables, depth first, without recursion."""
    # A stack of (entries still to visit, where their lines start): deep nesting in a
    # hostile lockfile must not hit Python's recursion limit.
    stack: list[tuple[Iterator[tuple[str, Any]], int]] = [(iter(table.items()), 0)]
    while stack:
        entries, after = stack[-1]
        item = next(entries, None)
        if item is None:
            stack.pop()
            continue
        name, entry = item
        if not isinstance(entry, dict):
            continue
        line = keys.find(name, after)
        version, problem = _lock_version(path, name, entry.get("version"), line)
        if problem:
            diagnostics.append(problem)
        source, url = _lock_source(entry.get("resolved"), version)
        integrity = _string(entry.get("integrity"))
        requires = entry.get("requires")
        out.append(
            Dependency(
                ecosystem=NPM,
                name=name,
                version=version if source == REGISTRY and version else None,
                spec=version,
                location=Location(file=path, line=line),
                direct=len(stack) == 1,
                dev=bool(entry.get("dev")),
                optional=bool(entry.get("optional")),
                source=source,
                url=url,
                hashes=(integrity,) if integrity else (),
                requires=_required_names(requires) if isinstance(requires, dict) else (),
            )
        )
        nested = entry.get("dependencies")
        if isinstance(nested, dict):
            # start after the entry's own "dependencies" key: "requires" names the same
            # packages on earlier lines
            stack.append((iter(nested.items()), keys.find("dependencies", line)))


_YARN_PROP = re.compile(r'^\s{2}("?[\w-]+"?):?\s+"?([^"]*)"?\s*$')


def parse_yarn_lock(path: str, text: str, direct_names: set[str]) -> Manifest:
    """``yarn.lock`` v1 (yarn's own format) or berry (YAML with the same shape)."""
    berry = "__metadata:" in text
    dependencies: list[Dependency] = []
    diagnostics: list[Diagnostic] = []
    entry: dict[str, str] = {}
    entry_names: list[str] = []
    entry_line = 0
    requires: list[str] = []
    section = ""

    def finish() -> None:
        if not entry_names or entry_names[0] == "__metadata" or "@workspace:" in entry_line_text:
            return  # metadata, or the project itself in a berry lockfile
        name = entry_names[0]
        version = entry.get("version", "")
        resolved = entry.get("resolved") or entry.get("resolution")
        source, url = _lock_source(resolved if resolved and "://" in resolved else None, version)
        spec_text = entry_line_text.split(",")[0]
        if "@git" in spec_text or "@github:" in spec_text or "#commit=" in (resolved or ""):
            source = VCS
        elif "@file:" in spec_text or "@link:" in spec_text or "@portal:" in spec_text:
            source = PATH
        integrity = entry.get("integrity") or entry.get("checksum")
        dependencies.append(
            Dependency(
                ecosystem=NPM,
                name=name,
                version=version or None,
                spec=version,
                location=Location(file=path, line=entry_line),
                direct=not direct_names or name in direct_names,
                source=source,
                url=url,
                hashes=(integrity,) if integrity else (),
                requires=tuple(requires),
            )
        )

    entry_line_text = ""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        # yarn itself only knows whole-line comments; a trailing one (review notes, test
        # annotations) is dropped rather than parsed as part of a selector.
        raw = re.sub(r"\s+#.*$", "", line) if not line.startswith(" ") else line
        if not raw.startswith(" "):
            finish()
            entry, requires, section = {}, [], ""
            entry_line, entry_line_text = number, raw.rstrip(":").strip()
            entry_names = []
            for part in entry_line_text.split(","):
                selector = part.strip().strip('"')
                at = selector.find("@", 1)
                entry_names.append(selector[:at] if at > 0 else selector)
            if not raw.rstrip().endswith(":"):
                diagnostics.append(
                    parse_warning(
                        path,
                        "unexpected line in yarn.lock (an entry header must end in ':')",
                        number,
                    )
                )
                entry_names = []
            continue
        if raw.startswith("    "):
            if section in ("dependencies", "optionalDependencies"):
                requires.append(raw.strip().split(" ")[0].strip('":'))
            continue
        match = _YARN_PROP.match(raw)
        if match:
            key = match.group(1).strip('"')
            entry[key] = match.group(2).strip()
            section = ""
        else:
            section = raw.strip().rstrip(":")
    finish()
    return Manifest(
        path=path,
        kind="yarn-lock",
        ecosystem=NPM,
        is_lock=True,
        dependencies=tuple(d for d in dependencies if not berry or d.version),
        diagnostics=tuple(diagnostics),
    )


_PNPM_KEY = re.compile(r"^/?((?:@[^/@]+/)?[^/@(]+)[/@]([^/(_:]+)")


def parse_pnpm_lock(path: str, text: str) -> Manifest:
    """``pnpm-lock.yaml`` versions 5 to 9."""
    import yaml  # noqa: PLC0415 - loaded on first use (start-up speed)

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return _broken(path, "pnpm-lock", f"invalid YAML ({exc})", mark.line + 1 if mark else 0)
    if not isinstance(data, dict):
        return _broken(path, "pnpm-lock", "top level is not a mapping", 1)
    lines = text.splitlines()
    line_of = {
        raw.strip().rstrip(":").strip("'\""): number
        for number, raw in enumerate(lines, 1)
        if raw.startswith("  ") and not raw.startswith("   ") and raw.rstrip().endswith(":")
    }
    direct: set[str] = set()
    dev_direct: set[str] = set()
    importers = data.get("importers") or {".": data}
    for importer in importers.values() if isinstance(importers, dict) else ():
        if not isinstance(importer, dict):
            continue
        for section in ("dependencies", "optionalDependencies", "devDependencies"):
            table = importer.get(section)
            if isinstance(table, dict):
                (dev_direct if section == "devDependencies" else direct).update(table)
    packages = data.get("packages")
    dependencies: list[Dependency] = []
    for key, entry in packages.items() if isinstance(packages, dict) else ():
        match = _PNPM_KEY.match(str(key))
        if not match or not isinstance(entry, dict):
            continue
        name, version = match.group(1), match.group(2)
        resolution = entry.get("resolution")
        integrity = resolution.get("integrity") if isinstance(resolution, dict) else None
        tarball = resolution.get("tarball") if isinstance(resolution, dict) else None
        source, url = _lock_source(tarball, version)
        if isinstance(resolution, dict) and ("repo" in resolution or "commit" in resolution):
            source = VCS
        dependencies.append(
            Dependency(
                ecosystem=NPM,
                name=name,
                version=version,
                spec=version,
                location=Location(file=path, line=line_of.get(str(key), 0)),
                direct=name in direct or name in dev_direct,
                dev=bool(entry.get("dev")) or (name in dev_direct and name not in direct),
                source=source,
                url=url,
                hashes=(str(integrity),) if integrity else (),
                install_script=bool(entry.get("requiresBuild")),
                requires=_required_names(entry.get("dependencies")),
            )
        )
    return Manifest(
        path=path,
        kind="pnpm-lock",
        ecosystem=NPM,
        is_lock=True,
        dependencies=tuple(dependencies),
    )
