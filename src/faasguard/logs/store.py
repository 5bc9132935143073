"""History between runs: one embedded DuckDB file (``.faasguard/logs.duckdb`` by default).

Tables: ``windows`` (per function and 5-minute window aggregates, the baseline of later
runs), ``error_types`` and ``templates`` (what was seen, so the next run knows what is new),
``deployers`` (principals that deploy functions) and ``runs`` (one row per analysis).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

_SCHEMA = """
CREATE TABLE IF NOT EXISTS windows (
    function VARCHAR, "window" BIGINT, invocations BIGINT, errors BIGINT, timeouts BIGINT,
    cold_starts BIGINT, log_duration_sum DOUBLE, duration_count BIGINT, duration_max DOUBLE,
    gb_seconds DOUBLE,
    first_source VARCHAR, first_offset BIGINT, first_line BIGINT,
    PRIMARY KEY (function, "window"));
CREATE TABLE IF NOT EXISTS error_types (
    function VARCHAR, error_type VARCHAR, first_ms BIGINT, PRIMARY KEY (function, error_type));
CREATE TABLE IF NOT EXISTS templates (
    function VARCHAR, template VARCHAR, PRIMARY KEY (function, template));
CREATE TABLE IF NOT EXISTS deployers (principal VARCHAR PRIMARY KEY);
CREATE TABLE IF NOT EXISTS runs (
    run_at TIMESTAMP, files BIGINT, lines BIGINT, bytes BIGINT, alerts BIGINT);
"""


class NoHistory:
    """A run without a history database (``--no-history``): it knows nothing of earlier
    runs and saves nothing, without loading DuckDB (the baselines come from
    :mod:`faasguard.logs.baselines`)."""

    path = None

    def close(self) -> None:
        """Nothing to close."""

    def known_error_types(self) -> set[tuple[str, str]]:
        """None: no earlier run is known."""
        return set()

    def known_templates(self) -> set[tuple[str, str]]:
        """None: no earlier run is known."""
        return set()

    def known_deployers(self) -> set[str]:
        """None: no earlier run is known."""
        return set()

    def functions_with_history(self) -> set[str]:
        """None: no earlier run is known."""
        return set()


class History:
    """The history database; ``path`` ``None`` keeps everything in memory (no history)."""

    def __init__(self, path: str | None) -> None:
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        import duckdb  # noqa: PLC0415 - ~0.1 s: loaded when a run gets this far, not before

        self.path = path
        # One thread: the history's tables are small, its sums are then the same every run
        # (a parallel sum may round differently), and each thread costs address space.
        self.db: duckdb.DuckDBPyConnection = duckdb.connect(
            path or ":memory:", config={"threads": 1}
        )
        self.db.execute(_SCHEMA)

    def close(self) -> None:
        """Close the database file."""
        self.db.close()

    def known_error_types(self) -> set[tuple[str, str]]:
        """(function, error type) pairs seen in earlier runs."""
        rows = self.db.execute("SELECT function, error_type FROM error_types").fetchall()
        return {(str(a), str(b)) for a, b in rows}

    def known_templates(self) -> set[tuple[str, str]]:
        """(function, template) pairs seen in earlier runs."""
        rows = self.db.execute("SELECT function, template FROM templates").fetchall()
        return {(str(a), str(b)) for a, b in rows}

    def known_deployers(self) -> set[str]:
        """Principals recorded as deployers in earlier runs."""
        return {str(r[0]) for r in self.db.execute("SELECT principal FROM deployers").fetchall()}

    def functions_with_history(self) -> set[str]:
        """Functions that earlier runs saw (their baseline comes from history)."""
        rows = self.db.execute("SELECT DISTINCT function FROM windows").fetchall()
        return {str(r[0]) for r in rows}

    def save(
        self,
        windows: pa.Table,
        error_types: Iterable[tuple[str, str, int]],
        templates: Iterable[tuple[str, str]],
        deployers: Iterable[str],
        *,
        files: int,
        lines: int,
        size: int,
        alerts: int,
    ) -> None:
        """Record this run's windows, error types, templates and deployers."""
        db = self.db
        db.register("current_windows", windows)
        db.execute(
            'DELETE FROM windows WHERE (function, "window") IN '
            '(SELECT function, "window" FROM current_windows)'
        )
        db.execute("INSERT INTO windows SELECT * FROM current_windows")
        db.unregister("current_windows")
        inserts: list[tuple[str, list[tuple[object, ...]]]] = [
            ("INSERT OR IGNORE INTO error_types VALUES (?, ?, ?)", list(error_types)),
            ("INSERT OR IGNORE INTO templates VALUES (?, ?)", list(templates)),
            ("INSERT OR IGNORE INTO deployers VALUES (?)", [(d,) for d in deployers]),
        ]
        for statement, rows in inserts:
            if rows:  # executemany refuses an empty parameter list
                db.executemany(statement, rows)
        db.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?)",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None), files, lines, size, alerts],
        )
