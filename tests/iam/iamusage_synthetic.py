"""A synthetic SAM app with many functions and a few thousand lines of handler code, for
the usage-analysis speed test and ``benchmarks/iam_usage.py`` (the shared corpus has
templates but no handler code).

:func:`generate` writes the app and returns, per function, the IAM actions its code needs:
the analysis must find exactly those.
"""

from __future__ import annotations

from pathlib import Path

#: (boto3 client, call, IAM action) used round-robin by the generated Python code
PY_CALLS = (
    ("dynamodb", 'put_item(TableName=os.environ["TABLE"], Item={{}})', "dynamodb:PutItem"),
    ("s3", 'get_object(Bucket=os.environ["BUCKET"], Key=f"in/{{key}}")', "s3:GetObject"),
    ("sqs", 'send_message(QueueUrl=os.environ["QUEUE"], MessageBody=key)', "sqs:SendMessage"),
    ("sns", 'publish(TopicArn=os.environ["TOPIC"], Message=key)', "sns:Publish"),
    ("secretsmanager", 'get_secret_value(SecretId="prod/{n}")', "secretsmanager:GetSecretValue"),
    ("ssm", 'get_parameter(Name="/app/{n}")', "ssm:GetParameter"),
)
#: (v3 package, client class, command, IAM action) for the generated Node.js code
JS_CALLS = (
    ("client-s3", "S3Client", "PutObjectCommand", "s3:PutObject"),
    ("client-sqs", "SQSClient", "DeleteMessageCommand", "sqs:DeleteMessage"),
    ("client-dynamodb", "DynamoDBClient", "QueryCommand", "dynamodb:Query"),
    ("client-kinesis", "KinesisClient", "PutRecordCommand", "kinesis:PutRecord"),
)
FILLER_FUNCTIONS = 12  # plain functions per helper module: realistic bulk to parse


def _filler(prefix: str, language: str) -> str:
    lines = []
    for index in range(FILLER_FUNCTIONS):
        if language == "python":
            lines += [
                f"def {prefix}_util_{index}(values, scale={index}):",
                "    total = 0",
                "    for value in values:",
                "        if value % 2:",
                "            total += value * scale",
                "        else:",
                "            total -= value",
                f'    return {{"name": "{prefix}-{index}", "total": total}}',
                "",
            ]
        else:
            lines += [
                f"function {prefix}Util{index}(values, scale = {index}) {{",
                "  let total = 0;",
                "  for (const value of values) {",
                "    total += value % 2 ? value * scale : -value;",
                "  }",
                f'  return {{ name: "{prefix}-{index}", total }};',
                "}",
                "",
            ]
    return "\n".join(lines)


def _python_function(directory: Path, n: int) -> set[str]:
    chosen = [PY_CALLS[(n + k) % len(PY_CALLS)] for k in range(3)]
    directory.mkdir(parents=True)
    (directory / "lib").mkdir()
    (directory / "lib" / "__init__.py").write_text("")
    (directory / "lib" / "clients.py").write_text(
        "import boto3\n\n"
        + "\n".join(f'{svc.upper()} = boto3.client("{svc}")' for svc, _, _ in chosen)
        + "\n\n"
        + _filler("clients", "python")
    )
    helpers = ["import os", "", "from lib import clients", ""]
    for index, (_, call, _) in enumerate(chosen):
        helpers += [
            f"def step_{index}(client, key):",
            f"    return client.{call.format(n=n)}",
            "",
        ]
    (directory / "lib" / "steps.py").write_text(
        "\n".join(helpers) + "\n" + _filler("steps", "python")
    )
    handler = [
        "from lib import clients, steps",
        "",
        "",
        "class Processor:",
        "    def __init__(self):",
        *(f"        self.c{i} = clients.{svc.upper()}" for i, (svc, _, _) in enumerate(chosen)),
        "",
        "    def run(self, key):",
        *(f"        steps.step_{i}(self.c{i}, key)" for i in range(len(chosen))),
        "",
        "",
        "def handler(event, context):",
        '    Processor().run(event["key"])',
        "",
        _filler("handler", "python"),
    ]
    (directory / "app.py").write_text("\n".join(handler))
    return {action for _, _, action in chosen}


def _js_function(directory: Path, n: int) -> set[str]:
    chosen = [JS_CALLS[(n + k) % len(JS_CALLS)] for k in range(2)]
    directory.mkdir(parents=True)
    lines = []
    for package, klass, command, _ in chosen:
        lines.append(f'const {{ {klass}, {command} }} = require("@aws-sdk/{package}");')
    lines.append("")
    for index, (_, klass, _, _) in enumerate(chosen):
        lines.append(f"const client{index} = new {klass}({{}});")
    lines.append("")
    lines.append("async function call(client, command) {")
    lines.append("  return client.send(command);")
    lines.append("}")
    lines.append("")
    lines.append("module.exports = { call, " + ", ".join(f"client{i}" for i in range(len(chosen))))
    lines[-1] += ", " + ", ".join(c for _, _, c, _ in chosen) + " };"
    (directory / "aws.js").write_text("\n".join(lines) + "\n" + _filler("aws", "js"))
    handler = ['const aws = require("./aws");', "", "exports.handler = async (event) => {"]
    for index, (_, _, command, _) in enumerate(chosen):
        handler.append(
            f"  await aws.call(aws.client{index}, new aws.{command}("
            "{ Bucket: process.env.BUCKET, Key: event.key, TableName: process.env.TABLE }));"
        )
    handler += ["  return { ok: true };", "};", "", _filler("handler", "js")]
    (directory / "index.js").write_text("\n".join(handler))
    return {action for _, _, _, action in chosen}


def generate(root: Path, functions: int = 30) -> dict[str, set[str]]:
    """Write a SAM app with ``functions`` functions under ``root``; the code actions each
    function needs, by logical id."""
    expected: dict[str, set[str]] = {}
    resources = []
    for n in range(functions):
        ref = f"Function{n:02d}"
        python = n % 2 == 0
        code = root / "src" / f"f{n:02d}"
        expected[ref] = _python_function(code, n) if python else _js_function(code, n)
        resources += [
            f"  {ref}:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            f"      CodeUri: src/f{n:02d}/",
            f"      Handler: {'app' if python else 'index'}.handler",
            f"      Runtime: {'python3.12' if python else 'nodejs20.x'}",
            "      Policies:",
            "        - DynamoDBCrudPolicy:",
            "            TableName: !Ref Table",
        ]
    template = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        "Transform: AWS::Serverless-2016-10-31",
        "Globals:",
        "  Function:",
        "    Environment:",
        "      Variables:",
        "        TABLE: !Ref Table",
        "        BUCKET: !Ref Bucket",
        "        QUEUE: !Ref Queue",
        "        TOPIC: !Ref Topic",
        "Resources:",
        *resources,
        "  Table:",
        "    Type: AWS::DynamoDB::Table",
        "  Bucket:",
        "    Type: AWS::S3::Bucket",
        "  Queue:",
        "    Type: AWS::SQS::Queue",
        "  Topic:",
        "    Type: AWS::SNS::Topic",
    ]
    (root / "template.yaml").write_text("\n".join(template) + "\n")
    return expected


def line_count(root: Path) -> int:
    """Lines of handler code under ``root/src``."""
    return sum(len(p.read_text().splitlines()) for p in (root / "src").rglob("*") if p.is_file())
