"""Serverless Framework loader: references to, and extensions of, the resources it generates."""

from __future__ import annotations

import textwrap
from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders.serverless import load
from faasguard.model import (
    Alarm,
    App,
    DiagnosticLevel,
    Function,
    LambdaPermission,
    LogGroup,
    Resource,
    TriggerKind,
)


def _load(tmp_path: Path, text: str) -> App:
    path = tmp_path / "serverless.yml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return load(str(path), LoadOptions())


def _fn(app: App, ref: str) -> Function:
    found = app.function(ref)
    assert found is not None, [f.ref for f in app.functions]
    return found


def _resource(app: App, ref: str) -> Resource:
    found = app.resource(ref)
    assert found is not None, [r.ref for r in app.resources]
    return found


REFERENCES = """
service: docs
provider:
  name: aws
  region: eu-west-1
functions:
  index-document:
    handler: h.h
  thumbnail:
    name: custom-thumbnail
    handler: h.h
resources:
  Resources:
    IndexErrors:
      Type: AWS::CloudWatch::Alarm
      Properties:
        Namespace: AWS/Lambda
        MetricName: Errors
        Dimensions:
          - Name: FunctionName
            Value: !Ref IndexDashdocumentLambdaFunction
    ThumbnailThrottles:
      Type: AWS::CloudWatch::Alarm
      Properties:
        Namespace: AWS/Lambda
        MetricName: Throttles
        Dimensions:
          - Name: FunctionName
            Value: !Ref ThumbnailLambdaFunction
    InvokeFromBucket:
      Type: AWS::Lambda::Permission
      Properties:
        FunctionName: !GetAtt ThumbnailLambdaFunction.Arn
        Action: lambda:InvokeFunction
        Principal: s3.amazonaws.com
    Jobs:
      Type: AWS::SQS::Queue
    JobsMapping:
      Type: AWS::Lambda::EventSourceMapping
      Properties:
        EventSourceArn: !GetAtt Jobs.Arn
        FunctionName: !Sub "${IndexDashdocumentLambdaFunction.Arn}"
    Forwarder:
      Type: AWS::Logs::SubscriptionFilter
      Properties:
        LogGroupName: !Ref ThumbnailLogGroup
        DestinationArn: !GetAtt ThumbnailLogGroup.Arn
        FilterPattern: ""
    RestRoot:
      Type: AWS::ApiGateway::Resource
      Properties:
        RestApiId: !Ref ApiGatewayRestApi
        ParentId: !GetAtt ApiGatewayRestApi.RootResourceId
        PathPart: items
"""


def test_references_to_generated_functions_link_to_them(tmp_path: Path) -> None:
    app = _load(tmp_path, REFERENCES)
    alarms = {alarm.ref: alarm for alarm in app.of_type(Alarm)}
    # Ref of a generated function is its deployed name, linked back to the function key.
    assert alarms["IndexErrors"].dimensions == {"FunctionName": "index-document"}
    assert alarms["ThumbnailThrottles"].dimensions == {"FunctionName": "thumbnail"}
    [permission] = app.of_type(LambdaPermission)
    assert permission.function == "thumbnail"
    [sqs] = [t for t in _fn(app, "index-document").triggers if t.kind is TriggerKind.SQS]
    assert sqs.source == "Jobs"
    assert sqs.location.line == 37  # the JobsMapping resource
    assert not [d for d in app.diagnostics if d.level is DiagnosticLevel.ERROR]


def test_references_to_other_generated_resources_resolve_like_cloudformation(
    tmp_path: Path,
) -> None:
    app = _load(tmp_path, REFERENCES)
    forwarder = _resource(app, "Forwarder")
    assert forwarder.properties["LogGroupName"] == "/aws/lambda/custom-thumbnail"
    assert (
        forwarder.properties["DestinationArn"]
        == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/custom-thumbnail:*"
    )
    rest = _resource(app, "RestRoot")
    assert rest.properties["RestApiId"] == "ApiGatewayRestApi"
    assert rest.properties["ParentId"] == "ApiGatewayRestApi.RootResourceId"


