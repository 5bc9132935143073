"""Serverless Framework loader: the model a user gets (functions, triggers, IAM, resources)."""

# ruff: noqa: E501  (inline YAML fixtures read best unwrapped)

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from faasguard.config import LoadOptions
from faasguard.loaders.serverless import load
from faasguard.model import (
    Api,
    App,
    Bucket,
    DiagnosticLevel,
    Function,
    LogGroup,
    Queue,
    Stage,
    TriggerKind,
    Unknown,
    WebAclAssociation,
)


def _load(tmp_path: Path, text: str, name: str = "serverless.yml", **options: object) -> App:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return load(str(path), LoadOptions(**options))  # type: ignore[arg-type]


def _fn(app: App, ref: str) -> Function:
    found = app.function(ref)
    assert found is not None, [f.ref for f in app.functions]
    return found


INHERIT = """
service: orders
provider:
  name: aws
  runtime: nodejs20.x
  memorySize: 512
  timeout: 20
  architecture: arm64
  kmsKeyArn: arn:aws:kms:eu-west-1:111122223333:key/abc
  environment:
    SHARED: one
    OVERRIDDEN: provider
  tracing:
    lambda: true
  logRetentionInDays: 14
  tags:
    team: payments
  layers:
    - arn:aws:lambda:eu-west-1:999999999999:layer:common:3
  vpc:
    securityGroupIds: [sg-1]
    subnetIds: [subnet-1, subnet-2]
functions:
  create:
    handler: src/create.handler
    timeout: 28
    environment:
      OVERRIDDEN: function
      OWN: two
    reservedConcurrency: 5
    provisionedConcurrency: 2
    onError: arn:aws:sqs:eu-west-1:111122223333:dlq
    destinations:
      onFailure: arn:aws:sqs:eu-west-1:111122223333:failures
  worker:
    name: custom-worker-name
    handler: src/worker.handler
    runtime: python3.12
    disableLogs: true
    image: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:latest
  packaged:
    handler: x.y
    logRetentionInDays: 3
    package:
      artifact: build/packaged.zip
"""


def test_provider_defaults_are_inherited_with_their_lines(tmp_path: Path) -> None:
    app = _load(tmp_path, INHERIT)
    assert app.format == "serverless" and app.name == "orders"
    create = _fn(app, "create")
    assert create.name == "orders-dev-create"
    assert (create.runtime, create.memory, create.timeout) == ("nodejs20.x", 512, 28)
    assert create.architectures == ("arm64",)
    assert dict(create.environment) == {"SHARED": "one", "OVERRIDDEN": "function", "OWN": "two"}
    assert create.tracing == "Active"
    assert create.kms_key == "arn:aws:kms:eu-west-1:111122223333:key/abc"
    assert create.layers == ("arn:aws:lambda:eu-west-1:999999999999:layer:common:3",)
    assert create.vpc is not None and create.vpc.subnet_ids == ("subnet-1", "subnet-2")
    assert dict(create.tags) == {"team": "payments"}
    assert create.reserved_concurrency == 5 and create.provisioned_concurrency == 2
    assert create.dead_letter_target == "arn:aws:sqs:eu-west-1:111122223333:dlq"
    assert create.on_failure_destination == "arn:aws:sqs:eu-west-1:111122223333:failures"
    assert create.code.kind == "directory" and create.code.path == str(tmp_path)
    assert create.handler == "src/create.handler"
    lines = {
        name: create.loc(name).line
        for name in (
            "runtime",
            "memory",
            "timeout",
            "architectures",
            "environment.SHARED",
            "environment.OVERRIDDEN",
            "environment.OWN",
            "kms_key",
            "tracing",
            "tags",
            "layers",
            "vpc",
            "reserved_concurrency",
            "provisioned_concurrency",
            "dead_letter_target",
            "on_failure_destination",
            "handler",
        )
    }
    assert lines == {
        "runtime": 4,
        "memory": 5,
        "timeout": 25,
        "architectures": 7,
        "environment.SHARED": 10,
        "environment.OVERRIDDEN": 27,
        "environment.OWN": 28,
        "kms_key": 8,
        "tracing": 13,
        "tags": 15,
        "layers": 17,
        "vpc": 19,
        "reserved_concurrency": 29,
        "provisioned_concurrency": 30,
        "dead_letter_target": 31,
        "on_failure_destination": 33,
        "handler": 24,
    }
    assert create.location.line == 23

    worker = _fn(app, "worker")
    assert worker.name == "custom-worker-name" and worker.runtime == "python3.12"
    assert worker.loc("runtime").line == 37
    assert worker.package_type == "Image" and worker.code.kind == "image"
    assert worker.handler is None
    packaged = _fn(app, "packaged")
    assert packaged.code.kind == "zip"
    assert packaged.code.path == str(tmp_path / "build" / "packaged.zip")
    assert packaged.timeout == 20 and packaged.loc("timeout").line == 6

    groups = {g.ref: g for g in app.of_type(LogGroup)}
    assert set(groups) == {"CreateLogGroup", "PackagedLogGroup"}  # worker: disableLogs
    assert groups["CreateLogGroup"].log_group_name == "/aws/lambda/orders-dev-create"
    assert groups["CreateLogGroup"].retention_days == 14
    assert groups["CreateLogGroup"].location.line == 14
    assert groups["PackagedLogGroup"].retention_days == 3


