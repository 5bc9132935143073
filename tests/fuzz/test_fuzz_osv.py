"""Fuzzing the OSV importer (``faasguard.deps.osv`` and the store's ``import_from``).

Generated records (valid, with odd strings, wrong types in any field, lone surrogates,
10^5-deep JSON) are written as a directory, a zip or one JSON file and imported into a
fresh store; then queried and matched.

Property: an import counts every record (imported, unchanged, other ecosystems or
invalid) and raises nothing but :class:`StoreError`; matching any version against the
imported advisories gives a bool; within the deadline; the store is written only inside
the example's directory.
"""

from __future__ import annotations

import json
import zipfile
from typing import Any

from fuzz_support import fuzz_settings, odd_text, sandbox, text_values, time_limit
from hypothesis import given
from hypothesis import strategies as st

from faasguard.deps.store import Store, StoreError

_versions = st.one_of(
    st.sampled_from(("0", "1.0.0", "2.0", "1.0.0-rc.1", "10.0.0a1", "")),
    st.lists(st.integers(0, 999), min_size=1, max_size=4).map(lambda x: ".".join(map(str, x))),
    odd_text,
)
_event = st.dictionaries(
    st.sampled_from(("introduced", "fixed", "last_affected", "limit", "bogus")),
    _versions,
    max_size=2,
)


# Wrong types in any documented field ({"id": "X", "affected": 5}), 10^5-deep JSON and lone
# surrogates in `id` are among the generated records: the importer counts them invalid and
# goes on with the rest.
_wrong = st.one_of(
    st.integers(),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    text_values,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(text_values, st.integers(), max_size=2),
)


def _or_wrong(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``values``, or now and then a value of a type OSV does not document there."""
    return st.one_of(values, values, values, _wrong)


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    affected = st.fixed_dictionaries(
        {
            "package": st.fixed_dictionaries(
                {
                    "ecosystem": st.sampled_from(("PyPI", "npm", "Go", "")),
                    "name": st.one_of(st.sampled_from(("requests", "lodash")), odd_text),
                }
            ),
        },
        optional={
            "ranges": _or_wrong(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "type": st.sampled_from(("ECOSYSTEM", "SEMVER", "GIT")),
                            "events": _or_wrong(st.lists(_or_wrong(_event), max_size=4)),
                        }
                    ),
                    max_size=2,
                )
            ),
            "versions": _or_wrong(st.lists(_or_wrong(_versions), max_size=3)),
        },
    )
    record: dict[str, Any] = {
        "id": draw(
            st.one_of(
                st.sampled_from(("GHSA-1", "MAL-2024-1", "PYSEC-1")),
                odd_text,
                st.just("\ud800"),
                _wrong,
            )
        ),
        "modified": draw(
            _or_wrong(st.one_of(st.sampled_from(("2024-01-01T00:00:00Z", "not a date")), odd_text))
        ),
        "affected": draw(_or_wrong(st.lists(_or_wrong(affected), max_size=3))),
    }
    for key, values in (
        ("summary", text_values),
        ("withdrawn", st.sampled_from(("2024-01-01T00:00:00Z", ""))),
        ("aliases", st.lists(st.sampled_from(("CVE-1", "GHSA-1", "PYSEC-1")), max_size=2)),
        (
            "severity",
            st.lists(
                st.fixed_dictionaries(
                    {
                        "type": st.sampled_from(("CVSS_V3", "CVSS_V4", "Ubuntu")),
                        "score": st.sampled_from(
                            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8", "x", "")
                        ),
                    }
                ),
                max_size=2,
            ),
        ),
    ):
        if draw(st.booleans()):
            record[key] = draw(_or_wrong(values))
    return record


_raw_records = st.one_of(
    _records().map(lambda r: json.dumps(r).encode()),
    st.sampled_from(
        (
            b"",
            b"{",
            b"[]",
            b'{"id": 5}',
            b"\xff\xfe",
            b'{"id": "x"}' * 2,
            b'{"id": "X", "affected": 5}',
            b'{"id": "\\ud800", "affected": []}',
            b'{"id": "\xed\xa0\x80"}',
            b'{"id": "D", "affected": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        )
    ),
)


@fuzz_settings(weight=1.5)
@given(
    records=st.lists(_raw_records, min_size=1, max_size=6),
    container=st.sampled_from(("dir", "zip", "file")),
    versions=st.lists(_versions, max_size=3),
)
def test_an_import_counts_every_record_and_matching_never_raises(
    records: list[bytes], container: str, versions: list[str]
) -> None:
    with sandbox() as directory, time_limit():
        source = directory / "osv"
        if container == "dir":
            source.mkdir()
            for index, raw in enumerate(records):
                (source / f"r{index}.json").write_bytes(raw)
        elif container == "zip":
            source = directory / "all.zip"
            with zipfile.ZipFile(source, "w") as archive:
                for index, raw in enumerate(records):
                    archive.writestr(f"r{index}.json", raw)
        else:
            source = directory / "r.json"
            source.write_bytes(records[0])
            records = records[:1]
        store = Store.create(directory / "store.db")
        try:
            try:
                stats = store.import_from(source)
            except StoreError:
                return
            accounted = stats.imported + stats.unchanged + stats.other_ecosystems
            assert stats.records == len(records)
            assert accounted + len(stats.invalid) == stats.records
            for ecosystem in ("PyPI", "npm"):
                found = store.advisories_for(ecosystem, ["requests", "lodash"])
                for advisories in found.values():
                    for advisory in advisories:
                        for version in versions:
                            assert advisory.affected.affects(version) in (True, False)
        finally:
            store.close()
