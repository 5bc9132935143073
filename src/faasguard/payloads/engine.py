"""Matching a value against the pattern database and libinjection.

Two backends answer the same question, *which patterns match these bytes*: Hyperscan (one
compiled multi-pattern database, scanned once per form) and ``re`` (the same expressions, one
by one, behind a single combined expression that rejects most values at once). Spans are then
taken with ``re`` for the few patterns that matched, in both backends, so a detection is the
same whichever backend ran. libinjection (``libinjection-python``) adds its SQLi/XSS verdicts
where it is installed.
"""

from __future__ import annotations

import contextlib
import os
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from faasguard.payloads.decode import MAX_SCAN
from faasguard.payloads.grammar import DATABASE, PATTERNS

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["MAX_SCAN", "HyperscanBackend", "ReBackend", "backend"]


class ReBackend:
    """Pure-Python backend: the patterns with ``re`` on bytes."""

    name = "re"

    def __init__(self) -> None:
        flags = re.IGNORECASE
        self.compiled = [re.compile(p[3].encode(), flags) for p in DATABASE]
        self.any = re.compile(b"|".join(b"(?:" + p[3].encode() + b")" for p in PATTERNS), flags)
        self.hints = len(PATTERNS)

    def matched(self, data: bytes) -> list[int]:
        found = [i for i in range(self.hints, len(self.compiled)) if self.compiled[i].search(data)]
        if self.any.search(data) is None:
            return found
        return [i for i, p in enumerate(self.compiled[: self.hints]) if p.search(data)] + found


#: Values scanned as one range at first by :meth:`HyperscanBackend.candidates`, and the
#: scans spent on a group before what is left of it is handed back whole.
_GROUP = 16
_GROUP_SCANS = 4
#: After two dense groups in a row, only one group in this many is scanned (to notice when
#: the run of attacks ends); the others go whole to the one-value path.
_PROBE = 8


class HyperscanBackend:
    """Hyperscan backend: one block-mode database of every pattern."""

    name = "hyperscan"

    def __init__(self) -> None:
        import hyperscan  # noqa: PLC0415 - optional native piece, imported only when used

        flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
        self.database = compiled_database(
            [p[3].encode() for p in DATABASE], [flags] * len(DATABASE), hyperscan.HS_MODE_BLOCK
        )
        self.scratch = self.database.scratch  # compiled_database gives every database one
        self._found: list[int] = []
        #: with hints or not -> (multiline database, its scratch)
        self.batch: dict[bool, tuple[Any, Any]] = {}

    def matched(self, data: bytes) -> list[int]:
        found: list[int] = []
        self._found = found
        self.database.scan(data, match_event_handler=self._on_match, scratch=self.scratch)
        if len(found) > 1:
            found.sort()
        return found

    def _on_match(self, pattern: int, _start: int, _end: int, _flags: int, _ctx: object) -> None:
        self._found.append(pattern)

    def candidates(self, values: Sequence[str], hints: bool = True) -> set[int]:
        """Indices of ``values`` in which some pattern (and, with ``hints``, some
        libinjection hint) may match: never fewer than match when each value is scanned
        alone.

        The values are joined with newlines and scanned by a second database of the
        patterns, compiled with ``HS_FLAG_MULTILINE``. A match inside a value alone is also
        a match there: ``^``/``$`` match next to the joining newline as at a value's ends,
        and ``\\b`` sees the newline as a value's end. A scan stops at its first match; the
        value it ends in is a candidate, and the values before and after it are scanned
        again as two ranges, until no range has a match (so a range with no match costs one
        scan, whatever order Hyperscan reports matches in). A match that runs over a joint,
        or across a newline inside a value, only adds a candidate, which then takes the
        one-value path. Values are taken :data:`_GROUP` at a time, and a group that still has
        ranges to scan after :data:`_GROUP_SCANS` scans hands them all back as candidates
        (Hyperscan may finish some engines over a whole range before it stops, so a dense
        group - a batch of attacks - costs less that way than by rescanning); after two
        dense groups in a row, only every :data:`_PROBE`-th group is scanned at all.
        """
        database, scratch = self._batch_database(hints)
        count = len(values)
        starts = [0] * (count + 1)
        position = 0
        for index, value in enumerate(values):
            starts[index] = position
            size = len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
            position += size + 1
        starts[count] = position
        data = memoryview("\n".join(values).encode("utf-8", "surrogatepass"))
        found: set[int] = set()
        dense = 0  # groups in a row that ran out of scans
        for number, group in enumerate(range(0, count, _GROUP)):
            high = min(group + _GROUP, count)
            if dense >= 2 and number % _PROBE:
                found.update(range(group, high))  # a run of attacks: the one-value path
                continue
            ranges = [(group, high)]
            budget = _GROUP_SCANS
            while ranges:
                low, high = ranges.pop()
                if budget == 0:
                    found.update(range(low, high))
                    continue
                budget -= 1
                offset = starts[low]
                end = self._first_match(database, scratch, data[offset : starts[high] - 1])
                if end < 0:
                    continue
                index = bisect_right(starts, offset + end - 1) - 1
                found.add(index)
                if low < index:
                    ranges.append((low, index))
                if index + 1 < high:
                    ranges.append((index + 1, high))
            dense = dense + 1 if budget == 0 else 0
        return found

    def _batch_database(self, hints: bool) -> tuple[Any, Any]:
        """The multiline database of the patterns (and the hints), built once."""
        if hints not in self.batch:
            import hyperscan  # noqa: PLC0415 - optional native piece

            entries = DATABASE if hints else PATTERNS
            flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_MULTILINE
            database = compiled_database(
                [p[3].encode() for p in entries], [flags] * len(entries), hyperscan.HS_MODE_BLOCK
            )
            self.batch[hints] = (database, database.scratch)
        found: tuple[Any, Any] = self.batch[hints]
        return found

    @staticmethod
    def _first_match(database: Any, scratch: Any, data: memoryview) -> int:
        """End offset of the first match Hyperscan reports in ``data``, -1 for none."""
        import hyperscan  # noqa: PLC0415 - imported already: a dictionary lookup

        ends: list[int] = []

        def on_match(_pattern: int, _start: int, end: int, _flags: int, _ctx: object) -> bool:
            ends.append(end)
            return True

        with contextlib.suppress(hyperscan.ScanTerminated):
            database.scan(data, match_event_handler=on_match, scratch=scratch)
        return ends[0] if ends else -1


