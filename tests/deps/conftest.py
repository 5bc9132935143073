"""Shared fixtures of the dependency-audit tests: a store built from the OSV fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faasguard.deps.store import Store

DATA = Path(__file__).parent / "data"
OSV = DATA / "osv"


@pytest.fixture(scope="session")
def osv_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store imported from ``tests/deps/data/osv`` (read-only for the tests)."""
    path = tmp_path_factory.mktemp("osv") / "osv.sqlite3"
    store = Store.create(path)
    store.import_from(OSV)
    store.close()
    return path


@pytest.fixture
def store(osv_db: Path) -> Iterator[Store]:
    """The fixture store, opened for queries."""
    opened = Store.open(osv_db)
    assert opened is not None
    yield opened
    opened.close()
