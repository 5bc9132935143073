"""Terraform loader: HCL root modules, local modules, tfvars, plan JSON, the corpus."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from faasguard.config import LoadOptions
from faasguard.loaders.discovery import discover
from faasguard.loaders.terraform import load
from faasguard.model import (
    Alarm,
    App,
    DiagnosticLevel,
    LogGroup,
    TriggerKind,
    Unknown,
    WebAclAssociation,
)

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"

MAIN_TF = """\
variable "timeout" {
  default = 30
}
locals {
  name = "orders"
}
resource "aws_iam_role" "exec" {
  name = "${local.name}-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole"
    }]
  })
}
resource "aws_iam_role_policy" "inline" {
  role = aws_iam_role.exec.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["dynamodb:*"]
        Resource = "*"
      },
    ]
  })
}
data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:ReceiveMessage"]
    resources = [aws_sqs_queue.orders.arn]
  }
}
resource "aws_iam_policy" "queue" {
  policy = data.aws_iam_policy_document.queue.json
}
resource "aws_iam_role_policy_attachment" "queue" {
  role       = aws_iam_role.exec.name
  policy_arn = aws_iam_policy.queue.arn
}
resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.exec.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
data "archive_file" "zip" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build.zip"
}
resource "aws_lambda_function" "orders" {
  function_name = local.name
  filename      = data.archive_file.zip.output_path
  role          = aws_iam_role.exec.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  timeout       = var.timeout
  memory_size   = 256
  environment {
    variables = {
      TABLE       = "t"
      DB_PASSWORD = "hunter2"
    }
  }
}
resource "aws_sqs_queue" "orders" {
  name = "orders"
}
resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn = aws_sqs_queue.orders.arn
  function_name    = aws_lambda_function.orders.arn
  batch_size       = 5
}
resource "aws_cloudwatch_log_group" "orders" {
  name              = "/aws/lambda/${aws_lambda_function.orders.function_name}"
  retention_in_days = 14
}
resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name  = "orders-errors"
  namespace   = "AWS/Lambda"
  metric_name = "Errors"
  dimensions  = { FunctionName = aws_lambda_function.orders.function_name }
}
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _load(root: Path, **variables: str) -> App:
    return load(str(root), LoadOptions(variables=variables))


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_function_role_and_policies(tmp_path: Path) -> None:
    app = _load(_write(tmp_path, {"main.tf": MAIN_TF}))
    assert app.format == "terraform"
    assert app.name == tmp_path.name
    assert app.files == (str(tmp_path / "main.tf"),)
    (function,) = app.functions
    assert function.ref == "aws_lambda_function.orders"
    assert function.name == "orders"
    assert (function.runtime, function.handler, function.timeout, function.memory) == (
        "python3.12",
        "app.handler",
        30,
        256,
    )
    assert function.environment == {"TABLE": "t", "DB_PASSWORD": "hunter2"}
    assert function.code.kind == "directory"
    assert function.code.path == str(tmp_path / "src")
    role = function.role
    assert role is not None and role.ref == "aws_iam_role.exec" and not role.external
    assert role.name == "orders-role"
    inline, document = role.policies
    (statement,) = inline.statements
    assert statement.actions == ("dynamodb:*",) and statement.resources == ("*",)
    assert statement.location.line == _line(MAIN_TF, '        Effect   = "Allow"') - 1
    (doc_statement,) = document.statements
    assert doc_statement.actions == ("sqs:ReceiveMessage",)
    assert doc_statement.resources == (
        Unknown(expression="aws_sqs_queue.orders.arn", reason="computed attribute"),
    )
    assert doc_statement.location.line == _line(MAIN_TF, "  statement {")
    assert role.managed_policy_arns == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    assert role.assume_role_policy is not None
    assert role.assume_role_policy.statements[0].principals == {
        "Service": ("lambda.amazonaws.com",)
    }


