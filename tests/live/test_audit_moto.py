"""``faasguard audit`` end to end against moto in server mode on 127.0.0.1.

The example SAM app's manifest is built and signed, its functions deployed as the manifest
pins them; the audit of that account is clean of drift. Then each tampering an attacker or
a careless operator does is applied to a fresh copy of that account, and the findings that
appear are exactly the expected ones: the drift rule, and where the new state is itself
unsafe, the posture rule that says so.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from moto_account import ACCOUNT, REGION, TRUST, client, create_function, deploy, reset
from typer.testing import CliRunner

from faasguard.cli import app as cli
from faasguard.live.aws import POLICY_ACTIONS
from faasguard.manifest import signing

runner = CliRunner()
README = Path(__file__).parents[2] / "README.md"
FOREIGN_ACCOUNT = "210987654321"


@pytest.fixture(scope="module")
def signed(shop: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example's manifest, its artifacts, the signed envelope and the trusted key."""
    work = tmp_path_factory.mktemp("signed")
    artifacts = work / "artifacts"
    artifacts.mkdir()
    manifest = work / "manifest.json"
    result = runner.invoke(
        cli,
        [
            "manifest",
            "build",
            str(shop / "template.yaml"),
            "-o",
            str(manifest),
            "--artifacts-dir",
            str(artifacts),
        ],
    )
    assert result.exit_code == 0, result.output
    private, public = work / "ci.pem", work / "ci.pub"
    signing.generate_key(private, public)
    envelope = work / "manifest.signed.json"
    result = runner.invoke(
        cli, ["manifest", "sign", str(manifest), "--key", str(private), "-o", str(envelope)]
    )
    assert result.exit_code == 0, result.output
    return {
        "document": json.loads(manifest.read_text()),
        "artifacts": artifacts,
        "envelope": envelope,
        "public": public,
        "template": shop / "template.yaml",
    }