def test_framework_defaults_and_no_retention(tmp_path: Path) -> None:
    app = _load(
        tmp_path, "service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: h.h\n"
    )
    fn = _fn(app, "f")
    assert (fn.memory, fn.timeout, fn.tracing) == (1024, 6, None)
    [group] = app.of_type(LogGroup)
    assert group.retention_days is None


def test_stage_option_changes_names(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        "service: s\nprovider:\n  name: aws\nfunctions:\n  f-x_y:\n    handler: h.h\n",
        stage="prod",
    )
    fn = _fn(app, "f-x_y")
    assert fn.name == "s-prod-f-x_y"
    assert [g.ref for g in app.of_type(LogGroup)] == ["FDashxUnderscoreyLogGroup"]


EVENTS = """
service: ev
provider:
  name: aws
  apiGateway:
    usagePlan:
      throttle:
        burstLimit: 20
        rateLimit: 10
  httpApi:
    cors: true
    authorizers:
      jwtAuth:
        identitySource: $request.header.Authorization
        issuerUrl: https://cognito-idp.eu-west-1.amazonaws.com/pool
        audience: [abc]
custom:
  faasguard:
    public: [api]
functions:
  api:
    handler: h.h
    events:
      - http: GET /public
      - http:
          method: post
          path: items
          private: true
          cors:
            origin: https://shop.example
            allowCredentials: true
          authorizer:
            type: COGNITO_USER_POOLS
            arn: arn:aws:cognito-idp:eu-west-1:111122223333:userpool/x
          request:
            schemas:
              application/json: ${file(./schema.json)}
      - http:
          method: get
          path: iam
          authorizer: aws_iam
      - http:
          method: get
          path: custom
          authorizer: authFn
  http:
    handler: h.h
    url:
      authorizer: aws_iam
    events:
      - httpApi: 'GET /a'
      - httpApi: '*'
      - httpApi:
          method: POST
          path: /b
          authorizer:
            name: jwtAuth
      - httpApi:
          method: GET
          path: /iam
          authorizer:
            type: aws_iam
      - websocket: $connect
      - websocket:
          route: $default
      - alb:
          listenerArn: arn:aws:elasticloadbalancing:eu-west-1:1:listener/app/x/y/z
          priority: 1
          conditions:
            path: /alb
  async:
    handler: h.h
    url: true
    events:
      - s3: uploads
      - s3:
          bucket: existing-bucket
          existing: true
      - sqs: arn:aws:sqs:eu-west-1:111122223333:jobs
      - sqs:
          arn: !GetAtt JobsQueue.Arn
          batchSize: 5
      - sns: alerts
      - sns: arn:aws:sns:eu-west-1:111122223333:topic
      - stream:
          type: kinesis
          arn: arn:aws:kinesis:eu-west-1:1:stream/s
      - stream: arn:aws:dynamodb:eu-west-1:1:table/t/stream/2020
      - stream:
          arn: !GetAtt Orders.StreamArn
      - kafka:
          topic: t
          bootstrapServers: [b:9092]
      - msk:
          arn: arn:aws:kafka:eu-west-1:1:cluster/c
          topic: t
      - activemq:
          arn: arn:aws:mq:eu-west-1:1:broker:b
          queue: q
      - rabbitmq:
          arn: arn:aws:mq:eu-west-1:1:broker:r
          queue: q
      - eventBridge:
          pattern:
            source: [shop]
      - cloudwatchEvent:
          event:
            source: [aws.ec2]
      - schedule: rate(5 minutes)
      - schedule:
          rate: [cron(0 12 * * ? *)]
      - cognitoUserPool:
          pool: Users
          trigger: PreSignUp
      - iot:
          sql: "SELECT * FROM 'x'"
      - iotFleetProvisioning:
          templateBody: {}
      - cloudwatchLog: /aws/lambda/other
      - alexaSkill: amzn1.ask.skill.x
      - alexaSmartHome: amzn1.ask.skill.y
      - cloudFront:
          eventType: viewer-request
"""


