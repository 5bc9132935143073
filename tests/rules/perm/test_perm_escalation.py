"""Privilege-escalation path finder and PERM004 as a user sees them."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.findings import Finding, Severity
from faasguard.iam.catalog import catalog
from faasguard.iam.escalation import methods

FIXTURES = Path(__file__).parents[2] / "fixtures"

HEADER = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      InlineCode: "def handler(e, c): pass"
      Role: !GetAtt FnRole.Arn
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
"""


def _scan(tmp_path: Path, statements: str) -> list[Finding]:
    (tmp_path / "template.yaml").write_text(HEADER + statements, encoding="utf-8")
    report = scan([str(tmp_path)], ScanConfig(select=("PERM004",)))
    return [f for f in report.findings if f.rule_id == "PERM004"]


def test_every_method_names_real_actions_and_sources() -> None:
    cat = catalog()
    raw = json.loads(
        resources.files("faasguard.data").joinpath("iam_escalation.json").read_text("utf-8")
    )
    assert raw["origin"] and raw["compiled"] and raw["licence"]
    assert len(methods()) >= 30
    for method in methods():
        assert method.references, method.id
        assert method.kind in {"direct", "passrole", "function", "assume", "trusted"}, method.id
        for group in method.requires:
            for action in group:
                assert cat.canonical(action) == action, (method.id, action)
        if method.kind == "passrole":
            assert method.requires[0] == ("iam:PassRole",) and method.passes_role_to


def test_fixture_paths_name_every_step_in_order() -> None:
    report = scan([str(FIXTURES / "sam" / "perm-escalation")], ScanConfig(select=("PERM004",)))
    deployer = [f for f in report.findings if f.function == "Deployer"]
    assert len(deployer) == 1
    finding = deployer[0]
    assert finding.severity is Severity.HIGH
    # The grant is split across two policies: the path names both, in method order.
    assert [s.message.split(" ")[0] for s in finding.flow] == [
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ]
    assert "policy pass-any-role" in finding.flow[0].message
    assert "policy create-and-run" in finding.flow[1].message
    assert [s.location.line for s in finding.flow] == [66, 56, 56]
    assert "runs attacker code in a new function" in finding.message
    chain = {f.properties["method"]: f for f in report.findings if f.function == "Chain"}
    assert set(chain) == {
        "lambda-create-function",
        "sts-assume-role",
        "lambda-update-function-code",
    }
    assert "reaches function AdminFunction, which runs as role AdminRole, an administrator" in (
        chain["lambda-update-function-code"].message
    )
    assert chain["sts-assume-role"].properties["chain"] == ["AdminRole"]


def test_passed_to_service_allows_only_its_service(tmp_path: Path) -> None:
    statements = """\
              - Effect: Allow
                Action: iam:PassRole
                Resource: "*"
                Condition:
                  StringEquals:
                    iam:PassedToService: glue.amazonaws.com
              - Effect: Allow
                Action: [lambda:CreateFunction, lambda:InvokeFunction, glue:CreateDevEndpoint]
                Resource: "*"
"""
    found = _scan(tmp_path, statements)
    assert [f.properties["method"] for f in found] == ["glue-dev-endpoint"]
    # iam:PassedToService is itself a narrowing condition: one severity lower.
    assert found[0].severity is Severity.MEDIUM


def test_narrowing_condition_lowers_but_keeps_the_path(tmp_path: Path) -> None:
    statements = """\
              - Effect: Allow
                Action: iam:PutRolePolicy
                Resource: "*"
                Condition:
                  StringEquals:
                    aws:ResourceTag/team: payments
"""
    (finding,) = _scan(tmp_path, statements)
    assert finding.severity is Severity.MEDIUM
    assert finding.location.line == 21


def test_unknown_managed_policy_is_said_not_guessed(tmp_path: Path) -> None:
    statements = """\
              - Effect: Allow
                Action: iam:CreatePolicyVersion
                Resource: "*"
      ManagedPolicyArns:
        - arn:aws:iam::123456789012:policy/not-in-the-app
"""
    (finding,) = _scan(tmp_path, statements)
    assert "not everything could be analysed" in finding.message
    assert "not-in-the-app" in finding.message


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("[ssm:SendCommand]", "ssm-command"),
        ("[iam:PassRole, ec2:RunInstances]", "ec2-run-instances"),
        (
            "[iam:PassRole, cloudformation:CreateChangeSet, cloudformation:ExecuteChangeSet]",
            "cloudformation-change-set",
        ),
        (
            "[iam:PassRole, datapipeline:CreatePipeline, datapipeline:PutPipelineDefinition,"
            " datapipeline:ActivatePipeline]",
            "datapipeline",
        ),
        ("[iam:UpdateAssumeRolePolicy, sts:AssumeRole]", "iam-update-assume-role-policy"),
    ],
)
def test_documented_methods_are_found(tmp_path: Path, statement: str, expected: str) -> None:
    found = _scan(
        tmp_path,
        f"""\
              - Effect: Allow
                Action: {statement}
                Resource: "*"
""",
    )
    assert expected in {f.properties["method"] for f in found}


def test_incomplete_method_is_not_a_path(tmp_path: Path) -> None:
    # Data Pipeline without ActivatePipeline, Lambda without any way to run the function.
    statements = """\
              - Effect: Allow
                Action: [iam:PassRole, datapipeline:CreatePipeline, lambda:CreateFunction]
                Resource: "*"
"""
    assert _scan(tmp_path, statements) == []
