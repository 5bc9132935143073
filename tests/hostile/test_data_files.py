"""Hostile data files (issue 16): OSV imports, lockfiles and log containers.

Each reproducer of the issue runs faasguard as a user does (a child process with bounded
time and memory) and asserts the exit code and the one line that explains what happened.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

GOOD = {
    "id": "GHSA-good-0001",
    "modified": "2025-01-01T00:00:00Z",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "requests"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
        }
    ],
}


def _with(record_id: str, **changes: Any) -> str:
    return json.dumps({**GOOD, "id": record_id, **changes})


def _affected(**changes: Any) -> list[dict[str, Any]]:
    return [{**GOOD["affected"][0], **changes}]  # type: ignore[dict-item]


def _update(run: Callable[..., Any], db: Path, source: Path, **kwargs: Any) -> Any:
    return run("db", "update", "--db", str(db), "--from", str(source), **kwargs)


# -- db update ---------------------------------------------------------------------------


def test_records_of_the_wrong_type_are_skipped_and_counted(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    bad = {
        "B-affected": _with("B-affected", affected=5),
        "B-ranges": _with("B-ranges", affected=_affected(ranges=5)),
        "B-events": _with("B-events", affected=_affected(ranges=[{"type": "SEMVER", "events": 5}])),
        "B-versions": _with("B-versions", affected=_affected(versions=5)),
        "B-severity": _with("B-severity", severity=5),
        "B-aliases": _with("B-aliases", aliases=5),
        "B-references": _with("B-references", references=5),
        "deep": '{"id": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "bad-utf8": b'{"id": "\xff\xfe", "modified": "2025-01-01"}',
        "surrogate-id": '{"id": "\\ud800", "modified": "2025-01-01"}',
    }
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("good.json", json.dumps(GOOD))
        zf.writestr("surrogate-summary.json", _with("S-1", summary="\ud800 text"))
        for name, text in bad.items():
            zf.writestr(f"{name}.json", text)
    run = _update(run_faasguard, tmp_path / "osv.sqlite3", archive, seconds=60, memory_mb=1024)
    assert run.code == 0, run.output
    assert f"skipped {len(bad)} invalid records in {archive}" in run.stdout
    assert "2 imported" in run.stdout
    for field in ("affected", "ranges", "events", "versions", "severity", "aliases"):
        assert f"B-{field}.json: not an OSV record ('{field}' is int, not a list)" in run.stderr
    assert "deep.json: not an OSV record (maximum recursion depth" in run.stderr
    assert "bad-utf8.json: not an OSV record ('utf-8' codec can't decode" in run.stderr
    assert "surrogate-id.json: not an OSV record ('id' '\\ud800' is not printable" in run.stderr
    assert "Traceback" not in run.output


def _corrupt(archive: Path) -> None:
    """Damage the members of ``archive``: deflate data, encryption flag, CRC."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        infos = {info.filename: info for info in zf.infolist()}
    start = infos["corrupt.json"].header_offset + 30 + len("corrupt.json")
    data[start : start + 5] = b"\xff" * 5
    data[infos["encrypted.json"].header_offset + 6] |= 1
    central = data.find(b"PK\x01\x02")
    while central != -1:
        (length,) = struct.unpack("<H", data[central + 28 : central + 30])
        name = bytes(data[central + 46 : central + 46 + length])
        if name == b"encrypted.json":
            data[central + 8] |= 1
        elif name == b"crc.json":
            data[central + 16] ^= 0xFF
        central = data.find(b"PK\x01\x02", central + 4)
    archive.write_bytes(bytes(data))


def test_corrupt_and_encrypted_zip_members_are_skipped(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("corrupt.json", _with("C-1", details="x" * 5000))
        zf.writestr("encrypted.json", _with("C-2"))
        zf.writestr("crc.json", _with("C-3"))
        zf.writestr("good.json", json.dumps(GOOD))
    _corrupt(archive)
    run = _update(run_faasguard, tmp_path / "osv.sqlite3", archive, seconds=60, memory_mb=1024)
    assert run.code == 0, run.output
    assert f"skipped 3 invalid records in {archive}" in run.stdout
    assert "corrupt.json: cannot read zip member (Error -3" in run.stderr
    assert "encrypted.json: cannot read zip member (File" in run.stderr
    assert "is encrypted" in run.stderr
    assert "crc.json: cannot read zip member (Bad CRC-32" in run.stderr
    assert "1 imported" in run.stdout


def _zip_bomb(path: Path, members: int, member_size: int) -> None:
    """A zip of ``members`` copies of one deflated run of spaces (written raw: fast)."""
    plain = b" " * member_size
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = packer.compress(plain) + packer.flush()
    crc = zlib.crc32(plain)
    local, central = bytearray(), bytearray()
    for index in range(members):
        name = f"bomb-{index:04d}.json".encode()
        offset = len(local)
        fields = (20, 0, 8, 0, 0, crc, len(deflated), member_size, len(name), 0)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields) + name + deflated
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset) + name
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, members, members, len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))


