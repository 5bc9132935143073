"""Terraform ``count``/``for_each`` and IAM attachments: the full result or an explicit
unknown with file:line, never a silent loss (issue 12)."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import LoadOptions, ScanConfig
from faasguard.engine import scan
from faasguard.iam.effective import effective_permissions
from faasguard.loaders.terraform import LOADER
from faasguard.model import App

TRUST = (
    'jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", '
    'Principal = { Service = "lambda.amazonaws.com" } }] })'
)

FOR_EACH = f"""\
variable "names" {{
  default = ["orders", "billing"]
}}

resource "aws_iam_role" "fn" {{
  for_each           = toset(var.names)
  name               = "fn-${{each.key}}"
  assume_role_policy = {TRUST}
}}

resource "aws_iam_role_policy_attachment" "managed" {{
  for_each   = aws_iam_role.fn
  role       = aws_iam_role.fn[each.key].name
  policy_arn = (each.key == "billing"
    ? "arn:aws:iam::aws:policy/AdministratorAccess"
    : "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
}}

resource "aws_lambda_function" "fn" {{
  for_each      = toset(var.names)
  function_name = "f-${{each.key}}"
  role          = aws_iam_role.fn[each.key].arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "x.zip"
}}

resource "aws_iam_user" "ci" {{
  count = 2
  name  = "ci-${{count.index}}"
}}

resource "aws_iam_user_policy" "ci" {{
  count  = 2
  user   = aws_iam_user.ci[count.index].name
  policy = jsonencode({{
    Statement = [{{ Effect = "Allow", Action = "iam:PutUserPolicy", Resource = "*" }}]
  }})
}}

resource "aws_iam_user" "never" {{
  count = 0
  name  = "never"
}}
"""


def _load(tmp_path: Path, text: str) -> App:
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    return LOADER.load(str(tmp_path), LoadOptions(), fmt="terraform")


def test_static_for_each_and_count_give_every_instance(tmp_path: Path) -> None:
    app = _load(tmp_path, FOR_EACH)
    functions = {f.ref: f for f in app.functions}
    assert set(functions) == {
        'aws_lambda_function.fn["billing"]',
        'aws_lambda_function.fn["orders"]',
    }
    billing = functions['aws_lambda_function.fn["billing"]']
    orders = functions['aws_lambda_function.fn["orders"]']
    assert (billing.name, orders.name) == ("f-billing", "f-orders")
    assert billing.role is not None and billing.role.ref == 'aws_iam_role.fn["billing"]'
    assert billing.role.managed_policy_arns == ("arn:aws:iam::aws:policy/AdministratorAccess",)
    assert orders.role is not None
    assert orders.role.managed_policy_arns == ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",)
    users = {r.ref: r for r in app.roles if r.kind == "user"}
    assert set(users) == {"aws_iam_user.ci[0]", "aws_iam_user.ci[1]"}  # count = 0: none
    assert [p.name for p in users["aws_iam_user.ci[1]"].policies] == ["aws_iam_user_policy.ci[1]"]
    assert not [d for d in app.diagnostics if d.level == "warning"]


def test_each_instance_is_judged_on_its_own_policies(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(FOR_EACH, encoding="utf-8")
    report = scan([str(tmp_path)], ScanConfig(select=("PERM001", "PERM004")))
    found = sorted(
        (f.rule_id, f.function or (f.principal.name if f.principal else ""))
        for f in report.findings
    )
    assert found == [
        ("PERM001", 'aws_lambda_function.fn["billing"]'),
        ("PERM004", "aws_iam_user.ci[0]"),
        ("PERM004", "aws_iam_user.ci[1]"),
    ]


UNKNOWN_COLLECTION = f"""\
variable "names" {{}}

resource "aws_iam_role" "fn" {{
  for_each           = toset(var.names)
  name               = "fn-${{each.key}}"
  assume_role_policy = {TRUST}
}}
"""


def test_unknown_for_each_is_an_unknown_with_its_line(tmp_path: Path) -> None:
    app = _load(tmp_path, UNKNOWN_COLLECTION)
    (role,) = app.roles
    assert role.ref == "aws_iam_role.fn"
    (warning,) = [d for d in app.diagnostics if d.level == "warning"]
    assert warning.location is not None and warning.location.line == 4
    assert "for_each is not statically known" in warning.message
    assert "each.key / each.value unknown" in warning.message


PARTLY_KNOWN = f"""\
variable "prefix" {{}}

resource "aws_iam_role" "exec" {{
  name               = "${{var.prefix}}-role"
  assume_role_policy = {TRUST}
}}

resource "aws_iam_role_policy_attachment" "admin" {{
  role       = aws_iam_role.exec.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}}

resource "aws_iam_role_policy_attachment" "elsewhere" {{
  role       = "a-role-made-elsewhere"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}}
"""


def test_partly_known_role_name_keeps_its_attachments(tmp_path: Path) -> None:
    app = _load(tmp_path, PARTLY_KNOWN)
    (role,) = app.roles
    assert role.managed_policy_arns == ("arn:aws:iam::aws:policy/AdministratorAccess",)
    assert effective_permissions(role, app=app).grants
    (link,) = [d for d in app.diagnostics if d.code == "terraform-iam-link"]
    assert link.location is not None and link.location.line == 14
    assert "aws_iam_role_policy_attachment.elsewhere" in link.message
