"""Typosquat detection: a dependency named like a popular package but not that package.

Checked against ``data/popular_packages.json`` (origin and licence in the file), per
ecosystem, on normalised names; the file's ``*_distinct`` lists name well-known packages of
other publishers that only resemble a popular one (``node-jose``, ``python-multipart``),
which are never reported:

- one edit away (insert, delete, substitute) or two letters swapped — ``rapidfuzz``'s
  optimal-string-alignment distance, only for names of five characters or more, where one
  edit is unlikely to be another real package;
- the same words with other or no separators, or in another order (``dateutil-python``);
- a ``py``/``python``/``python3``/``node``/``js`` prefix or suffix added or dropped;
- ASCII look-alikes (``rn``/``m``, ``0``/``o``, ``1``/``l``, ``vv``/``w``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from faasguard.data import load_json
from faasguard.deps.versions import NPM, normalize_name

_MIN_EDIT_LENGTH = 5
_SEPARATORS = re.compile(r"[-_.]+")
_AFFIXES = ("python3", "python", "py3", "py", "node", "js")
_LOOKALIKES = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"))


@dataclass(frozen=True, slots=True)
class Squat:
    """A suspected typosquat: the popular name it imitates and how."""

    target: str
    technique: str


@cache
def popular(ecosystem: str) -> frozenset[str]:
    """Normalised popular names of ``ecosystem`` (lazily loaded data)."""
    table = load_json("popular_packages.json")
    names = table["npm" if ecosystem == NPM else "pypi"]
    return frozenset(normalize_name(ecosystem, n) for n in names)


@cache
def known(ecosystem: str) -> frozenset[str]:
    """Popular names plus well-known packages of other publishers that merely resemble one
    (``node-jose`` next to ``jose``): none of them is ever a typosquat."""
    table = load_json("popular_packages.json")
    distinct = table.get("npm_distinct" if ecosystem == NPM else "pypi_distinct", [])
    return popular(ecosystem) | frozenset(normalize_name(ecosystem, n) for n in distinct)


@cache
def _indexes(ecosystem: str) -> tuple[dict[str, str], dict[str, str], dict[str, str], list[str]]:
    names = popular(ecosystem)
    joined = {_bare(n): n for n in names}
    ordered = {_ordered(n): n for n in names}
    looks = {_lookalike(n): n for n in names}
    return joined, ordered, looks, sorted(names)


def _words(name: str) -> list[str]:
    # the scope is part of the name: @types/jest is not "jest" in another order
    return [w for w in _SEPARATORS.split(name.replace("@", "").replace("/", "-")) if w]


def _ordered(name: str) -> str:
    # scoped and unscoped names never imitate each other by word order alone
    return ("@" if name.startswith("@") else "") + "-".join(sorted(_words(name)))


def _bare(name: str) -> str:
    scope = name.split("/", maxsplit=1)[0] + "/" if name.startswith("@") and "/" in name else ""
    return scope + "".join(_words(name))


def _lookalike(name: str) -> str:
    text = name
    for fake, real in _LOOKALIKES:
        text = text.replace(fake, real)
    return text


def _strip_affixes(name: str) -> set[str]:
    variants = set()
    words = _words(name)
    for affix in _AFFIXES:
        if len(words) > 1 and words[0] == affix:
            variants.add("-".join(words[1:]))
        if len(words) > 1 and words[-1] == affix:
            variants.add("-".join(words[:-1]))
        if len(words) == 1 and name.startswith(affix) and len(name) > len(affix) + 2:
            variants.add(name[len(affix) :])
    return variants


def check(ecosystem: str, name: str) -> Squat | None:
    """The popular package ``name`` imitates, or ``None``."""
    from rapidfuzz import process  # noqa: PLC0415 - C extension, loaded only when auditing
    from rapidfuzz.distance import OSA  # noqa: PLC0415 - loaded on first use (start-up speed)

    key = normalize_name(ecosystem, name)
    names = popular(ecosystem)
    if key in known(ecosystem):
        return None
    joined, ordered, looks, listed = _indexes(ecosystem)
    target = joined.get(_bare(key))
    if target:
        return Squat(target, "same name with different separators")
    target = ordered.get(_ordered(key))
    if target:
        return Squat(target, "same words in another order")
    target = looks.get(_lookalike(key))
    if target and target != key:
        return Squat(target, "look-alike characters")
    for variant in _strip_affixes(key):
        if variant in names:
            return Squat(variant, "a py/python/node/js affix added")
        if _bare(variant) in joined:
            return Squat(joined[_bare(variant)], "a py/python/node/js affix added")
    for affix in ("py", "python", "node"):
        for candidate in (f"{affix}-{key}", f"{key}-{affix}", f"{affix}{key}"):
            if candidate in names:
                return Squat(candidate, f"the '{affix}' affix dropped")
    if len(key) < _MIN_EDIT_LENGTH:
        return None
    match = process.extractOne(key, listed, scorer=OSA.distance, score_cutoff=1)
    if match is not None:
        target = str(match[0])
        if len(target) >= _MIN_EDIT_LENGTH and abs(len(target) - len(key)) <= 1:
            return Squat(target, "one character away")
    return None
