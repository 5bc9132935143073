"""Every format normalises IAM statements with ``Statement.from_document``: edge inputs give
an explicit Unknown or a diagnostic with the file and line, the same in each format."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load
from faasguard.model import App, Unknown
from faasguard.model.iam import UNKNOWN_PRINCIPAL_TYPE

CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: arn:aws:iam::123456789012:root
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - just a string
              - Effect: 1
                Action: s3:*
                Resource: "*"
"""

SLS = """\
service: s
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - just a string
        - Effect: [Allow]
          Action: s3:*
          Resource: "*"
functions:
  f:
    handler: h.main
"""


def _load(tmp_path: Path, name: str, text: str, fmt: str) -> App:
    path = tmp_path / name
    path.write_text(text)
    return load(Candidate(format=fmt, path=str(path)), LoadOptions())


def test_cloudformation_edge_statements(tmp_path: Path) -> None:
    app = _load(tmp_path, "template.yaml", CFN, "cloudformation")
    (role,) = app.roles
    assert role.assume_role_policy is not None
    (trust,) = role.assume_role_policy.statements
    assert dict(trust.principals) == {UNKNOWN_PRINCIPAL_TYPE: ("arn:aws:iam::123456789012:root",)}
    (policy,) = role.policies
    (statement,) = policy.statements  # the string statement is dropped, with a warning
    assert isinstance(statement.effect, Unknown)
    assert statement.allows
    (warning,) = [d for d in app.diagnostics if d.code == "iam"]
    assert "not a mapping" in warning.message
    assert warning.location is not None
    assert warning.location.line == 15


def test_serverless_edge_statements(tmp_path: Path) -> None:
    app = _load(tmp_path, "serverless.yml", SLS, "serverless")
    (function,) = app.functions
    assert function.role is not None
    user = [s for p in function.role.policies for s in p.statements if "s3:*" in s.actions]
    (statement,) = user
    assert isinstance(statement.effect, Unknown)  # was the text "['Allow']": never an Allow
    assert statement.allows
    (warning,) = [d for d in app.diagnostics if d.code == "iam"]
    assert warning.location is not None
    assert warning.location.line == 8
