"""Process queued orders (SQS)."""

import json
import pickle
import base64
import sqlite3

from store import mark_paid

DB = sqlite3.connect("/tmp/orders.db")


def handler(event, context):
    for record in event["Records"]:
        message = json.loads(record["body"])
        cart = pickle.loads(base64.b64decode(message["cart"]))  # P7: insecure deserialization
        DB.execute("UPDATE orders SET status = 'paid' WHERE id = '%s'" % message["id"])  # SQLi
        # Safe twin: the same update with a bound parameter is not reported.
        DB.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (message["id"],))
        mark_paid(message["id"])
        print("processed", message["id"], cart)