def test_every_event_type_maps_to_a_trigger_kind(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text('{"type": "object"}')
    app = _load(tmp_path, EVENTS)
    kinds = [t.kind for t in _fn(app, "async").triggers]
    assert kinds == [
        TriggerKind.S3,
        TriggerKind.S3,
        TriggerKind.SQS,
        TriggerKind.SQS,
        TriggerKind.SNS,
        TriggerKind.SNS,
        TriggerKind.KINESIS,
        TriggerKind.DYNAMODB_STREAM,
        TriggerKind.DYNAMODB_STREAM,
        TriggerKind.KAFKA,
        TriggerKind.KAFKA,
        TriggerKind.MQ,
        TriggerKind.MQ,
        TriggerKind.EVENTBRIDGE,
        TriggerKind.EVENTBRIDGE,
        TriggerKind.SCHEDULE,
        TriggerKind.SCHEDULE,
        TriggerKind.COGNITO,
        TriggerKind.IOT,
        TriggerKind.IOT,
        TriggerKind.CLOUDWATCH_LOGS,
        TriggerKind.OTHER,
        TriggerKind.OTHER,
        TriggerKind.OTHER,
        TriggerKind.FUNCTION_URL,
    ]
    triggers = _fn(app, "async").triggers
    assert triggers[0].source == "S3BucketUploads"
    assert triggers[1].source == "existing-bucket"
    assert triggers[3].source == "JobsQueue" and triggers[3].properties["batchSize"] == 5
    assert triggers[4].source == "SNSTopicAlerts"
    assert triggers[0].location.line == 74
    assert [b.ref for b in app.of_type(Bucket)] == ["S3BucketUploads"]
    url = _fn(app, "async").url
    assert url is not None and url.auth_type == "NONE" and url.location.line == 72
    assert triggers[-1].http is not None and triggers[-1].http.authorization == "NONE"


def test_rest_http_websocket_and_alb_settings(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text('{"type": "object"}')
    app = _load(tmp_path, EVENTS)
    public, items, iam, custom = _fn(app, "api").triggers
    assert public.kind is TriggerKind.API_REST and public.http is not None
    assert (public.http.method, public.http.path, public.http.authorization) == (
        "GET",
        "/public",
        "NONE",
    )
    assert public.http.marked_public and public.http.request_validation is False
    assert public.http.throttling is not None and public.http.throttling.rate_limit == 10.0
    assert items.http is not None
    assert items.http.authorization == "COGNITO_USER_POOLS" and items.http.api_key_required is True
    assert items.http.request_validation is True
    assert items.http.cors is not None
    assert items.http.cors.allow_origins == ("https://shop.example",)
    assert items.http.cors.allow_credentials is True
    assert iam.http is not None and iam.http.authorization == "AWS_IAM"
    assert custom.http is not None and custom.http.authorization == "CUSTOM"
    assert custom.http.authorizer == "authFn"

    http = _fn(app, "http").triggers
    assert [t.kind for t in http] == [
        TriggerKind.API_HTTP,
        TriggerKind.API_HTTP,
        TriggerKind.API_HTTP,
        TriggerKind.API_HTTP,
        TriggerKind.WEBSOCKET,
        TriggerKind.WEBSOCKET,
        TriggerKind.ALB,
        TriggerKind.FUNCTION_URL,
    ]
    assert http[0].http is not None and (http[0].http.method, http[0].http.path) == ("GET", "/a")
    assert http[1].http is not None and (http[1].http.method, http[1].http.path) == ("*", "*")
    assert http[0].http.cors is not None and http[0].http.cors.allow_origins == ("*",)
    assert http[2].http is not None and http[2].http.authorization == "JWT"
    assert http[2].http.authorizer == "jwtAuth"
    assert http[3].http is not None and http[3].http.authorization == "AWS_IAM"
    assert http[4].http is not None and http[4].http.path == "$connect"
    assert http[4].http.authorization == "NONE"
    assert http[6].http is not None and http[6].http.path == "/alb"
    assert _fn(app, "http").url is not None
    assert _fn(app, "http").url.auth_type == "AWS_IAM"  # type: ignore[union-attr]
    assert http[7].http is not None and http[7].http.authorization == "AWS_IAM"

    apis = {a.ref: a for a in app.of_type(Api)}
    assert {ref: a.kind for ref, a in apis.items()} == {
        "ApiGatewayRestApi": "rest",
        "HttpApi": "http",
        "WebsocketsApi": "websocket",
    }
    throttling = apis["ApiGatewayRestApi"].default_throttling
    assert throttling is not None and throttling.burst_limit == 20
    assert apis["HttpApi"].default_throttling is None
    stages = {s.ref: s.api for s in app.of_type(Stage)}
    assert stages == {
        "ApiGatewayStage": "ApiGatewayRestApi",
        "HttpApiStage": "HttpApi",
        "WebsocketsDeploymentStage": "WebsocketsApi",
    }


def test_associate_waf_plugin(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        """
        service: w
        provider:
          name: aws
        custom:
          associateWaf:
            name: my-acl
        functions:
          f:
            handler: h.h
            events:
              - http: GET /
        """,
    )
    [association] = app.of_type(WebAclAssociation)
    assert association.web_acl == "my-acl" and association.target == "ApiGatewayStage"
    http = _fn(app, "f").triggers[0].http
    assert http is not None and http.waf == "my-acl"


def test_websocket_routes_ride_on_the_connect_authorizer(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        """
        service: w
        provider:
          name: aws
        functions:
          connect:
            handler: h.h
            events:
              - websocket:
                  route: $connect
                  authorizer: auth
          message:
            handler: h.h
            events:
              - websocket: $default
        """,
    )
    [message] = _fn(app, "message").triggers
    assert message.http is not None and message.http.authorization == "CUSTOM"


# -- IAM ---------------------------------------------------------------------------------


def _iam(tmp_path: Path, provider_iam: str, function_extra: str = "") -> App:
    text = (
        "service: iam\nprovider:\n  name: aws\n"
        + textwrap.indent(textwrap.dedent(provider_iam).strip("\n"), "  ")
        + "\nfunctions:\n  f:\n    handler: h.h\n"
        + textwrap.indent(textwrap.dedent(function_extra).strip("\n"), "    ")
        + "\n"
    )
    return _load(tmp_path, text)


def _user_actions(app: App, ref: str = "f") -> list[str]:
    role = _fn(app, ref).role
    assert role is not None
    return [
        str(action)
        for policy in role.policies
        for statement in policy.statements
        for action in statement.actions
        if not str(action).startswith("logs:")
    ]


def test_iam_role_statements_v3(tmp_path: Path) -> None:
    app = _iam(
        tmp_path,
        """
        iam:
          role:
            statements:
              - Effect: Allow
                Action: dynamodb:*
                Resource: "*"
            managedPolicies:
              - arn:aws:iam::aws:policy/ReadOnlyAccess
            permissionsBoundary: arn:aws:iam::1:policy/boundary
        """,
    )
    role = _fn(app, "f").role
    assert role is not None and role.ref == "IamRoleLambdaExecution"
    assert _user_actions(app) == ["dynamodb:*"]
    statement = role.policies[0].statements[-1]
    assert statement.resources == ("*",) and statement.location.line == 7
    assert role.managed_policy_arns == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    assert role.permissions_boundary == "arn:aws:iam::1:policy/boundary"
    assert _fn(app, "f").loc("role").line == 5
    logs = role.policies[0].statements[0]
    assert "logs:CreateLogStream" in logs.actions
    assert logs.resources == (
        "arn:aws:logs:us-east-1:${AWS::AccountId}:log-group:/aws/lambda/iam-dev-f:*",
    )
    assert [r.ref for r in app.roles] == ["IamRoleLambdaExecution"]


def test_legacy_iam_role_statements_and_managed_policies(tmp_path: Path) -> None:
    app = _iam(
        tmp_path,
        """
        iamRoleStatements:
          - Effect: Allow
            Action: [s3:GetObject, s3:PutObject]
            Resource: arn:aws:s3:::b/*
        iamManagedPolicies:
          - arn:aws:iam::aws:policy/AdministratorAccess
        """,
    )
    assert _user_actions(app) == ["s3:GetObject", "s3:PutObject"]
    role = _fn(app, "f").role
    assert role is not None
    assert role.managed_policy_arns == ("arn:aws:iam::aws:policy/AdministratorAccess",)
    assert role.policies[0].statements[-1].location.line == 5


@pytest.mark.parametrize(
    ("spelling", "ref", "line"),
    [
        (
            "iam:\n  role: arn:aws:iam::111122223333:role/existing",
            "arn:aws:iam::111122223333:role/existing",
            5,
        ),
        ("iam:\n  role: existing-role-name", "existing-role-name", 5),
        ("role: arn:aws:iam::111122223333:role/legacy", "arn:aws:iam::111122223333:role/legacy", 4),
    ],
)
def test_provider_role_naming_an_existing_role(
    tmp_path: Path, spelling: str, ref: str, line: int
) -> None:
    app = _iam(tmp_path, spelling)
    role = _fn(app, "f").role
    assert role is not None and role.ref == ref and role.external is True
    assert _fn(app, "f").loc("role").line == line
    assert all(r.ref != "IamRoleLambdaExecution" for r in app.roles)


def test_function_role_from_resources(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        """
        service: r
        provider:
          name: aws
        functions:
          f:
            handler: h.h
            role: CustomRole
          g:
            handler: h.h
            role: !GetAtt CustomRole.Arn
        resources:
          Resources:
            CustomRole:
              Type: AWS::IAM::Role
              Properties:
                AssumeRolePolicyDocument:
                  Statement:
                    - Effect: Allow
                      Principal: {Service: lambda.amazonaws.com}
                      Action: sts:AssumeRole
                Policies:
                  - PolicyName: p
                    PolicyDocument:
                      Statement:
                        - Effect: Allow
                          Action: sqs:*
                          Resource: "*"
        """,
    )
    f, g = _fn(app, "f"), _fn(app, "g")
    assert f.role is not None and f.role.ref == "CustomRole" and not f.role.external
    assert g.role is f.role
    actions = [a for p in f.role.policies for s in p.statements for a in s.actions]
    assert actions == ["sqs:*"]
    assert f.loc("role").line == 7
    assert all(r.ref != "IamRoleLambdaExecution" for r in app.roles)


def test_per_function_roles_plugin(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        """
        service: pf
        provider:
          name: aws
          iam:
            role:
              statements:
                - Effect: Allow
                  Action: xray:PutTraceSegments
                  Resource: "*"
        functions:
          own:
            handler: h.h
            iamRoleStatements:
              - Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::b/*
          inherits:
            handler: h.h
            iamRoleStatementsInherit: true
            iamRoleStatements:
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: "*"
          shared:
            handler: h.h
        """,
    )
    own, inherits, shared = _fn(app, "own"), _fn(app, "inherits"), _fn(app, "shared")
    assert own.role is not None and own.role.ref == "OwnIamRoleLambdaExecution"
    assert _user_actions(app, "own") == ["s3:GetObject"]
    assert _user_actions(app, "inherits") == ["sqs:SendMessage", "xray:PutTraceSegments"]
    assert shared.role is not None and shared.role.ref == "IamRoleLambdaExecution"
    assert _user_actions(app, "shared") == ["xray:PutTraceSegments"]
    assert own.loc("role").line == 13
    assert (
        inherits.role is not None and inherits.role.name == "pf-dev-inherits-us-east-1-lambdaRole"
    )


def test_event_source_permissions_on_the_default_role(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        """
        service: q
        provider:
          name: aws
        functions:
          f:
            handler: h.h
            vpc:
              subnetIds: [s]
              securityGroupIds: [g]
            events:
              - sqs: arn:aws:sqs:us-east-1:1:jobs
              - stream: arn:aws:dynamodb:us-east-1:1:table/t/stream/x
        """,
    )
    role = _fn(app, "f").role
    assert role is not None
    statements = {s.actions[0]: s for s in role.policies[0].statements}
    assert statements["sqs:ReceiveMessage"].resources == ("arn:aws:sqs:us-east-1:1:jobs",)
    assert statements["dynamodb:GetRecords"].resources == (
        "arn:aws:dynamodb:us-east-1:1:table/t/stream/x",
    )
    assert role.managed_policy_arns == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    )


# -- resources -----------------------------------------------------------------------------


def test_resources_are_loaded_and_linked(tmp_path: Path) -> None:
    (tmp_path / "queue.yml").write_text(
        textwrap.dedent(
            """
            Resources:
              JobsQueue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: 30
            """
        ).lstrip("\n")
    )
    app = _load(
        tmp_path,
        """
        service: res
        provider:
          name: aws
        functions:
          hello-world:
            handler: h.h
            logRetentionInDays: 7
        resources:
          - ${file(./queue.yml)}
          - Resources:
              Mapping:
                Type: AWS::Lambda::EventSourceMapping
                Properties:
                  EventSourceArn: !GetAtt JobsQueue.Arn
                  FunctionName: !Ref HelloDashworldLambdaFunction
              Uploads:
                Type: AWS::S3::Bucket
                Properties:
                  PublicAccessBlockConfiguration:
                    BlockPublicAcls: false
                    BlockPublicPolicy: false
                    IgnorePublicAcls: false
                    RestrictPublicBuckets: false
              HelloDashworldLogGroup:
                Properties:
                  RetentionInDays: 90
            Outputs:
              X:
                Value: 1
        """,
    )
    fn = _fn(app, "hello-world")
    sqs = [t for t in fn.triggers if t.kind is TriggerKind.SQS]
    assert len(sqs) == 1 and sqs[0].source == "JobsQueue"
    [queue] = [q for q in app.of_type(Queue) if q.ref == "JobsQueue"]
    assert queue.visibility_timeout == 30
    assert queue.location.file == str(tmp_path / "queue.yml") and queue.location.line == 2
    [bucket] = [b for b in app.of_type(Bucket) if b.ref == "Uploads"]
    assert bucket.public_access_block is not None
    assert bucket.public_access_block.block_public_acls is False
    assert bucket.location.line == 16 and bucket.location.file == str(tmp_path / "serverless.yml")
    [group] = [g for g in app.of_type(LogGroup) if g.ref == "HelloDashworldLogGroup"]
    assert group.retention_days == 90
    assert not [d for d in app.diagnostics if d.level is DiagnosticLevel.ERROR]


def test_waf_association_in_resources_targets_the_framework_stage(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        """
        service: waf
        provider:
          name: aws
        functions:
          f:
            handler: h.h
            events:
              - http: GET /
        resources:
          Resources:
            Acl:
              Type: AWS::WAFv2::WebACL
              Properties:
                Scope: REGIONAL
                DefaultAction: {Allow: {}}
                VisibilityConfig: {SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: m}
            Association:
              Type: AWS::WAFv2::WebACLAssociation
              DependsOn: ApiGatewayDeployment
              Properties:
                WebACLArn: !GetAtt Acl.Arn
                ResourceArn: !Sub arn:aws:apigateway:${AWS::Region}::/restapis/${ApiGatewayRestApi}/stages/dev
        """,
    )
    associations = list(app.of_type(WebAclAssociation))
    assert [a.target for a in associations] == ["ApiGatewayStage"]
    http = _fn(app, "f").triggers[0].http
    assert http is not None and http.waf is not None


# -- bad input -----------------------------------------------------------------------------


def test_malformed_yaml_gives_an_error_with_line(tmp_path: Path) -> None:
    app = _load(
        tmp_path, "service: x\nprovider:\n  name: aws\n  runtime: [unclosed\nfunctions: {}\n"
    )
    [error] = [d for d in app.diagnostics if d.level is DiagnosticLevel.ERROR]
    assert error.location is not None and error.location.file.endswith("serverless.yml")
    assert error.location.line >= 4
    assert "invalid YAML" in error.message
    assert app.functions == ()


@pytest.mark.parametrize("name", ["serverless.ts", "serverless.js"])
def test_code_configurations_are_not_executed(tmp_path: Path, name: str) -> None:
    app = _load(tmp_path, "throw new Error('must never run')\n", name=name)
    [error] = app.diagnostics
    assert error.level is DiagnosticLevel.ERROR
    assert "serverless print > serverless.yml" in error.message
    assert app.name == tmp_path.name and app.format == "serverless"


def test_json_configuration(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        '{\n  "service": "j",\n  "provider": {"name": "aws", "runtime": "python3.12"},\n'
        '  "functions": {"f": {"handler": "h.h", "timeout": 10}}\n}\n',
        name="serverless.json",
    )
    fn = _fn(app, "f")
    assert fn.timeout == 10 and fn.runtime == "python3.12" and fn.loc("timeout").line == 4


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- a list\n",
        "service: x\nfunctions: 3\n",
        "service: x\nfunctions:\n  f: null\n  g: [1]\n  h:\n    events: {}\n",
        "service: x\nprovider: 3\nfunctions:\n  f:\n    handler: h\n    events:\n      - 3\n      - http: 4\n      - sqs: {}\n",
        "service: x\nresources: 7\n",
        "service: x\nresources:\n  Resources: [1]\n",
        "service: ${self:service}\n",
    ],
)
def test_odd_documents_never_raise(tmp_path: Path, text: str) -> None:
    app = _load(tmp_path, text)
    assert not [d for d in app.diagnostics if d.code == "internal-error"]


def test_unknown_values_are_unknown_not_guesses(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        "service: u\nprovider:\n  name: aws\n  timeout: ${ssm:/timeout}\nfunctions:\n  f:\n    handler: h\n",
    )
    fn = _fn(app, "f")
    assert isinstance(fn.timeout, Unknown) and fn.timeout.expression == "${ssm:/timeout}"


def test_intrinsics_in_iam_statements_are_resolved(tmp_path: Path) -> None:
    app = _iam(
        tmp_path,
        """
        iam:
          role:
            statements:
              - Effect: Allow
                Action: dynamodb:GetItem
                Resource: !Sub arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders
              - Effect: Allow
                Action: ssm:GetParameter
                Resource: !ImportValue shared-param-arn
        """,
    )
    role = _fn(app, "f").role
    assert role is not None
    dynamo, ssm = role.policies[0].statements[-2:]
    assert dynamo.resources == ("arn:aws:dynamodb:us-east-1:123456789012:table/orders",)
    assert isinstance(ssm.resources[0], Unknown)