def _audit(
    signed: dict[str, Any], tmp_path: Path, snapshot: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Audit the emulated account (or ``snapshot``, offline) against the app and the signed
    manifest: (exit code, JSON report, snapshot)."""
    report, saved = tmp_path / "report.json", tmp_path / "snapshot.json"
    if snapshot is None:
        source = ["--region", REGION, "--snapshot-out", str(saved)]
    else:
        saved.write_text(json.dumps(snapshot))
        source = ["--snapshot", str(saved)]
    result = runner.invoke(
        cli,
        [
            "audit",
            *source,
            "--app",
            str(signed["template"]),
            "--manifest",
            str(signed["envelope"]),
            "--trusted-key",
            str(signed["public"]),
            "--format",
            "json",
            "-o",
            str(report),
        ],
    )
    assert report.exists(), result.output
    return result.exit_code, json.loads(report.read_text()), json.loads(saved.read_text())


def _found(report: dict[str, Any]) -> set[tuple[str, str]]:
    """(rule, function or resource ARN) of every finding; the emulator gives a redeployed API
    a new random id, so API ids are left out. A finding for one cause shared by several
    functions counts for each function it names."""
    return {
        (f["rule_id"], subject)
        for f in report["findings"]
        for subject in f.get("properties", {}).get("functions")
        or [f["function"] or re.sub(r"/restapis/\w+", "/restapis/*", f["location"]["file"])]
    }


@pytest.fixture(scope="module")
def clean(
    endpoint: str, signed: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    reset(endpoint)
    deploy(signed["document"], signed["artifacts"])
    code, report, snapshot = _audit(signed, tmp_path_factory.mktemp("clean"))
    return {"code": code, "report": report, "snapshot": snapshot}


def test_clean_deployment_has_no_drift(clean: dict[str, Any]) -> None:
    drift = {f for f in _found(clean["report"]) if re.match(r"DEPLOY00[4-9]", f[0])}
    assert drift == set()
    locations = {f["location"]["file"] for f in clean["report"]["findings"]}
    assert all(loc.startswith("arn:aws:") for loc in locations), locations
    assert clean["report"]["apps"][0]["name"] == f"{ACCOUNT}/{REGION}"
    # moto implements no ListCodeSigningConfigs: a real failed call, which must give a
    # warning and a partial result (exit 1 for the findings, not 2)
    warnings = [d["message"] for d in clean["report"]["diagnostics"] if d["level"] == "warning"]
    assert any("lambda:list_code_signing_configs failed" in m for m in warnings), warnings
    assert clean["code"] == 1
    # plaintext secrets in the live environment: reported, never shown (nor in the snapshot)
    secrets = [f for f in clean["report"]["findings"] if f["rule_id"] == "CONF002"]
    assert sorted((f["function"], "AWS_ACCESS_KEY" in f["message"]) for f in secrets) == [
        ("CreateOrderFunction", False),
        ("CreateOrderFunction", True),
    ]
    shown = json.dumps([clean["report"], clean["snapshot"]])
    assert "Sup3rS3cretPassw0rd" not in shown and "AKIAIOSFODNN7EXAMPLE" not in shown


def test_the_audit_makes_exactly_the_documented_read_only_calls(clean: dict[str, Any]) -> None:
    calls = set(clean["snapshot"]["accounts"][0]["calls"])
    assert calls == set(POLICY_ACTIONS)
    policy = re.search(r"```json\n(\{\n  \"Version\".*?\n\})\n```", README.read_text(), re.S)
    assert policy, "README lacks the audit's IAM policy"
    statement = json.loads(policy.group(1))["Statement"][0]
    assert sorted(statement["Action"]) == sorted(POLICY_ACTIONS)
    assert all(re.match(r"^[a-z0-9]+:(Get|List|Describe|GET)", a) for a in POLICY_ACTIONS)


def _change_code(lam: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("app.py", "import os\ndef handler(e, c):\n    return os.environ\n")
    lam.update_function_code(FunctionName="CreateOrderFunction", ZipFile=buffer.getvalue())


def _alias_on_tampered_version(lam: Any, signed: dict[str, Any]) -> None:
    # $LATEST ends clean, but the alias callers invoke runs the tampered code
    _change_code(lam)
    version = lam.publish_version(FunctionName="CreateOrderFunction")["Version"]
    lam.create_alias(FunctionName="CreateOrderFunction", Name="prod", FunctionVersion=version)
    entry = next(e for e in signed["document"]["functions"] if e["name"] == "CreateOrderFunction")
    original = (signed["artifacts"] / entry["artifact"]["file"]).read_bytes()
    lam.update_function_code(FunctionName="CreateOrderFunction", ZipFile=original)


def _rogue(lam: Any) -> None:
    role = client("iam").create_role(RoleName="helper", AssumeRolePolicyDocument=json.dumps(TRUST))
    role = role["Role"]["Arn"]
    entry = {
        "name": "backup-helper",
        "config": {
            "runtime": "python3.12",
            "handler": "app.handler",
            "timeout": 30,
            "memory": 128,
            "code_signing": False,
            "layers": [],
            "resource_policy": [],
            "url_auth": None,
        },
    }
    create_function(entry, role, b"PK\x05\x06" + b"\0" * 18)


def _open_policy(lam: Any) -> None:
    lam.add_permission(
        FunctionName="ProcessUploadFunction",
        StatementId="anyone",
        Action="lambda:InvokeFunction",
        Principal="*",
    )


def _added_layer(lam: Any) -> None:
    # moto keeps layers per account and resolves any layer ARN in the caller's account, so
    # the layer added here is the account's own; the foreign account's case is below
    arn = lam.publish_layer_version(LayerName="helper", Content={"ZipFile": _zip_bytes()})
    lam.update_function_configuration(
        FunctionName="OrderWorkerFunction", Layers=[arn["LayerVersionArn"]]
    )


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("python/helper.py", "X = 1\n")
    return buffer.getvalue()


def _url_without_auth(lam: Any) -> None:
    lam.update_function_url_config(FunctionName="OrderWorkerFunction", AuthType="NONE")


def _admin_role(lam: Any) -> None:
    iam = client("iam")
    admin = iam.create_role(
        RoleName="break-glass-admin", AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    iam.put_role_policy(
        RoleName="break-glass-admin",
        PolicyName="admin",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    admin = admin["Role"]["Arn"]
    lam.update_function_configuration(FunctionName="ProcessUploadFunction", Role=admin)


def _remove_signing(lam: Any, signed: dict[str, Any]) -> None:
    entry = next(e for e in signed["document"]["functions"] if e["name"] == "SignupHookFunction")
    role = lam.get_function_configuration(FunctionName="SignupHookFunction")["Role"]
    lam.delete_function(FunctionName="SignupHookFunction")
    unsigned = {**entry, "config": {**entry["config"], "code_signing": False}}
    create_function(unsigned, role, (signed["artifacts"] / entry["artifact"]["file"]).read_bytes())


TAMPERING: dict[str, tuple[Callable[..., None], set[tuple[str, str]]]] = {
    "code changed": (_change_code, {("DEPLOY005", "CreateOrderFunction")}),
    "alias on a tampered version": (
        _alias_on_tampered_version,
        {("DEPLOY005", "CreateOrderFunction")},
    ),
    # a new function also gets the posture findings of any function (no alarm, no tracing,
    # no signing, ...): only DEPLOY004 says it is rogue, and nothing else changes
    "rogue function": (_rogue, {("DEPLOY004", "backup-helper")}),
    "resource policy opened to *": (
        _open_policy,
        {("DEPLOY008", "ProcessUploadFunction"), ("TRIG008", "ProcessUploadFunction")},
    ),
    "layer added": (_added_layer, {("DEPLOY007", "OrderWorkerFunction")}),
    "function URL without auth": (
        _url_without_auth,
        {("DEPLOY008", "OrderWorkerFunction"), ("TRIG007", "OrderWorkerFunction")},
    ),
    "role swapped for an admin one": (
        _admin_role,
        {("DEPLOY006", "ProcessUploadFunction"), ("PERM001", "ProcessUploadFunction")},
    ),
    "code signing removed": (
        _remove_signing,
        {("DEPLOY009", "SignupHookFunction"), ("DEPLOY001", "SignupHookFunction")},
    ),
}


@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_each_tampering_is_reported_by_its_rule_and_nothing_else(
    tampering: str,
    endpoint: str,
    signed: dict[str, Any],
    clean: dict[str, Any],
    tmp_path: Path,
) -> None:
    tamper, expected = TAMPERING[tampering]
    reset(endpoint)
    deploy(signed["document"], signed["artifacts"])
    lam = client("lambda")
    if tamper in (_remove_signing, _alias_on_tampered_version):
        tamper(lam, signed)
    else:
        tamper(lam)
    code, report, _ = _audit(signed, tmp_path)
    new = _found(report) - _found(clean["report"])
    if tamper is _alias_on_tampered_version:
        drift = [f for f in report["findings"] if f["rule_id"] == "DEPLOY005"]
        assert [f["message"].split(" runs ")[0] for f in drift] == [
            "alias prod of function CreateOrderFunction"
        ]
    if tamper is _rogue:
        assert {item for item in new if item[0].startswith("DEPLOY")} == {
            ("DEPLOY004", "backup-helper"),
            ("DEPLOY001", "backup-helper"),
        }
        new = {item for item in new if item[1] != "backup-helper" or item[0] == "DEPLOY004"}
    assert new == expected
    assert code == 1


def test_saved_snapshot_is_audited_offline_with_the_same_findings(
    clean: dict[str, Any], signed: dict[str, Any], tmp_path: Path
) -> None:
    code, report, _ = _audit(signed, tmp_path, clean["snapshot"])
    assert code == clean["code"]
    assert _found(report) == _found(clean["report"])


def test_layer_from_another_account_in_a_saved_snapshot(
    clean: dict[str, Any], signed: dict[str, Any], tmp_path: Path
) -> None:
    # The account state moto cannot hold (see _added_layer): the clean snapshot with a layer
    # of another account on one function, as ListFunctions would report it.
    snapshot = json.loads(json.dumps(clean["snapshot"]))
    worker = next(
        f
        for f in snapshot["accounts"][0]["functions"]
        if f["FunctionName"] == "OrderWorkerFunction"
    )
    worker["Layers"] = [f"arn:aws:lambda:{REGION}:{FOREIGN_ACCOUNT}:layer:helper:1"]
    code, report, _ = _audit(signed, tmp_path, snapshot)
    assert code == 1
    new = _found(report) - _found(clean["report"])
    assert new == {("DEPLOY007", "OrderWorkerFunction"), ("DEPLOY003", "OrderWorkerFunction")}


def test_several_regions_are_read_and_each_is_an_app(
    endpoint: str, signed: dict[str, Any], tmp_path: Path
) -> None:
    reset(endpoint)
    deploy(signed["document"], signed["artifacts"])
    report = tmp_path / "report.json"
    result = runner.invoke(
        cli,
        [
            "audit",
            "--region",
            REGION,
            "--region",
            "eu-west-1",
            "--select",
            "DEPLOY004",
            "-f",
            "json",
            "-o",
            str(report),
            "--app",
            str(signed["template"]),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert sorted(a["name"] for a in data["apps"]) == [
        f"{ACCOUNT}/eu-west-1",
        f"{ACCOUNT}/{REGION}",
    ]
    assert [a["functions"] for a in sorted(data["apps"], key=lambda a: a["name"])] == [0, 5]
    assert data["findings"] == []
