"""Lambda events of every trigger kind, in the shapes of the AWS documentation, for the guard
tests (an attack or benign value goes where users put data)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any


def apigw_v1(q: str, body: str | None = None) -> dict[str, Any]:
    """A REST API (payload format 1.0) GET with ``?q=``."""
    return {
        "resource": "/orders",
        "path": "/orders",
        "httpMethod": "GET",
        "headers": {"Host": "abc.execute-api.eu-west-1.amazonaws.com"},
        "multiValueHeaders": {"Host": ["abc.execute-api.eu-west-1.amazonaws.com"]},
        "queryStringParameters": {"q": q},
        "requestContext": {"resourcePath": "/orders", "requestId": "r1", "stage": "prod"},
        "body": body,
        "isBase64Encoded": False,
    }


def apigw_v2(q: str = "books", body: str | None = None, url: bool = False) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) request, or a function URL's."""
    domain = "abc.lambda-url.eu-west-1.on.aws" if url else "abc.execute-api.eu-west-1.amazonaws.com"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default" if url else "POST /orders",
        "rawPath": "/orders",
        "rawQueryString": "q=x",
        "headers": {"content-type": "application/json"},
        "queryStringParameters": {"q": q},
        "requestContext": {"domainName": domain, "http": {"method": "POST", "path": "/orders"}},
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    return event


def alb(q: str) -> dict[str, Any]:
    """An ALB target group request."""
    return {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:::tg/x"}},
        "httpMethod": "GET",
        "path": "/orders",
        "queryStringParameters": {"q": q},
        "headers": {"host": "alb.example.com"},
        "body": "",
        "isBase64Encoded": False,
    }


def sqs(*bodies: str) -> dict[str, Any]:
    """An SQS batch, message ids ``m0``, ``m1``, ..."""
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": "h",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:orders",
            }
            for i, body in enumerate(bodies)
        ]
    }


def kinesis(*documents: dict[str, Any]) -> dict[str, Any]:
    """A Kinesis batch of JSON documents, sequence numbers ``s0``, ``s1``, ..."""
    return {
        "Records": [
            {
                "kinesis": {
                    "partitionKey": "k",
                    "sequenceNumber": f"s{i}",
                    "data": base64.b64encode(json.dumps(doc).encode()).decode(),
                },
                "eventSource": "aws:kinesis",
                "eventID": f"shardId-0:s{i}",
            }
            for i, doc in enumerate(documents)
        ]
    }


def s3(key: str) -> dict[str, Any]:
    """An S3 ObjectCreated notification (the key URL-encoded, as S3 sends it)."""
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "uploads"}, "object": {"key": key, "size": 10}},
            }
        ]
    }


def eventbridge(detail: dict[str, Any]) -> dict[str, Any]:
    """A custom EventBridge event."""
    return {
        "version": "0",
        "id": "e1",
        "detail-type": "OrderPlaced",
        "source": "shop.orders",
        "account": "123456789012",
        "detail": detail,
    }


class Context:
    """The parts of the Lambda context object the guard reads."""

    def __init__(self, remaining_ms: int = 30_000, request_id: str = "req-1") -> None:
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)
