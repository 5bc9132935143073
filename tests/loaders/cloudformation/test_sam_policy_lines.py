"""SAM ``Policies`` entries map back to the user's own lines, statement by statement."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders import Candidate, load

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Policies:
        - AWSLambdaBasicExecutionRole
        - DynamoDBCrudPolicy:
            TableName: t
        - Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: "*"
            - Effect: Allow
              Action: "*"
              Resource: "*"
  Single:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Policies:
        Statement:
          - Effect: Allow
            Action: sqs:SendMessage
            Resource: "*"
"""


def test_statements_point_at_their_own_lines(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    app = load(Candidate(format="cloudformation", path=str(path)), LoadOptions())
    fn = app.function("Fn")
    assert fn is not None and fn.role is not None
    # The managed policy at index 0 shifts the generated names: Policy1 is the template
    # (line 11), Policy2 the inline document whose statements are at lines 14 and 17.
    lines = {
        statement.actions[0]: statement.location.line
        for policy in fn.role.policies
        for statement in policy.statements
    }
    assert lines["dynamodb:GetItem"] == 11
    assert lines["s3:GetObject"] == 14
    assert lines["*"] == 17
    single = app.function("Single")
    assert single is not None and single.role is not None
    [statement] = [s for p in single.role.policies for s in p.statements]
    assert statement.location.line == 28
