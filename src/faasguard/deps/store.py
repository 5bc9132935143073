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
import glob
import json
import os
import re
import sqlite3
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from faasguard.deps.osv import (
    Advisory,
    AffectedPackage,
    RecordError,
    affected_entries,
    listed,
    severity_of,
)
from faasguard.deps.versions import normalize_name
from faasguard.findings import Severity

SCHEMA_VERSION = 1
_ID = re.compile(rb'"id"\s*:\s*"([^"]+)"')
_MODIFIED = re.compile(rb'"modified"\s*:\s*"([^"]+)"')
DB_FILE_NAME = "osv.sqlite3"
_BATCH = 2000
#: ``modified`` values that date the data (RFC 3339, as OSV requires).
_DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]*"
#: One OSV record (the largest real ones, long ``versions`` lists, are a few MB).
MAX_RECORD_BYTES = 32 * 1024 * 1024
#: Inflated bytes per zip: ``ZIP_RATIO`` times its size, within these bounds.
ZIP_RATIO = 100
MIN_ZIP_BUDGET = 256 * 1024 * 1024
MAX_ZIP_BUDGET = 16 * 1024 * 1024 * 1024

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
    invalid_by_file: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def skip(self, origin: str, problem: str) -> None:
        """Count one record (or source) that is not imported, and say why."""
        self.invalid.append(f"{origin}: {problem}")
        file = origin.split("!", 1)[0]
        self.invalid_by_file[file] = self.invalid_by_file.get(file, 0) + 1

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
        """Days since the data was imported (``faasguard db update``). Not the newest
        advisory's date: a curated or ecosystem-limited export may hold no recent advisory
        and still be current, and would otherwise be stale forever. Stores written before
        the import date was kept fall back to the newest advisory's date."""
        for stamp in (self.imported_at, self.newest_modified):
            try:
                return (today - dt.date.fromisoformat(stamp[:10])).days
            except ValueError:
                continue
        return None


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
        """Import every OSV record below ``source`` (zip, directory or JSON file).

        This writes in place with the journal in memory (fast, not crash-safe): use it on a
        write-aside file, as :func:`update` does, never on the store scans read.
        """
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
            for origin, raw in _records(source, stats):
                stats.records += 1
                # Peek at id and modified without a full parse: unchanged records (most of
                # an incremental update) are skipped at the cost of two regex searches.
                peek_id, peek_modified = _ID.search(raw), _MODIFIED.search(raw)
                if (
                    peek_id
                    and peek_modified
                    and known.get(peek_id.group(1).decode(errors="replace"))
                    == peek_modified.group(1).decode(errors="replace")
                ):
                    stats.unchanged += 1
                    continue
                try:
                    rows = _rows(raw, known)
                except (ValueError, TypeError, RecursionError) as exc:
                    # ValueError covers invalid JSON and UTF-8, RecordError and huge numbers;
                    # RecursionError deep nesting: each costs one record, not the import.
                    stats.skip(origin, f"not an OSV record ({_one_line(exc)})")
                    continue
                if rows is None:
                    stats.unchanged += 1
                    continue
                advisory, entries = rows
                advisory_id = advisory[0]
                if not entries and advisory_id not in known:
                    stats.other_ecosystems += 1
                    continue
                known[advisory_id] = advisory[1]
                stats.withdrawn += advisory[3]
                stats.imported += 1
                pending_ids.append((advisory_id,))
                advisories.append(advisory)
                if not advisory[3]:
                    affected.extend(entries)
                if len(advisories) >= _BATCH:
                    flush()
            flush()
            # Only well-formed dates up to today date the data: one record with a garbled
            # or future ``modified`` must not hide that the rest is stale.
            tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
            newest = (
                db.execute(
                    "SELECT max(modified) FROM advisory WHERE modified GLOB ? AND modified < ?",
                    (_DATE_GLOB, tomorrow),
                ).fetchone()[0]
                or ""
            )
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


