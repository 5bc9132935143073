"""Order status updates in the orders table (its name comes from ORDERS_TABLE)."""

import os

import boto3

_dynamodb = boto3.client("dynamodb")


def mark_paid(order_id, client=_dynamodb):
    client.update_item(
        TableName=os.environ["ORDERS_TABLE"],
        Key={"id": {"S": order_id}},
        UpdateExpression="SET order_status = :paid",
        ExpressionAttributeValues={":paid": {"S": "paid"}},
    )
