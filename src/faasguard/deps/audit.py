"""The dependency audit of one function: its project, shipped packages, reach and matches.

Every DEP rule asks :func:`audit_function` for the same function; the parse, import scan
and store look-ups are cached per process, so a scan audits each code directory once.
Problems that are not findings (no vulnerability data, stale data, a broken manifest) are
raised as scan notes (:func:`faasguard.rules.base.note`), once per scan.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from faasguard.context import current_config, note
from faasguard.deps.artifact import (
    BINDING_GYP,
    HASH_MISMATCH,
    INSTALL_SCRIPT,
    UNRECORDED,
    Artifact,
    has_installed_packages,
    read_artifact,
)
from faasguard.deps.matcher import PackageResult, match
from faasguard.deps.model import Dependency, Manifest
from faasguard.deps.project import Project, ecosystem_of, is_dependency_file, project_for
from faasguard.deps.reach import Imports, Reach, reachability, scan_imports
from faasguard.deps.store import Store, StoreError, StoreInfo, resolve_path
from faasguard.deps.versions import NPM, PYPI, normalize_name
from faasguard.model import (
    App,
    CodeLocation,
    Diagnostic,
    DiagnosticLevel,
    Function,
    Layer,
    Location,
)

NO_DB_CODE = "dep-no-db"
STALE_DB_CODE = "dep-stale-db"


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One body of code a function runs: its own code, or a layer it uses.

    ``project`` holds the manifests and lockfiles (for a zip: those at its root);
    ``artifact`` the packages found installed in it, when it is a zip or a directory
    holding installed packages. ``shipped`` is what it deploys: the lockfile (else the
    manifests) plus installed packages the lockfile does not account for.
    """

    label: str
    layer: str | None
    project: Project
    artifact: Artifact | None
    shipped: tuple[Dependency, ...]

    def key_prefix(self) -> str:
        """Prefix of finding keys, so the same package in code and a layer stays apart."""
        return f"layer:{self.layer}:" if self.layer else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionAudit:
    """What the dependency rules need to know about one function.

    ``project`` is the function's own project (empty when its code is not local but a
    layer's content is); ``sources`` are its own code and its layers, in that order.
    """

    function: Function
    project: Project
    shipped: tuple[Dependency, ...]
    reach: dict[tuple[str, str], Reach] = field(default_factory=dict)
    vulnerable: tuple[PackageResult, ...] = ()
    store_available: bool = False
    sources: tuple[Source, ...] = ()

    def reach_of(self, dependency: Dependency) -> Reach:
        """The reach of a shipped dependency."""
        return self.reach.get((dependency.ecosystem, dependency.key), Reach("unknown"))

    def source_of(self, dependency: Dependency) -> Source | None:
        """The source (code or layer) shipping ``dependency``."""
        for source in self.sources:
            if dependency in source.shipped:  # identity first, then equal fields
                return source
        return None

    def declaration(self, dependency: Dependency) -> Location:
        """The line the user edits for ``dependency``, in whichever source ships it."""
        source = self.source_of(dependency)
        return (source.project if source else self.project).declaration(dependency)


def runtime_ecosystem(runtime: object) -> str | None:
    """The package ecosystem of a Lambda runtime (``python3.12`` → PyPI)."""
    if isinstance(runtime, str):
        if runtime.startswith("python"):
            return PYPI
        if runtime.startswith("nodejs"):
            return NPM
    return None


def code_directory(fn: Function) -> Path | None:
    """The function's local code directory, when the model knows one that exists."""
    if fn.code.kind != "directory" or not fn.code.path:
        return None
    path = Path(fn.code.path)
    return path if path.is_dir() else None


def local_path(app: App, code: CodeLocation) -> Path | None:
    """The local zip or directory of a function's code or a layer's content, if it exists.

    Loaders give paths joined to the template's directory; a path some loader left as
    written (a raw CloudFormation ``Content: build/layer.zip``) is tried against the
    template's directory too.
    """
    if code.kind not in ("directory", "zip") or not code.path:
        return None
    candidates = [Path(code.path)]
    if not candidates[0].is_absolute() and app.root_file:
        candidates.append(Path(app.root_file).parent / code.path)
    for path in candidates:
        if path.is_file() if code.kind == "zip" else path.is_dir():
            return path
    return None


