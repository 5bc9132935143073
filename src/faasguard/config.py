"""Scan configuration: command-line options merged over ``faasguard.toml`` /
``[tool.faasguard]`` in ``pyproject.toml``.

Example ``faasguard.toml``::

    fail-on = "medium"              # info | low | medium | high | critical
    select = ["TRIG", "TIME001"]    # rule ids or family prefixes; default: every rule
    ignore-rules = ["LOG002"]       # rule ids or prefixes never run

    [severity]                      # per-rule severity overrides
    TIME002 = "low"

    [[ignore]]                      # targeted ignores: a reason is mandatory
    rule = "TRIG001"
    reason = "public read-only catalogue endpoint, reviewed 2026-10"
    paths = ["services/catalog/**"] # optional glob(s) on the file, relative to the root
    functions = ["ListProducts"]    # optional function refs or names
    expires = 2027-03-31            # optional: after this date the ignore stops applying
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import os
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from faasguard.errors import UsageError
from faasguard.findings import Severity

_FAMILY = re.compile(r"[A-Z]+")

CONFIG_FILE_NAMES = ("faasguard.toml", ".faasguard.toml")


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadOptions:
    """User-supplied values for resolving templates.

    ``stage`` and ``variables`` serve Serverless Framework (``--stage``, ``--var``) and
    Terraform (``-var`` style ``--var NAME=VALUE``); ``parameters`` are CloudFormation
    parameter overrides (``--param NAME=VALUE``).
    """

    stage: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)
    #: The scanned root: loaders may read files anywhere below it (``${file(../x.yml)}``
    #: in a monorepo) but never outside it. ``None``: only below the app's own directory.
    root: str | None = None

    def cache_key(self) -> str:
        """A string that changes whenever an option that affects loading changes."""
        return repr(
            (
                self.stage,
                sorted(self.variables.items()),
                sorted(self.parameters.items()),
                self.root,
            )
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class IgnoreEntry:
    """A configured ignore: which rule, why, where, and until when."""

    rule: str
    reason: str
    paths: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    expires: dt.date | None = None
    source: str = ""

    def expired(self, today: dt.date) -> bool:
        """True when the ignore has an expiry date in the past."""
        return self.expires is not None and self.expires < today


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanConfig:
    """Everything that shapes a scan. The defaults mean: every rule, no baseline, no cache."""

    fail_on: Severity = Severity.LOW
    select: tuple[str, ...] = ()
    ignore_rules: tuple[str, ...] = ()
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)
    ignores: tuple[IgnoreEntry, ...] = ()
    baseline: str | None = None
    load: LoadOptions = field(default_factory=LoadOptions)
    strict: bool = False
    cache_dir: str | None = None
    jobs: int = 0
    today: dt.date | None = None
    db_path: str | None = None
    db_max_age_days: int = 7
    #: Globs of paths (relative to the scanned root) whose apps are not scanned.
    skip_paths: tuple[str, ...] = ()

    @classmethod
    def from_options(
        cls,
        root: str,
        *,
        config_file: Path | None = None,
        find_config: bool = True,
        cache: bool = True,
        fail_on: str | None = None,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        baseline: str | None = None,
        db_path: str | None = None,
        stage: str | None = None,
        variables: Sequence[str] | None = None,
        parameters: Sequence[str] | None = None,
        strict: bool = False,
        jobs: int = 0,
        rule_ids: Collection[str] | None = None,
        skip_paths: Sequence[str] | None = None,
    ) -> ScanConfig:
        """The configuration of a run from command-line options, merged over the config file.

        ``root`` is the scanned root: the cache lives below it (unless ``cache`` is off), the
        loaders may read files anywhere below it, and the config file is searched from it
        upwards when ``config_file`` is not given and ``find_config`` is on. Options given
        (not ``None``, not empty) win over the file; ``ignore`` adds to the file's
        ``ignore-rules``. ``select`` and ``ignore`` take ids or prefixes, comma-separated.
        ``variables`` and ``parameters`` are ``NAME=VALUE`` strings (``--var``, ``--param``).
        With ``rule_ids`` (every rule's id), a rule id or prefix naming none of them, in an
        option or the file, is an error too. Raises :class:`UsageError` naming the option or
        file at fault.
        """
        config = cls(cache_dir=None if not cache else str(Path(root) / ".faasguard" / "cache"))
        config_path = config_file or (find_config_file(Path(root)) if find_config else None)
        if config_path is not None:
            if not config_path.is_file():
                raise UsageError(f"configuration file not found: {config_path}")
            config = apply_config_file(
                config, read_config_file(config_path), str(config_path), rule_ids=rule_ids
            )
        load = LoadOptions(
            stage=stage,
            variables=parse_assignments(variables, "--var"),
            parameters=parse_assignments(parameters, "--param"),
            root=root,
        )
        config = replace(config, load=load, strict=strict, jobs=jobs)
        if fail_on is not None:
            try:
                config = replace(config, fail_on=Severity.parse(fail_on))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        if select:
            config = replace(config, select=_option_ids(select))
            if rule_ids is not None:
                check_rule_ids(config.select, rule_ids, "--select")
        if ignore:
            if rule_ids is not None:
                check_rule_ids(_option_ids(ignore), rule_ids, "--ignore")
            config = replace(config, ignore_rules=config.ignore_rules + _option_ids(ignore))
        if skip_paths:
            config = replace(config, skip_paths=config.skip_paths + tuple(skip_paths))
        if baseline is not None:
            config = replace(config, baseline=baseline)
        if db_path is not None:
            config = replace(config, db_path=db_path)
        return config

    def rule_enabled(self, rule_id: str) -> bool:
        """Whether ``rule_id`` passes ``select`` and ``ignore_rules`` (ids or prefixes)."""
        if self.select and not any(rule_matches(s, rule_id) for s in self.select):
            return False
        return not any(rule_matches(s, rule_id) for s in self.ignore_rules)


def skipped(path: str, root: str, globs: Sequence[str]) -> bool:
    """Whether ``path`` (or a directory above it, up to ``root``) matches one of ``globs``
    (``fnmatch`` patterns against the POSIX path relative to ``root``)."""
    if not globs:
        return False
    relative = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()
    parts = relative.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(fnmatch.fnmatch(p, glob) for p in prefixes for glob in globs)


def rule_family(rule_id: str) -> str:
    """The family of a rule id: its letters (``DEPLOY`` of ``DEPLOY001``)."""
    match = _FAMILY.match(rule_id)
    return match.group(0) if match else rule_id


def rule_matches(selector: str, rule_id: str) -> bool:
    """Whether ``selector`` (a rule id, a family, or a family and leading digits) names
    ``rule_id``. Prefixes match whole families only: ``DEP`` and ``DEP0`` name DEP001 but
    not DEPLOY001."""
    if selector == rule_id:
        return True
    family = rule_family(rule_id)
    rest = selector[len(family) :]
    return (
        rule_id.startswith(selector)
        and selector.startswith(family)
        and (not rest or rest.isdigit())
    )


def check_rule_ids(selectors: Iterable[str], known: Collection[str], where: str) -> None:
    """Raise :class:`UsageError` for the first selector of ``where`` (``--select``, a
    file's setting) naming no rule of ``known``, with the closest ids and families."""
    for selector in selectors:
        if any(rule_matches(selector, rule_id) for rule_id in known):
            continue
        families = sorted({rule_family(r) for r in known})
        close = difflib.get_close_matches(selector, [*families, *sorted(known)], n=3, cutoff=0.5)
        hint = (
            f"closest: {', '.join(close)}"
            if close
            else f"rule families: {', '.join(families)} ('faasguard rules' lists every id)"
        )
        raise UsageError(f"{where}: unknown rule id or family '{selector}' ({hint})")


def find_config_file(start: Path) -> Path | None:
    """The nearest ``faasguard.toml`` or ``pyproject.toml`` with ``[tool.faasguard]``.

    Searched from ``start`` upwards to the filesystem root (like ruff and pytest do).
    """
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_FILE_NAMES:
            path = candidate_dir / name
            if path.is_file():
                return path
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file() and "[tool.faasguard" in pyproject.read_text(
            encoding="utf-8", errors="replace"
        ):
            return pyproject
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    """The faasguard table of a config file; :class:`UsageError` naming the file on errors."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read configuration: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("faasguard", {})
        return table if isinstance(table, dict) else {}
    return data


def apply_config_file(
    config: ScanConfig,
    table: Mapping[str, Any],
    source: str,
    *,
    rule_ids: Collection[str] | None = None,
) -> ScanConfig:
    """``config`` updated with the settings of a config-file table (file values first;
    command-line values are applied afterwards by :meth:`ScanConfig.from_options` and win).
    With ``rule_ids``, rule ids naming none of them are errors."""
    known = {
        "fail-on",
        "select",
        "ignore-rules",
        "severity",
        "ignore",
        "baseline",
        "cache-dir",
        "db",
        "db-max-age-days",
        "skip-paths",
        "logs",  # [logs.deployers], read by 'logs analyze'
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise UsageError(f"{source}: unknown setting(s): {', '.join(unknown)}")
    updates: dict[str, Any] = {}
    if "fail-on" in table:
        updates["fail_on"] = _severity(table["fail-on"], f"{source}: fail-on")
    if "select" in table:
        updates["select"] = _ids(table["select"], f"{source}: select")
    if "ignore-rules" in table:
        updates["ignore_rules"] = _ids(table["ignore-rules"], f"{source}: ignore-rules")
    if "severity" in table:
        severity = table["severity"]
        if not isinstance(severity, dict):
            raise UsageError(f'{source}: [severity] must be a table of RULE = "level"')
        updates["severity_overrides"] = {
            str(k).upper(): _severity(v, f"{source}: severity.{k}") for k, v in severity.items()
        }
    if "ignore" in table:
        updates["ignores"] = tuple(_ignores(table["ignore"], source))
    if "skip-paths" in table:
        updates["skip_paths"] = tuple(_strings(table["skip-paths"], f"{source}: skip-paths"))
    if rule_ids is not None:
        _check_file_rule_ids(updates, rule_ids, source)
    if "baseline" in table:
        updates["baseline"] = str(table["baseline"])
    if "cache-dir" in table:
        updates["cache_dir"] = _cache_dir(table["cache-dir"], source)
    if "db" in table:
        updates["db_path"] = str(table["db"])
    if "db-max-age-days" in table:
        age = table["db-max-age-days"]
        if not isinstance(age, int) or isinstance(age, bool) or age < 0:
            raise UsageError(f"{source}: db-max-age-days must be a whole number of days")
        updates["db_max_age_days"] = age
    return replace(config, **updates)


def _cache_dir(value: object, source: str) -> str:
    """A ``cache-dir`` setting, relative to the config file's directory, which it may not
    leave (also not through a link): a repository's configuration must not make faasguard
    write elsewhere on the machine that scans it."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"{source}: cache-dir must be a path")
    base = os.path.dirname(os.path.abspath(source))
    path = os.path.normpath(os.path.join(base, value))
    real_base = os.path.realpath(base)
    real = os.path.realpath(path)
    if real != real_base and not real.startswith(real_base.rstrip(os.sep) + os.sep):
        raise UsageError(
            f"{source}: cache-dir '{value}' is outside the directory of this configuration "
            f"file ({base}); faasguard writes its cache only below it"
        )
    return path


def _check_file_rule_ids(updates: Mapping[str, Any], known: Collection[str], source: str) -> None:
    """:func:`check_rule_ids` over every rule id of a config file's settings."""
    for name, where in (("select", "select"), ("ignore_rules", "ignore-rules")):
        check_rule_ids(updates.get(name, ()), known, f"{source}: {where}")
    for rule_id in updates.get("severity_overrides", {}):
        # [severity] takes whole ids: a family would silently change nothing
        if rule_id not in known:
            check_rule_ids([rule_id], known, f"{source}: severity")
            raise UsageError(f"{source}: severity.{rule_id}: give a whole rule id")
    for index, entry in enumerate(updates.get("ignores", ()), 1):
        check_rule_ids([entry.rule], known, f"{source}: ignore #{index}")


def _option_ids(values: Sequence[str]) -> tuple[str, ...]:
    """Rule ids or prefixes of repeatable, comma-separated options (``--select A,B``)."""
    return tuple(
        part.strip().upper() for value in values for part in value.split(",") if part.strip()
    )


def _severity(value: object, where: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


def _ids(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: expected a list of rule ids")
    return tuple(v.strip().upper() for v in value if v.strip())


def _ignores(value: object, source: str) -> list[IgnoreEntry]:
    if not isinstance(value, list):
        raise UsageError(f"{source}: [[ignore]] entries must be an array of tables")
    entries = []
    for index, item in enumerate(value, 1):
        where = f"{source}: ignore #{index}"
        if not isinstance(item, dict):
            raise UsageError(f"{where}: must be a table")
        rule_id = str(item.get("rule", "")).strip().upper()
        reason = str(item.get("reason", "")).strip()
        if not rule_id:
            raise UsageError(f"{where}: 'rule' is required")
        if not reason:
            raise UsageError(f"{where}: 'reason' is required (say why {rule_id} is ignored)")
        expires = item.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise UsageError(f"{where}: expires must be a date (YYYY-MM-DD)") from None
        if expires is not None and not isinstance(expires, dt.date):
            raise UsageError(f"{where}: expires must be a date (YYYY-MM-DD)")
        entries.append(
            IgnoreEntry(
                rule=rule_id,
                reason=reason,
                paths=tuple(_strings(item.get("paths", ()), where)),
                functions=tuple(_strings(item.get("functions", ()), where)),
                expires=expires,
                source=source,
            )
        )
    return entries


def _strings(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise UsageError(f"{where}: expected a string or a list of strings")


def parse_assignments(values: Sequence[str] | None, option: str) -> dict[str, str]:
    """``["A=1", "B=x=y"]`` → ``{"A": "1", "B": "x=y"}``; :class:`UsageError` otherwise."""
    result: dict[str, str] = {}
    for value in values or []:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{option} expects NAME=VALUE, got {value!r}")
        result[name.strip()] = text
    return result