def test_field_locations_are_the_attribute_lines(tmp_path: Path) -> None:
    app = _load(_write(tmp_path, {"main.tf": MAIN_TF}))
    function = app.functions[0]
    for field_name, needle in [
        ("runtime", "runtime       ="),
        ("handler", "handler       ="),
        ("timeout", "timeout       ="),
        ("memory", "memory_size"),
        ("role", "role          = aws_iam_role.exec.arn"),
        ("environment", "  environment {"),
        ("environment.DB_PASSWORD", "DB_PASSWORD ="),
    ]:
        location = function.loc(field_name)
        assert location.file == str(tmp_path / "main.tf")
        assert location.line == _line(MAIN_TF, needle), field_name


def test_sqs_trigger_log_group_and_alarm_link(tmp_path: Path) -> None:
    app = _load(_write(tmp_path, {"main.tf": MAIN_TF}))
    (trigger,) = app.functions[0].triggers
    assert trigger.kind is TriggerKind.SQS
    assert trigger.source == "aws_sqs_queue.orders"
    assert trigger.properties["batch_size"] == 5
    (log_group,) = app.of_type(LogGroup)
    assert log_group.log_group_name == "/aws/lambda/orders"
    assert log_group.retention_days == 14
    (alarm,) = app.of_type(Alarm)
    assert alarm.dimensions == {"FunctionName": "orders"}
    assert app.function(alarm.dimensions["FunctionName"]) is app.functions[0]


API_TF = """\
resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/existing"
  image_uri     = "123.dkr.ecr.eu-west-1.amazonaws.com/api:1"
  package_type  = "Image"
}
resource "aws_api_gateway_rest_api" "shop" {
  name = "shop"
}
resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.shop.id
  parent_id   = aws_api_gateway_rest_api.shop.root_resource_id
  path_part   = "orders"
}
resource "aws_api_gateway_method" "post" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "POST"
  authorization = "NONE"
}
resource "aws_api_gateway_integration" "post" {
  rest_api_id             = aws_api_gateway_rest_api.shop.id
  resource_id             = aws_api_gateway_resource.orders.id
  http_method             = aws_api_gateway_method.post.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.api.invoke_arn
}
resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  deployment_id = "x"
  stage_name    = "prod"
}
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.shop.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "*/*"
  settings {
    throttling_rate_limit  = 100
    throttling_burst_limit = 50
  }
}
resource "aws_wafv2_web_acl" "acl" {
  name  = "acl"
  scope = "REGIONAL"
}
resource "aws_wafv2_web_acl_association" "prod" {
  resource_arn = aws_api_gateway_stage.prod.arn
  web_acl_arn  = aws_wafv2_web_acl.acl.arn
}
resource "aws_apigatewayv2_api" "http" {
  name          = "http"
  protocol_type = "HTTP"
  cors_configuration {
    allow_origins     = ["*"]
    allow_credentials = true
  }
}
resource "aws_apigatewayv2_integration" "http" {
  api_id           = aws_apigatewayv2_api.http.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.api.invoke_arn
}
resource "aws_apigatewayv2_route" "get" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "GET /items"
  target             = "integrations/${aws_apigatewayv2_integration.http.id}"
  authorization_type = "JWT"
}
resource "aws_apigatewayv2_stage" "default" {
  api_id = aws_apigatewayv2_api.http.id
  name   = "$default"
  default_route_settings {
    throttling_rate_limit  = 10
    throttling_burst_limit = 20
  }
}
resource "aws_lambda_function_url" "url" {
  function_name      = aws_lambda_function.api.function_name
  authorization_type = "NONE"
}
resource "aws_s3_bucket" "uploads" {
  bucket = "uploads"
}
resource "aws_s3_bucket_public_access_block" "uploads" {
  bucket            = aws_s3_bucket.uploads.id
  block_public_acls = false
}
resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.api.arn
    events              = ["s3:ObjectCreated:*"]
  }
}
resource "aws_lambda_permission" "any" {
  function_name = aws_lambda_function.api.function_name
  action        = "lambda:InvokeFunction"
  principal     = "*"
}
"""