def layers_of(app: App, fn: Function) -> list[Layer]:
    """The layers declared in ``app`` that ``fn`` uses.

    A function names a layer by its ref (SAM, CloudFormation ``Ref``), by an expression
    on its address (Terraform ``aws_lambda_layer_version.x.arn``) or by an ARN whose
    layer name is the declared layer's name.
    """
    used: list[Layer] = []
    for entry in fn.layers:
        text = entry if isinstance(entry, str) else getattr(entry, "expression", "")
        for layer in app.layers:
            if layer in used:
                continue
            named = isinstance(layer.name, str) and bool(
                re.search(rf":layer:{re.escape(layer.name)}(:|$)", text)
            )
            if (
                text == layer.ref
                or re.search(rf"(?<![\w.-]){re.escape(layer.ref)}(?![\w-])", text)
                or named
            ):
                used.append(layer)
    return used


def handler_directory(fn: Function, root: Path) -> Path:
    """The directory of the handler module (``src/orders/app.handler`` → ``src/orders``)."""
    if not isinstance(fn.handler, str) or "." not in fn.handler:
        return root
    module = fn.handler.rsplit(".", 1)[0]
    if "/" not in module and runtime_ecosystem(fn.runtime) == PYPI:
        module = module.replace(".", "/")
    parent = os.path.dirname(module)
    return (root / parent) if parent else root


_IMPORTS: dict[tuple[int, str], Imports] = {}
_ARTIFACTS: dict[tuple[int, str, tuple[object, ...]], Artifact] = {}
_STORES: dict[tuple[int, str], Store | None] = {}
_INFOS: dict[tuple[int, str], StoreInfo] = {}
_MATCHES: dict[
    tuple[int, str, str, tuple[tuple[str, str, str | None], ...]], tuple[PackageResult, ...]
] = {}


def open_store(configured: str | None) -> Store | None:
    """The store of this scan, opened once per process (never shared across a fork)."""
    path = resolve_path(configured)
    key = (os.getpid(), str(path))
    if key not in _STORES:
        try:
            _STORES[key] = Store.open(path)
        except StoreError as exc:
            note(Diagnostic(level=DiagnosticLevel.WARNING, message=str(exc), code=NO_DB_CODE))
            _STORES[key] = None
    return _STORES[key]


def _check_store(store: Store | None, configured: str | None) -> None:
    if store is None:
        note(
            Diagnostic(
                level=DiagnosticLevel.INFO,
                message=(
                    f"no vulnerability data installed at {resolve_path(configured)}: known "
                    "vulnerabilities and malicious packages (DEP001, DEP002) were not checked; "
                    "import OSV data with 'faasguard db update --from FILE_OR_DIR'"
                ),
                code=NO_DB_CODE,
            )
        )
        return
    config = current_config()
    key = (os.getpid(), str(store.path))
    if key not in _INFOS:
        _INFOS[key] = store.info()
    info = _INFOS[key]
    age = info.age_days(config.today or dt.date.today())
    if age is None and info.advisories:
        # An undated store (no well-formed ``modified`` date) may be any age: say so rather
        # than letting one garbled date switch the staleness check off.
        message = (
            f"vulnerability data at {store.path} has no valid import or advisory date, so its "
            "age is unknown: refresh it with 'faasguard db update'"
        )
    elif age is not None and age > config.db_max_age_days:
        message = (
            f"vulnerability data at {store.path} was imported {age} days ago "
            f"({info.imported_at[:10] or 'date unknown'}; newest advisory "
            f"{info.newest_modified[:10]}; limit {config.db_max_age_days} days): "
            "refresh it with 'faasguard db update'"
        )
    else:
        return
    note(Diagnostic(level=DiagnosticLevel.WARNING, message=message, code=STALE_DB_CODE))


def _artifact(path: Path) -> Artifact:
    """The artifact at ``path``, read once per process and content signature."""
    try:
        stat = path.stat()
        signature: tuple[object, ...] = (stat.st_mtime_ns, stat.st_size)
        if path.is_dir():
            signature += tuple(sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(path)))
    except OSError:
        signature = ()
    key = (os.getpid(), str(path), signature)
    if key not in _ARTIFACTS:
        _ARTIFACTS[key] = read_artifact(path)
    return _ARTIFACTS[key]