def test_a_zip_bomb_is_inflated_within_a_bound(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    archive = tmp_path / "all.zip"
    _zip_bomb(archive, members=100, member_size=30 * 2**20)  # ~3 MB expanding to 3 GiB
    assert archive.stat().st_size < 4 * 2**20
    run = _update(run_faasguard, tmp_path / "osv.sqlite3", archive, seconds=60, memory_mb=1024)
    assert run.code == 0, run.output
    assert "MiB of inflated data (over 100x the zip's size): the rest is not imported" in (
        run.stderr
    )
    assert run.seconds < 30


def test_one_huge_member_is_skipped(run_faasguard: Callable[..., Any], tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    _zip_bomb(archive, members=1, member_size=200 * 2**20)
    run = _update(run_faasguard, tmp_path / "osv.sqlite3", archive, seconds=60, memory_mb=1024)
    assert run.code == 0, run.output
    assert "bomb-0000.json: record larger than 32 MiB" in run.stderr


def test_unparsable_and_future_modified_dates_do_not_date_the_data(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    source = tmp_path / "osv"
    source.mkdir()
    (source / "old.json").write_text(_with("OLD-1", modified="2020-01-01T00:00:00Z"))
    (source / "garbled.json").write_text(_with("BAD-1", modified="zzzz-garbled"))
    (source / "future.json").write_text(_with("FUT-1", modified="9999-01-01T00:00:00Z"))
    db = tmp_path / "osv.sqlite3"
    assert _update(run_faasguard, db, source).code == 0
    run = run_faasguard("db", "info", "--db", str(db))
    # the newest well-formed date is shown; the age is the import's (today): not stale
    assert run.code == 0, run.output
    assert "newest:      2020-01-01T00:00:00Z" in run.stdout
    assert "imported at: " in run.stdout and "warning" not in run.stderr


# -- kill -9 during db update ------------------------------------------------------------


def _large_export(path: Path, records: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for index in range(records):
            record = {
                **GOOD,
                "id": f"GHSA-big-{index:06d}",
                "modified": "2025-06-01T00:00:00Z",
                "details": "Generated record. " * 20,
                "affected": _affected(
                    package={"ecosystem": "npm", "name": f"pkg-{index % 5000}"},
                    ranges=[
                        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}
                    ],
                ),
            }
            zf.writestr(f"GHSA-big-{index:06d}.json", json.dumps(record))


def _kill_mid_update(home: Path, db: Path, source: Path) -> None:
    """Start ``db update``, SIGKILL it once its write-aside copy is growing."""
    environment = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "faasguard.cli",
            "db",
            "update",
            "--db",
            str(db),
            "--from",
            str(source),
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    aside = db.with_name(f"{db.name}.{child.pid}.tmp")
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and child.poll() is None:
            if aside.exists() and aside.stat().st_size > 2 * 2**20:
                break
            time.sleep(0.02)
        assert child.poll() is None, "the update finished before it could be killed"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def large_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("osv") / "all.zip"
    _large_export(path, 60_000)
    return path


def test_kill_9_during_an_update_leaves_the_previous_store(
    run_faasguard: Callable[..., Any], tmp_path: Path, large_export: Path
) -> None:
    db = tmp_path / "osv.sqlite3"
    first = tmp_path / "first.json"
    first.write_text(json.dumps(GOOD))
    assert _update(run_faasguard, db, first).code == 0
    _kill_mid_update(tmp_path / "home", db, large_export)
    info = run_faasguard("db", "info", "--db", str(db))
    assert "advisories:  1 (0 malicious packages)" in info.stdout, info.output
    assert "newest:      2025-01-01T00:00:00Z" in info.stdout
    # the next update cleans up the abandoned copy and still works
    again = _update(run_faasguard, db, first)
    assert again.code == 0, again.output
    assert list(tmp_path.glob("osv.sqlite3.*")) == []


def test_kill_9_during_a_first_update_leaves_no_store(
    run_faasguard: Callable[..., Any], tmp_path: Path, large_export: Path
) -> None:
    db = tmp_path / "osv.sqlite3"
    _kill_mid_update(tmp_path / "home", db, large_export)
    assert not db.exists()
    info = run_faasguard("db", "info", "--db", str(db))
    assert info.code == 1
    assert f"no vulnerability store at {db}" in info.stdout


# -- lockfiles ---------------------------------------------------------------------------

_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: index.handler
      Runtime: nodejs20.x
"""


def _node_app(root: Path, lock: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "template.yaml").write_text(_TEMPLATE)
    (root / "src" / "index.js").write_text("exports.handler = async () => 1;\n")
    (root / "src" / "package.json").write_text(json.dumps({"dependencies": {"a": "1.0.0"}}))
    (root / "src" / "package-lock.json").write_text(lock)
    return root


_WRONG_TYPES = json.dumps(
    {
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": [{"a": 1}]},
            "node_modules/a": {"version": 5, "resolved": 5, "dependencies": 5, "integrity": 5},
            "node_modules/b": {"version": "1.0.0", "resolved": ["x"], "name": ["b"]},
        },
    }
)
_DEEP_V1 = (
    '{"lockfileVersion": 1, "dependencies": '
    + '{"a": {"version": "1.0.0", "dependencies": ' * 3000
    + "{}"
    + "}}" * 3000
    + "}"
)
_LONG_VERSION = json.dumps(
    {"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1" * 5000}}}
)


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        (_WRONG_TYPES, "the version of a (int) is not a version; it is not matched"),
        (_DEEP_V1, "JSON nested too deeply to read; its dependencies are not audited"),
        (_LONG_VERSION, "the version of a (5000 characters) is not a version; it is not matched"),
    ],
    ids=["wrong-types", "v1-3000-deep", "5000-digit-version"],
)
def test_a_hostile_lockfile_is_a_diagnostic_not_a_failed_rule(
    run_faasguard: Callable[..., Any], tmp_path: Path, lock: str, message: str
) -> None:
    app = _node_app(tmp_path / "app", lock)
    db = tmp_path / "osv.sqlite3"
    record = tmp_path / "a.json"
    record.write_text(
        _with("GHSA-a", affected=_affected(package={"ecosystem": "npm", "name": "a"}))
    )
    assert _update(run_faasguard, db, record).code == 0
    run = run_faasguard("scan", str(app), "--no-cache", "--db", str(db), "-f", "json", seconds=120)
    assert run.code in (0, 1), run.output
    report = json.loads(run.stdout)
    messages = [d["message"] for d in report["diagnostics"]]
    assert any(message in m for m in messages), messages
    assert not any(" failed on app " in m for m in messages), messages
    assert [a["functions"] for a in report["apps"]] == [1]  # the app is not lost


# -- logs analyze ------------------------------------------------------------------------


def _gzip_bomb(path: Path, unit: bytes, total: int) -> None:
    """``total`` bytes of ``unit`` as repeated gzip members (valid, and fast to write)."""
    piece = unit * (16 * 2**20 // len(unit))
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = packer.compress(piece) + packer.flush()
    path.write_bytes(member * (total // len(piece)))


@pytest.mark.parametrize("unit", [b"\n", b"\x00"], ids=["newlines", "zeros"])
def test_a_gzip_bomb_is_read_within_a_bound(
    run_faasguard: Callable[..., Any], tmp_path: Path, unit: bytes
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _gzip_bomb(logs / "bomb.log.gz", unit, 2**30)
    run = run_faasguard(
        "logs",
        "analyze",
        str(logs),
        "--function-name",
        "f",
        "--no-history",
        "-f",
        "json",
        seconds=120,
        memory_mb=2048,
    )
    assert run.code == 0, run.output[-3000:]
    messages = [d["message"] for d in json.loads(run.stdout)["diagnostics"]]
    assert any(m.startswith("1 x gzip data inflates beyond the limit") for m in messages), messages
    if unit == b"\n":
        assert any("lines averaging under 16 bytes over a block" in m for m in messages)


def test_a_lone_surrogate_in_a_cloudtrail_function_name(
    run_faasguard: Callable[..., Any], tmp_path: Path
) -> None:
    records = [
        {
            "eventVersion": "1.08",
            "eventTime": f"2024-01-01T00:00:{second % 60:02d}Z",
            "eventSource": "lambda.amazonaws.com",
            "eventName": "Invoke",
            "eventCategory": "Data",
            "awsRegion": "us-east-1",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/r/s"},
            "requestParameters": {"functionName": "f\ud800"},
            "errorCode": "TooManyRequestsException",
        }
        for second in range(300)
    ]
    trail = tmp_path / "trail"
    trail.mkdir()
    (trail / "ct.json").write_text(json.dumps({"Records": records}))
    run = run_faasguard("logs", "analyze", str(trail), "--no-history", "-f", "json")
    assert run.code == 1, run.output[-3000:]
    report = json.loads(run.stdout)
    assert [f["rule_id"] for f in report["findings"]]
    assert any("f\ufffd" in json.dumps(f, ensure_ascii=False) for f in report["findings"])
    messages = [d["message"] for d in report["diagnostics"]]
    assert any("300 x bytes that are not UTF-8 (replaced)" in m for m in messages), messages
