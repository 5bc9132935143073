"""`faasguard iam suggest` is deployable: proven against moto in server mode with IAM
enforcement on (issue 12).

A moto server is started by the test on 127.0.0.1 (its own process, so the enforcement
setting touches no other test). While it still runs unauthenticated the test creates what
the example shop uses (the orders tables, the order queue, the buckets) and an
administrator user; then ``/moto-api/reset-auth`` turns IAM enforcement on
(``INITIAL_NO_AUTH_ACTION_COUNT`` 0): every later request must be signed by a user whose
policies allow it. For every function of the example in all three formats, the suggested
policy (``iam suggest --format json``, deploy-time placeholders filled with the moto
resources) is put on a fresh IAM user, and each call the policy was derived for is made
with that user's keys: none may be denied. Then each suggested action is removed in turn,
and the call that needs it must fail with AccessDenied: nothing in the policy is spare,
nothing needed is missing.

What moto checks, and so what this proves (also in README): for S3 it matches the bucket
and key ARN, for SQS the queue ARN, so those statements are deployed exactly as
suggested; for DynamoDB and CloudWatch Logs moto authorises the action only (against
resource ``*``), so their statements are deployed with ``Resource: "*"`` and only their
action set is proven here (their ARNs are checked by the other suggest tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto_support import free_port
from typer.testing import CliRunner

from faasguard.cli import app

pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")
botocore_exceptions = pytest.importorskip("botocore.exceptions")

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
REGION, ACCOUNT = "us-east-1", "123456789012"
#: Services whose resource ARN moto's IAM enforcement does not look at (see the docstring).
ACTION_ONLY = ("dynamodb:", "logs:")
#: Deploy-time values of the suggestions, as the moto world below names them.
PLACEHOLDERS = {
    "${AWS::Partition}": "aws",
    "${AWS::Region}": REGION,
    "${AWS::AccountId}": ACCOUNT,
    "${OrdersTable.Arn}": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/OrdersTable",
    "${OrderQueue.Arn}": f"arn:aws:sqs:{REGION}:{ACCOUNT}:OrderQueue",
}
UPLOADS = "shop-uploads"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto in server mode on 127.0.0.1 in its own process, stopped at the end."""
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "inf"}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("moto server did not start")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _client(service: str, url: str, keys: tuple[str, str] = ("testing", "testing")) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
    )


@dataclass
class World:
    """The moto account after setup: its URL and the administrator's keys."""

    url: str
    admin: tuple[str, str]

    def user(self, name: str, policy: dict[str, Any]) -> tuple[str, str]:
        iam = _client("iam", self.url, self.admin)
        iam.create_user(UserName=name)
        self.put(name, policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def put(self, name: str, policy: dict[str, Any]) -> None:
        _client("iam", self.url, self.admin).put_user_policy(
            UserName=name, PolicyName="suggested", PolicyDocument=json.dumps(policy)
        )


@pytest.fixture(scope="module")
def world(endpoint: str) -> World:
    ddb = _client("dynamodb", endpoint)
    for table in ("OrdersTable", "shop-dev-orders"):
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    _client("sqs", endpoint).create_queue(QueueName="OrderQueue")
    s3 = _client("s3", endpoint)
    for bucket in ("shop-reports", UPLOADS):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=UPLOADS, Key="incoming/photo.jpg", Body=b"x")
    iam = _client("iam", endpoint)
    iam.create_user(UserName="admin")
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(everything))
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    # From here on every request is checked against the caller's IAM policies.
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0",
        method="POST",
        headers={"Content-Type": "text/plain"},  # a form body would be parsed away
    )
    urllib.request.urlopen(request, timeout=5).close()
    return World(endpoint, (key["AccessKeyId"], key["SecretAccessKey"]))


def _arn_tail(resource: str) -> str:
    return resource.split(":", 5)[5] if resource.count(":") >= 5 else resource


def _s3_target(resource: str) -> tuple[str, str]:
    if resource == "*":
        return UPLOADS, "incoming/photo.jpg"
    bucket, _, key = _arn_tail(resource).partition("/")
    return bucket, key.replace("*", "any") or "any"


def _queue_url(url: str, keys: tuple[str, str], resource: str) -> str:
    # Built, not looked up: GetQueueUrl is not an action the function's role needs.
    del keys
    return f"{url}/{ACCOUNT}/{resource.rsplit(':', 1)[-1]}"