def _shipped(project: Project, artifact: Artifact | None) -> tuple[Dependency, ...]:
    """Declared dependencies plus installed packages they do not account for."""
    declared = project.shipped()
    if artifact is None:
        return tuple(declared)
    known = {(d.ecosystem, d.key, d.version) for d in declared}
    installed = [d for d in artifact.packages if (d.ecosystem, d.key, d.version) not in known]
    return (*declared, *installed)


def _dev_only(manifests: list[Manifest]) -> set[tuple[str, str]]:
    """Packages the manifests mark dev-only and nowhere ask for at run time."""
    dev = {(d.ecosystem, d.key) for m in manifests for d in m.dependencies if d.dev}
    return dev - {(d.ecosystem, d.key) for m in manifests for d in m.dependencies if not d.dev}


def _deployed_part(
    artifact: Artifact, manifests: list[Manifest], ecosystem: str | None
) -> Artifact:
    """What of a code directory's installed packages is deployed with the function.

    A developer's checkout holds dev tools in ``node_modules`` (Serverless plugins, test
    runners) that packaging leaves out, and a Python function's directory may hold a
    ``node_modules`` that is not its dependency at all: those packages, and what was found
    about them, are dropped.
    """
    dev = _dev_only(manifests)

    def kept(package_ecosystem: str, name: str) -> bool:
        if ecosystem is not None and package_ecosystem != ecosystem:
            return False
        return (package_ecosystem, normalize_name(package_ecosystem, name)) not in dev

    issue_ecosystem = {INSTALL_SCRIPT: NPM, BINDING_GYP: NPM, HASH_MISMATCH: PYPI, UNRECORDED: PYPI}
    return replace(
        artifact,
        packages=tuple(d for d in artifact.packages if kept(d.ecosystem, d.name)),
        issues=tuple(
            i
            for i in artifact.issues
            if i.kind not in issue_ecosystem or kept(issue_ecosystem[i.kind], i.package)
        ),
    )


#: Directory names bundlers and compilers write to.
_BUILD_DIRS = frozenset({"dist", "build", "out", "bundle", ".build", ".webpack", ".esbuild"})
_BUILD_CONFIGS = ("webpack.config.", "rollup.config.", "esbuild.", "vite.config.", "tsconfig.json")


def _builds(directory: Path) -> bool:
    """Whether a project directory has a bundler or compiler configuration, or a build
    script in its package.json."""
    for path in directory.iterdir():
        if path.name.startswith(_BUILD_CONFIGS):
            return True
    manifest = directory / "package.json"
    try:
        return manifest.is_file() and '"build"' in manifest.read_text(encoding="utf-8")[:65536]
    except (OSError, UnicodeDecodeError):
        return False


def _build_output_project(app: App, code: CodeLocation, fn: Function) -> Path | None:
    """The project that builds ``fn``'s code when its code directory is a build output.

    ``CodeUri: ./dist`` names the bundler's output, which a repository does not hold; what
    the bundle ships is what the project's lockfile resolves. Only a missing directory with
    a build output's name (``dist``, ``build``, ...) counts, and the project is the nearest
    ancestor (up to the template's directory) with a manifest of the function's ecosystem
    and a bundler configuration or build script; the substitution is a scan note, never
    silent.
    """
    if code.kind != "directory" or not code.path or not app.root_file or fn.runtime is None:
        return None
    ecosystem = runtime_ecosystem(fn.runtime)
    top = Path(app.root_file).resolve().parent
    missing = Path(code.path)
    if not missing.is_absolute():
        missing = top / missing
    missing = missing.resolve()
    if missing.name not in _BUILD_DIRS or missing.exists() or top not in missing.parents:
        return None
    current = missing.parent
    while True:
        if (
            current.is_dir()
            and _builds(current)
            and any(
                path.is_file()
                and ecosystem_of(path.name) == ecosystem
                and is_dependency_file(path.name)
                for path in current.iterdir()
            )
        ):
            note(
                Diagnostic(
                    level=DiagnosticLevel.INFO,
                    message=(
                        f"code directory {code.path} of function {fn.ref} is not in "
                        f"the repository (a build output?): its dependencies are read from "
                        f"the project in {current}"
                    ),
                    location=Location(file=app.root_file),
                    code="dep-build-output",
                )
            )
            return current
        if current == top:
            return None
        current = current.parent


