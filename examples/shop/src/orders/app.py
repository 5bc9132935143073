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
        TABLE.put_item(Item=order)
        return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
    order_id = event["pathParameters"]["id"]
    rows = DB.execute(f"SELECT * FROM orders WHERE id = '{order_id}'").fetchall()  # P7: SQLi
    return {"statusCode": 200, "body": json.dumps(rows)}
