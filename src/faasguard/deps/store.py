"""The offline vulnerability store: OSV exports imported into one SQLite file.

Why SQLite: it ships with Python, is embedded (one file, no server), indexes the one query
the audit makes (``ecosystem`` + normalised package name) and imports tens of thousands of
records per second inside one transaction. DuckDB would add a 40 MB dependency for a
workload that is point look-ups, not analytics.

``faasguard db update --from FILE_OR_DIR`` accepts the per-ecosystem ``all.zip`` exports of
OSV (``PyPI/all.zip``, ``npm/all.zip``), a directory holding such zips (the osv-scanner cache
layout ``<dir>/<ecosystem>/all.zip``) or loose ``*.json`` records. Zips are read one member
at a time; records whose ``modified`` date is unchanged since the last import are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faasguard.deps.osv import Advisory, AffectedPackage, affected_entries, severity_of
from faasguard.deps.versions import normalize_name
from faasguard.findings import Severity

SCHEMA_VERSION = 1
_ID = re.compile(rb'"id"\s*:\s*"([^"]+)"')
_MODIFIED = re.compile(rb'"modified"\s*:\s*"([^"]+)"')
DB_FILE_NAME = "osv.sqlite3"
_BATCH = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisory (
    id TEXT PRIMARY KEY,
    modified TEXT NOT NULL,
    published TEXT NOT NULL,
    withdrawn INTEGER NOT NULL,
    summary TEXT NOT NULL,
    aliases TEXT NOT NULL,
    severity INTEGER NOT NULL,
    score REAL,
    severity_source TEXT NOT NULL,
    malicious INTEGER NOT NULL,
    url TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS affected (
    advisory_id TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    ranges TEXT NOT NULL,
    versions TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS affected_package ON affected (ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_advisory ON affected (advisory_id);
"""


class StoreError(Exception):
    """The store cannot be opened or an import source cannot be read."""


def default_path() -> Path:
    """Where the store lives unless ``--db``/``FAASGUARD_DB`` says otherwise."""
    from platformdirs import user_cache_dir  # noqa: PLC0415 - loaded on first use (start-up speed)

    return Path(user_cache_dir("faasguard")) / DB_FILE_NAME


def resolve_path(configured: str | None) -> Path:
    """The store path: the configured one, ``FAASGUARD_DB``, or the default location."""
    if configured:
        return Path(configured)
    env = os.environ.get("FAASGUARD_DB")
    return Path(env) if env else default_path()


