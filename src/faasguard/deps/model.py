"""What the dependency audit reads: dependencies, manifests and the projects they form."""

from __future__ import annotations

from dataclasses import dataclass

from faasguard.deps.versions import normalize_name
from faasguard.model import Diagnostic, DiagnosticLevel, Location
from faasguard.secrets import redact_credentials

#: The code of the diagnostics about a dependency file that could not be read in full.
PARSE_CODE = "dep-parse"

#: Where a dependency comes from.
REGISTRY = "registry"
URL = "url"
VCS = "vcs"
PATH = "path"


@dataclass(frozen=True, slots=True, kw_only=True)
class Dependency:
    """One package a manifest or lockfile declares.

    ``version`` is the exact version when the file pins or resolves one (lockfiles,
    ``==`` pins, exact ``package.json`` versions), else ``None``; ``spec`` is the
    requirement as written (``>=1.0``, ``^4.17.0``). ``location`` is the line declaring it,
    the line a user edits. ``requires`` lists the names it depends on (lockfiles and
    installed packages). ``sdist_only`` is set when the lockfile records only a source
    archive for the pinned version (installing it runs the package's build code).
    ``artifact`` is the deployment zip or layer the package was found installed in (a
    shipped package, read from its ``dist-info`` or ``node_modules`` metadata), ``None``
    for packages read from manifests and lockfiles.
    """

    ecosystem: str
    name: str
    version: str | None = None
    spec: str = ""
    location: Location
    direct: bool = True
    dev: bool = False
    optional: bool = False
    source: str = REGISTRY
    url: str | None = None
    hashes: tuple[str, ...] = ()
    install_script: bool = False
    requires: tuple[str, ...] = ()
    sdist_only: bool = False
    artifact: str | None = None

    def __post_init__(self) -> None:
        # Credentials in a source URL (``git+https://TOKEN@github.com/...``) never enter
        # the model, so no finding, ``deps`` listing or SBOM built from it can show them.
        object.__setattr__(self, "name", redact_credentials(self.name))
        object.__setattr__(self, "spec", redact_credentials(self.spec))
        if self.url is not None:
            object.__setattr__(self, "url", redact_credentials(self.url))

    @property
    def key(self) -> str:
        """The normalised name (PEP 503 for PyPI, lower case for npm)."""
        return normalize_name(self.ecosystem, self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSetting:
    """A package-index option of a manifest (``--extra-index-url``, ``registry=``...)."""

    kind: str  # index-url | extra-index-url | trusted-host | find-links | registry
    value: str
    location: Location

    def __post_init__(self) -> None:
        # ``--extra-index-url https://user:PASS@host/simple``: the password stays out.
        object.__setattr__(self, "value", redact_credentials(self.value))


@dataclass(frozen=True, slots=True, kw_only=True)
class Script:
    """A lifecycle script of a ``package.json`` that runs at install time."""

    name: str
    command: str
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    """One parsed manifest or lockfile.

    ``kind`` names the format (``requirements``, ``pipfile-lock``, ``poetry-lock``,
    ``uv-lock``, ``pylock``, ``pyproject``, ``package-json``, ``package-lock``, ``yarn-lock``,
    ``pnpm-lock``, ``installed``). ``is_lock`` is true for files that resolve exact versions
    of the whole tree.
    """

    path: str
    kind: str
    ecosystem: str
    is_lock: bool
    dependencies: tuple[Dependency, ...] = ()
    indexes: tuple[IndexSetting, ...] = ()
    scripts: tuple[Script, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def location(self) -> Location:
        """The manifest file as a whole."""
        return Location(file=self.path, line=1)

    @property
    def file_name(self) -> str:
        """The file's name without its directory (``package-lock.json``), also for a
        Windows path."""
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    def versions_by_key(self) -> dict[str, list[str | None]]:
        """The versions the file lists for each normalised package name, in file order
        (a lockfile may hold several versions of one package)."""
        versions: dict[str, list[str | None]] = {}
        for dependency in self.dependencies:
            versions.setdefault(dependency.key, []).append(dependency.version)
        return versions


def parse_warning(path: str, message: str, line: int = 0) -> Diagnostic:
    """A warning about the dependency file ``path`` at ``line`` (0: the whole file)."""
    return Diagnostic(
        level=DiagnosticLevel.WARNING,
        message=message,
        location=Location(file=path, line=line),
        code=PARSE_CODE,
    )


def not_audited(path: str, message: str, line: int = 0) -> Diagnostic:
    """A warning that what ``message`` says keeps dependencies of ``path`` out of the audit."""
    return parse_warning(path, f"{message}; its dependencies are not audited", line)


def broken_manifest(
    path: str, kind: str, ecosystem: str, *, is_lock: bool, message: str, line: int = 0
) -> Manifest:
    """A manifest or lockfile that could not be parsed: no dependencies, one warning."""
    return Manifest(
        path=path,
        kind=kind,
        ecosystem=ecosystem,
        is_lock=is_lock,
        diagnostics=(not_audited(path, message, line),),
    )
