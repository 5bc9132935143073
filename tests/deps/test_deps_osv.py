"""OSV import and matching, including the awkward cases of the specification."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from faasguard.deps.matcher import match, match_one
from faasguard.deps.model import Dependency
from faasguard.deps.store import Store, StoreError
from faasguard.deps.versions import NPM, PYPI, npm_key, npm_satisfies, pypi_key
from faasguard.findings import Severity
from faasguard.model import Location

OSV = Path(__file__).parent / "data" / "osv"  # the fixture records (see conftest.py)


def dep(name: str, version: str | None, ecosystem: str = PYPI) -> Dependency:
    return Dependency(
        ecosystem=ecosystem, name=name, version=version, location=Location(file="x", line=1)
    )


def ids(store: Store, name: str, version: str | None, ecosystem: str = PYPI) -> set[str]:
    results = match([dep(name, version, ecosystem)], store)
    return {v.primary_id for r in results for v in r.vulnerabilities}


def test_import_counts_and_incremental(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "db.sqlite3")
    first = store.import_from(OSV)
    assert first.imported == 22 and first.withdrawn == 1 and len(first.invalid) == 1
    assert "broken.json" in first.invalid[0]
    second = store.import_from(OSV)
    assert second.imported == 0 and second.unchanged == 22
    # a changed record (new modified date, new fix) replaces the old one
    record = json.loads((OSV / "npm" / "GHSA-q4v7-4rhw-9hqm.json").read_text())
    record["modified"] = "2025-01-01T00:00:00Z"
    record["affected"][0]["ranges"][0]["events"] = [{"introduced": "0"}, {"fixed": "0.0.5"}]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(record))
    third = store.import_from(changed)
    assert third.imported == 1
    result = match_one(
        dep("node-serialize", "0.0.4", NPM),
        store.advisories_for(NPM, ["node-serialize"])["node-serialize"],
    )
    assert result is not None and result.upgrade == "0.0.5"
    assert store.info().newest_modified == "2025-01-01T00:00:00Z"


def test_import_streams_zip_exports(tmp_path: Path) -> None:
    archive = tmp_path / "PyPI" / "all.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((OSV / "PyPI").glob("*.json")):
            zf.write(path, path.name)
    store = Store.create(tmp_path / "db.sqlite3")
    stats = store.import_from(tmp_path)  # osv-scanner cache layout: <dir>/<ecosystem>/all.zip
    assert stats.records == 17 and stats.imported == 15
    assert store.info().by_ecosystem == {"PyPI": 14}  # the withdrawn one affects nothing


def test_bad_sources_are_clear_errors(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "db.sqlite3")
    with pytest.raises(StoreError, match="no such file"):
        store.import_from(tmp_path / "missing.zip")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(StoreError, match=r"expected an OSV all\.zip"):
        store.import_from(tmp_path / "notes.txt")
    not_db = tmp_path / "not.sqlite3"
    not_db.write_text("hello")
    with pytest.raises(StoreError, match="not a faasguard vulnerability store"):
        Store.open(not_db)
    assert Store.open(tmp_path / "none.sqlite3") is None


def test_aliases_merged_and_smallest_upgrade_clears_all(store: Store) -> None:
    [result] = match([dep("PyYAML", "5.3")], store)
    assert [v.ids[:2] for v in result.vulnerabilities] == [
        ("GHSA-6757-jp84-gxfx", "CVE-2020-1747"),
        ("GHSA-8q59-q68h-6hv4", "CVE-2020-14343"),
    ]
    assert result.vulnerabilities[0].severity is Severity.CRITICAL
    assert result.vulnerabilities[0].score == pytest.approx(9.8)
    # 5.3.1 fixes the first advisory but not the second: the upgrade must be 5.4
    assert result.upgrade == "5.4"
    [requests] = match([dep("requests", "2.19.1")], store)
    assert requests.upgrade == "2.32.0"
    assert ids(store, "requests", "2.32.0") == set()


def test_range_semantics(store: Store) -> None:
    # repeated introduced events, listed out of order
    assert ids(store, "fixture-repeat", "1.1") == {"FGTEST-REPEAT"}
    assert ids(store, "fixture-repeat", "1.5") == set()
    assert ids(store, "fixture-repeat", "2.0.5") == {"FGTEST-REPEAT"}
    assert ids(store, "fixture-repeat", "3.0") == set()
    # last_affected is included, the next version is not
    assert ids(store, "fixture-last", "1.5") == {"FGTEST-LAST"}
    assert ids(store, "fixture-last", "1.5.1") == set()
    assert ids(store, "fixture-last", "0.9") == set()
    # limit bounds an open range
    assert ids(store, "fixture-limit", "2.9") == {"FGTEST-LIMIT"}
    assert ids(store, "fixture-limit", "3.0") == set()
    # explicit versions only
    assert ids(store, "fixture-versions", "1.0.post1") == {"FGTEST-VERSIONS"}
    assert ids(store, "fixture-versions", "1.0") == set()
    # fixed is excluded
    assert ids(store, "lodash", "4.17.21", NPM) == set()
    assert ids(store, "lodash", "4.17.20", NPM) == {"GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9"}


def test_dropped_records(store: Store) -> None:
    assert ids(store, "fixture-withdrawn", "1.0") == set()
    assert ids(store, "fixture-empty", "1.0") == set()
    assert ids(store, "fixture-git", "1.0") == set()


def test_legacy_and_prerelease_versions(store: Store) -> None:
    assert pypi_key("2004d") < pypi_key("0.1")  # legacy sorts before every PEP 440 version
    assert not pypi_key("2004d").valid
    assert ids(store, "fixture-legacy", "2003x") == {"FGTEST-LEGACY"}
    assert ids(store, "fixture-legacy", "1.0") == set()  # PEP 440 versions sort after 2004d
    assert npm_key("1.0.0-alpha.2") < npm_key("1.0.0-alpha.10") < npm_key("1.0.0-beta")
    assert npm_key("1.0.0-beta") < npm_key("1.0.0")
    assert ids(store, "fixture-pre", "1.0.0-alpha.5", NPM) == {"FGTEST-PRERELEASE"}
    assert ids(store, "fixture-pre", "1.0.0-beta.2", NPM) == set()
    assert ids(store, "fixture-pre", "1.0.0", NPM) == set()


def test_cvss_v4_and_malware(store: Store) -> None:
    [result] = match([dep("fixture-cvss4", "1.0.0", NPM)], store)
    assert result.vulnerabilities[0].severity is Severity.CRITICAL
    assert result.vulnerabilities[0].score == pytest.approx(9.3)
    # malware matches without an exact version, and is flagged as such
    [mal] = match([dep("crossenv", None, NPM)], store)
    assert mal.vulnerabilities[0].malicious and mal.upgrade is None
    assert ids(store, "Python3_Dateutil", "2.8.1") == {"MAL-2025-0001"}  # PEP 503 names


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("1.2.3", "^1.0.0", True),
        ("2.0.0", "^1.0.0", False),
        ("1.2.9", "~1.2.0", True),
        ("1.3.0", "~1.2.0", False),
        ("2.5.0", "^1.0.0 || ^2.0.0", True),
        ("1.5.0", "1.0.0 - 2.0.0", True),
        ("1.0.1-beta", "^1.0.0", False),
        ("1.0.0-beta.2", "^1.0.0-beta.1", True),
    ],
)
def test_package_json_ranges(version: str, spec: str, expected: bool) -> None:
    assert npm_satisfies(version, spec) is expected
