"""The dependency audit of one function: its project, shipped packages, reach and matches.

Every DEP rule asks :func:`audit_function` for the same function; the parse, import scan
and store look-ups are cached per process, so a scan audits each code directory once.
Problems that are not findings (no vulnerability data, stale data, a broken manifest) are
raised as scan notes (:func:`faasguard.rules.base.note`), once per scan.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from faasguard.deps.matcher import PackageResult, match
from faasguard.deps.model import Dependency
from faasguard.deps.project import Project, project_for
from faasguard.deps.reach import Imports, Reach, reachability, scan_imports
from faasguard.deps.store import Store, StoreError, StoreInfo, resolve_path
from faasguard.deps.versions import NPM, PYPI
from faasguard.model import App, Diagnostic, DiagnosticLevel, Function, Location

NO_DB_CODE = "dep-no-db"
STALE_DB_CODE = "dep-stale-db"


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionAudit:
    """What the dependency rules need to know about one function."""

    function: Function
    project: Project
    shipped: tuple[Dependency, ...]
    reach: dict[tuple[str, str], Reach] = field(default_factory=dict)
    vulnerable: tuple[PackageResult, ...] = ()
    store_available: bool = False

    def reach_of(self, dependency: Dependency) -> Reach:
        """The reach of a shipped dependency."""
        return self.reach.get((dependency.ecosystem, dependency.key), Reach("unknown"))


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
        from faasguard.rules.base import note  # noqa: PLC0415

        try:
            _STORES[key] = Store.open(path)
        except StoreError as exc:
            note(Diagnostic(level=DiagnosticLevel.WARNING, message=str(exc), code=NO_DB_CODE))
            _STORES[key] = None
    return _STORES[key]


def _check_store(store: Store | None, configured: str | None) -> None:
    from faasguard.rules.base import current_config, note  # noqa: PLC0415

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
    if age is not None and age > config.db_max_age_days:
        note(
            Diagnostic(
                level=DiagnosticLevel.WARNING,
                message=(
                    f"vulnerability data at {store.path} is {age} days old (newest advisory "
                    f"{info.newest_modified[:10]}; limit {config.db_max_age_days} days): "
                    "refresh it with 'faasguard db update'"
                ),
                code=STALE_DB_CODE,
            )
        )


def audit_function(app: App, fn: Function, *, with_store: bool = True) -> FunctionAudit | None:
    """The audit of ``fn``, or ``None`` when its code is not available locally."""
    from faasguard.rules.base import current_config, note  # noqa: PLC0415

    root = code_directory(fn)
    if root is None:
        return None
    project = project_for(root, handler_directory(fn, root), runtime_ecosystem(fn.runtime))
    for diagnostic in project.diagnostics:
        note(diagnostic)
    shipped = tuple(project.shipped())
    if not shipped:
        return FunctionAudit(function=fn, project=project, shipped=())
    imports_key = (os.getpid(), project.directory)
    if imports_key not in _IMPORTS:
        _IMPORTS[imports_key] = scan_imports(Path(project.directory))
    reach = reachability(shipped, _IMPORTS[imports_key])
    vulnerable: tuple[PackageResult, ...] = ()
    store = None
    if with_store:
        configured = current_config().db_path
        store = open_store(configured)
        _check_store(store, configured)
        if store is not None:
            signature = tuple((d.ecosystem, d.key, d.version) for d in shipped)
            key = (os.getpid(), str(store.path), project.directory, signature)
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
    )


def declaration(audit: FunctionAudit, dependency: Dependency) -> Location:
    """The line the user edits for ``dependency`` (manifest line for direct ones)."""
    return audit.project.declaration(dependency)
