"""Every AWS SDK call a function's code can make: the entry point of the code front ends.

:func:`analyse_function` finds the handler (:mod:`faasguard.code.modules`), runs the
Python or JavaScript front end over it and the local modules it loads, and returns a
:class:`CodeAnalysis`: the calls, the files read, and the gaps (what was not analysed and
why). ``complete`` is true only when the handler was found, every file parsed, and no
service or method name was computed at run time: rules that conclude from the *absence*
of a call (a permission never used) require it.

Results are cached per (code directory, handler file, language) and revalidated by the
size and modification time of every file read, so the three usage rules and the many
functions of a Serverless service sharing one code directory analyse each file once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from faasguard.code.modules import Entry, EntryProblem, find_entry
from faasguard.code.values import Gap, SdkCall
from faasguard.model import App, Function


@dataclass(frozen=True, slots=True)
class CodeAnalysis:
    """The SDK calls of one function's code and how complete their list is."""

    entry: str | None
    language: str | None
    calls: tuple[SdkCall, ...]
    files: tuple[str, ...]
    gaps: tuple[Gap, ...]
    #: Set when the handler itself could not be analysed (no code, not found, runtime).
    problem: str | None = None

    @property
    def complete(self) -> bool:
        """True when the list of calls is all the code can make (as far as static analysis
        of the code directory goes: libraries outside it are not read)."""
        return self.problem is None and not self.gaps


#: (code directory, "file:export", language) → (signature of the files read, result)
_CACHE: dict[tuple[str, str, str], tuple[tuple[tuple[str, int, int], ...], CodeAnalysis]] = {}
_CACHE_LIMIT = 2048


def _signature(files: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    result = []
    for file in files:
        try:
            stat = os.stat(file)
        except OSError:
            result.append((file, -1, -1))
            continue
        result.append((file, stat.st_size, stat.st_mtime_ns))
    return tuple(result)


def analyse_entry(entry: Entry) -> CodeAnalysis:
    """The SDK calls reachable from a handler file (cached, see the module docstring)."""
    key = (str(entry.root), f"{entry.file}:{entry.export}", entry.language)
    hit = _CACHE.get(key)
    if hit is not None and _signature(tuple(f for f, _, _ in hit[0])) == hit[0]:
        return hit[1]
    if entry.language == "python":
        from faasguard.code import python  # noqa: PLC0415 - front ends load on demand

        found = python.analyse(entry.root, entry.file, entry.export)
    else:
        from faasguard.code import javascript  # noqa: PLC0415 - loaded on first use (start-up speed)

        found = javascript.analyse(entry.root, entry.file, entry.export)
    files = found.files
    result = CodeAnalysis(
        entry=str(entry.file),
        language=entry.language,
        calls=found.calls,
        files=files,
        gaps=found.gaps,
    )
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[key] = (_signature(files), result)
    return result


def analyse_function(function: Function, app: App | None = None) -> CodeAnalysis:
    """Every SDK call ``function``'s handler code can make. Never raises on bad input: a
    missing handler or unparsable file becomes ``problem`` or a gap."""
    found = find_entry(function, app)
    if isinstance(found, EntryProblem):
        return CodeAnalysis(
            entry=None, language=None, calls=(), files=(), gaps=(), problem=found.message
        )
    return analyse_entry(found)


def relative(path: str, base: str | Path | None = None) -> str:
    """``path`` relative to ``base`` (default: the working directory) when it is below it."""
    try:
        return str(Path(path).resolve().relative_to(Path(base or os.getcwd()).resolve()))
    except ValueError:
        return path


__all__ = ["CodeAnalysis", "analyse_entry", "analyse_function", "relative"]
