"""PERM001-PERM012 messages, severities and exit codes as a user sees them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from faasguard.cli import app as cli
from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.findings import Finding, Severity
from faasguard.rules.perm.unknown_action import problem

FIXTURES = Path(__file__).parents[2] / "fixtures"
EXAMPLE = Path(__file__).parents[3] / "examples" / "shop"


def _findings(path: Path, rule: str) -> list[Finding]:
    report = scan([str(path)], ScanConfig(select=(rule,)))
    return sorted(
        (f for f in report.findings if f.rule_id == rule),
        key=lambda f: (f.location.line, f.function or ""),
    )


def test_typos_get_a_did_you_mean() -> None:
    assert (
        problem("s3:GetObjekt")
        == "action 's3:GetObjekt' does not exist; did you mean s3:GetObject?"
    )
    assert problem("dynamo:GetItem") == (
        "service 'dynamo' of 'dynamo:GetItem' does not exist; did you mean dynamodb:GetItem?"
    )
    assert problem("GetItem") == "'GetItem' is not of the form service:Action"
    assert problem("s3:Get*") is None and problem("*") is None
    assert problem("sqs:DeleteMessageBatch") is None  # listed by AWS's SAM templates


def test_admin_equivalent_through_not_action_is_explained() -> None:
    found = _findings(FIXTURES / "terraform" / "perm", "PERM001")
    by_function = {f.function: f for f in found}
    power = by_function["aws_lambda_function.power"]
    assert "NotAction ('iam:*',)" in power.message
    assert "equivalent to administrator (99% of all IAM actions)" in power.message
    assert power.severity is Severity.CRITICAL
    assert "statement at line 39" in power.message


def test_shared_role_lists_its_functions() -> None:
    (finding,) = _findings(FIXTURES / "serverless" / "perm", "PERM012")
    assert finding.severity is Severity.INFO
    assert "execution role of 2 functions (perm-shop-dev-api, perm-shop-dev-checkout)" in (
        finding.message
    )


def test_wildcard_trust_is_critical_and_names_the_principal() -> None:
    (finding,) = _findings(FIXTURES / "sam" / "perm", "PERM011")
    assert finding.severity is Severity.CRITICAL
    assert "trusted by AWS: * (anyone)" in finding.message
    assert "Api, Checkout" in finding.message


def test_each_broad_finding_names_function_policy_and_line() -> None:
    found = _findings(FIXTURES / "sam" / "perm", "PERM005")
    assert {f.function for f in found} == {"Api", "Checkout"}
    assert all(
        "secretsmanager:GetSecretValue on *, granted by policy app, statement at line 61 "
        "of role AppRole" in f.message
        for f in found
    )


def test_invoke_only_is_medium_and_update_is_high(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        """\
service: s
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: lambda:InvokeFunction
          Resource: arn:aws:lambda:*:*:function:shop-*
        - Effect: Allow
          Action: lambda:UpdateFunctionCode
          Resource: "*"
        - Effect: Allow
          Action: lambda:UpdateFunctionCode
          Resource: arn:aws:lambda:eu-west-1:1:function:s-dev-a:*
functions:
  a:
    handler: h.h
""",
        encoding="utf-8",
    )
    found = _findings(tmp_path, "PERM009")
    assert [(f.location.line, f.severity) for f in found] == [
        (8, Severity.MEDIUM),
        (11, Severity.HIGH),
    ]


def test_example_app_reports_admin_with_exit_code_1() -> None:
    result = CliRunner().invoke(
        cli,
        ["scan", str(EXAMPLE / "terraform"), "--select", "PERM", "--format", "json", "--no-cache"],
    )
    assert result.exit_code == 1
    assert '"rule_id": "PERM001"' in result.output or '"PERM001"' in result.output
