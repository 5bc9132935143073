"""The example app deployed in moto (server mode on 127.0.0.1) for the audit tests."""

from __future__ import annotations

import functools
import json
import urllib.request
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).parents[2] / "examples" / "shop"
REGION = "us-east-1"
ACCOUNT = "123456789012"
CSC = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0a1b2c3d4e5f67890"
SIGNING_PROFILE = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/ci/abcdef1234"
_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")


def reset(endpoint: str) -> None:
    """Empty every emulated service (moto's own reset API)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@functools.cache
def client(service: str) -> Any:
    """A boto3 client of the emulator (from the environment set by the ``endpoint`` fixture),
    made once: making clients is most of the cost of a deployment."""
    import boto3  # noqa: PLC0415 - only in these tests

    made = boto3.client(service, region_name=REGION)
    if service == "lambda":
        made.meta.events.register("before-call.lambda.CreateFunction", _signed_body)
    return made


def _signed_body(params: dict[str, Any], **_: Any) -> None:
    """The emulator does not sign code: add what AWS Signer sets on signed code."""
    body = json.loads(params["body"])
    if body.get("CodeSigningConfigArn"):
        body["SigningProfileVersionArn"] = SIGNING_PROFILE
        body["SigningJobArn"] = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-jobs/job-1"
    params["body"] = json.dumps(body).encode()


TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def deploy(manifest: dict[str, Any], artifacts: Path) -> None:
    """Deploy every function of a manifest as it pins it, plus an API, a queue mapping, log
    groups and an alarm, so that the audit makes every call of its policy."""
    iam, lam = client("iam"), client("lambda")
    # the profile that "signed" the code (see _signed_body): the audit reads its status
    client("signer").put_signing_profile(profileName="ci", platformId="AWSLambda-SHA384-ECDSA")
    policy = iam.create_policy(
        PolicyName="orders-table",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    for entry in manifest["functions"]:
        config = entry["config"]
        role = iam.create_role(RoleName=config["role"], AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.attach_role_policy(RoleName=config["role"], PolicyArn=policy)
        iam.put_role_policy(
            RoleName=config["role"],
            PolicyName="logs",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
                    ],
                }
            ),
        )
        create_function(
            entry, role["Role"]["Arn"], (artifacts / entry["artifact"]["file"]).read_bytes()
        )
    api = client("apigateway")
    rest = api.create_rest_api(name="shop")
    root_id = api.get_resources(restApiId=rest["id"])["items"][0]["id"]
    api.put_method(
        restApiId=rest["id"], resourceId=root_id, httpMethod="GET", authorizationType="NONE"
    )
    api.put_integration(restApiId=rest["id"], resourceId=root_id, httpMethod="GET", type="MOCK")
    api.create_deployment(restApiId=rest["id"], stageName="dev")
    queue = client("sqs").create_queue(QueueName="orders")["QueueUrl"]
    queue_arn = client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    lam.create_event_source_mapping(
        EventSourceArn=queue_arn["Attributes"]["QueueArn"], FunctionName="OrderWorkerFunction"
    )
    logs = client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/CreateOrderFunction")
    logs.put_retention_policy(logGroupName="/aws/lambda/CreateOrderFunction", retentionInDays=30)
    client("cloudwatch").put_metric_alarm(
        AlarmName="orders-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "CreateOrderFunction"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )


def create_function(entry: dict[str, Any], role_arn: str, code: bytes) -> None:
    """One function as the manifest entry pins it (environment values are the test's own:
    the manifest holds only their digests)."""
    lam = client("lambda")
    config = entry["config"]
    extra: dict[str, Any] = {}
    if config["code_signing"]:
        extra["CodeSigningConfigArn"] = CSC
    if config["layers"]:
        extra["Layers"] = config["layers"]
    lam.create_function(
        FunctionName=entry["name"],
        Runtime=config["runtime"],
        Handler=config["handler"],
        Role=role_arn,
        Code={"ZipFile": code},
        Timeout=config["timeout"],
        MemorySize=config["memory"],
        Environment={"Variables": ENVIRONMENT.get(entry["name"], {"ORDERS_TABLE": "orders"})},
        **extra,
    )
    for index, principal in enumerate(config["resource_policy"]):
        lam.add_permission(
            FunctionName=entry["name"],
            StatementId=f"s{index}",
            Action="lambda:InvokeFunction",
            Principal=principal,
        )
    if config["url_auth"]:
        lam.create_function_url_config(FunctionName=entry["name"], AuthType=config["url_auth"])


#: The example's literal environment values (the digests in the manifest are of these).
ENVIRONMENT = {
    "CreateOrderFunction": {
        "ORDERS_TABLE": "orders",
        "DB_PASSWORD": "Sup3rS3cretPassw0rd!",
        "AWS_ACCESS_KEY": "AKIAIOSFODNN7EXAMPLE",
    }
}