def cache_dir() -> Path:
    """Where compiled databases are kept: ``$FAASGUARD_CACHE``, else the user's cache
    folder, else the temporary folder (the only writable one inside Lambda)."""
    from pathlib import Path  # noqa: PLC0415 - pathlib and tempfile cost a cold start ~8 ms

    configured = os.environ.get("FAASGUARD_CACHE")
    if configured:
        return Path(configured)
    home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    if os.access(home, os.W_OK):
        return Path(home) / "faasguard"
    import tempfile  # noqa: PLC0415

    return Path(tempfile.gettempdir()) / "faasguard-cache"


def compiled_database(expressions: list[bytes], flags: list[int], mode: int) -> Any:
    """A Hyperscan database of ``expressions``, loaded from the cache when this version of
    Hyperscan compiled the same expressions before (compiling costs ~2 CPU s), else
    compiled and saved there. Any failure to read or write the cache only costs time. The
    database's ``scratch`` is set either way (``compile`` makes one; ``loadb`` does not)."""
    import hashlib  # noqa: PLC0415 - only when a database is built or loaded

    import hyperscan  # noqa: PLC0415 - optional native piece

    key = hashlib.sha256(
        repr((expressions, flags, mode, getattr(hyperscan, "__version__", ""))).encode()
    ).hexdigest()[:32]
    path = cache_dir() / f"hs-{key}.db"
    try:
        loaded = hyperscan.loadb(path.read_bytes(), mode)
        loaded.scratch = hyperscan.Scratch(loaded)  # compile() makes one; loadb() does not
        return loaded
    except (OSError, hyperscan.error, TypeError, ValueError):
        pass
    database = hyperscan.Database(mode=mode)
    database.compile(expressions=expressions, ids=list(range(len(expressions))), flags=flags)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(hyperscan.dumpb(database))
        partial.replace(path)
    except OSError:
        pass
    return database


@cache
def span_re(index: int) -> re.Pattern[bytes]:
    """Pattern ``index`` compiled with ``re``, for spans (each one when first needed:
    compiling them all costs a process ~25 ms, and a log run locates a handful)."""
    return re.compile(PATTERNS[index][3].encode(), re.IGNORECASE)


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


_BACKENDS: dict[str, Any] = {}


def backend(name: str = "auto") -> ReBackend | HyperscanBackend:
    """The backend called ``name`` (``auto``: Hyperscan when installed), built once."""
    found: ReBackend | HyperscanBackend | None = _BACKENDS.get(name)
    if found is not None:
        return found
    if name == "auto":
        _BACKENDS["auto"] = backend("hyperscan" if hyperscan_available() else "re")
        return _BACKENDS["auto"]  # type: ignore[no-any-return]
    if name not in _BACKENDS:
        _BACKENDS[name] = HyperscanBackend() if name == "hyperscan" else ReBackend()
    found = _BACKENDS[name]
    return found


def _encodable(text: str) -> str:
    """``text`` without lone surrogates (the wrapper encodes to UTF-8 strictly)."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@cache
def libinjection_checks() -> dict[str, Callable[[str], bool]] | None:
    """libinjection's checks by class (``sqli``, ``xss``), or None where it is not installed.

    Where the C extension ``faasguard.payloads._decode`` was built, its ``sqli``/``xss`` call
    libinjection's C functions in the installed wrapper's own shared object (same verdicts,
    a fraction of the cost: the wrapper builds a dict and a token list per call); otherwise,
    or when that object does not export them, the wrapper's functions are called.
    """
    try:
        import libinjection  # type: ignore[import-not-found]  # noqa: PLC0415
    except ImportError:
        return None
    return native_checks(getattr(libinjection, "__file__", None)) or wrapper_checks(libinjection)


def wrapper_checks(libinjection: Any) -> dict[str, Callable[[str], bool]]:
    """The checks through the ``libinjection`` wrapper module's Python functions."""

    def sqli(text: str) -> bool:
        return bool(libinjection.is_sql_injection(_encodable(text))["is_sqli"])

    def xss(text: str) -> bool:
        return bool(libinjection.is_xss(_encodable(text))["is_xss"])

    return {"sqli": sqli, "xss": xss}


def native_checks(library: str | None) -> dict[str, Callable[[str], bool]] | None:
    """The C extension's direct calls into the libinjection at ``library`` (the imported
    wrapper's shared object), or None without the extension or without both symbols there."""
    try:
        from faasguard.payloads import _decode  # noqa: PLC0415 - optional native piece
    except ImportError:
        return None
    bind = getattr(_decode, "bind_libinjection", None)  # None in an extension built earlier
    if bind is None or not library or not bind(library):
        return None
    return {"sqli": _decode.sqli, "xss": _decode.xss}
