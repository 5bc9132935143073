"""Which files make up a function's handler code, and a code pattern's matches in one of them.

A function's files are its handler file and every file of its code directory that the
handler imports, transitively (:func:`function_files`). A pattern is a pair of matchers,
one per language, written by the rule that owns it; :func:`file_matches` runs the one for
the file's language on the file's facts (parsed once per scan, see
:mod:`faasguard.code.python.facts` and :mod:`faasguard.code.javascript.facts`) and keeps the
result until the file changes (size or modification time), so a module shared by many
functions, or scanned again, is matched once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from faasguard.code.facts import CodeMatch, with_exports
from faasguard.code.javascript import facts as javascript_facts
from faasguard.code.javascript.facts import JsFile, javascript_file
from faasguard.code.modules import Entry, find_entry
from faasguard.code.python import facts as python_facts
from faasguard.code.python.facts import PyFile, python_file
from faasguard.code.values import Gap
from faasguard.model import App, Function

PythonMatcher = Callable[[PyFile], Iterable[CodeMatch]]
JavaScriptMatcher = Callable[[JsFile], Iterable[CodeMatch]]

_FileKey = tuple[str, int, int]
_CACHE_LIMIT = 4096
_MATCHES: dict[tuple[str, object], tuple[_FileKey, tuple[CodeMatch, ...]]] = {}
_FILES: dict[tuple[str, str], tuple[tuple[_FileKey, ...], list[Path]]] = {}


def clear_caches() -> None:
    """Forget every cached match and file list (for measurements)."""
    _MATCHES.clear()
    _FILES.clear()


def file_matches(
    path: Path, language: str, python: PythonMatcher, javascript: JavaScriptMatcher
) -> tuple[CodeMatch, ...] | Gap:
    """The matches of one pattern in one file (``language``: ``python`` or ``javascript``),
    each with the handler exports it lies in, or the :class:`Gap` when the file cannot be
    read or parsed."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        return Gap(f"cannot read: {exc}", str(path))
    matcher: object = python if language == "python" else javascript
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    cached = _MATCHES.get((str(path), matcher))
    if cached is not None and cached[0] == key:
        return cached[1]
    if language == "python":
        py_file = python_file(path)
        if isinstance(py_file, Gap):
            return py_file
        matches = with_exports(python(py_file), py_file.exports)
    else:
        js_file = javascript_file(path)
        if isinstance(js_file, Gap):
            return js_file
        matches = with_exports(javascript(js_file), js_file.exports)
    if len(_MATCHES) >= _CACHE_LIMIT:
        _MATCHES.clear()
    _MATCHES[(str(path), matcher)] = (key, matches)
    return matches


def function_files(function: Function, app: App) -> list[tuple[Path, str, str | None]]:
    """The files of ``function``'s code (handler first) with their language, and the
    handler's export name for the handler file."""
    entry = find_entry(function, app)
    if not isinstance(entry, Entry):
        return []
    files = local_files(entry.root, entry.file, entry.language)
    return [
        (path, entry.language, entry.export if i == 0 else None) for i, path in enumerate(files)
    ]


def _signature(paths: Iterable[Path]) -> tuple[_FileKey, ...]:
    result = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            result.append((str(path), -1, -1))
            continue
        result.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(result)


def local_files(root: Path, entry: Path, language: str) -> list[Path]:
    """The handler file and every file of the code directory it imports, transitively
    (resolved with :mod:`faasguard.code.modules`; cached until one of them changes)."""
    key = (str(root), str(entry))
    cached = _FILES.get(key)
    if cached is not None and _signature(cached[1]) == cached[0]:
        return cached[1]
    found = [entry]
    queue = [entry]
    while queue:
        path = queue.pop()
        for imported in _imports_of(root, path, language):
            if imported not in found:
                found.append(imported)
                queue.append(imported)
    if len(_FILES) >= _CACHE_LIMIT:
        _FILES.clear()
    _FILES[key] = (_signature(found), found)
    return found


def _imports_of(root: Path, path: Path, language: str) -> Iterator[Path]:
    if language == "python":
        return python_facts.imported_files(root, path)
    return javascript_facts.imported_files(root, path)
