"""CloudFormation / SAM / CDK loader: what a user sees in the model, with its lines."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from faasguard.config import LoadOptions
from faasguard.loaders.cloudformation import build_parts, load
from faasguard.model import (
    Alarm,
    App,
    Bucket,
    CodeSigningConfig,
    DiagnosticLevel,
    Function,
    LambdaPermission,
    Location,
    LogGroup,
    Queue,
    ResourcePolicy,
    Stage,
    TriggerKind,
    Unknown,
    WebAclAssociation,
)

DATA = Path(__file__).parent / "data" / "cfn"
SAM_APP = DATA / "sam_app" / "template.yaml"
PLAIN = DATA / "plain" / "stack.json"


def line_of(path: Path, needle: str, start: str | None = None) -> int:
    """1-based line of the first line containing ``needle`` (after the line with ``start``)."""
    lines = path.read_text().splitlines()
    begin = 0
    if start is not None:
        begin = next(i for i, line in enumerate(lines) if start in line)
    return next(i + 1 for i, line in enumerate(lines) if i >= begin and needle in line)


def fn(app: App, ref: str) -> Function:
    found = app.function(ref)
    assert found is not None, f"{ref} not in {[f.ref for f in app.functions]}"
    return found


def errors(app: App) -> list[str]:
    return [d.message for d in app.diagnostics if d.level == DiagnosticLevel.ERROR]


def write(tmp_path: Path, text: str, name: str = "template.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.fixture(scope="module")
def sam_app() -> App:
    return load(str(SAM_APP), LoadOptions())


@pytest.fixture(scope="module")
def plain_app() -> App:
    return load(str(PLAIN), LoadOptions())


# --------------------------------------------------------------------------- SAM


def test_sam_app_identity(sam_app: App) -> None:
    assert sam_app.format == "sam"
    assert sam_app.name == "sam_app/template"
    assert sam_app.files == (str(SAM_APP),)
    assert errors(sam_app) == []
    assert {f.ref for f in sam_app.functions} == {"ApiFunction", "WorkerFunction", "HttpFunction"}


def test_sam_globals_and_field_lines(sam_app: App) -> None:
    api = fn(sam_app, "ApiFunction")
    worker = fn(sam_app, "WorkerFunction")
    http = fn(sam_app, "HttpFunction")
    assert api.runtime == "python3.12"
    # runtime comes from Globals: the finding must point at the Globals line
    assert api.loc("runtime").line == line_of(SAM_APP, "Runtime: python3.12")
    assert api.loc("memory").line == line_of(SAM_APP, "MemorySize: 256")
    # a function's own Timeout wins over Globals and points at its own line
    assert worker.timeout == 900
    assert worker.loc("timeout").line == line_of(SAM_APP, "Timeout: 900")
    assert http.timeout == 30
    assert http.loc("timeout").line == line_of(SAM_APP, "Timeout: 30")
    assert http.tracing == "Active"
    assert http.loc("tracing").line == line_of(SAM_APP, "Tracing: Active")
    assert worker.environment["STAGE"] == "dev"
    assert worker.loc("environment.STAGE").line == line_of(SAM_APP, "STAGE: !Ref Stage")
    assert api.loc("environment.TABLE").line == line_of(SAM_APP, "TABLE: !Ref OrdersTable")
    assert api.location.line == line_of(SAM_APP, "ApiFunction:")
    # not set anywhere: falls back to the function itself
    assert http.loc("reserved_concurrency") == http.location


def test_sam_condition_and_unknowns(sam_app: App) -> None:
    api = fn(sam_app, "ApiFunction")
    assert api.timeout == 20  # !If [IsProd, 10, 20] with Stage=dev
    assert api.environment["TABLE"] == "OrdersTable"
    password = api.environment["DB_PASSWORD"]
    assert isinstance(password, Unknown)
    assert "resolve:secretsmanager" in password.expression
    shared = api.environment["SHARED"]
    assert isinstance(shared, Unknown)
    assert "Fn::ImportValue" in shared.expression


def test_sam_parameter_override(tmp_path: Path) -> None:
    app = load(str(SAM_APP), LoadOptions(parameters={"Stage": "prod", "LogRetention": "30"}))
    assert fn(app, "ApiFunction").timeout == 10
    assert fn(app, "ApiFunction").environment["STAGE"] == "prod"
    log_group = next(app.of_type(LogGroup))
    assert log_group.retention_days == 30
    assert app.parameters["Stage"] == "prod"


def test_sam_local_code_locations(sam_app: App) -> None:
    api = fn(sam_app, "ApiFunction")
    assert api.code.kind == "directory"
    assert api.code.path is not None
    assert Path(api.code.path) == SAM_APP.parent / "src"
    worker = fn(sam_app, "WorkerFunction")
    assert worker.code.kind == "zip"
    assert worker.code.path is not None and worker.code.path.endswith("worker.zip")
    assert fn(sam_app, "HttpFunction").code.kind == "inline"


def test_sam_policy_template_becomes_statements(sam_app: App) -> None:
    role = fn(sam_app, "ApiFunction").role
    assert role is not None and not role.external
    actions = {a for p in role.policies for s in p.statements for a in s.actions}
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"} <= actions
    statement = role.policies[0].statements[0]
    assert statement.location.line == line_of(SAM_APP, "- DynamoDBCrudPolicy:")
    assert any("AWSLambdaBasicExecutionRole" in str(arn) for arn in role.managed_policy_arns)


def test_sam_implicit_api_with_auth(sam_app: App) -> None:
    triggers = {t.http.path: t for t in fn(sam_app, "ApiFunction").triggers if t.http}
    orders, health = triggers["/orders"], triggers["/health"]
    assert orders.kind == TriggerKind.API_REST
    assert orders.source == "ServerlessRestApi"
    assert orders.http is not None and health.http is not None
    assert orders.http.method == "GET"
    assert orders.http.authorization == "COGNITO_USER_POOLS"
    assert orders.http.authorizer == "OrdersCognito"
    assert health.http.authorization == "NONE"
    # each generated method points at the event the user wrote
    assert orders.location.line == line_of(SAM_APP, "ListOrders:")
    assert health.location.line == line_of(SAM_APP, "Health:")


def test_sam_event_sources(sam_app: App) -> None:
    worker = fn(sam_app, "WorkerFunction")
    kinds = {t.kind: t for t in worker.triggers}
    assert set(kinds) == {
        TriggerKind.SQS,
        TriggerKind.S3,
        TriggerKind.DYNAMODB_STREAM,
        TriggerKind.SCHEDULE,
        TriggerKind.EVENTBRIDGE,
    }
    assert kinds[TriggerKind.SQS].source == "WorkQueue"
    assert kinds[TriggerKind.SQS].properties["BatchSize"] == 5
    assert kinds[TriggerKind.SQS].location.line == line_of(SAM_APP, "Work:")
    assert kinds[TriggerKind.S3].source == "UploadBucket"
    assert kinds[TriggerKind.S3].location.line == line_of(SAM_APP, "Upload:")
    assert kinds[TriggerKind.DYNAMODB_STREAM].source == "OrdersTable"
    assert kinds[TriggerKind.SCHEDULE].properties["schedule"] == "cron(0 3 * * ? *)"
    assert kinds[TriggerKind.SCHEDULE].location.line == line_of(SAM_APP, "Nightly:")
    http = fn(sam_app, "HttpFunction")
    url = next(t for t in http.triggers if t.kind == TriggerKind.FUNCTION_URL)
    assert url.http is not None and url.http.authorization == "NONE"
    assert http.url is not None and http.url.auth_type == "NONE"
    assert http.loc("url").line == line_of(SAM_APP, "FunctionUrlConfig:")
    api = next(t for t in http.triggers if t.kind == TriggerKind.API_HTTP)
    assert api.location.line == line_of(SAM_APP, "Hello:")


def test_sam_generated_resources_keep_sam_lines(sam_app: App) -> None:
    by_ref = {r.ref: r for r in sam_app.resources}
    assert by_ref["ServerlessRestApi"].location.line == line_of(SAM_APP, "ListOrders:")
    permission = by_ref["WorkerFunctionNightlyPermission"]
    assert isinstance(permission, LambdaPermission)
    assert permission.function == "WorkerFunction"
    assert permission.location.line == line_of(SAM_APP, "Nightly:")
    queue = by_ref["WorkQueue"]
    assert isinstance(queue, Queue) and queue.visibility_timeout == 60


def test_sam_suppression(sam_app: App) -> None:
    (suppression,) = sam_app.suppressions
    assert suppression.rule_id == "TIME005"
    assert suppression.target == "ApiFunction"
    assert suppression.location.line == line_of(SAM_APP, "- id: TIME005")
    assert fn(sam_app, "ApiFunction").suppressions == {
        "TIME005": "latency matters more than cost here"
    }


def test_suppression_without_reason_is_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Metadata:
              faasguard:
                ignore:
                  - TIME002
                  - "TIME003 runs once a day"
                public: true
            Properties:
              Runtime: python3.12
              Handler: a.b
              Role: arn:aws:iam::123456789012:role/r
              Code: {ZipFile: "x"}
          Url:
            Type: AWS::Lambda::Url
            Properties:
              TargetFunctionArn: !GetAtt Fn.Arn
              AuthType: NONE
        """,
    )
    app = load(str(path), LoadOptions())
    assert [(s.rule_id, s.reason) for s in app.suppressions] == [("TIME003", "runs once a day")]
    warning = next(d for d in app.diagnostics if "no reason" in d.message)
    assert warning.level == DiagnosticLevel.WARNING
    assert warning.location is not None and warning.location.line == 7
    (url,) = fn(app, "Fn").triggers
    assert url.http is not None and url.http.marked_public


