"""Every rule of faasguard, one module each, grouped by family in subpackages.

:func:`all_rules` imports the rule modules on first use (never at ``import faasguard``).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from faasguard.rules.base import _REGISTRY, Rule

FAMILIES = ("perm", "trig", "dep", "deploy", "time", "log", "code", "conf")


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, sorted by id."""
    for family in FAMILIES:
        try:
            package = importlib.import_module(f"faasguard.rules.{family}")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{info.name}")
    return tuple(sorted(_REGISTRY.values(), key=lambda r: r.id))


def get_rule(rule_id: str) -> Rule | None:
    """The rule with this id (case-insensitive), or ``None``."""
    wanted = rule_id.strip().upper()
    for registered in all_rules():
        if registered.id == wanted:
            return registered
    return None
