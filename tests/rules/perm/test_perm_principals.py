"""Every IAM principal of the app, not only function roles: every documented escalation
method found from a user, a group and a deployer role in Terraform and SAM, with the
method named and the grants split across two policies; and the look-alikes that must not
fire (a deny in another policy, a condition that cannot hold today, a resource that cannot
exist, an AWS managed policy ARN).

The projects are written from the method table (``faasguard/data/iam_escalation.json``) so
that a method added there is tested here without a second list to keep in sync; each is
a real Terraform or SAM project, scanned as a user would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from faasguard.config import ScanConfig
from faasguard.engine import scan
from faasguard.findings import Finding
from faasguard.iam.escalation import Method, methods

#: A moment in the past: ``DateLessThan aws:TokenIssueTime`` on it can never hold today.
PAST = "2020-01-01T00:00:00Z"
#: A resource no escalation action acts on.
NOWHERE = "arn:aws:dynamodb:us-east-1:123456789012:table/no-such-table"

Statement = dict[str, object]


def _escalating() -> list[Method]:
    return [m for m in methods() if m.kind != "trusted"]


def _allow(actions: list[str], resource: str = "*", **extra: object) -> Statement:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def _policies(method: Method, variant: str) -> tuple[list[Statement], list[Statement]]:
    """(statements of the first policy, statements of the second) for one variant."""
    first = [method.requires[0][0]]
    rest = [group[0] for group in method.requires[1:]] or ["logs:PutLogEvents"]
    if variant == "positive":
        return [_allow(first)], [_allow(rest)]
    if variant == "deny":
        deny = {"Effect": "Deny", "Action": first, "Resource": "*"}
        return [_allow(first)], [_allow(rest), deny]
    if variant == "impossible":
        never = {"DateLessThan": {"aws:TokenIssueTime": PAST}}
        return [_allow(first, Condition=never)], [_allow(rest)]
    if variant == "nowhere":
        return [_allow(first, NOWHERE)], [_allow(rest)]
    assert variant == "aws-managed"
    return [_allow(first, "arn:aws:iam::aws:policy/*")], [_allow(rest)]


def _variants(method: Method) -> list[str]:
    found = ["deny", "impossible", "nowhere"]
    if method.excludes:
        found.append("aws-managed")
    return found


def _doc(statements: list[Statement]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


# ---------------------------------------------------------------------- Terraform


def _tf_holder(kind: str, name: str, first: list[Statement], second: list[Statement]) -> str:
    """A user or group with an inline policy and a customer managed policy attached."""
    return f"""
resource "aws_iam_{kind}" "{name}" {{
  name = "{name}"
}}

resource "aws_iam_{kind}_policy" "{name}" {{
  name   = "{name}-first"
  {kind} = aws_iam_{kind}.{name}.name
  policy = jsonencode({_doc(first)})
}}

resource "aws_iam_policy" "{name}" {{
  name   = "{name}-second"
  policy = jsonencode({_doc(second)})
}}

