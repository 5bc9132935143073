"""Package names and versions of the two ecosystems faasguard audits: PyPI and npm.

PyPI versions follow PEP 440 (``packaging``); versions that are not valid PEP 440 (old
``2004d`` style releases still present in OSV data) fall back to a legacy ordering that
sorts them before every valid version, as setuptools' ``LegacyVersion`` did. npm versions
follow SemVer 2 with the loose parsing npm itself uses (``node-semver``, a port of npm's
own ``semver`` package). Both are turned into plain sortable keys once, so matching compares
tuples instead of re-parsing strings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "PyPI"
NPM = "npm"
ECOSYSTEMS = (PYPI, NPM)

_LEGACY_PART = re.compile(r"(\d+|[a-z]+|\.|-)")
#: Longer strings are not versions (the longest on PyPI and npm are under 100 characters);
#: they get an invalid key without being parsed: a 5,000-digit number would exceed
#: Python's int-from-string limit and fail the rule that compared it.
MAX_VERSION_LENGTH = 256


def _oversized_key(text: str) -> tuple[Any, ...]:
    # The shape of a legacy key with one word part: sorts among invalid versions.
    return (0, ((0, text),))


def normalize_name(ecosystem: str, name: str) -> str:
    """The name OSV and the registries compare on: PEP 503 for PyPI, lower case for npm."""
    if ecosystem == PYPI:
        return str(canonicalize_name(name))
    return name.strip().lower()


class VersionKey:
    """A totally ordered key for one version string of one ecosystem.

    Invalid versions get a legacy key that sorts before every valid one, so matching never
    raises on odd data; :attr:`valid` tells them apart for messages.
    """

    __slots__ = ("key", "text", "valid")

    def __init__(self, text: str, key: tuple[Any, ...], valid: bool) -> None:
        self.text = text
        self.key = key
        self.valid = valid

    def __lt__(self, other: VersionKey) -> bool:
        return self.key < other.key

    def __le__(self, other: VersionKey) -> bool:
        return self.key <= other.key

    def __gt__(self, other: VersionKey) -> bool:
        return self.key > other.key

    def __ge__(self, other: VersionKey) -> bool:
        return self.key >= other.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VersionKey) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"VersionKey({self.text!r})"


def _legacy_key(text: str) -> tuple[Any, ...]:
    # Mirrors the old setuptools LegacyVersion idea: numbers compare numerically, words
    # alphabetically, and the whole legacy space sorts below PEP 440 (leading 0).
    parts: list[tuple[int, Any]] = []
    for part in _LEGACY_PART.findall(text.lower()):
        if part in ".-":
            continue
        parts.append((1, int(part)) if part.isdigit() else (0, part))
    return (0, tuple(parts))


@lru_cache(maxsize=65536)
def pypi_key(text: str) -> VersionKey:
    """The ordering key of a PyPI version (PEP 440, legacy fallback)."""
    if len(text) > MAX_VERSION_LENGTH:
        return VersionKey(text, _oversized_key(text), False)
    try:
        return VersionKey(text, (1, Version(text)), True)
    except InvalidVersion:
        return VersionKey(text, _legacy_key(text), False)


_SEMVER = re.compile(
    r"^\s*[v=]*\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?"
    r"(?:-?([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?\s*$"
)


@lru_cache(maxsize=65536)
def npm_key(text: str) -> VersionKey:
    """The ordering key of an npm version (SemVer 2 precedence, loose like npm).

    Written as a regular expression rather than through ``node-semver`` because it runs for
    every version in every advisory range on the hot path; range semantics (``^``, ``~``,
    ``||``, hyphen ranges) still go through ``node-semver`` in :func:`npm_satisfies`.
    """
    if len(text) > MAX_VERSION_LENGTH:
        return VersionKey(text, (0, _oversized_key(text)), False)
    match = _SEMVER.match(text)
    if not match:
        return VersionKey(text, (0, _legacy_key(text)), False)
    major, minor, patch, pre = match.groups()
    release = (int(major), int(minor or 0), int(patch or 0))
    if pre:
        identifiers = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
        return VersionKey(text, (1, release, 0, identifiers), True)
    return VersionKey(text, (1, release, 1, ()), True)


def version_key(ecosystem: str, text: str) -> VersionKey:
    """The ordering key of ``text`` in ``ecosystem``."""
    return pypi_key(text) if ecosystem == PYPI else npm_key(text)


def npm_satisfies(version: str, spec: str) -> bool | None:
    """Whether an npm ``version`` satisfies a ``package.json`` range; ``None`` if unparsable."""
    import nodesemver  # noqa: PLC0415 - only needed for package.json ranges

    try:
        return bool(nodesemver.satisfies(version, spec, loose=True))
    except (ValueError, TypeError):
        return None


def npm_exact(spec: str) -> str | None:
    """The version a ``package.json`` spec pins exactly (``4.17.15``, ``=4.17.15``), or None."""
    text = spec.strip()
    if text.startswith("="):
        text = text[1:].strip()
    if text.startswith("v"):
        text = text[1:]
    key = npm_key(text)
    if key.valid and re.fullmatch(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?", text):
        return text
    return None


_SPEC_VERSION = re.compile(r"\d+(?:\.\d+)*(?:[-.]?[0-9A-Za-z]+)*")


def satisfies(ecosystem: str, version: str, spec: str) -> bool | None:
    """Whether ``version`` satisfies a manifest requirement (npm range or PEP 440
    specifiers); ``None`` when the requirement cannot be parsed."""
    if ecosystem == NPM:
        return npm_satisfies(version, spec or "*")
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # noqa: PLC0415 - start-up speed

    try:
        return SpecifierSet(spec.strip()).contains(version, prereleases=False)
    except (InvalidSpecifier, InvalidVersion, TypeError):
        return None


def spec_versions(spec: str) -> tuple[str, ...]:
    """The versions a requirement names (``^2.0.10`` → ``2.0.10``; ``>=1.2,<2`` → ``1.2``,
    ``2``): with the advisories' boundaries, the candidates a range is evaluated on."""
    return tuple(_SPEC_VERSION.findall(spec))
