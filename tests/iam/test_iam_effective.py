"""Effective permissions: denies, NotAction/NotResource, boundaries, conditions, unknowns,
and the three variants of the example shop."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from faasguard.config import ScanConfig
from faasguard.engine import load_all
from faasguard.iam.conditions import ConditionEffect
from faasguard.iam.effective import covers, effective_permissions
from faasguard.loaders.discovery import discover
from faasguard.model import App, Location, Policy, Role, Statement, Unknown

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
TODAY = dt.date(2026, 11, 28)


def stmt(line: int, effect: str = "Allow", **fields: Any) -> Statement:
    values = {k: tuple(v) if isinstance(v, list | tuple) else (v,) for k, v in fields.items()}
    conditions = fields.get("conditions")
    if conditions is not None:
        values["conditions"] = conditions
    return Statement(effect=effect, location=Location(file="policy.yml", line=line), **values)


def role(*statements: Statement, **extra: Any) -> Role:
    policy = Policy(name="inline", statements=statements, location=Location(file="policy.yml"))
    return Role(ref="Role", policies=(policy,), location=Location(file="policy.yml"), **extra)


def test_plain_allow_grants_each_action_with_its_statement() -> None:
    perms = effective_permissions(
        role(stmt(3, actions=["s3:getobject", "s3:PutObject"], resources="arn:aws:s3:::b/*"))
    )
    assert perms.actions() == {"s3:GetObject", "s3:PutObject"}
    [grant] = perms.allowed("S3:GETOBJECT")
    assert grant.resource == "arn:aws:s3:::b/*"
    assert grant.statement.location.line == 3
    assert grant.condition_effect is ConditionEffect.NONE
    assert perms.allowed("s3:GetObject", "arn:aws:s3:::b/key")
    assert not perms.allowed("s3:GetObject", "arn:aws:s3:::other/key")
    assert set(perms.by_access_level()) == {"Read", "Write"}


def test_wildcards_expand_through_the_catalog() -> None:
    perms = effective_permissions(role(stmt(1, actions="dynamodb:Get*", resources="*")))
    assert "dynamodb:GetItem" in perms.actions()
    assert "dynamodb:PutItem" not in perms.actions()
    assert perms.allowed("dynamodb:GetItem")[0].pattern == "dynamodb:Get*"


def test_explicit_deny_wins() -> None:
    perms = effective_permissions(
        role(
            stmt(1, actions="s3:*", resources="*"),
            stmt(2, "Deny", actions="s3:Delete*", resources="*"),
        )
    )
    assert perms.allowed("s3:GetObject")
    assert not perms.allowed("s3:DeleteObject")
    assert any(g.action == "s3:DeleteObject" for g in perms.denied)


def test_deny_on_a_narrower_resource_keeps_the_wider_grant() -> None:
    perms = effective_permissions(
        role(
            stmt(1, actions="s3:GetObject", resources="*"),
            stmt(2, "Deny", actions="s3:GetObject", resources="arn:aws:s3:::secret/*"),
        )
    )
    assert perms.allowed("s3:GetObject")  # IAM still allows it on every other bucket


def test_deny_with_not_action_removes_everything_else() -> None:
    perms = effective_permissions(
        role(
            stmt(1, actions="*", resources="*"),
            stmt(2, "Deny", not_actions=["s3:GetObject"], resources="*"),
        )
    )
    assert perms.actions() == {"s3:GetObject"}


def test_deny_with_not_resource_narrows_the_grant() -> None:
    perms = effective_permissions(
        role(
            stmt(1, actions="s3:GetObject", resources="*"),
            stmt(2, "Deny", actions="s3:*", not_resources=["arn:aws:s3:::public/*"]),
        )
    )
    [grant] = perms.allowed("s3:GetObject")
    assert grant.resource == "arn:aws:s3:::public/*"


def test_conditional_deny_marks_grants_narrowing() -> None:
    perms = effective_permissions(
        role(
            stmt(1, actions="s3:GetObject", resources="*"),
            stmt(
                2,
                "Deny",
                actions="s3:*",
                resources="*",
                conditions={"StringNotEquals": {"aws:SourceVpce": ("vpce-1",)}},
            ),
        )
    )
    [grant] = perms.allowed("s3:GetObject")
    assert grant.condition_effect is ConditionEffect.NARROWING


def test_allow_not_action_is_everything_except() -> None:
    perms = effective_permissions(role(stmt(7, not_actions=["iam:*"], resources="*")))
    assert not perms.allowed("iam:PassRole")
    [grant] = perms.allowed("lambda:UpdateFunctionCode")
    assert grant.via_not_action and grant.statement.location.line == 7
    assert len(perms.actions()) > 15000


def test_allow_not_resource() -> None:
    perms = effective_permissions(
        role(stmt(1, actions="s3:GetObject", not_resources=["arn:aws:s3:::secret/*"]))
    )
    [grant] = perms.allowed("s3:GetObject")
    assert grant.resource == "*" and grant.not_resources == ("arn:aws:s3:::secret/*",)
    assert perms.allowed("s3:GetObject", "arn:aws:s3:::public/x")
    assert not perms.allowed("s3:GetObject", "arn:aws:s3:::secret/x")


def test_permissions_boundary_intersects() -> None:
    boundary = Policy(
        name="Boundary",
        arn="arn:aws:iam::123456789012:policy/Boundary",
        managed=True,
        statements=(stmt(20, actions=["s3:GetObject", "s3:ListBucket"], resources="*"),),
        location=Location(file="policy.yml", line=19),
    )
    holder = Role(ref="Other", policies=(boundary,), location=Location(file="policy.yml"))
    subject = role(
        stmt(1, actions="s3:*", resources="arn:aws:s3:::b/*"),
        permissions_boundary="arn:aws:iam::123456789012:policy/Boundary",
    )
    app = App(name="a", format="sam", root_file="policy.yml", roles=(subject, holder))
    perms = effective_permissions(subject, app=app)
    assert perms.actions() == {"s3:GetObject", "s3:ListBucket"}
    assert any(g.action == "s3:PutObject" for g in perms.denied)
    # Without the app the boundary cannot be resolved: not applied, and said so.
    alone = effective_permissions(subject)
    assert "s3:PutObject" in alone.actions()
    assert any("permissions boundary" in u for u in alone.unknowns)


def test_aws_managed_boundary_narrows_resources() -> None:
    subject = role(
        stmt(1, actions="logs:PutLogEvents", resources="*"),
        stmt(2, actions="s3:GetObject", resources="*"),
        permissions_boundary="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    assert effective_permissions(subject).actions() == {"logs:PutLogEvents"}


def test_impossible_condition_removes_the_grant() -> None:
    perms = effective_permissions(
        role(
            stmt(
                1,
                actions="iam:*",
                resources="*",
                conditions={"Null": {"aws:PrincipalArn": ("true",)}},
            )
        ),
        today=TODAY,
    )
    assert not perms.grants
    assert perms.impossible


@pytest.mark.parametrize(
    ("conditions", "effect"),
    [
        ({"StringEquals": {"aws:ResourceTag/team": ("blue",)}}, ConditionEffect.NARROWING),
        ({"StringLike": {"aws:RequestedRegion": ("*",)}}, ConditionEffect.ALWAYS_TRUE),
    ],
)
def test_conditions_are_kept_and_classified(
    conditions: dict[str, Any], effect: ConditionEffect
) -> None:
    perms = effective_permissions(
        role(stmt(1, actions="s3:GetObject", resources="*", conditions=conditions)),
        today=TODAY,
    )
    [grant] = perms.grants
    assert grant.condition_effect is effect
    assert grant.conditions == conditions


def test_unknown_managed_policy_is_an_explicit_unknown() -> None:
    subject = role(
        managed_policy_arns=(
            "arn:aws:iam::aws:policy/NoSuchPolicyEver",
            "arn:aws:iam::123456789012:policy/Elsewhere",
            Unknown(expression="${ssm:/policy}"),
        )
    )
    perms = effective_permissions(subject)
    messages = "\n".join(perms.unknowns)
    assert (
        "managed policy arn:aws:iam::aws:policy/NoSuchPolicyEver attached to role Role is not "
        "in faasguard's data"
    ) in messages
    assert (
        "customer managed policy arn:aws:iam::123456789012:policy/Elsewhere attached to role "
        "Role is not declared in the app"
    ) in messages
    assert "${ssm:/policy}" in messages


def test_unknown_actions_resources_and_roles_are_listed() -> None:
    perms = effective_permissions(
        role(
            stmt(1, actions=[Unknown(expression="!Ref Actions")], resources="*"),
            stmt(2, actions="sqs:SendMessage", resources=[Unknown(expression="!GetAtt Q.Arn")]),
        )
    )
    assert any("Action is not statically known (!Ref Actions)" in u for u in perms.unknowns)
    assert any("Resource is not statically known (!GetAtt Q.Arn)" in u for u in perms.unknowns)
    [grant] = perms.allowed("sqs:SendMessage")
    assert grant.resource_unknown
    # An unknown resource may be the one asked about.
    assert perms.allowed("sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q")
    external = Role(ref="arn:aws:iam::1:role/x", external=True, location=Location(file="t"))
    assert "declared outside the app" in effective_permissions(external).unknowns[0]
    assert effective_permissions(None).unknowns


def test_unknown_action_names_stay_as_written() -> None:
    perms = effective_permissions(role(stmt(1, actions="s3:GetObjekt", resources="*")))
    assert perms.actions() == {"s3:GetObjekt"}
    assert "Unknown" in perms.by_access_level()


def test_results_are_cached_per_role_object() -> None:
    subject = role(stmt(1, actions="s3:GetObject", resources="*"))
    assert effective_permissions(subject) is effective_permissions(subject)


def test_covers() -> None:
    assert covers("*", "anything")
    assert covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*")
    assert not covers("arn:aws:s3:::b/x/*", "arn:aws:s3:::b/*")
    assert covers("arn:aws:s3:::b?", "arn:aws:s3:::b1")
    assert not covers("arn:aws:s3:::B", "arn:aws:s3:::b")


# ------------------------------------------------------------------ the example shop


@pytest.fixture(scope="module")
def shop() -> dict[str, App]:
    apps = load_all(discover([str(SHOP)]), ScanConfig(jobs=1), root=str(SHOP))
    return {app.format: app for app in apps}


def _function(app: App, ref: str) -> Any:
    found = app.function(ref)
    assert found is not None, ref
    return found


def test_sam_admin_statement_is_granted_from_its_line(shop: dict[str, App]) -> None:
    app = shop["sam"]
    perms = effective_permissions(_function(app, "CreateOrderFunction").role, app=app)
    grants = perms.allowed("iam:PassRole")
    assert [(g.resource, g.pattern) for g in grants] == [("*", "*")]
    where = grants[0].statement.location
    assert Path(where.file).name == "template.yaml" and where.line == 42
    # The SAM policy template (DynamoDBCrudPolicy) is expanded into the role.
    crud = perms.allowed(
        "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable"
    )
    assert any(g.statement.location.line == 39 for g in crud)
    # AWSLambdaBasicExecutionRole comes from the managed policy data.
    assert any(
        g.policy.name == "AWSLambdaBasicExecutionRole" for g in perms.allowed("logs:PutLogEvents")
    )


def test_serverless_s3_wildcard_is_granted_from_its_line(shop: dict[str, App]) -> None:
    app = shop["serverless"]
    perms = effective_permissions(_function(app, "createOrder").role, app=app)
    grants = perms.allowed("s3:DeleteBucket")
    assert [g.pattern for g in grants] == ["s3:*"]
    where = grants[0].statement.location
    assert Path(where.file).name == "serverless.yml" and where.line == 23
    assert grants[0].resource == "*"
    assert not perms.allowed("iam:PassRole")


def test_terraform_administrator_access_attachment(shop: dict[str, App]) -> None:
    app = shop["terraform"]
    fn = _function(app, "aws_lambda_function.report")
    perms = effective_permissions(fn.role, app=app)
    [grant] = perms.allowed("iam:CreateAccessKey")
    assert grant.policy.name == "AdministratorAccess"
    assert grant.policy.arn == "arn:aws:iam::aws:policy/AdministratorAccess"
    # The grants of an AWS managed statement are shared by every role attaching it; the
    # attaching line is kept beside them.
    where = perms.location_of(grant)
    assert Path(where.file).name == "main.tf"
    # The attachment line when the loader records it (Role.managed_policy_locations),
    # otherwise the role's declaration.
    assert where.line in (33, 19)
    assert not perms.unknowns


def test_aws_managed_grants_are_shared_by_roles_each_at_its_attaching_line() -> None:
    def attaching(ref: str, line: int) -> Role:
        arn = "arn:aws:iam::aws:policy/AdministratorAccess"
        return Role(
            ref=ref,
            location=Location(file="template.yaml", line=line),
            managed_policy_arns=(arn,),
            managed_policy_locations={arn: Location(file="template.yaml", line=line + 5)},
        )

    first = effective_permissions(attaching("A", 10), today=TODAY)
    second = effective_permissions(attaching("B", 20), today=TODAY)
    [a] = first.allowed("iam:CreateAccessKey")
    [b] = second.allowed("iam:CreateAccessKey")
    # One grant object for both roles (built once per managed statement) ...
    assert a is b and len(first.grants) > 10_000
    assert first.segments[0] is second.segments[0]
    # ... each role placing it at the line that attaches the policy.
    assert (first.location_of(a).line, second.location_of(b).line) == (15, 25)
    assert a.statement.location.file == "aws-managed:AdministratorAccess"
    # A deny touching the managed grants gives the role its own run, not the shared one.
    denying = Policy(
        name="deny",
        statements=(stmt(3, "Deny", actions="iam:*", resources="*"),),
        location=Location(file="policy.yml"),
    )
    third = effective_permissions(
        Role(
            ref="C",
            location=Location(file="template.yaml", line=30),
            policies=(denying,),
            managed_policy_arns=("arn:aws:iam::aws:policy/AdministratorAccess",),
        ),
        today=TODAY,
    )
    assert not third.allowed("iam:CreateAccessKey") and third.allowed("s3:GetObject")
    assert third.segments[0] is not first.segments[0]
    assert third.location_of(third.allowed("s3:GetObject")[0]).line == 30
