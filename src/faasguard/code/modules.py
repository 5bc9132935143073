"""Where a function's code is: its code directory, its handler file, and the files its
imports and requires name inside that directory.

Lambda resolves a handler string relative to the root of the deployment package: Python
``pkg.mod.handler`` (or ``src/orders/app.handler`` as the Serverless Framework writes it)
is the function ``handler`` of ``pkg/mod.py``; Node.js ``src/index.handler`` is the export
``handler`` of ``src/index.js`` (or ``.mjs``, ``.cjs``, and ``.ts`` before compilation).

Python absolute imports are looked up in the code directory (Lambda puts the package root
on ``sys.path``) and in the handler's own directory (where a handler written as a script
finds its neighbours); relative imports from the importing file's package. Node.js
relative requires and imports (``./x``, ``../lib/y``) are resolved like Node does: the
file, the file with an extension, then ``index.*`` and a ``package.json`` ``main`` in the
directory. Everything that would leave the code directory, or a bare package name
(``aws-sdk``, ``boto3``), is not a file of the function and returns ``None``.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from faasguard.memo import memo
from faasguard.model import App, Function

PY_SUFFIXES = (".py",)
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")


@dataclass(frozen=True, slots=True)
class Entry:
    """A function's handler: the code directory, the file and the exported name."""

    root: Path
    file: Path
    export: str
    language: str  # "python" or "javascript"


@dataclass(frozen=True, slots=True)
class EntryProblem:
    """Why the handler file could not be found (a message ready for the user)."""

    message: str


def language_of(function: Function) -> str | None:
    """``python``, ``javascript`` or ``None`` (other or unknown runtime)."""
    runtime = function.runtime if isinstance(function.runtime, str) else ""
    if runtime.startswith("python"):
        return "python"
    if runtime.startswith("nodejs"):
        return "javascript"
    if function.runtime is None or not isinstance(function.runtime, str):
        return function.language
    return None


def code_root(function: Function, app: App | None = None) -> Path | None:
    """The function's code directory on disk, or ``None`` when it has none (image, S3,
    inline, a zip file) or it does not exist."""
    code = function.code
    if code.kind != "directory" or not code.path:
        return None
    path = Path(code.path)
    if path.is_dir():
        return path
    # A relative path written relative to the app's directory and joined to it twice
    # (``terraform/`` + ``terraform/../src``) — tolerate it rather than miss the code.
    if app is not None and not path.is_absolute():
        base = Path(app.root_file).parent
        try:
            shortened = Path(os.path.normpath(path.relative_to(base)))
        except ValueError:
            return None
        if shortened.is_dir():
            return shortened
    return None


def find_entry(function: Function, app: App | None = None) -> Entry | EntryProblem:
    """The handler file of ``function``, or why it cannot be found.

    Memoised per app during a scan (every CODE and PERM rule asks for the same entries).
    """
    cache = memo()
    key = ("find_entry", id(function), id(app))
    found = cache.get(key)
    if isinstance(found, Entry | EntryProblem):
        return found
    result = _find_entry(function, app)
    cache[key] = result
    return result


def _find_entry(function: Function, app: App | None) -> Entry | EntryProblem:
    language = language_of(function)
    if language is None:
        runtime = function.runtime if isinstance(function.runtime, str) else "unknown"
        return EntryProblem(f"runtime {runtime} is not analysed (Python and Node.js are)")
    root = code_root(function, app)
    if root is None:
        kind = function.code.kind
        where = f" ({function.code.path})" if function.code.path else ""
        return EntryProblem(f"the function's code is not a local directory (code: {kind}{where})")
    handler = function.web_app or function.source_handler or function.handler
    if not isinstance(handler, str) or "." not in handler:
        return EntryProblem(f"handler {handler!s} is not statically known or malformed")
    module, _, export = handler.rpartition(".")
    if language == "python":
        relative = module if "/" in module else module.replace(".", "/")
        candidates = [root / f"{relative}.py", root / relative / "__init__.py"]
    else:
        candidates = [root / f"{module}{suffix}" for suffix in JS_SUFFIXES]
    for candidate in candidates:
        if candidate.is_file() and _inside(candidate, root):
            return Entry(root=root, file=candidate, export=export, language=language)
    return EntryProblem(f"handler file for {handler} not found in {root}")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def resolve_python_import(
    root: Path, importer: Path, module: str | None, level: int, name: str | None = None
) -> Path | None:
    """The file a Python import names inside ``root``, or ``None`` (third party, stdlib,
    missing). ``module``/``level`` are those of ``from <level dots><module> import name``
    (``name`` set: only a submodule called ``name``; call again without it for the
    module that defines ``name``)."""
    if level:
        base = importer.parent
        for _ in range(level - 1):
            base = base.parent
        bases = [base]
    else:
        bases = [root, importer.parent] if importer.parent != root else [root]
    parts = [p for p in (module or "").split(".") if p]
    for base in bases:
        target = base.joinpath(*parts) if parts else base
        if name is not None:
            for candidate in (target / f"{name}.py", target / name / "__init__.py"):
                if candidate.is_file() and _inside(candidate, root):
                    return candidate
            continue
        if not parts:
            candidate = target / "__init__.py"
            if candidate.is_file() and _inside(candidate, root):
                return candidate
            continue
        for candidate in (target.with_suffix(".py"), target / "__init__.py"):
            if candidate.is_file() and _inside(candidate, root):
                return candidate
    return None


def resolve_js_module(root: Path, importer: Path, specifier: str) -> Path | None:
    """The file a relative ``require``/``import`` names inside ``root``, or ``None`` (a
    package such as ``aws-sdk``, or a path outside the code directory)."""
    if not specifier.startswith((".", "/")):
        return None
    target = (importer.parent / specifier) if not specifier.startswith("/") else Path(specifier)
    candidates = [target, *(target.with_name(target.name + s) for s in JS_SUFFIXES)]
    if target.suffix in (".js", ".mjs", ".cjs"):
        # TypeScript sources import "./x.js" for the compiled "./x.ts".
        candidates.extend(target.with_suffix(s) for s in (".ts", ".mts", ".cts"))
    if target.is_dir():
        main = _package_main(target)
        if main is not None:
            candidates.append(target / main)
        candidates.extend(target / f"index{s}" for s in JS_SUFFIXES)
    for candidate in candidates:
        if candidate.is_file() and _inside(candidate, root):
            return candidate
    return None


def _package_main(directory: Path) -> str | None:
    manifest = directory / "package.json"
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    main = data.get("main") if isinstance(data, dict) else None
    return main if isinstance(main, str) else None


@functools.lru_cache(maxsize=512)
def installed_packages(root: Path) -> frozenset[str]:
    """Top-level packages installed into a code directory (``pip install -t .`` vendors them
    next to the handler, each with a ``*.dist-info``/``*.egg-info`` record): libraries, not
    the function's own code."""
    names: set[str] = set()
    try:
        records = [p for p in root.iterdir() if p.suffix in (".dist-info", ".egg-info")]
    except OSError:
        records = []
    for record in records:
        top_level = record / "top_level.txt"
        try:
            names.update(n.strip() for n in top_level.read_text().splitlines() if n.strip())
        except OSError:
            names.add(record.name.split("-")[0].replace("-", "_").lower())
    return frozenset(names)
