"""Where HTTP triggers and their aspects point (CloudFormation, SAM, Serverless Framework).

A trigger's location is the route, method or URL declaration; ``HttpSettings.field_locations``
keeps the line of each aspect the user set, so an authorization finding points at the
authorization line and a CORS finding at the CORS settings. (Terraform: test_terraform.py.)
"""

# ruff: noqa: E501  (inline YAML fixtures read best unwrapped)

from __future__ import annotations

import textwrap
from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders.cloudformation import build_parts
from faasguard.loaders.cloudformation import load as load_cfn
from faasguard.loaders.cloudformation.intrinsics import ExternalResource
from faasguard.loaders.serverless import load as load_sls
from faasguard.model import App, Bucket, Function, Location, Trigger, TriggerKind


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _fn(app: App, ref: str) -> Function:
    found = app.function(ref)
    assert found is not None, [f.ref for f in app.functions]
    return found


def _trigger(app: App, ref: str, kind: TriggerKind) -> Trigger:
    [found] = [t for t in _fn(app, ref).triggers if t.kind is kind]
    return found


def _aspects(trigger: Trigger) -> dict[str, int]:
    assert trigger.http is not None
    return {aspect: where.line for aspect, where in trigger.http.field_locations.items()}


PLAIN = """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: "x"}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: shop}
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: orders
  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties:
      RestApiId: !Ref Api
      ValidateRequestBody: true
  PostOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: POST
      AuthorizationType: NONE
      RequestValidatorId: !Ref Validator
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      StageName: prod
      DeploymentId: d
      MethodSettings:
        - HttpMethod: "*"
          ResourcePath: "/*"
          ThrottlingRateLimit: 10
  Url:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !GetAtt Fn.Arn
      AuthType: NONE
      Cors:
        AllowOrigins: ["*"]
        AllowCredentials: true
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: false
  Plain:
    Type: AWS::S3::Bucket
"""


def test_cloudformation_rest_method_and_its_aspects(tmp_path: Path) -> None:
    path = _write(tmp_path, "template.yaml", PLAIN)
    app = load_cfn(str(path), LoadOptions())
    rest = _trigger(app, "Fn", TriggerKind.API_REST)
    assert rest.location.line == _line(path, "PostOrder:")
    assert _aspects(rest) == {
        "authorization": _line(path, "AuthorizationType: NONE"),
        "request_validation": _line(path, "RequestValidatorId:"),
        "throttling": _line(path, "MethodSettings:"),
    }


def test_cloudformation_function_url_aspects(tmp_path: Path) -> None:
    path = _write(tmp_path, "template.yaml", PLAIN)
    app = load_cfn(str(path), LoadOptions())
    url = _trigger(app, "Fn", TriggerKind.FUNCTION_URL)
    assert url.location.line == _line(path, "  Url:")
    assert _aspects(url) == {
        "authorization": _line(path, "AuthType: NONE"),
        "cors": _line(path, "Cors:"),
    }


def test_cloudformation_public_access_block_location(tmp_path: Path) -> None:
    path = _write(tmp_path, "template.yaml", PLAIN)
    app = load_cfn(str(path), LoadOptions())
    buckets = {bucket.ref: bucket for bucket in app.of_type(Bucket)}
    block = buckets["Uploads"].public_access_block
    assert block is not None and block.block_public_acls is False
    assert block.location is not None
    assert block.location.line == _line(path, "PublicAccessBlockConfiguration:")
    assert buckets["Plain"].public_access_block is None


def test_sam_function_url_config_aspects_point_into_it(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "template.yaml",
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Hook:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: app.handler
              InlineCode: "x"
              FunctionUrlConfig:
                AuthType: NONE
                Cors:
                  AllowOrigins: ["*"]
                  AllowCredentials: true
        """,
    )
    app = load_cfn(str(path), LoadOptions())
    url = _trigger(app, "Hook", TriggerKind.FUNCTION_URL)
    assert url.location.line == _line(path, "FunctionUrlConfig:")
    assert _aspects(url) == {
        "authorization": _line(path, "AuthType: NONE"),
        "cors": _line(path, "Cors:"),
    }


def test_build_parts_links_references_to_external_functions() -> None:
    template = {
        "Resources": {
            "Errors": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "HelloFn"}}],
                },
            },
            "Invoke": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": {"Fn::GetAtt": ["HelloFn", "Arn"]},
                    "Principal": "sns.amazonaws.com",
                    "Action": "lambda:InvokeFunction",
                },
            },
        }
    }
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:svc-dev-hello"
    external = {
        "HelloFn": ExternalResource(
            type="AWS::Lambda::Function",
            ref="svc-dev-hello",
            attributes={"Arn": arn},
            model_ref="hello",
        )
    }
    parts = build_parts(
        template, file="t.yaml", locate=lambda p: Location(file="t.yaml"), external=external
    )
    by_ref = {resource.ref: resource for resource in parts.resources}
    assert by_ref["Errors"].dimensions == {"FunctionName": "hello"}  # type: ignore[attr-defined]
    assert by_ref["Invoke"].function == "hello"  # type: ignore[attr-defined]
    assert by_ref["Invoke"].properties["FunctionName"] == arn
    assert not [d for d in parts.diagnostics if d.level == "error"]


SERVERLESS = """
service: shop
provider:
  name: aws
  runtime: python3.12
  apiGateway:
    usagePlan:
      throttle:
        rateLimit: 10
  httpApi:
    cors:
      allowedOrigins: ["*"]
      allowCredentials: true
functions:
  orders:
    handler: app.handler
    events:
      - http:
          path: orders
          method: post
          authorizer: aws_iam
          cors: true
          request:
            schemas:
              application/json: ${file(order.json)}
      - httpApi:
          path: /search
          method: get
    url:
      authorizer: aws_iam
      cors:
        allowedOrigins: ["https://shop.example.com"]
"""


def test_serverless_http_event_aspects(tmp_path: Path) -> None:
    _write(tmp_path, "order.json", '{"type": "object"}')
    path = _write(tmp_path, "serverless.yml", SERVERLESS)
    app = load_sls(str(path), LoadOptions())
    rest = _trigger(app, "orders", TriggerKind.API_REST)
    assert rest.location.line == _line(path, "- http:")
    assert _aspects(rest) == {
        "authorization": _line(path, "authorizer: aws_iam"),
        "request_validation": _line(path, "schemas:"),
        "cors": _line(path, "cors: true"),
        "throttling": _line(path, "usagePlan:"),
    }
    http = _trigger(app, "orders", TriggerKind.API_HTTP)
    assert http.location.line == _line(path, "- httpApi:")
    assert _aspects(http) == {"cors": _line(path, "    cors:")}
    url = _trigger(app, "orders", TriggerKind.FUNCTION_URL)
    assert url.location.line == _line(path, "    url:")
    url_lines = path.read_text().splitlines()
    url_start = _line(path, "    url:")
    assert _aspects(url) == {
        "authorization": url_start + 1,
        "cors": url_start + 2,
    }
    assert url_lines[url_start].strip() == "authorizer: aws_iam"
