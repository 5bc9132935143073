"""Every loader records the line that attaches an AWS managed policy to a role, so findings
about that policy (administrator access, ...) point at the line to change."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _role_locations(fmt: str, path: Path) -> dict[str, int]:
    app = load(Candidate(format=fmt, path=str(path)), LoadOptions())
    role = app.functions[0].role
    assert role is not None
    return {arn: where.line for arn, where in role.managed_policy_locations.items()}


def test_cloudformation(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument: {Statement: []}\n"
        "      ManagedPolicyArns:\n"
        "        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n"
        f"        - {ADMIN}\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: app.handler\n"
        "      Code: {ZipFile: x}\n"
        "      Role: !GetAtt Role.Arn\n",
        encoding="utf-8",
    )
    assert _role_locations("cloudformation", template)[ADMIN] == 8


def test_serverless(tmp_path: Path) -> None:
    config = tmp_path / "serverless.yml"
    config.write_text(
        "service: m\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n"
        f"      managedPolicies:\n        - {ADMIN}\nfunctions:\n  f:\n    handler: h.h\n",
        encoding="utf-8",
    )
    assert _role_locations("serverless", config) == {ADMIN: 8}


def test_terraform(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "r" {\n'
        '  name               = "r"\n'
        '  assume_role_policy = "{}"\n'
        "}\n"
        'resource "aws_iam_role_policy_attachment" "admin" {\n'
        "  role       = aws_iam_role.r.name\n"
        f'  policy_arn = "{ADMIN}"\n'
        "}\n"
        'resource "aws_lambda_function" "f" {\n'
        '  function_name = "f"\n'
        "  role          = aws_iam_role.r.arn\n"
        '  runtime       = "python3.12"\n'
        '  handler       = "app.handler"\n'
        '  filename      = "f.zip"\n'
        "}\n",
        encoding="utf-8",
    )
    assert _role_locations("terraform", tmp_path)[ADMIN] == 7  # its policy_arn line