def test_sam_translator_error_has_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Table:
            Type: AWS::DynamoDB::Table
          Broken:
            Type: AWS::Serverless::Function
            Properties:
              Handler: a.b
              Runtime: python3.12
              CodeUri: src/
              Events:
                Bad:
                  Type: SQS
                  Properties: {}
        """,
    )
    app = load(str(path), LoadOptions())
    (error,) = [d for d in app.diagnostics if d.level == DiagnosticLevel.ERROR]
    assert "SAM transform failed" in error.message
    assert "Broken" in error.message
    assert error.location is not None
    assert error.location.line == line_of(path, "Bad:")
    # what is not SAM is still there
    assert [r.ref for r in app.resources] == ["Table"]


def test_sam_without_transform_declaration(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: a.b, Runtime: python3.12, InlineCode: "x"}
        """,
    )
    app = load(str(path), LoadOptions())
    assert app.format == "sam"
    assert fn(app, "Fn").code.kind == "inline"
    assert any("Transform" in d.message for d in app.diagnostics)


def test_sam_local_openapi_definition(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        openapi: "3.0.1"
        paths:
          /pets:
            get:
              security: [{ApiKey: []}]
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub
                  - arn:aws:apigateway:${AWS::Region}:lambda:path/${Path}/invocations
                  - Path: !Sub 2015-03-31/functions/${Fn.Arn}
        components:
          securitySchemes:
            ApiKey: {type: apiKey, name: x-api-key, in: header}
        """,
        name="api.yaml",
    )
    path = write(
        tmp_path,
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          PetsApi:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionUri: api.yaml
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: a.b, Runtime: python3.12, CodeUri: .}
        """,
    )
    app = load(str(path), LoadOptions())
    assert errors(app) == []
    (trigger,) = fn(app, "Fn").triggers
    assert trigger.kind == TriggerKind.API_REST
    assert trigger.http is not None and trigger.http.api_key_required is True
    assert app.files == (str(path), str(tmp_path / "api.yaml"))


