"""Parse once per content: the cache both languages' indexes keep their parsed files in.

A file is parsed again only when its size or modification time changes, so the SDK-call
extraction, the taint engine and the pattern rules of one scan share one parse of every
file (:func:`faasguard.code.python.parse_module`,
:func:`faasguard.code.javascript.parse_module`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar, cast

from faasguard.code.values import Gap
from faasguard.memo import memo

#: Parsed files kept at most (a scan of a big monorepo must not grow without bound).
CACHE_LIMIT = 4096

Parsed = TypeVar("Parsed")


class ParseCache(Generic[Parsed]):
    """What ``parse`` made of each file, kept while the file's size and mtime stay."""

    __slots__ = ("_entries", "_limit", "_parse")

    def __init__(self, parse: Callable[[Path], Parsed | Gap], limit: int = CACHE_LIMIT) -> None:
        self._parse = parse
        self._limit = limit
        self._entries: dict[str, tuple[tuple[int, int], Parsed | Gap]] = {}

    def get(self, path: Path) -> Parsed | Gap:
        """The parse of ``path``: from the cache while the file is unchanged; a
        :class:`Gap` when it cannot be read."""
        try:
            stat = os.stat(path)
        except OSError as exc:
            return Gap(f"cannot read: {exc}", str(path))
        stamp = (stat.st_size, stat.st_mtime_ns)
        key = str(path)
        cached = self._entries.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        parsed = self._parse(path)
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (stamp, parsed)
        return parsed


Built = TypeVar("Built")


def per_scan(kind: str, path: Path, build: Callable[[Path], Built | Gap]) -> Built | Gap:
    """What ``build`` makes of ``path``, once per app scan (kept in the scan's memo under
    ``kind``) and again only when the file changes; a :class:`Gap` when it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        return Gap(f"cannot read: {exc}", str(path))
    cache = memo()
    key = (kind, str(path), stat.st_size, stat.st_mtime_ns)
    if key in cache:
        return cast("Built | Gap", cache[key])
    result = build(path)
    cache[key] = result
    return result
