"""`faasguard iam suggest` on the example shop: the exact least-privilege policy per function,
in each of the app's formats, as a user sees it."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from faasguard.cli import app

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
runner = CliRunner()

LOGS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
SQS_POLL = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}

#: What the example code (examples/shop/src) calls, per function and variant: every action
#: iam suggest grants must be here, and nothing else.
EXPECTED = {
    # SAM (template.yaml)
    "CreateOrderFunction": {"dynamodb:PutItem"} | LOGS,
    "ProcessUploadFunction": {"s3:GetObject"} | LOGS,
    "OrderWorkerFunction": {"dynamodb:UpdateItem"} | SQS_POLL | LOGS,
    "NightlyReportFunction": {"s3:PutObject"} | LOGS,
    "SignupHookFunction": LOGS,
    # Serverless Framework (serverless.yml)
    "createOrder": {"dynamodb:PutItem"} | LOGS,
    "processUpload": {"s3:GetObject"} | LOGS,
    "orderWorker": {"dynamodb:UpdateItem"} | SQS_POLL | LOGS,
    "nightlyReport": {"s3:PutObject"} | LOGS,
    "adminExport": LOGS,  # same file as nightlyReport, but export_all makes no SDK call
    # Terraform (terraform/main.tf)
    "aws_lambda_function.report": {"s3:PutObject"} | LOGS,
}


def _suggest(*args: str, path: Path = SHOP) -> tuple[int, str, str]:
    result = runner.invoke(app, ["iam", "suggest", str(path), "--no-cache", "--jobs", "1", *args])
    return result.exit_code, result.stdout, result.stderr


def _json() -> dict[str, dict[str, object]]:
    code, out, _ = _suggest("--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["tool"] == "faasguard" and document["schema_version"] == 1
    return {f["function"]: f for f in document["functions"]}


def test_exact_action_set_per_function_in_every_variant() -> None:
    functions = _json()
    assert set(functions) == set(EXPECTED)
    for ref, expected in EXPECTED.items():
        policy = functions[ref]["policy"]
        granted = {a for s in policy["Statement"] for a in s["Action"]}  # type: ignore[index]
        assert granted == expected, ref
        assert functions[ref]["complete"] is True, ref


def test_resources_are_scoped_to_the_template_resources() -> None:
    functions = _json()

    def resources(ref: str, action: str) -> list[str]:
        policy = functions[ref]["policy"]
        return [
            r
            for s in policy["Statement"]  # type: ignore[index]
            if action in s["Action"]
            for r in s["Resource"]
        ]

    # os.environ["ORDERS_TABLE"] = !Ref OrdersTable -> the table's ARN
    assert resources("CreateOrderFunction", "dynamodb:PutItem") == ["${OrdersTable.Arn}"]
    # Serverless sets a literal table name
    assert resources("createOrder", "dynamodb:PutItem") == [
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/shop-dev-orders"
    ]
    assert resources("OrderWorkerFunction", "sqs:ReceiveMessage") == ["${OrderQueue.Arn}"]
    # the bucket comes from the S3 event: not statically known, and the output says so
    assert resources("ProcessUploadFunction", "s3:GetObject") == ["*"]
    notes = functions["ProcessUploadFunction"]["notes"]
    assert any("s3:GetObject on *" in n and "Bucket" in n for n in notes)  # type: ignore[union-attr]
    assert resources("aws_lambda_function.report", "s3:PutObject") == [
        "arn:${AWS::Partition}:s3:::shop-reports/reports/nightly.pdf"
    ]


def test_every_need_names_the_code_line() -> None:
    functions = _json()
    needs = functions["OrderWorkerFunction"]["needs"]
    update = [n for n in needs if n["action"] == "dynamodb:UpdateItem"]  # type: ignore[union-attr]
    assert update == [
        {
            "action": "dynamodb:UpdateItem",
            "resource": "${OrdersTable.Arn}",
            "origin": "code",
            "reason": "src/worker/store.py:11",
        }
    ]
    poll = {n["reason"] for n in needs if n["origin"] == "platform"}  # type: ignore[union-attr]
    assert poll == {"logs", "sqs trigger"}


def test_sam_output_is_a_policies_block_ready_to_paste() -> None:
    code, out, _ = _suggest("--function", "CreateOrderFunction")
    assert code == 0
    assert "      Policies:\n        - Statement:\n" in out
    assert "                - !GetAtt OrdersTable.Arn" in out
    body = "\n".join(line for line in out.splitlines() if not line.startswith("#"))
    loaded = yaml.load(body, Loader=_CfnLoader)
    statements = loaded["Policies"][0]["Statement"]
    assert {a for s in statements for a in s["Action"]} == EXPECTED["CreateOrderFunction"]


def test_serverless_output_per_function_and_for_the_shared_role() -> None:
    code, out, _ = _suggest(path=SHOP / "serverless.yml")
    assert code == 0
    assert "  orderWorker:\n    iamRoleStatements:\n" in out
    assert "# IamRoleLambdaExecution, the role shared by createOrder" in out
    assert "          - !GetAtt OrderQueue.Arn" in out


def test_terraform_output_is_a_policy_document_with_its_data_sources() -> None:
    code, out, _ = _suggest("--format", "terraform", "--function", "aws_lambda_function.report")
    assert code == 0
    assert 'data "aws_iam_policy_document" "report_least_privilege" {' in out
    assert 'resource "aws_iam_role_policy" "report_least_privilege" {' in out
    assert "  role   = aws_iam_role.report.id" in out
    assert 'data "aws_partition" "current" {}' in out
    assert (
        '"arn:${data.aws_partition.current.partition}:s3:::shop-reports/reports/nightly.pdf"' in out
    )


def test_default_format_is_each_apps_own() -> None:
    code, out, _ = _suggest()
    assert code == 0
    assert "iamRoleStatements:" in out  # serverless.yml
    assert "      Policies:" in out  # template.yaml
    assert 'data "aws_iam_policy_document"' in out  # terraform/


def test_unknown_format_and_function_exit_2() -> None:
    code, _, err = _suggest("--format", "xml")
    assert code == 2 and "unknown --format 'xml'" in err
    code, _, err = _suggest("--function", "nope")
    assert code == 2 and "available functions:" in err


def test_terraform_references_resources_by_address(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "sqs = boto3.client('sqs')\n"
        "def handler(event, context):\n"
        "    sqs.send_message(QueueUrl=os.environ['QUEUE'], MessageBody='x')\n"
    )
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n'
        'resource "aws_iam_role" "fn" {\n  name = "fn"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_lambda_function" "fn" {\n'
        '  function_name = "fn"\n  role = aws_iam_role.fn.arn\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = data.archive_file.fn.output_path\n'
        "  environment {\n    variables = { QUEUE = aws_sqs_queue.jobs.url }\n  }\n}\n"
        'data "archive_file" "fn" {\n  type = "zip"\n  source_dir = "src"\n'
        '  output_path = "fn.zip"\n}\n'
    )
    code, out, _ = _suggest(path=tmp_path)
    assert code == 0
    assert 'actions   = ["sqs:SendMessage"]' in out
    assert "resources = [aws_sqs_queue.jobs.arn]" in out


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that accepts CloudFormation short-form tags (as plain values)."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return f"!{suffix} {loader.construct_scalar(node)}"
    return None


_CfnLoader.add_multi_constructor("!", _tag)


DDB_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          TABLE: !Ref Table
"""

DDB_CODE = """\
import os
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])
CLIENT = boto3.client("dynamodb")


def handler(event, context):
    TABLE.scan()
    TABLE.query(KeyConditionExpression="id = :i")
    CLIENT.query(TableName=os.environ["TABLE"], IndexName="by-date", KeyConditionExpression="x")
"""


def test_query_and_scan_on_the_table_itself_are_granted_on_the_table(tmp_path: Path) -> None:
    """Issue 12: a scan()/query() without IndexName was granted only on ``…/index/*``, and
    the pasted policy failed with AccessDenied; with IndexName it is the index's ARN."""
    (tmp_path / "template.yaml").write_text(DDB_TEMPLATE, encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(DDB_CODE, encoding="utf-8")
    code, out, _ = _suggest("--format", "json", path=tmp_path)
    assert code == 0
    (function,) = json.loads(out)["functions"]
    resources = {a: s["Resource"] for s in function["policy"]["Statement"] for a in s["Action"]}
    assert resources["dynamodb:Scan"] == ["${Table.Arn}"]
    assert resources["dynamodb:Query"] == ["${Table.Arn}", "${Table.Arn}/index/by-date"]