# --------------------------------------------------------------------------- CloudFormation


def test_plain_json_function(plain_app: App) -> None:
    assert plain_app.format == "cloudformation"
    assert errors(plain_app) == []
    api = fn(plain_app, "ApiFn")
    assert api.name == "orders-api"
    assert plain_app.function("orders-api") == api  # found by its deployed name too
    assert api.memory == 1024  # "1024" in the template
    assert api.timeout == 120
    assert api.loc("timeout").line == line_of(PLAIN, '"Timeout": 120')
    assert api.reserved_concurrency == 5
    assert api.provisioned_concurrency == 3
    assert api.dead_letter_target == "Dlq"
    assert api.on_failure_destination == "Dlq"
    assert api.code_signing_config == "Signing"
    assert api.kms_key == "Key"
    assert api.logging is not None and api.logging.log_group == "ApiLogs"
    assert api.tags == {"team": "orders"}
    assert api.vpc is not None and api.vpc.subnet_ids == ("subnet-1",)
    assert api.code.kind == "s3" and api.code.uri == "s3://artifacts/api.zip"
    assert api.url is not None and api.url.auth_type == "NONE"


def test_plain_role_with_attached_policies(plain_app: App) -> None:
    role = fn(plain_app, "ApiFn").role
    assert role is not None and role.ref == "ExecRole" and not role.external
    names = [p.name for p in role.policies]
    assert names == ["inline", "SharedPolicy", "extra"]
    inline = role.policies[0].statements[0]
    assert inline.actions == ("s3:*",)
    assert inline.resources == ("arn:aws:s3:::Uploads/*",)
    assert role.permissions_boundary == "arn:aws:iam::123456789012:policy/boundary"
    assert role.assume_role_policy is not None
    assert role.assume_role_policy.statements[0].principals == {
        "Service": ("lambda.amazonaws.com",)
    }
    assert "arn:aws:iam::123456789012:policy/SharedPolicy" in role.managed_policy_arns
    external = fn(plain_app, "WorkerFn").role
    assert external is not None and external.external
    assert external.ref == "arn:aws:iam::999999999999:role/external"


