"""Regressions found while writing the annotated fixtures (tests/fixtures): each case is one
the set-based fixture test cannot see (duplicate findings) or that needs a hand-built model."""

from __future__ import annotations

from rulekit import app, fn, loc, run, trigger

from faasguard.model import (
    Bucket,
    CodeSigningConfig,
    Cors,
    FunctionUrl,
    HttpSettings,
    LoggingConfig,
    LogGroup,
    Policy,
    PublicAccessBlock,
    ResourcePolicy,
    Statement,
    Trigger,
    TriggerKind,
    Unknown,
)

_ANY_WITH_CREDENTIALS = Cors(allow_origins=("*",), allow_credentials=True)


def test_trig006_function_url_reported_once_although_loaders_also_add_a_trigger() -> None:
    url = FunctionUrl(auth_type="NONE", cors=_ANY_WITH_CREDENTIALS, location=loc(91))
    url_trigger = Trigger(
        kind=TriggerKind.FUNCTION_URL,
        name="WebhookUrl",
        http=HttpSettings(authorization="NONE", cors=_ANY_WITH_CREDENTIALS),
        location=loc(91),
    )
    hits = run("TRIG006", app(fn("Webhook", url=url, triggers=(url_trigger,))))
    assert [h.location.line for h in hits] == [91]


def test_conf004_policy_linked_to_bucket_and_kept_as_resource_policy_reported_once() -> None:
    statement = Statement(actions=("s3:PutObject",), principals={"*": ("*",)}, location=loc(84))
    policy = Policy(name="bucket policy", statements=(statement,), location=loc(82))
    bucket = Bucket(ref="Avatars", type="AWS::S3::Bucket", policy=policy, location=loc(68))
    standalone = ResourcePolicy(
        ref="AvatarsPolicy",
        type="AWS::S3::BucketPolicy",
        targets=("Avatars",),
        policy=policy,
        location=loc(77),
    )
    f = fn("Resize", triggers=(trigger(TriggerKind.S3, "Avatars"),))
    hits = run("CONF004", app(f, resources=(bucket, standalone)))
    assert [h.location.line for h in hits] == [84]


def test_conf004_block_public_access_off_points_at_its_own_resource_when_known() -> None:
    block = PublicAccessBlock(block_public_acls=False, location=loc(26))
    bucket = Bucket(ref="b", type="aws_s3_bucket", public_access_block=block, location=loc(20))
    f = fn("Resize", triggers=(trigger(TriggerKind.S3, "b"),))
    assert [h.location.line for h in run("CONF004", app(f, resources=(bucket,)))] == [26]


def test_log001_logging_config_referencing_the_group_by_logical_id() -> None:
    group = LogGroup(
        ref="PipelineLogs",
        type="AWS::Logs::LogGroup",
        log_group_name="/docs/pipeline",
        retention_days=90,
        location=loc(120),
    )
    f = fn("SearchApi", logging=LoggingConfig(log_group="PipelineLogs"))
    assert run("LOG001", app(f, resources=(group,))) == []


def test_deploy002_names_functions_that_use_the_config_through_a_reference() -> None:
    config = CodeSigningConfig(
        ref="aws_lambda_code_signing_config.lenient", type="x", policy="Warn", location=loc(26)
    )
    f = fn(
        "aws_lambda_function.settle",
        code_signing_config=Unknown("aws_lambda_code_signing_config.lenient.arn"),
    )
    (hit,) = run("DEPLOY002", app(f, resources=(config,)))
    assert "(used by aws_lambda_function.settle)" in hit.message
