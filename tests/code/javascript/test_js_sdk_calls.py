"""The Node.js front end (tree-sitter): aws-sdk v2 and v3 calls, found without running them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from faasguard.code.javascript import analyse, parse_module
from faasguard.code.values import Gap, SdkCall
from faasguard.iam.sdkmap import actions_for


def _calls(root: Path, files: dict[str, str], entry: str = "index.js") -> list[SdkCall]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return list(analyse(root, root / entry, "handler").calls)


def _actions(calls: list[SdkCall]) -> set[str]:
    return {a for c in calls for a in actions_for(c.service, c.operation)}


def _param(calls: list[SdkCall], name: str) -> set[str]:
    return {str(v) for c in calls for v in c.param(name)}


def test_aws_sdk_v2_clients_document_client_and_per_service_require(tmp_path: Path) -> None:
    calls = _calls(
        tmp_path,
        {
            "index.js": """
            const AWS = require("aws-sdk");
            const SQS = require("aws-sdk/clients/sqs");
            const { SNS } = require("aws-sdk");
            const s3 = new AWS.S3();
            const doc = new AWS.DynamoDB.DocumentClient();
            const { TABLE = "orders" } = process.env;

            exports.handler = async (event) => {
              await s3.getObject({ Bucket: process.env.BUCKET, Key: `in/${event.key}` }).promise();
              await doc.put({ TableName: TABLE, Item: event }).promise();
              const q = { QueueUrl: process.env["Q"], MessageBody: "x" };
              if (await new SQS().sendMessage(q).promise()) {}
              const topic = "arn:aws:sns:eu-west-1:1:t";
              await new SNS().publish({ TopicArn: topic, Message: "m" }).promise();
            };
            """
        },
    )
    assert _actions(calls) == {"s3:GetObject", "dynamodb:PutItem", "sqs:SendMessage", "sns:Publish"}
    assert _param(calls, "Bucket") == {"${env:BUCKET}"}
    assert _param(calls, "Key") == {"in/*"}
    assert _param(calls, "QueueUrl") == {"${env:Q}"}
    put = next(c for c in calls if c.operation == "put")
    assert put.line == 11 and put.sdk == "aws-sdk-v2"


def test_aws_sdk_v3_commands_lib_dynamodb_paginators_and_es_imports(tmp_path: Path) -> None:
    calls = _calls(
        tmp_path,
        {
            "index.mjs": """
            import { S3Client, GetObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
            import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
            import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
            import * as sfn from "@aws-sdk/client-sfn";

            const s3 = new S3Client({});
            const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
            const states = new sfn.SFN({});

            export const handler = async (event) => {
              await s3.send(new GetObjectCommand({ Bucket: "uploads", Key: event.key }));
              await ddb.send(new PutCommand({ TableName: process.env.ORDERS, Item: event }));
              for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: "b2" })) {}
              await states.startExecution({ stateMachineArn: process.env.SM, input: "{}" });
            };
            """
        },
        entry="index.mjs",
    )
    assert _actions(calls) == {
        "s3:GetObject",
        "dynamodb:PutItem",
        "s3:ListBucket",
        "states:StartExecution",
    }
    assert _param(calls, "Bucket") == {"uploads", "b2"}
    assert _param(calls, "TableName") == {"${env:ORDERS}"}


def test_local_modules_helpers_and_reachability(tmp_path: Path) -> None:
    calls = _calls(
        tmp_path,
        {
            "index.js": """
            const { sns, publish } = require("./lib/aws");
            const { s3 } = require("./lib/aws");

            exports.handler = async (event) => {
              await publish(sns, "hello");
            };
            exports.other = async () => s3.deleteObject({ Bucket: "b", Key: "k" }).promise();
            """,
            "lib/aws.js": """
            const AWS = require("aws-sdk");
            const sns = new AWS.SNS();
            const s3 = new AWS.S3();
            async function publish(client, message) {
              return client.publish({ TopicArn: process.env.TOPIC, Message: message }).promise();
            }
            module.exports = { sns, s3, publish };
            """,
        },
    )
    assert _actions(calls) == {"sns:Publish"}  # the other export's deleteObject is not reachable
    assert _param(calls, "TopicArn") == {"${env:TOPIC}"}


def test_typescript_handlers_parse(tmp_path: Path) -> None:
    calls = _calls(
        tmp_path,
        {
            "handler.ts": """
            import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
            const sqs: SQSClient = new SQSClient({});
            export async function handler(event: { body: string }): Promise<void> {
              const input = { QueueUrl: process.env.Q!, MessageBody: event.body };
              await sqs.send(new SendMessageCommand(input));
            }
            """
        },
        entry="handler.ts",
    )
    assert _actions(calls) == {"sqs:SendMessage"}


def test_dynamic_members_and_wrappers_are_gaps(tmp_path: Path) -> None:
    (tmp_path / "index.js").write_text(
        'const AWS = require("aws-sdk");\n'
        'const { getParameter } = require("@aws-lambda-powertools/parameters/ssm");\n'
        "exports.handler = async (event) => { new AWS[event.service](); };\n"
    )
    result = analyse(tmp_path, tmp_path / "index.js", "handler")
    messages = {g.message for g in result.gaps}
    assert "SDK member computed at run time (AWS[event.service])" in messages
    assert any("@aws-lambda-powertools/parameters/ssm" in m for m in messages)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "index.js"
    path.write_text("const a = 1;\nconst = ;\n")
    parsed = parse_module(path)
    assert isinstance(parsed, Gap) and parsed.line == 2 and "syntax error" in parsed.message
