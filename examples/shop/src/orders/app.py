"""Create and fetch orders (API Gateway REST, proxy integration)."""

import json
import os
import sqlite3

import boto3
import yaml

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
DB = sqlite3.connect("/tmp/orders.db")


def handler(event, context):
    if event["httpMethod"] == "POST":
        order = yaml.load(event["body"], Loader=yaml.Loader)  # P7: unsafe deserialization
        preview = yaml.safe_load(event["body"])  # safe twin: data-only loader, not reported
        TABLE.put_item(Item=order)
        return {"statusCode": 201, "body": json.dumps({"id": order["id"], "lines": len(preview)})}
    order_id = event["pathParameters"]["id"]
    rows = DB.execute(f"SELECT * FROM orders WHERE id = '{order_id}'").fetchall()  # P7: SQLi
    # Safe twin: a constant statement with a bound parameter is not reported.
    rows += DB.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchall()
    try:
        return {"statusCode": 200, "body": json.dumps(rows)}
    except TypeError as exc:  # BLOB columns do not serialise
        return {"statusCode": 500, "body": f"cannot encode order: {exc!r}"}  # P7: raw error