def test_api_triggers_url_waf_and_s3(tmp_path: Path) -> None:
    app = _load(_write(tmp_path, {"api.tf": API_TF}))
    (function,) = app.functions
    assert function.code.kind == "image"
    assert function.role is not None and function.role.external
    by_kind = {t.kind: t for t in function.triggers}
    rest = by_kind[TriggerKind.API_REST]
    assert rest.http is not None
    assert (rest.http.method, rest.http.path, rest.http.authorization) == (
        "POST",
        "/orders",
        "NONE",
    )
    assert rest.source == "aws_api_gateway_rest_api.shop"
    # The trigger is the method resource; each aspect keeps the line where it is set.
    assert rest.location.line == _line(API_TF, 'resource "aws_api_gateway_method" "post"')
    aspects = {aspect: where.line for aspect, where in rest.http.field_locations.items()}
    assert aspects == {
        "authorization": _line(API_TF, 'authorization = "NONE"'),
        "throttling": _line(API_TF, "  settings {"),
    }
    assert rest.http.throttling is not None and rest.http.throttling.rate_limit == 100.0
    assert rest.http.waf == "aws_wafv2_web_acl.acl"
    assert rest.http.request_validation is False
    http = by_kind[TriggerKind.API_HTTP]
    assert http.http is not None
    assert (http.http.method, http.http.path, http.http.authorization) == ("GET", "/items", "JWT")
    assert http.http.cors is not None and http.http.cors.allow_credentials is True
    assert http.http.throttling is not None and http.http.throttling.burst_limit == 20
    assert http.http.waf is None
    assert http.location.line == _line(API_TF, 'resource "aws_apigatewayv2_route" "get"')
    aspects = {aspect: where.line for aspect, where in http.http.field_locations.items()}
    assert aspects == {
        "authorization": _line(API_TF, 'authorization_type = "JWT"'),
        "cors": _line(API_TF, "cors_configuration {"),
        "throttling": _line(API_TF, "default_route_settings {"),
    }
    url = by_kind[TriggerKind.FUNCTION_URL]
    assert url.http is not None and url.http.authorization == "NONE"
    assert url.location.line == _line(API_TF, 'resource "aws_lambda_function_url" "url"')
    assert url.http.loc("authorization", url.location).line == _line(
        API_TF, 'authorization_type = "NONE"'
    )
    assert "cors" not in url.http.field_locations
    assert function.url is not None and function.url.auth_type == "NONE"
    assert function.loc("url").line == _line(API_TF, 'resource "aws_lambda_function_url" "url"')
    s3 = by_kind[TriggerKind.S3]
    assert s3.source == "aws_s3_bucket.uploads"
    assert s3.properties["events"] == ["s3:ObjectCreated:*"]
    (association,) = app.of_type(WebAclAssociation)
    assert association.target == "aws_api_gateway_stage.prod"
    assert association.web_acl == "aws_wafv2_web_acl.acl"
    bucket = app.resource("aws_s3_bucket.uploads")
    assert bucket is not None
    assert bucket.public_access_block.block_public_acls is False  # type: ignore[attr-defined]
    # Block Public Access is set (and fixed) in its own resource, not on the bucket.
    block_location = bucket.public_access_block.location  # type: ignore[attr-defined]
    assert block_location is not None
    assert block_location.line == _line(
        API_TF, 'resource "aws_s3_bucket_public_access_block" "uploads"'
    )
    permission = app.resource("aws_lambda_permission.any")
    assert permission is not None
    assert permission.principal == "*"  # type: ignore[attr-defined]
    assert permission.function == "aws_lambda_function.api"  # type: ignore[attr-defined]