def update(path: Path, source: Path) -> tuple[ImportStats, StoreInfo]:
    """Import ``source`` into the store at ``path`` atomically (``faasguard db update``).

    The import runs on a write-aside copy in the same directory, which replaces the store
    with :func:`os.replace` only once it is complete and on disk. An update killed half-way
    (``kill -9``, the OOM killer, a full disk) leaves the previous store untouched, or no
    store at all on a first import, and scans say so instead of reading a torn file. Why
    not WAL: a first import would still leave an empty store behind, and readers on a
    network file system cannot share a WAL index.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path)
    aside = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        # O_EXCL | O_NOFOLLOW: never write through a link planted where the copy goes.
        os.close(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644))
    except OSError as exc:
        raise StoreError(f"{aside}: cannot create the new store ({exc.strerror or exc})") from None
    try:
        store = Store.create(aside)
        unreadable = _copy_previous(path, store)
        if unreadable:  # start from an empty store rather than from half a copy
            store.close()
            aside.write_bytes(b"")
            store = Store.create(aside)
        stats = store.import_from(source)
        if unreadable:
            stats.notes.append(f"the previous store could not be read ({unreadable}); replaced")
        info = store.info()
        store.close()
        _fsync(aside)
        os.replace(aside, path)
        _fsync(path.parent)
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    return stats, replace(info, path=str(path))


def _copy_previous(path: Path, store: Store) -> str:
    """Copy the store at ``path`` (if any) into ``store``; what went wrong if it is unreadable."""
    try:
        previous = Store.open(path)
    except StoreError as exc:
        return str(exc)
    if previous is None:
        return ""
    try:
        previous._db.backup(store._db)
    except sqlite3.DatabaseError as exc:
        return f"{path}: {exc}"
    finally:
        previous.close()
    return ""


def _fsync(path: Path) -> None:
    # The rename is atomic for the process either way; fsync makes it survive a power cut.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_abandoned(path: Path) -> None:
    """Delete write-aside files of updates that were killed (their process is gone)."""
    for candidate in path.parent.glob(f"{glob.escape(path.name)}.*.tmp"):
        pid = candidate.name[len(path.name) + 1 : -len(".tmp")]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        candidate.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _advisory_url(record: Mapping[str, Any]) -> str:
    for reference in listed(record, "references"):
        if isinstance(reference, dict) and reference.get("type") == "ADVISORY":
            return _text(reference.get("url", ""))
    return f"https://osv.dev/vulnerability/{record.get('id', '')}"


def _text(value: object) -> str:
    """``value`` as text SQLite accepts: lone surrogates (``"\\ud800"``) become U+FFFD."""
    text = value if isinstance(value, str) else str(value)
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode(errors="replace").decode()
    return text


def _one_line(exc: BaseException) -> str:
    return _printable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:200]


def _printable(text: str) -> str:
    """``text`` with control characters escaped: names inside a zip reach the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


AdvisoryRow = tuple[str, str, str, int, str, str, int, float | None, str, int, str]
AffectedRow = tuple[str, str, str, str, str]


def _rows(raw: bytes, known: Mapping[str, str]) -> tuple[AdvisoryRow, list[AffectedRow]] | None:
    """The store rows of one raw record, ``None`` when it is unchanged since the last import.

    Raises ``ValueError`` (``RecordError``: a field of the wrong type), ``TypeError`` or
    ``RecursionError`` for a record that is not OSV.
    """
    record = json.loads(raw)
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise RecordError("no 'id'")
    advisory_id = record["id"]
    if _text(advisory_id) != advisory_id or not advisory_id.isprintable():
        raise RecordError(f"'id' {ascii(advisory_id)[:80]} is not printable Unicode")
    modified = _text(record.get("modified", ""))
    if known.get(advisory_id) == modified:
        return None
    entries = affected_entries(record)
    withdrawn = bool(record.get("withdrawn"))
    severity, score, source_label = severity_of(record)
    aliases = json.dumps([str(a) for a in listed(record, "aliases")])
    advisory: AdvisoryRow = (
        advisory_id,
        modified,
        _text(record.get("published", "")),
        int(withdrawn),
        _text(record.get("summary") or record.get("details") or "")[:300],
        aliases,
        int(severity),
        score,
        source_label,
        int(advisory_id.startswith("MAL-")),
        _advisory_url(record),
    )
    affected = [
        (
            advisory_id,
            entry.ecosystem,
            _text(entry.name),
            json.dumps([list(map(list, r)) for r in entry.ranges]),
            json.dumps(entry.versions),
        )
        for entry in entries
    ]
    return advisory, affected