#: The API call each suggested action stands for: (client service, call(client, resource)).
Call = Callable[[Any, str, str, tuple[str, str]], Any]
CALLS: dict[str, tuple[str, Call]] = {
    "dynamodb:PutItem": (
        "dynamodb",
        lambda c, r, u, k: c.put_item(
            TableName=_arn_tail(r).split("/")[1], Item={"id": {"S": "1"}}
        ),
    ),
    "dynamodb:UpdateItem": (
        "dynamodb",
        lambda c, r, u, k: c.update_item(
            TableName=_arn_tail(r).split("/")[1],
            Key={"id": {"S": "1"}},
            UpdateExpression="SET order_status = :paid",
            ExpressionAttributeValues={":paid": {"S": "paid"}},
        ),
    ),
    "s3:GetObject": (
        "s3",
        lambda c, r, u, k: c.get_object(Bucket=_s3_target(r)[0], Key=_s3_target(r)[1]),
    ),
    "s3:PutObject": (
        "s3",
        lambda c, r, u, k: c.put_object(Bucket=_s3_target(r)[0], Key=_s3_target(r)[1], Body=b"pdf"),
    ),
    "sqs:ReceiveMessage": (
        "sqs",
        lambda c, r, u, k: c.receive_message(QueueUrl=_queue_url(u, k, r)),
    ),
    "sqs:DeleteMessage": (
        "sqs",
        lambda c, r, u, k: c.delete_message(QueueUrl=_queue_url(u, k, r), ReceiptHandle="none"),
    ),
    "sqs:GetQueueAttributes": (
        "sqs",
        lambda c, r, u, k: c.get_queue_attributes(QueueUrl=_queue_url(u, k, r)),
    ),
    "logs:CreateLogGroup": ("logs", lambda c, r, u, k: c.create_log_group(logGroupName=_group(r))),
    "logs:CreateLogStream": (
        "logs",
        lambda c, r, u, k: c.create_log_stream(logGroupName=_group(r), logStreamName="s"),
    ),
    "logs:PutLogEvents": (
        "logs",
        lambda c, r, u, k: c.put_log_events(
            logGroupName=_group(r), logStreamName="s", logEvents=[{"timestamp": 1, "message": "m"}]
        ),
    ),
}


def _group(resource: str) -> str:
    return _arn_tail(resource).removeprefix("log-group:").split(":", 1)[0].replace("*", "any")


def _fill(text: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    assert "${" not in text, f"a deploy-time value the test does not know: {text}"
    return text


def _deployable(policy: dict[str, Any], without: str | None = None) -> dict[str, Any]:
    statements = []
    for statement in policy["Statement"]:
        actions = [a for a in statement["Action"] if a != without]
        if not actions:
            continue
        resources = [_fill(r) for r in statement["Resource"]]
        if all(a.startswith(ACTION_ONLY) for a in actions):
            resources = ["*"]  # moto authorises these services' actions against "*" only
        statements.append({"Effect": "Allow", "Action": actions, "Resource": resources})
    return {"Version": "2012-10-17", "Statement": statements}


def _calls(policy: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, resource) of every call the suggested policy was derived for."""
    return [(a, _fill(r)) for s in policy["Statement"] for a in s["Action"] for r in s["Resource"]]


def _denied(world: World, keys: tuple[str, str], action: str, resource: str) -> bool:
    service, call = CALLS[action]
    try:
        call(_client(service, world.url, keys), resource, world.url, keys)
    except botocore_exceptions.ClientError as error:
        # moto answers AccessDenied in an XML body, which JSON-protocol clients report as
        # code "403"; anything else (no such message, an empty stream) means IAM let the
        # call through.
        detail = error.response["Error"]
        return "AccessDenied" in f"{detail.get('Code')} {detail.get('Message')}"
    return False


def _suggestions() -> list[dict[str, Any]]:
    result = CliRunner().invoke(
        app, ["iam", "suggest", str(SHOP), "--format", "json", "--no-cache", "--jobs", "1"]
    )
    assert result.exit_code == 0
    functions: list[dict[str, Any]] = json.loads(result.stdout)["functions"]
    assert {f["format"] for f in functions} == {"sam", "serverless", "terraform"}
    return functions


def test_every_suggested_policy_works_and_has_nothing_spare(world: World) -> None:
    for index, function in enumerate(_suggestions()):
        policy = function["policy"]
        calls = _calls(policy)
        assert all(action in CALLS for action, _ in calls), function["function"]
        user = f"fn{index}"
        keys = world.user(user, _deployable(policy))
        for action, resource in calls:
            assert not _denied(world, keys, action, resource), (function["function"], action)
            if resource != "*" and action.startswith(("s3:", "sqs:")):
                # Scoped, not only right: the same call on a neighbour is refused.
                assert _denied(world, keys, action, f"{resource}-elsewhere"), (action, resource)
        for removed in {action for action, _ in calls}:
            world.put(user, _deployable(policy, without=removed))
            needing = [(a, r) for a, r in calls if a == removed]
            assert all(_denied(world, keys, a, r) for a, r in needing), (
                function["function"],
                removed,
            )
        world.put(user, _deployable(policy))