def test_local_module_inputs_outputs_and_prefix(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": """\
module "worker" {
  source  = "./modules/worker"
  timeout = 60
}
module "remote" {
  source = "terraform-aws-modules/lambda/aws"
}
resource "aws_cloudwatch_log_group" "worker" {
  name = "/aws/lambda/${module.worker.function_name}"
}
""",
            "modules/worker/main.tf": """\
variable "timeout" {
  default = 3
}
resource "aws_iam_role" "r" {
  name = "worker"
}
resource "aws_lambda_function" "w" {
  function_name = "worker-fn"
  role          = aws_iam_role.r.arn
  timeout       = var.timeout
}
output "function_name" {
  value = aws_lambda_function.w.function_name
}
""",
        },
    )
    app = _load(tmp_path)
    (function,) = app.functions
    assert function.ref == "module.worker.aws_lambda_function.w"
    assert function.timeout == 60
    assert function.role is not None and function.role.ref == "module.worker.aws_iam_role.r"
    assert function.location.file == str(tmp_path / "modules/worker/main.tf")
    log_group = app.resource("aws_cloudwatch_log_group.worker")
    assert log_group is not None and log_group.name == "/aws/lambda/worker-fn"
    assert app.files[0] == str(tmp_path / "main.tf")
    assert str(tmp_path / "modules/worker/main.tf") in app.files
    remote = [d for d in app.diagnostics if "remote module" in d.message]
    assert remote and remote[0].level is DiagnosticLevel.INFO
    assert remote[0].location is not None and remote[0].location.line == 5


def test_tfvars_and_option_precedence(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": """\
variable "memory" {
  type    = number
  default = 128
}
variable "runtime" {
  default = "python3.9"
}
variable "stage" {
  default = "dev"
}
resource "aws_lambda_function" "f" {
  function_name = "f-${var.stage}"
  memory_size   = var.memory
  runtime       = var.runtime
}
""",
            "terraform.tfvars": 'memory = 512\nruntime = "python3.11"\n',
            "x.auto.tfvars": 'runtime = "python3.12"\n',
        },
    )
    function = _load(tmp_path).functions[0]
    assert (function.memory, function.runtime, function.name) == (512, "python3.12", "f-dev")
    overridden = _load(tmp_path, memory="1024", stage="prod").functions[0]
    assert (overridden.memory, overridden.runtime, overridden.name) == (
        1024,
        "python3.12",
        "f-prod",
    )


def test_variable_without_value_is_unknown(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": 'variable "t" {}\n'
            'resource "aws_lambda_function" "f" {\n  timeout = var.t\n}\n'
        },
    )
    function = _load(tmp_path).functions[0]
    assert isinstance(function.timeout, Unknown)
    assert function.timeout.expression == "var.t"


def test_malformed_hcl_gives_diagnostic_and_other_files_load(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "a_broken.tf": 'resource "aws_sqs_queue" "q" {\n  name = \n  x = [1,\n}\n',
            "b_ok.tf": 'resource "aws_lambda_function" "ok" {\n  function_name = "ok"\n}\n',
        },
    )
    app = _load(tmp_path)
    errors = [d for d in app.diagnostics if d.level is DiagnosticLevel.ERROR]
    assert errors
    assert errors[0].location is not None
    assert errors[0].location.file == str(tmp_path / "a_broken.tf")
    assert errors[0].location.line in (2, 3, 4)
    assert "invalid HCL" in errors[0].message
    assert [f.name for f in app.functions] == ["ok"]


def test_suppression_comment(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.tf": 'resource "aws_lambda_function" "f" {\n'
            "  timeout = 900 # faasguard: ignore[TIME002] batch job\n}\n"
        },
    )
    (suppression,) = _load(tmp_path).suppressions
    assert (suppression.rule_id, suppression.reason, suppression.location.line) == (
        "TIME002",
        "batch job",
        2,
    )


def test_plan_json(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.7.0",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_lambda_function.f",
                        "mode": "managed",
                        "type": "aws_lambda_function",
                        "name": "f",
                        "values": {
                            "function_name": "planned",
                            "runtime": "nodejs20.x",
                            "timeout": 900,
                            "environment": [{"variables": {"A": "1"}}],
                        },
                    },
                    {
                        "address": "aws_iam_role.r",
                        "mode": "managed",
                        "type": "aws_iam_role",
                        "name": "r",
                        "values": {"name": "r"},
                    },
                ],
                "child_modules": [
                    {
                        "address": "module.m",
                        "resources": [
                            {
                                "address": "module.m.aws_sqs_queue.q",
                                "mode": "managed",
                                "type": "aws_sqs_queue",
                                "name": "q",
                                "values": {"name": "q", "visibility_timeout_seconds": 60},
                            }
                        ],
                    }
                ],
            }
        },
        "configuration": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_lambda_function.f",
                        "mode": "managed",
                        "type": "aws_lambda_function",
                        "name": "f",
                        "expressions": {"role": {"references": ["aws_iam_role.r.arn"]}},
                    }
                ]
            }
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    app = load(str(path), LoadOptions(), fmt="terraform-plan")
    assert app.format == "terraform"
    (function,) = app.functions
    assert (function.name, function.runtime, function.timeout) == ("planned", "nodejs20.x", 900)
    assert function.role is not None and function.role.ref == "aws_iam_role.r"
    text = path.read_text()
    assert function.loc("timeout").line == _line(text, '"timeout": 900')
    assert function.loc("environment.A").line == _line(text, '"A": "1"')
    queue = app.resource("module.m.aws_sqs_queue.q")
    assert queue is not None and queue.visibility_timeout == 60  # type: ignore[attr-defined]


def test_plan_json_malformed(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "1.2",\n "planned_values": [\n')
    app = load(str(path), LoadOptions(), fmt="terraform-plan")
    assert app.diagnostics and app.diagnostics[0].level is DiagnosticLevel.ERROR


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_every_corpus_root_loads() -> None:
    candidates = [c for c in discover([CORPUS]) if c.format in ("terraform", "terraform-plan")]
    assert candidates
    started = time.perf_counter()
    loaded = 0
    functions = 0
    for candidate in candidates:
        app = load(candidate.path, LoadOptions(), fmt=candidate.format)
        loaded += 1
        functions += len(app.functions)
        for function in app.functions:
            assert function.role is not None, function.ref
    elapsed = time.perf_counter() - started
    print(
        f"\nterraform corpus: {loaded}/{len(candidates)} roots loaded "
        f"({100 * loaded / len(candidates):.0f}%), {functions} functions, {elapsed:.2f} s"
    )
    assert loaded == len(candidates)
    assert elapsed < 10  # target ~2 s; generous bound for a shared, busy machine


def test_child_module_archive_paths_resolve_against_the_root(tmp_path: Path) -> None:
    # Terraform resolves a bare relative path against the working directory (the root
    # module), so a child module's archive_file names files relative to the root.
    files = {
        "main.tf": 'module "m" {\n  source = "./challenges/m"\n}\n',
        "challenges/m/m.tf": """\
data "archive_file" "zip" {
  type        = "zip"
  source_file = "challenges/m/src/handler.py"
  output_path = "challenges/m/src/handler.zip"
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  filename      = data.archive_file.zip.output_path
  handler       = "handler.main"
  runtime       = "python3.12"
}
""",
        "challenges/m/src/handler.py": "def main(event, context):\n    return 1\n",
    }
    _write(tmp_path, files)
    (function,) = _load(tmp_path).functions
    assert function.code.path == str(tmp_path / "challenges/m/src")
    # A module that names a path relative to itself (and that exists only there) keeps working.
    files["challenges/m/m.tf"] = files["challenges/m/m.tf"].replace("challenges/m/src/", "src/")
    _write(tmp_path, files)
    (function,) = _load(tmp_path).functions
    assert function.code.path == str(tmp_path / "challenges/m/src")