def test_plain_rest_method(plain_app: App) -> None:
    (rest,) = [t for t in fn(plain_app, "ApiFn").triggers if t.kind == TriggerKind.API_REST]
    assert rest.source == "RestApi"
    assert rest.http is not None
    assert (rest.http.method, rest.http.path) == ("POST", "/orders")
    assert rest.http.authorization == "AWS_IAM"
    assert rest.http.api_key_required is True
    assert rest.http.request_validation is True
    assert rest.http.throttling is not None and rest.http.throttling.rate_limit == 100.0
    assert rest.http.waf == "Acl"
    assert rest.location.line == line_of(PLAIN, '"OrdersPost": {')
    association = next(plain_app.of_type(WebAclAssociation))
    assert association.target == "RestStage"


def test_plain_http_and_websocket(plain_app: App) -> None:
    (http,) = [t for t in fn(plain_app, "ApiFn").triggers if t.kind == TriggerKind.API_HTTP]
    assert http.http is not None
    assert (http.http.method, http.http.path) == ("GET", "/items")
    assert http.http.authorization == "JWT" and http.http.authorizer == "JwtAuth"
    assert http.http.throttling is not None and http.http.throttling.burst_limit == 20
    assert http.http.cors is not None and http.http.cors.allow_origins == ("*",)
    assert http.http.cors.allow_credentials is True
    (ws,) = [t for t in fn(plain_app, "WorkerFn").triggers if t.kind == TriggerKind.WEBSOCKET]
    assert ws.source == "WsApi" and ws.http is not None and ws.http.path == "$connect"


def test_plain_every_event_source(plain_app: App) -> None:
    sources = {(t.kind, t.source) for t in fn(plain_app, "WorkerFn").triggers}
    assert sources == {
        (TriggerKind.SQS, "Jobs"),
        (TriggerKind.KAFKA, "Kafka"),
        (TriggerKind.MQ, "arn:aws:mq:us-east-1:123456789012:broker:b:id"),
        (TriggerKind.KINESIS, "Events"),
        (TriggerKind.S3, "Uploads"),
        (TriggerKind.SNS, "Alerts"),
        (TriggerKind.SCHEDULE, "Nightly"),
        (TriggerKind.EVENTBRIDGE, "OnOrder"),
        (TriggerKind.SCHEDULE, "Hourly"),
        (TriggerKind.COGNITO, "Users"),
        (TriggerKind.IOT, "IotRule"),
        (TriggerKind.CLOUDWATCH_LOGS, "ApiLogs"),
        (TriggerKind.SES, "rules"),
        (TriggerKind.WEBSOCKET, "WsApi"),
        (TriggerKind.ALB, "Lb"),
        (TriggerKind.APPSYNC, "GraphApi"),
    }
    appsync = next(t for t in fn(plain_app, "WorkerFn").triggers if t.kind == TriggerKind.APPSYNC)
    assert appsync.http is not None and appsync.http.api_key_required is True


