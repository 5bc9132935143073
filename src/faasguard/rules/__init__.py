"""Every rule of faasguard, one module each, grouped by family in subpackages.

:func:`all_rules` imports the rule modules on first use (never at ``import faasguard``).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from faasguard.rules.base import _REGISTRY, LOG_SOURCES, Rule

FAMILIES = ("perm", "trig", "dep", "deploy", "time", "log", "code", "conf")


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, sorted by id."""
    for family in FAMILIES:
        _import_family(family)
    return tuple(sorted(_REGISTRY.values(), key=lambda r: r.id))


@cache
def log_rules() -> tuple[Rule, ...]:
    """The rules ``faasguard logs`` runs (source Lambda logs or CloudTrail), sorted by id.

    They all live in ``rules/log/`` (the catalog test checks it), so only that family is
    imported: ``all_rules()`` would import every scan rule too (~0.7 s a log run never uses).
    """
    _import_family("log")
    return tuple(
        sorted((r for r in _REGISTRY.values() if r.source in LOG_SOURCES), key=lambda r: r.id)
    )


def _import_family(family: str) -> None:
    try:
        package = importlib.import_module(f"faasguard.rules.{family}")
    except ModuleNotFoundError:
        return
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")


def get_rule(rule_id: str) -> Rule | None:
    """The rule with this id (case-insensitive), or ``None``."""
    wanted = rule_id.strip().upper()
    for registered in all_rules():
        if registered.id == wanted:
            return registered
    return None
