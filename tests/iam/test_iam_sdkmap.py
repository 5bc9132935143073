"""SDK call → IAM actions: botocore models checked against the catalog, plus the table of
known exceptions (every row is asserted here)."""

from __future__ import annotations

from typing import Any

import pytest

from faasguard.data import load_json
from faasguard.iam.catalog import catalog
from faasguard.iam.sdkmap import actions_for, lookup, mapping_coverage, resolve_service

TABLE: dict[str, Any] = load_json("sdk_iam_exceptions.json")
ROWS = [
    (service, operation, row)
    for service, operations in TABLE["operations"].items()
    for operation, row in operations.items()
]


def test_most_botocore_operations_map_cleanly() -> None:
    clean, total = mapping_coverage()
    share = clean / total
    print(f"\nSDK→IAM mapping: {clean}/{total} botocore operations map cleanly ({share:.1%})")
    assert total > 15000
    assert share > 0.90


@pytest.mark.parametrize(
    ("service", "operation", "row"), ROWS, ids=[f"{s}.{o}" for s, o, _ in ROWS]
)
def test_every_exception_row(service: str, operation: str, row: dict[str, Any]) -> None:
    found = lookup(service, operation)
    assert found is not None, "the operation exists in botocore's model"
    assert found.source == "exception"
    assert actions_for(service, operation) == tuple(row["actions"])
    conditional = [a for extra in row.get("conditional", ()) for a in extra["actions"]]
    assert [r.action for r in found.requirements if r.when] == conditional
    for action in (*row["actions"], *conditional):
        assert catalog().canonical(action) == action, f"{action} is a real, canonical action"


@pytest.mark.parametrize(
    ("service", "operation", "expected"),
    [
        ("s3", "list_objects_v2", ("s3:ListBucket",)),
        ("S3", "headObject", ("s3:GetObject",)),
        ("client-s3", "HeadBucketCommand", ("s3:ListBucket",)),
        ("s3", "copy_object", ("s3:GetObject", "s3:PutObject")),
        ("s3", "delete_objects", ("s3:DeleteObject",)),
        ("s3", "upload_part", ("s3:PutObject",)),
        ("s3", "upload_file", ("s3:PutObject",)),
        ("s3", "get_object", ("s3:GetObject",)),
        ("DocumentClient", "get", ("dynamodb:GetItem",)),
        ("AWS.DynamoDB.DocumentClient", "put", ("dynamodb:PutItem",)),
        ("DocumentClient", "batchWrite", ("dynamodb:BatchWriteItem",)),
        ("@aws-sdk/lib-dynamodb", "QueryCommand", ("dynamodb:Query",)),
        ("lib-dynamodb", "TransactGetCommand", ("dynamodb:GetItem",)),
        ("dynamodb", "put_item", ("dynamodb:PutItem",)),
        ("lambda", "invoke", ("lambda:InvokeFunction",)),
        ("Lambda", "invokeAsync", ("lambda:InvokeAsync",)),
        ("sts", "get_caller_identity", ()),
        ("secretsmanager", "get_secret_value", ("secretsmanager:GetSecretValue",)),
        ("kinesis", "put_records", ("kinesis:PutRecords",)),
        ("client-eventbridge", "PutEventsCommand", ("events:PutEvents",)),
        ("ses", "send_email", ("ses:SendEmail",)),
        ("sesv2", "send_email", ("ses:SendEmail",)),
        ("cloudwatch", "put_metric_data", ("cloudwatch:PutMetricData",)),
        ("xray", "put_trace_segments", ("xray:PutTraceSegments",)),
        ("StepFunctions", "startExecution", ("states:StartExecution",)),
        ("client-sfn", "StartExecutionCommand", ("states:StartExecution",)),
        ("ApiGatewayManagementApi", "postToConnection", ("execute-api:ManageConnections",)),
        ("CloudWatchLogs", "putLogEvents", ("logs:PutLogEvents",)),
        ("sqs", "send_message_batch", ("sqs:SendMessage",)),
        ("sns", "publish", ("sns:Publish",)),
        ("apigateway", "get_rest_apis", ("apigateway:GET",)),
        ("apigateway", "update_stage", ("apigateway:PATCH",)),
        ("iot-data", "publish", ("iot:Publish",)),
    ],
)
def test_sdk_spellings(service: str, operation: str, expected: tuple[str, ...]) -> None:
    assert actions_for(service, operation) == expected


@pytest.mark.parametrize(
    ("service", "operation", "conditional"),
    [
        ("s3", "GetObject", ("kms:Decrypt",)),
        ("s3", "PutObject", ("kms:GenerateDataKey",)),
        ("sqs", "ReceiveMessage", ("kms:Decrypt",)),
        ("sns", "Publish", ("kms:GenerateDataKey", "kms:Decrypt")),
        ("secretsmanager", "GetSecretValue", ("kms:Decrypt",)),
    ],
)
def test_kms_requirements_are_conditional(
    service: str, operation: str, conditional: tuple[str, ...]
) -> None:
    found = lookup(service, operation)
    assert found is not None
    assert tuple(r.action for r in found.requirements if r.when == "kms-encrypted") == conditional
    assert not any(a.startswith("kms:") for a in found.actions)


def test_unknown_calls_and_no_permission_calls_differ() -> None:
    assert actions_for("nosuchservice", "GetThing") == ()
    assert lookup("nosuchservice", "GetThing") is None
    assert lookup("s3", "NoSuchOperation") is None
    found = lookup("sts", "GetCallerIdentity")
    assert found is not None and found.requirements == ()


@pytest.mark.parametrize(
    ("name", "service"),
    [
        ("s3", "s3"),
        ("S3", "s3"),
        ("client-s3", "s3"),
        ("@aws-sdk/client-dynamodb", "dynamodb"),
        ("DocumentClient", "dynamodb"),
        ("lib-dynamodb", "dynamodb"),
        ("client-sfn", "stepfunctions"),
        ("StepFunctions", "stepfunctions"),
        ("client-cloudwatch-logs", "logs"),
        ("CloudWatchLogs", "logs"),
        ("client-cognito-identity-provider", "cognito-idp"),
        ("CognitoIdentityServiceProvider", "cognito-idp"),
        ("client-secrets-manager", "secretsmanager"),
        ("nope", None),
        ("", None),
    ],
)
def test_resolve_service(name: str, service: str | None) -> None:
    assert resolve_service(name) == service