def test_plain_resources(plain_app: App) -> None:
    by_ref = {r.ref: r for r in plain_app.resources}
    bucket = by_ref["Uploads"]
    assert isinstance(bucket, Bucket)
    assert bucket.acl == "PublicReadWrite"
    assert bucket.public_access_block is not None
    assert bucket.public_access_block.block_public_policy is False
    assert bucket.policy is not None
    assert bucket.policy.statements[0].principals == {"AWS": ("*",)}
    assert bucket.policy.statements[0].conditions == {"Bool": {"aws:SecureTransport": ("true",)}}
    dlq, jobs = by_ref["Dlq"], by_ref["Jobs"]
    assert isinstance(dlq, Queue) and dlq.visibility_timeout == 30  # the AWS default
    assert isinstance(jobs, Queue) and jobs.dead_letter_target == "Dlq" and jobs.policy
    assert isinstance(by_ref["JobsPolicy"], ResourcePolicy)
    alarm = by_ref["ErrorsAlarm"]
    assert isinstance(alarm, Alarm) and alarm.dimensions == {"FunctionName": "ApiFn"}
    signing = by_ref["Signing"]
    assert isinstance(signing, CodeSigningConfig) and signing.policy == "Warn"
    permission = by_ref["PublicInvoke"]
    assert isinstance(permission, LambdaPermission)
    assert (permission.function, permission.principal) == ("ApiFn", "*")
    stage = by_ref["HttpStage"]
    assert isinstance(stage, Stage) and stage.api == "HttpApi"
    assert by_ref["Other"].type == "AWS::StepFunctions::StateMachine"
    assert by_ref["Other"].location.line == line_of(PLAIN, '"Other": {')


