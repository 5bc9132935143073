"""The Python front end: every boto3 call a handler can make, found without running it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.code.python import analyse
from faasguard.code.values import SdkCall


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _calls(root: Path, files: dict[str, str], export: str | None = "handler") -> list[SdkCall]:
    _write(root, files)
    return list(analyse(root, root / "app.py", export).calls)


def _ops(calls: list[SdkCall]) -> set[tuple[str, str]]:
    return {(c.service, c.operation) for c in calls}


def _param(calls: list[SdkCall], operation: str, name: str) -> list[str]:
    return [str(v) for c in calls if c.operation == operation for v in c.param(name)]


def test_clients_in_globals_sessions_and_resources(tmp_path: Path) -> None:
    calls = _calls(
        tmp_path,
        {
            "app.py": """
            import os
            import boto3
            from boto3.session import Session

            s3 = boto3.client("s3")
            TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS"])
            sqs = Session().client("sqs")
            sns = boto3.Session(region_name="eu-west-1").resource("sns")

            def handler(event, context):
                s3.get_object(Bucket=os.environ["BUCKET"], Key=f"in/{event['key']}")
                TABLE.put_item(Item=event)
                sqs.send_message(QueueUrl=os.getenv("QUEUE", "default-q"), MessageBody="x")
                sns.Topic("arn:aws:sns:eu-west-1:1:t").publish(Message="m")
            """
        },
    )
    assert _ops(calls) == {
        ("s3", "get_object"),
        ("dynamodb", "PutItem"),
        ("sqs", "send_message"),
        ("sns", "Publish"),
    }
    assert _param(calls, "get_object", "Bucket") == ["${env:BUCKET}"]
    assert _param(calls, "get_object", "Key") == ["in/*"]
    assert _param(calls, "PutItem", "TableName") == ["${env:ORDERS}"]
    assert _param(calls, "Publish", "TopicArn") == ["arn:aws:sns:eu-west-1:1:t"]
    line = next(c.line for c in calls if c.operation == "PutItem")
    assert line == 13


def test_helpers_factories_class_attributes_and_modules(tmp_path: Path) -> None:
    calls = _calls(
        tmp_path,
        {
            "app.py": """
            from lib import helpers
            from lib.store import Store, make_client
            from .relative_is_ignored_at_top import nothing

            def handler(event, context):
                helpers.send(make_client("sqs"), "https://sqs/1/jobs")
                Store().save(event)
            """,
            "lib/__init__.py": "",
            "lib/helpers.py": """
            def send(client, url):
                client.send_message(QueueUrl=url, MessageBody="x")
            """,
            "lib/store.py": """
            import boto3
            from . import clients

            def make_client(name):
                return boto3.client(name)

            class Base:
                def __init__(self):
                    self.secrets = clients.SECRETS

            class Store(Base):
                def save(self, item):
                    self.secrets.get_secret_value(SecretId="prod/db")
            """,
            "lib/clients.py": """
            import boto3
            SECRETS = boto3.client("secretsmanager")
            """,
        },
    )
    assert _ops(calls) == {("sqs", "send_message"), ("secretsmanager", "get_secret_value")}
    assert _param(calls, "send_message", "QueueUrl") == ["https://sqs/1/jobs"]
    assert {Path(c.file).name for c in calls} == {"helpers.py", "store.py"}


def test_resource_objects_collections_paginators_waiters(tmp_path: Path) -> None:
    calls = _calls(
        tmp_path,
        {
            "app.py": """
            import boto3

            s3 = boto3.resource("s3")
            client = boto3.client("s3")
            table = boto3.resource("dynamodb").Table("orders")

            def handler(event, context):
                bucket = s3.Bucket("uploads")
                for obj in bucket.objects.filter(Prefix="in/"):
                    obj.delete()
                s3.Object("uploads", "k").get()
                for page in client.get_paginator("list_objects_v2").paginate(Bucket="b2"):
                    pass
                client.get_waiter("object_exists").wait(Bucket="b3", Key="k")
                client.generate_presigned_url("get_object", Params={"Bucket": "b4", "Key": "k"})
                client.upload_file("/tmp/f", "b5", "key")
                with table.batch_writer() as batch:
                    batch.put_item(Item={})
                return table.item_count
            """
        },
    )
    assert _ops(calls) == {
        ("s3", "ListObjects"),
        ("s3", "DeleteObject"),
        ("s3", "GetObject"),
        ("s3", "list_objects_v2"),
        ("s3", "HeadObject"),
        ("s3", "get_object"),
        ("s3", "upload_file"),
        ("dynamodb", "BatchWriteItem"),
        ("dynamodb", "DescribeTable"),
    }
    assert _param(calls, "DeleteObject", "Bucket") == ["uploads"]
    assert _param(calls, "list_objects_v2", "Bucket") == ["b2"]
    assert _param(calls, "upload_file", "Bucket") == ["b5"]
    assert _param(calls, "BatchWriteItem", "TableName") == ["orders"]


def test_only_code_reachable_from_the_handler_counts(tmp_path: Path) -> None:
    files = {
        "app.py": """
        import boto3
        s3 = boto3.client("s3")

        def helper():
            s3.put_object(Bucket="b", Key="k", Body=b"")

        def handler(event, context):
            helper()

        def other(event, context):
            s3.delete_object(Bucket="b", Key="k")
        """
    }
    assert _ops(_calls(tmp_path, files)) == {("s3", "put_object")}
    assert _ops(_calls(tmp_path, files, export="other")) == {("s3", "delete_object")}


def test_gaps_dynamic_names_wrappers_and_syntax_errors(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "app.py": """
            import boto3
            from aws_lambda_powertools.utilities import parameters
            import broken

            def handler(event, context):
                client = boto3.client(event["service"])
                getattr(boto3.client("s3"), event["op"])()
            """,
            "broken.py": "def oops(:\n",
        },
    )
    result = analyse(tmp_path, tmp_path / "app.py", "handler")
    messages = sorted(str(g) for g in result.gaps)
    assert any("service is computed at run time" in m and "app.py:7" in m for m in messages)
    assert any("SDK method name computed at run time" in m for m in messages)
    assert any("aws_lambda_powertools" in m for m in messages)
    assert any(m.startswith(f"{tmp_path / 'broken.py'}:1: syntax error") for m in messages)


def test_missing_handler_function_is_a_gap(tmp_path: Path) -> None:
    _write(tmp_path, {"app.py": "import boto3\nboto3.client('s3').list_buckets()\n"})
    result = analyse(tmp_path, tmp_path / "app.py", "handler")
    assert [g.message for g in result.gaps] == [
        "handler function handler not found at module level"
    ]
    assert _ops(list(result.calls)) == {("s3", "list_buckets")}


@settings(max_examples=60, deadline=None)
@given(source=st.text(max_size=300))
def test_any_source_text_never_crashes(tmp_path_factory: object, source: str) -> None:
    root = tmp_path_factory.mktemp("fuzz")  # type: ignore[attr-defined]
    (root / "app.py").write_text(source, encoding="utf-8", errors="replace")
    result = analyse(root, root / "app.py", "handler")
    assert isinstance(result.calls, tuple)
