"""The drift rules (DEPLOY004-DEPLOY010) on a saved snapshot and manifest, offline.

``tests/fixtures/live/snapshot.json`` holds one deployed function per case, positive and
negative, and ``manifest.json`` what an approved deployment pinned for them (unsigned here:
the signed path is tested end to end in ``tests/live``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from faasguard.cli import app as cli

FIXTURES = Path(__file__).parents[2] / "fixtures" / "live"
runner = CliRunner()

EXPECTED = {
    ("DEPLOY004", "rogue"),
    ("DEPLOY005", "code-changed"),
    ("DEPLOY005", "alias-tampered"),
    ("DEPLOY006", "role-swapped"),
    ("DEPLOY007", "config-changed"),
    ("DEPLOY008", "widened"),
    ("DEPLOY009", "signing-removed"),
    ("DEPLOY009", "unsigned-code"),
    ("DEPLOY010", "revoked-signer"),  # not "signed-code" (Active) nor "canceled-signer"
}


def _audit(tmp_path: Path, *extra: str) -> tuple[int, dict[str, object], str]:
    out = tmp_path / "report.json"
    result = runner.invoke(
        cli,
        [
            "audit",
            "--snapshot",
            str(FIXTURES / "snapshot.json"),
            "-f",
            "json",
            "-o",
            str(out),
            *extra,
        ],
    )
    return result.exit_code, json.loads(out.read_text()), result.output


def test_each_drift_rule_fires_on_its_case_only(tmp_path: Path) -> None:
    code, report, _ = _audit(tmp_path, "--manifest", str(FIXTURES / "manifest.json"))
    findings = report["findings"]
    assert isinstance(findings, list)
    drift = {
        (f["rule_id"], f["function"])
        for f in findings
        if re.match(r"DEPLOY0(0[4-9]|10)", f["rule_id"])
    }
    assert drift == EXPECTED
    assert code == 1
    by_rule = {
        f["rule_id"]: f
        for f in findings
        if (f["rule_id"], f["function"]) in EXPECTED and f["function"] != "alias-tampered"
    }
    alias = next(
        f for f in findings if f["function"] == "alias-tampered" and f["rule_id"] == "DEPLOY005"
    )
    assert alias["message"].startswith("alias prod of function alias-tampered runs code")
    assert by_rule["DEPLOY007"]["message"].endswith(
        "environment: variable NODE_OPTIONS added; timeout: 30 in the manifest, 900 deployed"
    )
    assert "resource policy: invocation now also allowed to *" in by_rule["DEPLOY008"]["message"]
    assert by_rule["DEPLOY010"]["message"] == (
        "function revoked-signer runs code signed by the revoked signing profile "
        "arn:aws:signer:eu-west-1:111122223333:/signing-profiles/old-ci/7 (signatures from "
        "2026-11-01T00:00:00Z on are invalid), revoked by "
        "arn:aws:iam::111122223333:user/security: Lambda refuses new deployments it signs, "
        "but this code keeps running until it is rebuilt, signed by a trusted profile and "
        "redeployed"
    )
    assert (
        "function URL auth: AWS_IAM in the manifest, NONE deployed"
        in by_rule["DEPLOY008"]["message"]
    )
    assert by_rule["DEPLOY005"]["location"] == {
        "file": "arn:aws:lambda:eu-west-1:111122223333:function:code-changed",
        "line": 0,
        "column": 0,
    }
    assert by_rule["DEPLOY005"]["app"] == "111122223333/eu-west-1"


def test_unsigned_manifest_and_denied_call_are_diagnostics(tmp_path: Path) -> None:
    _, report, _ = _audit(tmp_path, "--manifest", str(FIXTURES / "manifest.json"))
    messages = [d["message"] for d in report["diagnostics"]]
    assert any("is not signed" in m for m in messages)
    assert any(
        "iam:get_role failed for arn:aws:iam::111122223333:role/admin" in m for m in messages
    )
    strict, _, _ = _audit(tmp_path, "--manifest", str(FIXTURES / "manifest.json"), "--strict")
    assert strict == 2


def test_without_templates_or_manifest_no_drift_rule_runs(tmp_path: Path) -> None:
    _, report, _ = _audit(tmp_path)
    findings = report["findings"]
    assert isinstance(findings, list)
    assert not [f for f in findings if re.match(r"DEPLOY00[4-9]", f["rule_id"])]
    # a revoked signature needs no template or manifest: the account says so itself
    revoked = [f["function"] for f in findings if f["rule_id"] == "DEPLOY010"]
    assert revoked == ["revoked-signer"]


def test_signed_manifest_needs_a_trusted_key_and_a_bad_snapshot_names_the_file(
    tmp_path: Path,
) -> None:
    envelope = tmp_path / "signed.json"
    envelope.write_text(
        json.dumps({"payloadType": "application/vnd.in-toto+json", "payload": "", "signatures": []})
    )
    result = runner.invoke(
        cli, ["audit", "--snapshot", str(FIXTURES / "snapshot.json"), "--manifest", str(envelope)]
    )
    assert result.exit_code == 2
    assert "give --trusted-key" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "faasguard.dev/live-snapshot/v1",\n "accounts": [}')
    result = runner.invoke(cli, ["audit", "--snapshot", str(broken)])
    assert result.exit_code == 2
    assert f"{broken}:2: invalid snapshot JSON" in result.output


def test_sarif_of_an_audit_names_each_arn_as_an_absolute_uri(tmp_path: Path) -> None:
    out = tmp_path / "audit.sarif"
    args = ["audit", "--snapshot", str(FIXTURES / "snapshot.json"), "--manifest"]
    args += [str(FIXTURES / "manifest.json"), "-f", "sarif", "-o", str(out)]
    assert runner.invoke(cli, args).exit_code == 1
    results = json.loads(out.read_text())["runs"][0]["results"]
    drift = next(r for r in results if r["ruleId"] == "DEPLOY005")
    assert drift["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "arn:aws:lambda:eu-west-1:111122223333:function:alias-tampered"
    }


def test_an_account_whose_functions_cannot_be_listed_is_an_error_not_clean(tmp_path: Path) -> None:
    # what `faasguard audit` records without credentials or without lambda:ListFunctions
    region = {"account": "unknown", "region": "eu-west-1", "functions": []}
    region["errors"] = [
        {"call": "lambda:list_functions", "resource": "", "error": "AccessDeniedException: no"}
    ]
    snapshot = tmp_path / "denied.json"
    snapshot.write_text(
        json.dumps({"schema": "faasguard.dev/live-snapshot/v1", "accounts": [region]})
    )
    out = tmp_path / "report.json"
    args = ["audit", "--snapshot", str(snapshot), "-f", "json", "-o", str(out)]
    assert runner.invoke(cli, args).exit_code == 2
    diagnostics = json.loads(out.read_text())["diagnostics"]
    assert [d["level"] for d in diagnostics] == ["error"]
    assert "lambda:list_functions failed" in diagnostics[0]["message"]