def test_yaml_short_tags_and_intrinsics(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Parameters:
          Env: {Type: String, Default: dev}
          Subnets: {Type: CommaDelimitedList, Default: "a,b"}
          Secret: {Type: String}
        Mappings:
          Sizes: {dev: {memory: 128}, prod: {memory: 2048}}
        Conditions:
          IsDev: !Equals [!Ref Env, dev]
          NotDev: !Not [!Condition IsDev]
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              FunctionName: !Join ["-", [!Ref "AWS::StackName", !Ref Env, fn]]
              Runtime: !Select [1, [python3.11, python3.12]]
              Handler: !Select [0, !Split [",", "app.handler,other"]]
              MemorySize: !FindInMap [Sizes, !Ref Env, memory]
              Timeout: !If [NotDev, 60, !Ref "AWS::NoValue"]
              Role: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x"
              Code: {ZipFile: !Base64 "print(1)"}
              Environment:
                Variables:
                  REGION: !Sub "${AWS::Region}.${AWS::URLSuffix}"
                  SECRET: !Ref Secret
                  AZ: !Select [0, !GetAZs ""]
                  SSM: "{{resolve:ssm:/app/key}}"
                  LITERAL: !Sub "${!NotAVar}"
              VpcConfig:
                SubnetIds: !Ref Subnets
        """,
    )
    app = load(str(path), LoadOptions())
    function = fn(app, "Fn")
    assert function.name == "stack-dev-fn"
    assert function.runtime == "python3.12"
    assert function.handler == "app.handler"
    assert function.memory == 128
    assert function.timeout is None  # AWS::NoValue removed the key
    assert function.role is not None and function.role.ref == "arn:aws:iam::123456789012:role/x"
    env = function.environment
    assert env["REGION"] == "us-east-1.amazonaws.com"
    assert isinstance(env["SECRET"], Unknown)
    assert isinstance(env["AZ"], Unknown) and "GetAZs" in env["AZ"].expression
    assert isinstance(env["SSM"], Unknown)
    assert env["LITERAL"] == "${NotAVar}"
    assert function.vpc is not None and function.vpc.subnet_ids == ("a", "b")
    assert function.code.kind == "inline"
    overridden = load(str(path), LoadOptions(parameters={"Env": "prod", "Subnets": "x"}))
    assert fn(overridden, "Fn").memory == 2048
    assert fn(overridden, "Fn").timeout == 60
    assert fn(overridden, "Fn").vpc == function.vpc.__class__(subnet_ids=("x",))


def test_malformed_yaml_gives_line(tmp_path: Path) -> None:
    path = write(tmp_path, "Resources:\n  Fn:\n    Type: [unclosed\n")
    app = load(str(path), LoadOptions())
    (error,) = app.diagnostics
    assert error.level == DiagnosticLevel.ERROR
    assert error.location is not None
    assert error.location.file == str(path) and error.location.line >= 3
    assert app.functions == ()


def test_malformed_json_gives_line(tmp_path: Path) -> None:
    path = tmp_path / "stack.json"
    path.write_text('{\n  "Resources": {\n    "Fn": {"Type": }\n  }\n}\n')
    app = load(str(path), LoadOptions())
    (error,) = app.diagnostics
    assert error.location is not None and error.location.line == 3


def test_not_a_template_and_bad_resources(tmp_path: Path) -> None:
    app = load(str(write(tmp_path, "- a\n- b\n")), LoadOptions())
    assert "not a CloudFormation template" in errors(app)[0]
    path = write(
        tmp_path,
        """
        Resources:
          NoType: {Properties: {}}
          Fn:
            Type: AWS::Lambda::Function
            Properties: [not, a, mapping]
          Ok:
            Type: AWS::SQS::Queue
        """,
        name="b.yaml",
    )
    app = load(str(path), LoadOptions())
    assert "NoType has no 'Type'" in errors(app)[0]
    assert app.diagnostics[0].location is not None and app.diagnostics[0].location.line == 2
    assert [f.ref for f in app.functions] == ["Fn"]
    assert [r.ref for r in app.resources] == ["Ok"]


def test_cdk_output(tmp_path: Path) -> None:
    out = tmp_path / "shop" / "cdk.out"
    out.mkdir(parents=True)
    template = {
        "Resources": {
            "HandlerServiceRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": []}},
            },
            "Handler886CB40B": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Role": {"Fn::GetAtt": ["HandlerServiceRole", "Arn"]},
                    "Runtime": "nodejs18.x",
                    "Handler": "index.handler",
                    "Code": {"S3Bucket": {"Fn::Sub": "cdk-${AWS::AccountId}"}, "S3Key": "a.zip"},
                },
                "Metadata": {"aws:cdk:path": "ShopStack/Handler/Resource"},
            },
        }
    }
    path = out / "ShopStack.template.json"
    path.write_text(json.dumps(template, indent=1))
    app = load(str(path), LoadOptions(), fmt="cdk")
    assert app.format == "cdk"
    assert app.name == "shop/ShopStack"
    function = fn(app, "Handler886CB40B")
    assert function.role is not None and function.role.ref == "HandlerServiceRole"
    assert function.code.uri == "s3://cdk-123456789012/a.zip"
    assert function.location.line == line_of(path, '"Handler886CB40B": {')


def test_build_parts_for_other_loaders() -> None:
    """The Serverless loader hands its ``resources`` section and gets triggers by name."""
    template = {
        "Resources": {
            "Uploads": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "NotificationConfiguration": {
                        "LambdaConfigurations": [
                            {
                                "Event": "s3:ObjectCreated:*",
                                "Function": {"Fn::GetAtt": ["HelloLambdaFunction", "Arn"]},
                            }
                        ]
                    }
                },
            },
            "Sub": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "Protocol": "lambda",
                    "TopicArn": "arn:aws:sns:us-east-1:1:t",
                    "Endpoint": "arn:aws:lambda:us-east-1:1:function:svc-dev-hello",
                },
            },
        }
    }
    parts = build_parts(
        template, file="serverless.yml", locate=lambda p: Location(file="serverless.yml", pointer=p)
    )
    assert parts.functions == []
    assert [t.kind for t in parts.extra_triggers["HelloLambdaFunction"]] == [TriggerKind.S3]
    assert [t.kind for t in parts.extra_triggers["svc-dev-hello"]] == [TriggerKind.SNS]
    assert parts.extra_triggers["HelloLambdaFunction"][0].source == "Uploads"


def test_sam_openapi_outside_template_directory_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("paths: {}\n")
    project = tmp_path / "project"
    project.mkdir()
    path = write(
        project,
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionBody:
                Fn::Transform:
                  Name: AWS::Include
                  Parameters: {Location: ../secret.yaml}
        """,
    )
    app = load(str(path), LoadOptions())
    assert app.files == (str(path),)
    assert any("outside the template's directory" in d.message for d in app.diagnostics)


def test_sam_invalid_globals_points_at_globals(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Transform: AWS::Serverless-2016-10-31
        Globals: [not, a, mapping]
        Resources:
          Queue: {Type: AWS::SQS::Queue}
        """,
    )
    app = load(str(path), LoadOptions())
    (error,) = [d for d in app.diagnostics if d.level == DiagnosticLevel.ERROR]
    assert "'Globals'" in error.message
    assert error.location is not None and error.location.line == 2
    assert [r.ref for r in app.resources] == ["Queue"]
