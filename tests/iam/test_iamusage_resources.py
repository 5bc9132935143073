"""Resource arguments of SDK calls resolved against what the template sets, and the
messages of the code-derived PERM rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

from faasguard.config import LoadOptions, ScanConfig
from faasguard.engine import scan
from faasguard.iam.usage import usage_of
from faasguard.loaders import load
from faasguard.loaders.discovery import discover

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          TABLE: !Ref Orders
          QUEUE_URL: !Ref Jobs
          TOPIC: !Ref Topic
          BUCKET: !Ref Bucket
          SECRET: prod/db
      Policies:
        - Statement:
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: "*"
  Orders:
    Type: AWS::DynamoDB::Table
  Jobs:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  Bucket:
    Type: AWS::S3::Bucket
"""

CODE = """\
import os
import boto3

ddb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
sns = boto3.client("sns")
s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")


def handler(event, context):
    ddb.query(TableName=os.environ["TABLE"], IndexName="by-date")
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="x")
    sns.publish(TopicArn=os.environ["TOPIC"], Message="m")
    s3.put_object(Bucket=os.environ["BUCKET"], Key=f"reports/{event['id']}.pdf", Body=b"")
    secrets.get_secret_value(SecretId=os.environ["SECRET"])
    s3.get_object(Bucket=os.environ["MISSING"], Key="k")
    sqs.list_queues()
"""


def _project(root: Path) -> Path:
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(CODE)
    (root / "template.yaml").write_text(TEMPLATE)
    return root


def _needs(root: Path) -> dict[str, str]:
    candidate = next(iter(discover([str(root)])))
    app = load(candidate, LoadOptions(root=str(root)))
    usage = usage_of(app.functions[0], app)
    return {n.action: n.resource.plain() for n in usage.needs if n.origin == "code"}


def test_environment_variables_become_template_resources(tmp_path: Path) -> None:
    needs = _needs(_project(tmp_path))
    assert needs["dynamodb:Query"] == "${Orders.Arn}/index/by-date"
    assert needs["sqs:SendMessage"] == "${Jobs.Arn}"  # Ref of a queue is its URL
    assert needs["sns:Publish"] == "${Topic.Arn}"  # Ref of a topic is its ARN
    assert needs["s3:PutObject"] == "${Bucket.Arn}/reports/*"  # key prefix, then *
    assert needs["secretsmanager:GetSecretValue"] == (
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prod/db-??????"
    )
    assert needs["s3:GetObject"] == "*"  # MISSING is not set by the template
    assert needs["sqs:ListQueues"] == "*"  # no resource-level scoping exists


def test_unresolved_resources_say_why(tmp_path: Path) -> None:
    root = _project(tmp_path)
    candidate = next(iter(discover([str(root)])))
    app = load(candidate, LoadOptions(root=str(root)))
    usage = usage_of(app.functions[0], app)
    reasons = {n.action: n.resource.reasons for n in usage.needs}
    assert reasons["s3:GetObject"] == (
        "Bucket: environment variable MISSING is not set by the template",
    )
    assert reasons["sqs:ListQueues"] == ()


def test_missing_permission_message_names_the_call_site(tmp_path: Path) -> None:
    root = _project(tmp_path)
    report = scan([str(root)], ScanConfig(select=("PERM051",)))
    (finding,) = report.findings
    assert finding.rule_id == "PERM051" and finding.location.line == 17  # Policies:
    assert "sqs:SendMessage (src/app.py:13)" in finding.message
    assert "dynamodb:Query" in finding.message and "dynamodb:GetItem" not in finding.message


def test_unused_permission_severity_and_incomplete_code(tmp_path: Path) -> None:
    root = _project(tmp_path)
    report = scan([str(root)], ScanConfig(select=("PERM050",)))
    (finding,) = report.findings
    assert "dynamodb:GetItem" in finding.message and finding.severity.name == "LOW"
    (root / "src" / "app.py").write_text(
        CODE
        + textwrap.dedent("""
        def more(event):
            boto3.client(event["service"])
        handler.more = more
        """)
    )
    # ``more`` is not reachable from the handler: the analysis stays complete
    assert [f.rule_id for f in scan([str(root)], ScanConfig(select=("PERM050",))).findings] == [
        "PERM050"
    ]
    (root / "src" / "app.py").write_text(CODE + "    boto3.client(event['service'])\n")
    assert not scan([str(root)], ScanConfig(select=("PERM050",))).findings
