"""The dated Lambda runtime table (``faasguard/data/runtimes.json``) and its lifecycle logic."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from functools import cache

from faasguard.data import load_json

#: Language families whose successor has another prefix (Go moved to the OS-only runtime).
_FAMILY_SUCCESSORS = {"dotnetcore": "dotnet", "go": "provided"}


class Phase(enum.IntEnum):
    """Where a runtime is in its lifecycle on a given day, worst last."""

    SUPPORTED = 0
    DEPRECATION_SOON = 1
    DEPRECATED = 2
    CREATE_BLOCKED = 3
    UPDATE_BLOCKED = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeInfo:
    """One row of the runtime table."""

    id: str
    name: str
    deprecation: dt.date | None
    block_create: dt.date | None
    block_update: dt.date | None
    #: ``False`` when the dates could not be cross-checked against AWS's runtimes page
    #: (``"unconfirmed": true`` in the table): they may inform, never raise severity.
    confirmed: bool = True

    def phase(self, today: dt.date, warn_ahead: dt.timedelta) -> Phase:
        """The lifecycle phase of this runtime on ``today``; a deprecation less than
        ``warn_ahead`` away is :attr:`Phase.DEPRECATION_SOON`."""
        if self.block_update is not None and today >= self.block_update:
            return Phase.UPDATE_BLOCKED
        if self.block_create is not None and today >= self.block_create:
            return Phase.CREATE_BLOCKED
        if self.deprecation is not None and today >= self.deprecation:
            return Phase.DEPRECATED
        if self.deprecation is not None and today + warn_ahead >= self.deprecation:
            return Phase.DEPRECATION_SOON
        return Phase.SUPPORTED


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@cache
def runtime_table() -> dict[str, RuntimeInfo]:
    """Every known Lambda runtime identifier → its dates (loaded once, on first use)."""
    data = load_json("runtimes.json")
    return {
        row["id"]: RuntimeInfo(
            id=row["id"],
            name=row["name"],
            deprecation=_date(row.get("deprecation")),
            block_create=_date(row.get("block_create")),
            block_update=_date(row.get("block_update")),
            confirmed=not row.get("unconfirmed", False),
        )
        for row in data["runtimes"]
    }


def table_source() -> tuple[str, str]:
    """The table's source URL and the date it was last checked."""
    data = load_json("runtimes.json")
    return str(data["source"]), str(data["as_of"])


def successor(runtime_id: str) -> str | None:
    """The runtime of the same language family with the latest deprecation date."""
    match = re.match(r"[a-z]+", runtime_id)
    family = _FAMILY_SUCCESSORS.get(match.group(0), match.group(0)) if match else runtime_id
    candidates = [
        info
        for info in runtime_table().values()
        if info.id.startswith(family) and info.id != runtime_id and info.deprecation is not None
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda info: info.deprecation or dt.date.min)
    return best.id