def _records(source: Path, stats: ImportStats) -> Iterator[tuple[str, bytes]]:
    """(origin, raw JSON) for every record below ``source``, one at a time.

    Reading is bounded: a record over :data:`MAX_RECORD_BYTES` is skipped, and a zip stops
    being inflated after :func:`_zip_budget` bytes (a 3 MB zip must not become 3 GiB).
    Unreadable, corrupt or encrypted members are skipped and counted in ``stats``.
    """
    if not source.exists():
        raise StoreError(f"{source}: no such file or directory")
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.suffix == ".zip" and path.is_file():
                yield from _zip_records(path, stats)
            elif path.suffix == ".json" and path.is_file():
                raw = _read_json_file(path, stats)
                if raw is not None:
                    yield str(path), raw
        return
    if not source.is_file():
        raise StoreError(f"{source}: not a regular file or directory")
    if zipfile.is_zipfile(source):
        yield from _zip_records(source, stats)
    elif source.suffix == ".json":
        raw = _read_json_file(source, stats)
        if raw is not None:
            yield str(source), raw
    else:
        raise StoreError(f"{source}: expected an OSV all.zip, a directory or a .json record")


def _read_json_file(path: Path, stats: ImportStats) -> bytes | None:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_RECORD_BYTES + 1)
    except OSError as exc:
        stats.skip(str(path), f"cannot read ({exc.strerror or exc})")
        return None
    if len(raw) > MAX_RECORD_BYTES:
        stats.skip(str(path), f"record larger than {MAX_RECORD_BYTES >> 20} MiB")
        return None
    return raw


def _zip_budget(path: Path) -> int:
    """Inflated bytes read from one zip: OSV JSON compresses about 10:1, never 1000:1."""
    return max(MIN_ZIP_BUDGET, min(MAX_ZIP_BUDGET, ZIP_RATIO * path.stat().st_size))


def _zip_records(path: Path, stats: ImportStats) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read zip ({_one_line(exc)})") from None
    budget = _zip_budget(path)
    with archive:
        for member in archive.infolist():
            if member.is_dir() or not member.filename.endswith(".json"):
                continue
            origin = f"{path}!{_printable(member.filename)}"
            if budget <= 0:
                stats.skip(
                    str(path),
                    f"stopped after {_zip_budget(path) >> 20} MiB of inflated data "
                    f"(over {ZIP_RATIO}x the zip's size): the rest is not imported",
                )
                return
            try:
                with archive.open(member) as handle:
                    raw = handle.read(min(MAX_RECORD_BYTES, budget) + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, zlib.error) as exc:
                # corrupt data or CRC (BadZipFile, zlib.error), encrypted (RuntimeError),
                # unsupported compression (NotImplementedError is a RuntimeError)
                stats.skip(origin, f"cannot read zip member ({_one_line(exc)})")
                continue
            budget -= len(raw)
            if len(raw) > MAX_RECORD_BYTES:
                stats.skip(origin, f"record larger than {MAX_RECORD_BYTES >> 20} MiB")
                continue
            if budget < 0:
                continue  # reported at the next member or below
            yield origin, raw
        if budget < 0:
            stats.skip(
                str(path),
                f"stopped after {_zip_budget(path) >> 20} MiB of inflated data "
                f"(over {ZIP_RATIO}x the zip's size): the rest is not imported",
            )
