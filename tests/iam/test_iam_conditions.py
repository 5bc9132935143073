"""Condition classification heuristics (see faasguard.iam.conditions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from faasguard.iam.conditions import ConditionEffect, classify

TODAY = dt.date(2026, 11, 28)
N, NARROW, TRUE, IMPOSSIBLE = (
    ConditionEffect.NONE,
    ConditionEffect.NARROWING,
    ConditionEffect.ALWAYS_TRUE,
    ConditionEffect.IMPOSSIBLE,
)


def c(op: str, key: str, *values: Any) -> dict[str, dict[str, tuple[Any, ...]]]:
    return {op: {key: values}}


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, N),
        # narrowing: resources, sources, tags, networks, service keys, unknown keys
        (c("ArnLike", "aws:SourceArn", "arn:aws:s3:::b"), NARROW),
        (c("StringEquals", "aws:ResourceTag/team", "blue"), NARROW),
        (c("StringEquals", "aws:PrincipalTag/team", "blue"), NARROW),
        (c("StringEquals", "aws:SourceVpce", "vpce-1"), NARROW),
        (c("IpAddress", "aws:SourceIp", "10.0.0.0/8"), NARROW),
        (c("StringLike", "s3:prefix", "home/*"), NARROW),
        (c("StringEquals", "kms:ViaService", "s3.eu-west-1.amazonaws.com"), NARROW),
        (c("StringEquals", "aws:SourceAccount", "123456789012"), NARROW),
        (c("StringEquals", "custom:whatever", "x"), NARROW),
        (c("StringLike", "aws:ResourceTag/x", "*"), NARROW),  # still requires the tag
        # always true for calls made with the role
        (c("StringLike", "aws:RequestedRegion", "*"), TRUE),
        (c("StringEquals", "aws:RequestedRegion", "eu-west-1"), TRUE),
        (c("Bool", "aws:SecureTransport", "true", "false"), TRUE),
        (c("Bool", "aws:SecureTransport", "true"), TRUE),
        (c("Bool", "aws:SecureTransport", "false"), NARROW),
        (c("StringLikeIfExists", "aws:SourceVpce", "*"), TRUE),
        (c("Null", "aws:PrincipalArn", "false"), TRUE),
        (c("StringLike", "aws:UserAgent", "*boto*"), TRUE),
        # impossible
        (c("Null", "aws:PrincipalArn", "true"), IMPOSSIBLE),
        (c("Null", "aws:username", "false"), IMPOSSIBLE),
        (c("Bool", "aws:MultiFactorAuthPresent", True), IMPOSSIBLE),
        (c("NumericLessThan", "s3:max-keys", "0"), IMPOSSIBLE),
        (c("NumericLessThanEquals", "s3:max-keys", "-1"), IMPOSSIBLE),
        (c("NumericLessThanEquals", "s3:max-keys", "0"), NARROW),
        (c("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"), IMPOSSIBLE),
        (c("DateLessThan", "aws:CurrentTime", "2099-01-01T00:00:00Z"), TRUE),
        (c("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"), TRUE),
        (c("DateGreaterThan", "aws:CurrentTime", "2099-01-01T00:00:00Z"), NARROW),
        (
            {
                "StringEquals": {"aws:ResourceTag/env": ("prod",)},
                "StringNotEquals": {"aws:ResourceTag/env": ("prod",)},
            },
            IMPOSSIBLE,
        ),
        (
            {
                "StringEquals": {"aws:ResourceTag/env": ("prod",)},
                "StringEqualsIgnoreCase": {"aws:ResourceTag/env": ("dev",)},
            },
            IMPOSSIBLE,
        ),
        (
            {
                "StringEquals": {"aws:ResourceTag/env": ("Prod",)},
                "StringEqualsIgnoreCase": {"aws:ResourceTag/env": ("prod",)},
            },
            NARROW,
        ),
        (
            {
                "ForAnyValue:StringEquals": {"aws:TagKeys": ("a",)},
                "ForAllValues:StringEquals": {"aws:TagKeys": ("b",)},
            },
            IMPOSSIBLE,
        ),
        (
            {
                "NumericGreaterThan": {"s3:max-keys": ("100",)},
                "NumericLessThan": {"s3:max-keys": ("10",)},
            },
            IMPOSSIBLE,
        ),
        # one impossible clause makes the whole block impossible; one narrowing one narrows
        (
            {
                "StringLike": {"aws:RequestedRegion": ("*",)},
                "Null": {"aws:PrincipalArn": ("true",)},
            },
            IMPOSSIBLE,
        ),
        (
            {
                "StringLike": {"aws:RequestedRegion": ("*",)},
                "StringEquals": {"aws:SourceVpce": ("vpce-1",)},
            },
            NARROW,
        ),
        # IfExists never contradicts
        (
            {
                "StringEquals": {"aws:ResourceTag/env": ("prod",)},
                "StringNotEqualsIfExists": {"aws:ResourceTag/env": ("prod",)},
            },
            NARROW,
        ),
    ],
)
def test_classification(conditions: dict[str, Any], expected: ConditionEffect) -> None:
    assert classify(conditions, today=TODAY) is expected
