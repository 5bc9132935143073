"""Line numbers for entries of JSON, TOML and YAML lockfiles.

The standard parsers (``json``, ``tomllib``) return values without positions, so after
parsing we find each entry's line in the text: every quoted key (or ``name = "..."``
line) is indexed once, and look-ups take the first occurrence after a section's line.
This keeps the data path on the fast C parsers while findings still point at the line the
user edits.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_JSON_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')
_TOML_NAME = re.compile(r'^\s*name\s*=\s*"([^"]+)"', re.MULTILINE)


class KeyIndex:
    """Lines of every occurrence of every key in a text."""

    def __init__(self, text: str, pattern: re.Pattern[str] = _JSON_KEY) -> None:
        self._lines: dict[str, list[int]] = {}
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", text))
        for match in pattern.finditer(text):
            line = bisect_right(starts, match.start())
            self._lines.setdefault(match.group(1), []).append(line)

    def find(self, key: str, after: int = 0) -> int:
        """The first line after line ``after`` holding ``key`` (0 when there is none)."""
        lines = self._lines.get(key)
        if not lines:
            return 0
        index = bisect_right(lines, after)
        return lines[index] if index < len(lines) else 0

    def all(self, key: str) -> list[int]:
        """Every line holding ``key``."""
        return list(self._lines.get(key, ()))


def toml_names(text: str) -> KeyIndex:
    """An index of ``name = "..."`` lines (the package blocks of TOML lockfiles)."""
    return KeyIndex(text, _TOML_NAME)


def find_line(lines: list[str], needle: str, start: int = 0) -> int:
    """The 1-based number of the first line at or after index ``start`` containing ``needle``."""
    for index in range(start, len(lines)):
        if needle in lines[index]:
            return index + 1
    return 0
