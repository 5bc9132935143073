"""AWS managed policies from the packaged data set."""

from __future__ import annotations

import gzip
import json
from importlib import resources

from faasguard.iam.managed import is_aws_managed_arn, managed_data, managed_policy


def test_administrator_access_by_arn_and_name() -> None:
    policy = managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert policy is not None
    assert policy.name == "AdministratorAccess"
    assert policy.managed
    assert policy.arn == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert policy.location.file == "aws-managed:AdministratorAccess"
    [statement] = policy.statements
    assert statement.allows and statement.actions == ("*",) and statement.resources == ("*",)
    assert statement.location.pointer == "/Statement/0"
    assert managed_policy("administratoraccess") == policy


def test_lambda_basic_execution_role_with_path_and_partition() -> None:
    for arn in (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ):
        policy = managed_policy(arn)
        assert policy is not None, arn
        [statement] = policy.statements
        assert set(statement.actions) == {
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        }


def test_unknown_and_customer_managed_policies_are_none() -> None:
    assert managed_policy("arn:aws:iam::aws:policy/NoSuchPolicyEver") is None
    # Same name as an AWS managed policy, but in a customer account: never looked up.
    assert managed_policy("arn:aws:iam::123456789012:policy/AdministratorAccess") is None
    assert not is_aws_managed_arn("arn:aws:iam::123456789012:policy/x")


def test_data_set_provenance_and_licence_are_packaged() -> None:
    data = managed_data()
    assert len(data.policies) >= 1600
    assert len(data.commit) == 40
    files = resources.files("faasguard.data")
    assert "MIT License" in files.joinpath("LICENSE-iam-dataset").read_text(encoding="utf-8")
    raw = json.loads(gzip.decompress(files.joinpath("aws-managed-policies.json.gz").read_bytes()))
    assert "LICENSE-iam-dataset" in raw["source"]
