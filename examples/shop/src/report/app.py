"""Nightly sales report, and an admin export."""

import os
import shlex
import subprocess

import boto3

S3 = boto3.client("s3")


def handler(event, context):
    subprocess.run(["/opt/bin/pdfgen", "--out", "/tmp/report.pdf"], check=True)
    bucket = os.environ.get("REPORT_BUCKET", "shop-reports")
    S3.upload_file("/tmp/report.pdf", bucket, "reports/nightly.pdf")
    return {"ok": True}


def export_all(event, context):
    fmt = (event.get("queryStringParameters") or {}).get("format", "csv")
    os.system("export-orders --format " + fmt)  # P7: command injection from the query string
    # Safe twin: the same command with the value quoted for the shell is not reported.
    os.system("export-orders --format " + shlex.quote(fmt))
    import requests  # only the admin export needs it

    # P7: certificate verification off for the partner's self-signed endpoint
    requests.post(os.environ["PARTNER_HOOK"], json={"format": fmt}, verify=False, timeout=5)
    return {"statusCode": 200}
