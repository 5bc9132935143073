"""Nightly sales report, and an admin export."""

import os
import subprocess


def handler(event, context):
    subprocess.run(["/opt/bin/pdfgen", "--out", "/tmp/report.pdf"], check=True)
    return {"ok": True}


def export_all(event, context):
    fmt = (event.get("queryStringParameters") or {}).get("format", "csv")
    os.system("export-orders --format " + fmt)  # P7: command injection from the query string
    return {"statusCode": 200}