@dataclass(slots=True)
class ImportStats:
    """What one ``db update`` did."""

    records: int = 0
    imported: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    other_ecosystems: int = 0
    invalid: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Records read per second."""
        return self.records / self.seconds if self.seconds else 0.0


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """Counts and dates for ``faasguard db info`` and the staleness warning."""

    path: str
    advisories: int
    by_ecosystem: Mapping[str, int]
    malicious: int
    newest_modified: str
    imported_at: str

    def age_days(self, today: dt.date) -> int | None:
        """Days since the newest advisory was modified (the data's effective date)."""
        try:
            newest = dt.date.fromisoformat(self.newest_modified[:10])
        except ValueError:
            return None
        return (today - newest).days


class Store:
    """An opened store; use :meth:`open` to read and :meth:`create` to import."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Store | None:
        """The store at ``path`` read-only, or ``None`` when there is none."""
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            version = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a faasguard vulnerability store ({exc})") from None
        if version is None or int(version[0]) != SCHEMA_VERSION:
            raise StoreError(f"{path}: store schema {version} is not {SCHEMA_VERSION}; re-import")
        return cls(db, path)

    @classmethod
    def create(cls, path: Path) -> Store:
        """Open ``path`` for writing, creating the file and schema when needed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path)
        db.executescript(_SCHEMA)
        db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
        )
        db.commit()
        return cls(db, path)

    def close(self) -> None:
        """Close the underlying connection."""
        self._db.close()

    # -- import ---------------------------------------------------------------------------

    def import_from(self, source: Path) -> ImportStats:
        """Import every OSV record below ``source`` (zip, directory or JSON file)."""
        import time  # noqa: PLC0415 - loaded on first use (start-up speed)

        started = time.perf_counter()
        stats = ImportStats()
        known = dict(self._db.execute("SELECT id, modified FROM advisory"))
        db = self._db
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA journal_mode = MEMORY")
        pending_ids: list[tuple[str]] = []
        advisories: list[tuple[Any, ...]] = []
        affected: list[tuple[str, str, str, str, str]] = []

        def flush() -> None:
            db.executemany("DELETE FROM affected WHERE advisory_id = ?", pending_ids)
            db.executemany(
                "INSERT OR REPLACE INTO advisory VALUES (?,?,?,?,?,?,?,?,?,?,?)", advisories
            )
            db.executemany("INSERT INTO affected VALUES (?,?,?,?,?)", affected)
            pending_ids.clear()
            advisories.clear()
            affected.clear()

        with db:
            for origin, raw in _records(source):
                stats.records += 1
                # Peek at id and modified without a full parse: unchanged records (most of
                # an incremental update) are skipped at the cost of two regex searches.
                peek_id, peek_modified = _ID.search(raw), _MODIFIED.search(raw)
                if (
                    peek_id
                    and peek_modified
                    and known.get(peek_id.group(1).decode()) == peek_modified.group(1).decode()
                ):
                    stats.unchanged += 1
                    continue
                try:
                    record = json.loads(raw)
                    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                        raise ValueError("no 'id'")
                except ValueError as exc:
                    stats.invalid.append(f"{origin}: not an OSV record ({exc})")
                    continue
                advisory_id = record["id"]
                modified = str(record.get("modified", ""))
                if known.get(advisory_id) == modified:
                    stats.unchanged += 1
                    continue
                entries = affected_entries(record)
                if not entries and advisory_id not in known:
                    stats.other_ecosystems += 1
                    continue
                known[advisory_id] = modified
                withdrawn = bool(record.get("withdrawn"))
                stats.withdrawn += withdrawn
                stats.imported += 1
                severity, score, source_label = severity_of(record)
                pending_ids.append((advisory_id,))
                advisories.append(
                    (
                        advisory_id,
                        modified,
                        str(record.get("published", "")),
                        int(withdrawn),
                        str(record.get("summary") or record.get("details") or "")[:300],
                        json.dumps([str(a) for a in record.get("aliases") or ()]),
                        int(severity),
                        score,
                        source_label,
                        int(advisory_id.startswith("MAL-")),
                        _advisory_url(record),
                    )
                )
                if not withdrawn:
                    for entry in entries:
                        affected.append(
                            (
                                advisory_id,
                                entry.ecosystem,
                                entry.name,
                                json.dumps([list(map(list, r)) for r in entry.ranges]),
                                json.dumps(entry.versions),
                            )
                        )
                if len(advisories) >= _BATCH:
                    flush()
            flush()
            newest = db.execute("SELECT max(modified) FROM advisory").fetchone()[0] or ""
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("newest_modified", newest), ("imported_at", now)],
            )
        stats.seconds = time.perf_counter() - started
        return stats

    # -- queries --------------------------------------------------------------------------

    def advisories_for(self, ecosystem: str, names: Iterable[str]) -> dict[str, list[Advisory]]:
        """Every live advisory affecting any version of each (normalised) package name."""
        wanted = sorted({normalize_name(ecosystem, n) for n in names})
        found: dict[str, list[Advisory]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT f.name, f.ranges, f.versions, a.id, a.aliases, a.summary, a.severity,"
                " a.score, a.severity_source, a.malicious, a.published, a.modified, a.url"
                " FROM affected f JOIN advisory a ON a.id = f.advisory_id"
                f" WHERE f.ecosystem = ? AND f.name IN ({marks}) AND a.withdrawn = 0",
                (ecosystem, *chunk),
            )
            for row in rows:
                name = row[0]
                ranges = tuple(
                    tuple((str(k), str(v)) for k, v in events) for events in json.loads(row[1])
                )
                found.setdefault(name, []).append(
                    Advisory(
                        id=row[3],
                        aliases=tuple(json.loads(row[4])),
                        summary=row[5],
                        severity=Severity(row[6]),
                        score=row[7],
                        severity_source=row[8],
                        malicious=bool(row[9]),
                        published=row[10],
                        modified=row[11],
                        url=row[12],
                        affected=AffectedPackage(
                            ecosystem=ecosystem,
                            name=name,
                            ranges=ranges,
                            versions=tuple(json.loads(row[2])),
                        ),
                    )
                )
        return found

    def info(self) -> StoreInfo:
        """Counts and dates of the store."""
        db = self._db
        meta = dict(db.execute("SELECT key, value FROM meta"))
        by_ecosystem = dict(
            db.execute(
                "SELECT f.ecosystem, count(DISTINCT f.advisory_id) FROM affected f"
                " GROUP BY f.ecosystem ORDER BY f.ecosystem"
            )
        )
        total = db.execute("SELECT count(*) FROM advisory WHERE withdrawn = 0").fetchone()[0]
        malicious = db.execute(
            "SELECT count(*) FROM advisory WHERE malicious = 1 AND withdrawn = 0"
        ).fetchone()[0]
        return StoreInfo(
            path=str(self.path),
            advisories=int(total),
            by_ecosystem=by_ecosystem,
            malicious=int(malicious),
            newest_modified=meta.get("newest_modified", ""),
            imported_at=meta.get("imported_at", ""),
        )


def _advisory_url(record: Mapping[str, Any]) -> str:
    for reference in record.get("references") or ():
        if isinstance(reference, dict) and reference.get("type") == "ADVISORY":
            return str(reference.get("url", ""))
    return f"https://osv.dev/vulnerability/{record.get('id', '')}"


def _records(source: Path) -> Iterator[tuple[str, bytes]]:
    """(origin, raw JSON) for every record below ``source``, one at a time."""
    if not source.exists():
        raise StoreError(f"{source}: no such file or directory")
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.suffix == ".zip" and path.is_file():
                yield from _zip_records(path)
            elif path.suffix == ".json" and path.is_file():
                yield str(path), path.read_bytes()
        return
    if zipfile.is_zipfile(source):
        yield from _zip_records(source)
    elif source.suffix == ".json":
        yield str(source), source.read_bytes()
    else:
        raise StoreError(f"{source}: expected an OSV all.zip, a directory or a .json record")


def _zip_records(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.is_dir() or not member.filename.endswith(".json"):
                    continue
                with archive.open(member) as handle:
                    yield f"{path}!{member.filename}", handle.read()
    except (zipfile.BadZipFile, OSError) as exc:
        raise StoreError(f"{path}: cannot read zip ({exc})") from None