def test_intrinsics_in_iam_statements_see_generated_resources(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        """
        service: svc
        provider:
          name: aws
          region: eu-west-1
          iam:
            role:
              statements:
                - Effect: Allow
                  Action: lambda:InvokeFunction
                  Resource: !GetAtt WorkerLambdaFunction.Arn
        functions:
          worker:
            handler: h.h
        """,
    )
    role = _fn(app, "worker").role
    assert role is not None
    resources = [r for p in role.policies for s in p.statements for r in s.resources]
    assert "arn:aws:lambda:eu-west-1:123456789012:function:svc-dev-worker" in resources


EXTENSIONS = """
service: payments
provider:
  name: aws
  runtime: python3.12
  logRetentionInDays: 14
  environment:
    SHARED: one
functions:
  refund:
    handler: h.h
    timeout: 10
  settle:
    handler: h.h
  charge:
    handler: h.h
resources:
  extensions:
    RefundLambdaFunction:
      Properties:
        CodeSigningConfigArn: !Ref Signing
        ReservedConcurrentExecutions: 5
        TracingConfig:
          Mode: Active
        Timeout: 20
        Environment:
          Variables:
            ONLY: extension
    RefundLogGroup:
      Properties:
        RetentionInDays: 90
        KmsKeyId: !GetAtt LogKey.Arn
  Resources:
    SettleLambdaFunction:
      Properties:
        CodeSigningConfigArn: !GetAtt Signing.CodeSigningConfigArn
        KmsKeyArn: !GetAtt LogKey.Arn
        LoggingConfig:
          LogFormat: JSON
        Environment:
          Variables:
            ADDED: override
    Signing:
      Type: AWS::Lambda::CodeSigningConfig
      Properties:
        AllowedPublishers:
          SigningProfileVersionArns: [arn:aws:signer:eu-west-1:111122223333:/signing-profiles/p/v]
        CodeSigningPolicies:
          UntrustedArtifactOnDeployment: Enforce
    LogKey:
      Type: AWS::KMS::Key
"""


def test_extensions_of_a_generated_function_are_merged_with_their_lines(tmp_path: Path) -> None:
    app = _load(tmp_path, EXTENSIONS)
    refund = _fn(app, "refund")
    assert refund.code_signing_config == "Signing"
    assert refund.loc("code_signing_config").line == 20
    assert refund.reserved_concurrency == 5
    assert refund.loc("reserved_concurrency").line == 21
    assert refund.tracing == "Active"
    assert refund.loc("tracing").line == 22
    assert refund.timeout == 20 and refund.loc("timeout").line == 24
    # An extension replaces the whole property: the provider's variables are gone.
    assert dict(refund.environment) == {"ONLY": "extension"}
    assert refund.loc("environment.ONLY").line == 27
    assert _fn(app, "charge").code_signing_config is None


def test_typeless_resource_entries_are_deep_merged_into_the_function(tmp_path: Path) -> None:
    app = _load(tmp_path, EXTENSIONS)
    settle = _fn(app, "settle")
    assert settle.code_signing_config == "Signing"
    assert settle.loc("code_signing_config").line == 35
    assert settle.kms_key == "LogKey" and settle.loc("kms_key").line == 36
    assert settle.logging is not None
    assert settle.logging.log_format == "JSON"
    assert settle.logging.log_group == "/aws/lambda/payments-dev-settle"
    assert dict(settle.environment) == {"SHARED": "one", "ADDED": "override"}
    assert settle.loc("environment.ADDED").line == 41


def test_extensions_of_a_generated_log_group(tmp_path: Path) -> None:
    app = _load(tmp_path, EXTENSIONS)
    groups = {group.ref: group for group in app.of_type(LogGroup)}
    refund = groups["RefundLogGroup"]
    assert refund.retention_days == 90 and refund.location.line == 30
    assert refund.kms_key == "LogKey"
    assert groups["SettleLogGroup"].retention_days == 14
