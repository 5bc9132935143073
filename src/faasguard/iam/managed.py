"""AWS managed policy documents, packaged in ``faasguard/data/aws-managed-policies.json.gz``.

Origin: the ``aws/managedpolicies`` folder of iann0036/iam-dataset (MIT, licence in
``data/LICENSE-iam-dataset``), 1,643 policies; the upstream commit is recorded in the file
(``commit``) and shown by ``faasguard data info``. Loaded once, on first use.

A managed policy's statements carry ``Location(file="aws-managed:<name>")`` with a JSON
pointer to the statement: there is no user file to point at. Effective-permission results
re-point them at the line where the user attached the policy.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from faasguard.model import Location, Policy, Statement

DATA_FILE = "aws-managed-policies.json.gz"

#: ``arn:aws:iam::aws:policy/...`` in any partition, or with the CloudFormation
#: ``${AWS::Partition}`` placeholder still in it.
_AWS_MANAGED_ARN = re.compile(
    r"^arn:(?:aws|aws-cn|aws-us-gov|\$\{AWS::Partition\}):iam::aws:policy/(?P<path>.+)$"
)


@dataclass(frozen=True, slots=True)
class ManagedPolicyData:
    """The packaged data set: documents by policy name, plus provenance."""

    commit: str
    source: str
    policies: dict[str, dict[str, Any]]
    by_lower_name: dict[str, str]


@cache
def managed_data() -> ManagedPolicyData:
    """The parsed data file (cached; about 20 ms)."""
    raw = resources.files("faasguard.data").joinpath(DATA_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))
    policies: dict[str, dict[str, Any]] = data.get("policies", {})
    return ManagedPolicyData(
        commit=str(data.get("commit", "")),
        source=str(data.get("source", "")),
        policies=policies,
        by_lower_name={name.lower(): name for name in policies},
    )


def is_aws_managed_arn(value: str) -> bool:
    """True for an AWS managed policy ARN (``arn:aws:iam::aws:policy/...``)."""
    return _AWS_MANAGED_ARN.match(value) is not None


def policy_name(arn_or_name: str) -> str:
    """The policy name of an AWS managed policy ARN (last path segment), or the input."""
    match = _AWS_MANAGED_ARN.match(arn_or_name.strip())
    if match is None:
        return arn_or_name.strip()
    return match.group("path").rsplit("/", 1)[-1]


def managed_policy(arn_or_name: str) -> Policy | None:
    """The AWS managed policy with this ARN or name, or ``None`` when not in the data.

    Names match case-insensitively (IAM policy names are unique ignoring case). An ARN of
    another account (customer managed) is never looked up here.
    """
    text = arn_or_name.strip()
    if text.startswith("arn:") and not is_aws_managed_arn(text):
        return None
    return _policy(policy_name(text).lower())


@cache
def _policy(lower_name: str) -> Policy | None:
    data = managed_data()
    name = data.by_lower_name.get(lower_name)
    if name is None:
        return None
    entry = data.policies[name]
    document = entry.get("document") or {}
    raw_statements = document.get("Statement") or []
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    file = f"aws-managed:{name}"
    statements = []
    for index, raw in enumerate(raw_statements):
        converted = Statement.from_document(raw, Location(file=file, pointer=f"/Statement/{index}"))
        if isinstance(converted, Statement):  # the packaged data has only mappings
            statements.append(converted)
    return Policy(
        name=name,
        statements=tuple(statements),
        arn=str(entry.get("arn") or f"arn:aws:iam::aws:policy/{name}"),
        managed=True,
        location=Location(file=file),
    )
