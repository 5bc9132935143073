"""Unit tests of the CONF rules on hand-built models."""

from __future__ import annotations

import datetime as dt

from rulekit import app, fn, loc, run, trigger

from faasguard.findings import Severity
from faasguard.model import (
    Bucket,
    Policy,
    PublicAccessBlock,
    Queue,
    ResourcePolicy,
    Statement,
    TriggerKind,
    Unknown,
    UserPool,
)

AS_OF = dt.date(2026, 11, 28)


def test_conf001_phases_by_pinned_date() -> None:
    functions = (
        fn("Old", runtime="python3.8", field_lines={"runtime": 7}),
        fn("Dep", runtime="python3.9"),
        fn("Soon", runtime="nodejs22.x"),
        fn("New", runtime="python3.13"),
        fn("Unk", runtime=Unknown("${self:custom.runtime}")),
    )
    hits = run("CONF001", app(*functions), today=AS_OF)
    assert [(h.function, h.severity) for h in hits] == [
        # python3.8's block dates are not confirmed: they do not raise the severity
        ("Old", Severity.MEDIUM),
        ("Dep", Severity.MEDIUM),
        ("Soon", Severity.LOW),
    ]
    assert "not confirmed" in hits[0].message and hits[0].properties["phase"] == "update_blocked"
    # a confirmed row past its block dates is high
    [blocked] = run("CONF001", app(fn("Ancient", runtime="nodejs12.x")), today=AS_OF)
    assert blocked.severity is Severity.HIGH and "not confirmed" not in blocked.message
    assert hits[0].location.line == 7
    assert "2026-04-08" in hits[0].message and "upgrade to python3.14" in hits[0].message
    assert "2025-12-15" in hits[1].message
    assert run("CONF001", app(fn(runtime="nodejs22.x")), today=dt.date(2026, 1, 1)) == []


def test_conf002_detects_without_printing_the_value() -> None:
    key = "AKIAZ4Q7RXXW2EXAMPLX"
    env = {
        "AWS_ACCESS_KEY": key,
        "DB_PASSWORD": "s3cr3t-Passw0rd!",
        "DB_PASSWORD_SSM": "{{resolve:ssm:/db/password}}",
        "API_TOKEN": "${ssm:/shop/token}",
        "SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db",
        "STAGE": "prod",
        "WEBHOOK_SECRET": "changeme",
    }
    f = fn("Api", environment=env, field_lines={"environment.DB_PASSWORD": 33})
    hits = run("CONF002", app(f))
    assert [(h.key, h.severity) for h in hits] == [
        ("AWS_ACCESS_KEY", Severity.CRITICAL),
        ("DB_PASSWORD", Severity.HIGH),
        # secret-named references resolved into the configuration at deploy time
        ("DB_PASSWORD_SSM", Severity.MEDIUM),
        ("API_TOKEN", Severity.MEDIUM),
    ]
    assert "CloudFormation dynamic reference, resolved at deploy time" in hits[2].message
    assert "Serverless Framework resolves at deploy time" in hits[3].message
    assert hits[1].location.line == 33
    assert "[redacted secret]" in hits[1].message and "[redacted AWS Access Key]" in hits[0].message
    assert "s3" not in hits[1].message and "16" not in hits[1].message
    for hit in hits:
        assert key not in hit.message and "s3cr3t-Passw0rd!" not in hit.message


def test_conf003_sensitive_names_even_referenced() -> None:
    f = fn("Api", environment={"DB_PASSWORD": "${ssm:/db}", "TABLE": "orders"})
    g = fn("Enc", environment={"DB_PASSWORD": "${ssm:/db}"}, kms_key="Key")
    h = fn("Ref", environment={"DB_SECRET_ARN": "arn:aws:secretsmanager:x"})
    hits = run("CONF003", app(f, g, h))
    assert [h.function for h in hits] == ["Api"]
    assert "DB_PASSWORD" in hits[0].message


def _triggered(bucket: Bucket, *extra: object) -> list[object]:
    f = fn("Resize", triggers=(trigger(TriggerKind.S3, bucket.ref),))
    return list(run("CONF004", app(f, resources=(bucket, *extra))))  # type: ignore[arg-type]


def test_conf004_acl_policy_and_block_public_access() -> None:
    acl = Bucket(ref="Uploads", type="x", acl="PublicReadWrite", location=loc(5))
    assert len(_triggered(acl)) == 1
    statement = Statement(
        principals={"*": ("*",)}, actions=("s3:PutObject",), resources=("*",), location=loc(12)
    )
    policy = ResourcePolicy(
        ref="Pol",
        type="x",
        targets=("Uploads",),
        policy=Policy(name="p", statements=(statement,), location=loc(10)),
        location=loc(9),
    )
    plain = Bucket(ref="Uploads", type="x", location=loc(5))
    hits = _triggered(plain, policy)
    assert [h.location.line for h in hits] == [12]  # type: ignore[attr-defined]
    off = Bucket(
        ref="Uploads",
        type="x",
        public_access_block=PublicAccessBlock(block_public_acls=False),
        location=loc(5),
    )
    assert "BlockPublicAcls" in _triggered(off)[0].message  # type: ignore[attr-defined]
    assert _triggered(plain) == []


def test_conf005_only_explicitly_unencrypted_queues() -> None:
    off = Queue(ref="Off", type="x", sqs_managed_encryption=False, location=loc(3))
    default = Queue(ref="Default", type="x", location=loc(4))
    f = fn(triggers=(trigger(TriggerKind.SQS, "Off"), trigger(TriggerKind.SQS, "Default")))
    assert [h.resource for h in run("CONF005", app(f, resources=(off, default)))] == ["Off"]


def _pool(ref: str, **properties: object) -> UserPool:
    return UserPool(ref=ref, type="AWS::Cognito::UserPool", properties=properties, location=loc(50))


def test_conf007_one_finding_per_cause_only_for_pools_functions_use() -> None:
    weak = {
        "UsernameAttributes": ["email"],
        "MfaConfiguration": "OFF",
        "Policies": {"PasswordPolicy": {"MinimumLength": 6, "RequireNumbers": True}},
        "Schema": [{"Name": "role", "AttributeDataType": "String"}],
    }
    used = fn("Signup", triggers=(trigger(TriggerKind.COGNITO, "Users"),))
    hits = run("CONF007", app(used, resources=(_pool("Users", **weak), _pool("Other", **weak))))
    assert [(h.resource, h.key, h.severity) for h in hits] == [
        ("Users", "self-sign-up-privileged-attributes", Severity.HIGH),
        ("Users", "unverified-email-identity", Severity.MEDIUM),
        ("Users", "weak-password-policy", Severity.MEDIUM),
        ("Users", "mfa-off", Severity.LOW),
    ]
    assert "custom:role" in hits[0].message and "a minimum length of 6" in hits[2].message
    # no function is behind or uses the pool: nothing
    assert run("CONF007", app(fn("Other"), resources=(_pool("Users", **weak),))) == []
