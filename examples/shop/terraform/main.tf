# Order-processing shop, Terraform variant.
# DELIBERATELY VULNERABLE example app for faasguard - never apply it.

variable "stage" {
  type    = string
  default = "dev"
}

locals {
  prefix = "shop-${var.stage}"
}

data "archive_file" "report" {
  type        = "zip"
  source_dir  = "${path.module}/../src/report"
  output_path = "${path.module}/build/report.zip"
}

resource "aws_iam_role" "report" {
  name = "${local.prefix}-report"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "report_admin" {
  role       = aws_iam_role.report.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess" # P1: full administrator
}

resource "aws_lambda_function" "report" {
  function_name = "${local.prefix}-nightly-report"
  role          = aws_iam_role.report.arn
  handler       = "app.handler"
  runtime       = "python3.8" # P7: end-of-life runtime
  filename      = data.archive_file.report.output_path
  timeout       = 900 # P5: the maximum, for a job that takes seconds
  memory_size   = 10240

  environment {
    variables = {
      REPORT_BUCKET  = "shop-reports"
      SMTP_PASSWORD  = "hunter2-but-longer-9" # P7: plaintext secret
    }
  }
}

resource "aws_lambda_function_url" "report" {
  function_name      = aws_lambda_function.report.function_name
  authorization_type = "NONE" # P2: anyone on the internet can run the export
}

resource "aws_cloudwatch_log_group" "report" {
  name = "/aws/lambda/${aws_lambda_function.report.function_name}"
  # P6: no retention_in_days - logs are kept (and billed) forever
}