resource "aws_iam_{kind}_policy_attachment" "{name}" {{
  {kind} = aws_iam_{kind}.{name}.name
  policy_arn = aws_iam_policy.{name}.arn
}}
"""


def _tf_user(name: str, first: list[Statement], second: list[Statement]) -> str:
    return _tf_holder("user", name, first, second)


def _tf_group(name: str, first: list[Statement], second: list[Statement]) -> str:
    """A group with both policies, and a user in it (the user gets the group's grants)."""
    return (
        _tf_holder("group", name, first, second)
        + f"""
resource "aws_iam_user" "{name}_member" {{
  name = "{name}-member"
}}

resource "aws_iam_user_group_membership" "{name}" {{
  user   = aws_iam_user.{name}_member.name
  groups = [aws_iam_group.{name}.name]
}}
"""
    )


# ---------------------------------------------------------------------- SAM


def _sam_role(name: str, first: list[Statement], second: list[Statement]) -> str:
    """A deployer role no function uses, with an inline and a managed policy."""
    return f"""
  {name}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: codebuild.amazonaws.com}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: {name}-first
          PolicyDocument: {_doc(first)}
      ManagedPolicyArns:
        - !Ref {name}Second
  {name}Second:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: {name}-second
      PolicyDocument: {_doc(second)}
"""


def _sam_user(name: str, first: list[Statement], second: list[Statement]) -> str:
    """A user whose grants come from a group (inline) and a standalone ``AWS::IAM::Policy``."""
    return f"""
  {name}:
    Type: AWS::IAM::User
    Properties:
      UserName: {name.lower()}
      Groups: [!Ref {name}Group]
  {name}Group:
    Type: AWS::IAM::Group
    Properties:
      Policies:
        - PolicyName: {name}-first
          PolicyDocument: {_doc(first)}
  {name}Second:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: {name}-second
      Users: [!Ref {name}]
      PolicyDocument: {_doc(second)}
"""


Writer = Callable[[str, list[Statement], list[Statement]], str]


def _project(tmp_path: Path, fmt: str, writer: Writer, variants: list[tuple[str, Method]]) -> Path:
    parts = []
    for variant, method in variants:
        first, second = _policies(method, variant)
        parts.append(writer(_name(fmt, variant, method), first, second))
    if fmt == "terraform":
        (tmp_path / "main.tf").write_text("".join(parts), encoding="utf-8")
    else:
        header = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:'
        (tmp_path / "template.yaml").write_text(header + "".join(parts), encoding="utf-8")
    return tmp_path


def _name(fmt: str, variant: str, method: Method) -> str:
    words = f"{variant}-{method.id}".split("-")
    if fmt == "terraform":
        return "_".join(words)
    return "".join(word.capitalize() for word in words)


def _methods_by_principal(project: Path) -> dict[str, dict[str, Finding]]:
    report = scan([str(project)], ScanConfig(select=("PERM004",)))
    assert not [d for d in report.diagnostics if d.level == "error"]
    found: dict[str, dict[str, Finding]] = {}
    for finding in report.findings:
        assert finding.principal is not None and finding.function is None
        found.setdefault(finding.principal.name, {})[finding.properties["method"]] = finding
    return found


WRITERS: dict[str, list[tuple[str, Writer, str]]] = {
    "terraform": [("aws_iam_user.{}", _tf_user, "user"), ("aws_iam_group.{}", _tf_group, "group")],
    "sam": [("{}", _sam_role, "role"), ("{}", _sam_user, "user")],
}


@pytest.mark.parametrize(
    ("fmt", "index"), [(fmt, i) for fmt, writers in WRITERS.items() for i in range(len(writers))]
)
def test_every_method_is_found_from_a_non_function_principal(
    tmp_path: Path, fmt: str, index: int
) -> None:
    address, writer, kind = WRITERS[fmt][index]
    project = _project(tmp_path, fmt, writer, [("positive", m) for m in _escalating()])
    found = _methods_by_principal(project)
    for method in _escalating():
        ref = address.format(_name(fmt, "positive", method))
        assert method.id in found.get(ref, {}), (method.id, ref, sorted(found.get(ref, {})))
        finding = found[ref][method.id]
        assert finding.principal is not None and finding.principal.kind == kind
        # Every step is named in order, each with the policy that really grants it.
        expected = [group[0] for group in method.requires]
        assert finding.properties["steps"] == expected
        assert [step.message.split(" ")[0] for step in finding.flow] == expected
        first_policy = f"{_name(fmt, 'positive', method)}-first"
        assert f"policy {first_policy}" in finding.flow[0].message
        for step in finding.flow[1:]:
            assert f"policy {_name(fmt, 'positive', method)}-second" in step.message
        assert method.name in finding.message


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_look_alikes_do_not_fire(tmp_path: Path, fmt: str) -> None:
    address, writer, _kind = WRITERS[fmt][0]
    cases = [(variant, m) for m in _escalating() for variant in _variants(m)]
    found = _methods_by_principal(_project(tmp_path, fmt, writer, cases))
    for variant, method in cases:
        ref = address.format(_name(fmt, variant, method))
        assert method.id not in found.get(ref, {}), (variant, method.id, ref)


def test_group_member_gets_the_group_path(tmp_path: Path) -> None:
    method = next(m for m in methods() if m.id == "iam-attach-policy")
    project = _project(tmp_path, "terraform", _tf_group, [("positive", method)])
    found = _methods_by_principal(project)
    member = found["aws_iam_user.positive_iam_attach_policy_member"]["iam-attach-policy"]
    assert member.principal is not None and member.principal.kind == "user"
    assert "policy positive_iam_attach_policy-first" in member.message


TRUST_TF = """
resource "aws_iam_user" "ci" {
  name = "ci"
}

resource "aws_iam_user" "other" {
  name = "other"
}

resource "aws_iam_role" "admin" {
  name = "admin"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_user.ci.arn }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.admin.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role" "expired" {
  name = "expired"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_user.other.arn }
      Action    = "sts:AssumeRole"
      Condition = { DateLessThan = { "aws:TokenIssueTime" = "2020-01-01T00:00:00Z" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "expired" {
  role       = aws_iam_role.expired.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"""


def test_trust_policy_naming_the_principal_needs_no_grant(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TRUST_TF, encoding="utf-8")
    found = _methods_by_principal(tmp_path)
    assert set(found) == {"aws_iam_user.ci"}
    finding = found["aws_iam_user.ci"]["sts-assume-role-trusted"]
    assert finding.location.line == 14  # the trust statement that names the user
    assert "the trust policy of role aws_iam_role.admin names it" in finding.message
    assert finding.properties["chain"] == ["aws_iam_role.admin"]


def test_a_deny_in_the_principals_own_policy_wins_over_the_trust_policy(tmp_path: Path) -> None:
    denied = TRUST_TF.replace(
        'resource "aws_iam_user" "ci" {\n  name = "ci"\n}',
        'resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n\n'
        'resource "aws_iam_user_policy" "no_assume" {\n'
        "  user = aws_iam_user.ci.name\n"
        "  policy = jsonencode({\n"
        '    Version = "2012-10-17"\n'
        '    Statement = [{ Effect = "Deny", Action = "sts:AssumeRole", Resource = "*" }]\n'
        "  })\n"
        "}",
    )
    assert denied != TRUST_TF
    (tmp_path / "main.tf").write_text(denied, encoding="utf-8")
    assert "sts-assume-role-trusted" not in _methods_by_principal(tmp_path).get(
        "aws_iam_user.ci", {}
    )


CI_USER_SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Admin:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      InlineCode: "def handler(e, c): pass"
      Policies: [AdministratorAccess]
  CiUser:
    Type: AWS::IAM::User
    Properties:
      Policies:
        - PolicyName: deploy-code
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: lambda:UpdateFunctionCode
                Resource: !GetAtt Admin.Arn
"""


def test_ci_user_reaches_an_administrator_through_a_function(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(CI_USER_SAM, encoding="utf-8")
    report = scan([str(tmp_path)], ScanConfig(select=("PERM001", "PERM004")))
    by_rule = {
        (f.rule_id, f.function, f.principal.name if f.principal else None): f
        for f in report.findings
    }
    assert set(by_rule) == {("PERM001", "Admin", None), ("PERM004", None, "CiUser")}
    path = by_rule[("PERM004", None, "CiUser")]
    assert path.properties["method"] == "lambda-update-function-code"
    assert "function Admin, which runs as role AdminRole, an administrator" in path.message
    assert path.location.line == 18


def test_principal_in_json_sarif_and_iam_show(tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415 - only this test drives the CLI

    from faasguard.cli import app  # noqa: PLC0415 - only this test drives the CLI

    (tmp_path / "main.tf").write_text(TRUST_TF, encoding="utf-8")
    runner = CliRunner()
    base = [str(tmp_path), "--no-cache", "--jobs", "1"]
    scanned = runner.invoke(app, ["scan", *base, "--format", "json", "--select", "PERM004"])
    assert scanned.exit_code == 1
    (finding,) = json.loads(scanned.stdout)["findings"]
    assert finding["function"] is None
    assert finding["principal"] == {
        "kind": "user",
        "name": "aws_iam_user.ci",
        "location": {"file": "main.tf", "line": 2, "column": 1},
    }
    sarif = runner.invoke(app, ["scan", *base, "--format", "sarif", "--select", "PERM004"])
    (result,) = json.loads(sarif.stdout)["runs"][0]["results"]
    assert result["properties"]["principal"]["name"] == "aws_iam_user.ci"
    assert result["locations"][0]["logicalLocations"][0]["name"] == "aws_iam_user.ci"
    # No function: iam show says where the principals are instead of "nothing".
    plain = runner.invoke(app, ["iam", "show", *base])
    assert plain.exit_code == 0
    assert "4 IAM principal(s) that no function runs as" in plain.stdout
    one = runner.invoke(app, ["iam", "show", *base, "--principal", "admin", "--format", "json"])
    (shown,) = json.loads(one.stdout)["principals"]
    assert (shown["kind"], shown["principal"]) == ("role", "aws_iam_role.admin")
    assert shown["grants"][0]["policy"]["name"] == "AdministratorAccess"
    every = runner.invoke(app, ["iam", "show", *base, "--all"])
    assert "user ci (aws_iam_user.ci)" in every.stdout
    assert "role expired (aws_iam_role.expired)" in every.stdout
    missing = runner.invoke(app, ["iam", "show", *base, "--principal", "nobody"])
    assert missing.exit_code == 2
    assert "available principals: aws_iam_role.admin" in missing.stderr