def _source(
    app: App, code: CodeLocation, label: str, layer: str | None, fn: Function | None
) -> Source | None:
    path = local_path(app, code)
    if path is None and fn is not None:
        path = _build_output_project(app, code, fn)
    if path is None:
        return None
    artifact: Artifact | None = None
    if code.kind == "zip":
        artifact = _artifact(path)
        project = Project(
            directory=artifact.path,
            manifests=artifact.manifests,
            diagnostics=tuple(d for m in artifact.manifests for d in m.diagnostics),
        )
    else:
        start = handler_directory(fn, path) if fn is not None else None
        ecosystem = runtime_ecosystem(fn.runtime) if fn else None
        project = project_for(path, start, ecosystem)
        if has_installed_packages(path):
            # the code root's own manifests say which installed packages are dev tools
            manifests = [*project.manifests, *project_for(path).manifests]
            artifact = _deployed_part(_artifact(path), manifests, ecosystem)
    return Source(
        label=label,
        layer=layer,
        project=project,
        artifact=artifact,
        shipped=_shipped(project, artifact),
    )


def function_sources(app: App, fn: Function) -> list[Source]:
    """The function's own code and its layers, those available locally."""
    sources: list[Source] = []
    own = _source(app, fn.code, "function code", None, fn)
    if own is not None:
        sources.append(own)
    for layer in layers_of(app, fn):
        # the declared name reads better than SAM's generated id (``Deps324c496a37``)
        name = layer.name if isinstance(layer.name, str) and layer.name else layer.ref
        source = _source(app, layer.content, f"layer {name}", name, None)
        if source is not None:
            sources.append(source)
    return sources


def audit_function(app: App, fn: Function, *, with_store: bool = True) -> FunctionAudit | None:
    """The audit of ``fn``, or ``None`` when neither its code nor a layer is available
    locally."""
    sources = function_sources(app, fn)
    if not sources:
        return None
    own = sources[0] if sources[0].layer is None else None
    project = own.project if own else Project(directory="")
    for source in sources:
        for diagnostic in source.project.diagnostics:
            note(diagnostic)
        for diagnostic in source.artifact.diagnostics if source.artifact else ():
            note(diagnostic)
    seen: set[tuple[str, str, str | None]] = set()
    merged: list[Dependency] = []
    for source in sources:
        for dependency in source.shipped:
            identity = (dependency.ecosystem, dependency.key, dependency.version)
            if identity not in seen:
                seen.add(identity)
                merged.append(dependency)
    shipped = tuple(merged)
    if not shipped:
        return FunctionAudit(function=fn, project=project, shipped=(), sources=tuple(sources))
    if own is not None and own.artifact is not None and own.artifact.kind == "zip":
        reach = {}  # the code is inside the zip: its imports are not scanned
    elif own is not None:
        imports_key = (os.getpid(), project.directory)
        if imports_key not in _IMPORTS:
            _IMPORTS[imports_key] = scan_imports(Path(project.directory))
        reach = reachability(shipped, _IMPORTS[imports_key])
    else:
        reach = {}
    vulnerable: tuple[PackageResult, ...] = ()
    store = None
    if with_store:
        configured = current_config().db_path
        store = open_store(configured)
        _check_store(store, configured)
        if store is not None:
            signature = tuple((d.ecosystem, d.key, d.version) for d in shipped)
            where = "|".join(s.project.directory for s in sources)
            key = (os.getpid(), str(store.path), where, signature)
            if key not in _MATCHES:
                _MATCHES[key] = tuple(match(shipped, store))
            vulnerable = _MATCHES[key]
    return FunctionAudit(
        function=fn,
        project=project,
        shipped=shipped,
        reach=reach,
        vulnerable=vulnerable,
        store_available=store is not None,
        sources=tuple(sources),
    )


def declaration(audit: FunctionAudit, dependency: Dependency) -> Location:
    """The line the user edits for ``dependency`` (manifest line for direct ones)."""
    return audit.declaration(dependency)
