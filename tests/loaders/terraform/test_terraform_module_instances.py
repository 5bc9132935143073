"""``count``/``for_each`` on a Terraform *module* call: one instance per key or index, each
with its own names, roles and policies; an explicit unknown with file:line when the
collection is not static (issue 12)."""

from __future__ import annotations

from pathlib import Path

from faasguard.config import LoadOptions, ScanConfig
from faasguard.engine import scan
from faasguard.iam.effective import effective_permissions
from faasguard.loaders.terraform import LOADER
from faasguard.model import App, Function

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"

FUNCTION_MODULE = f"""\
variable "name" {{}}
variable "admin" {{
  default = false
}}

resource "aws_iam_role" "r" {{
  name               = "${{var.name}}-role"
  assume_role_policy = jsonencode({{ Statement = [{{ Effect = "Allow",
    Action = "sts:AssumeRole", Principal = {{ Service = "lambda.amazonaws.com" }} }}] }})
}}

resource "aws_iam_role_policy_attachment" "a" {{
  role       = aws_iam_role.r.name
  policy_arn = var.admin ? "{ADMIN}" : "{S3_READ}"
}}

resource "aws_lambda_function" "f" {{
  function_name = "f-${{var.name}}"
  role          = aws_iam_role.r.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "x.zip"
}}

output "role_name" {{
  value = aws_iam_role.r.name
}}
"""

OUTER_MODULE = """\
variable "team" {}

module "inner" {
  source = "../fn"
  name   = "${var.team}-inner"
}
"""

ROOT = """\
module "map" {
  source   = "./modules/fn"
  for_each = { billing = true, orders = false }
  name     = each.key
  admin    = each.value
}

module "set" {
  source   = "./modules/fn"
  for_each = toset(["x", "y"])
  name     = "s-${each.value}"
}

module "two" {
  source = "./modules/fn"
  count  = 2
  name   = "c${count.index}"
}

module "none" {
  source = "./modules/fn"
  count  = 0
  name   = "none"
}

module "teams" {
  source   = "./modules/outer"
  for_each = toset(["a", "b"])
  team     = each.key
}

resource "aws_iam_role_policy" "extra" {
  role   = module.map["orders"].role_name
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:PassRole",
    Resource = "*" }] })
}
"""


def _write(tmp_path: Path, root: str) -> None:
    (tmp_path / "modules" / "fn").mkdir(parents=True)
    (tmp_path / "modules" / "outer").mkdir()
    (tmp_path / "modules" / "fn" / "main.tf").write_text(FUNCTION_MODULE, encoding="utf-8")
    (tmp_path / "modules" / "outer" / "main.tf").write_text(OUTER_MODULE, encoding="utf-8")
    (tmp_path / "main.tf").write_text(root, encoding="utf-8")


def _load(tmp_path: Path, root: str) -> App:
    _write(tmp_path, root)
    return LOADER.load(str(tmp_path), LoadOptions(), fmt="terraform")


def _summary(function: Function) -> tuple[object, ...]:
    role = function.role
    assert role is not None
    return (
        function.name,
        role.ref,
        role.name,
        role.managed_policy_arns,
        tuple(p.name for p in role.policies),
    )


def test_every_module_instance_has_its_own_function_role_and_policies(tmp_path: Path) -> None:
    app = _load(tmp_path, ROOT)
    functions = {f.ref: _summary(f) for f in app.functions}
    m = "aws_lambda_function.f"
    r = "aws_iam_role.r"
    assert functions == {
        # for_each over a static map: each.key and each.value bound per instance
        f'module.map["billing"].{m}': (
            "f-billing",
            f'module.map["billing"].{r}',
            "billing-role",
            (ADMIN,),
            (),
        ),
        f'module.map["orders"].{m}': (
            "f-orders",
            f'module.map["orders"].{r}',
            "orders-role",
            (S3_READ,),
            ("aws_iam_role_policy.extra",),  # linked through module.map["orders"]'s output
        ),
        # for_each over a set
        f'module.set["x"].{m}': ("f-s-x", f'module.set["x"].{r}', "s-x-role", (S3_READ,), ()),
        f'module.set["y"].{m}': ("f-s-y", f'module.set["y"].{r}', "s-y-role", (S3_READ,), ()),
        # count = 2 (and count = 0 creates nothing)
        f"module.two[0].{m}": ("f-c0", f"module.two[0].{r}", "c0-role", (S3_READ,), ()),
        f"module.two[1].{m}": ("f-c1", f"module.two[1].{r}", "c1-role", (S3_READ,), ()),
        # a module called from inside a for_each module
        f'module.teams["a"].module.inner.{m}': (
            "f-a-inner",
            f'module.teams["a"].module.inner.{r}',
            "a-inner-role",
            (S3_READ,),
            (),
        ),
        f'module.teams["b"].module.inner.{m}': (
            "f-b-inner",
            f'module.teams["b"].module.inner.{r}',
            "b-inner-role",
            (S3_READ,),
            (),
        ),
    }
    assert not [d for d in app.diagnostics if d.level != "info"]


def test_module_instances_are_judged_on_their_own_grants(tmp_path: Path) -> None:
    app = _load(tmp_path, ROOT)
    roles = {r.ref: r for r in app.roles}
    orders = effective_permissions(roles['module.map["orders"].aws_iam_role.r'], app=app)
    billing = effective_permissions(roles['module.map["billing"].aws_iam_role.r'], app=app)
    assert {"iam:passrole", "s3:getobject"} <= {g.action.lower() for g in orders.grants}
    assert "iam:createuser" not in {g.action.lower() for g in orders.grants}
    assert "iam:createuser" in {g.action.lower() for g in billing.grants}
    report = scan([str(tmp_path)], ScanConfig(select=("PERM001",)))
    assert [f.function for f in report.findings] == ['module.map["billing"].aws_lambda_function.f']


UNKNOWN = """\
variable "names" {}

module "fns" {
  source   = "./modules/fn"
  for_each = var.names
  name     = each.key
}
"""


def test_module_for_each_over_an_unknown_variable_is_an_unknown_with_its_line(
    tmp_path: Path,
) -> None:
    app = _load(tmp_path, UNKNOWN)
    (function,) = app.functions
    assert function.ref == "module.fns.aws_lambda_function.f"
    assert str(function.name) == "<unknown: f-${each.key}>"
    # no silent loss: the one instance analysed keeps its role and its attachment
    assert function.role is not None and function.role.managed_policy_arns == (S3_READ,)
    (warning,) = [d for d in app.diagnostics if d.level == "warning"]
    assert warning.location is not None
    assert (Path(warning.location.file).name, warning.location.line) == ("main.tf", 5)
    assert warning.message == (
        "module.fns: for_each is not statically known; one instance is analysed, with its "
        "count.index / each.key / each.value unknown"
    )


def test_module_instances_count_against_the_instance_cap(tmp_path: Path) -> None:
    (tmp_path / "m" / "leaf").mkdir(parents=True)
    (tmp_path / "main.tf").write_text(
        'module "a" {\n  source   = "./m"\n'
        "  for_each = toset([for i in range(200) : tostring(i)])\n}\n",
        encoding="utf-8",
    )
    (tmp_path / "m" / "main.tf").write_text(
        'module "b" {\n  source = "./leaf"\n  count  = 5\n}\n', encoding="utf-8"
    )
    (tmp_path / "m" / "leaf" / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n', encoding="utf-8"
    )
    app = LOADER.load(str(tmp_path), LoadOptions(), fmt="terraform")
    # the root and 200 instances of "a" leave 299 of the 500 instances for "b"
    assert len(app.roles) == 299
    assert [
        (Path(d.location.file).parent.name, d.location.line, d.message)
        for d in app.diagnostics
        if d.location is not None
    ] == [("m", 1, "module 'b' not loaded: more than 500 module instances in this configuration")]


LINKS = """\
module "map" {
  source   = "./modules/fn"
  for_each = { billing = true, orders = false }
  name     = each.key
}

resource "aws_iam_role_policy" "each" {
  for_each = module.map
  role     = each.value.role_name
  policy   = jsonencode({ Statement = [{ Effect = "Allow", Action = "sqs:SendMessage",
    Resource = "*" }] })
}

resource "aws_iam_role_policy_attachment" "missing" {
  role       = module.map["nope"].role_name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"""


def test_attachments_link_to_module_instances_or_say_they_cannot(tmp_path: Path) -> None:
    app = _load(tmp_path, LINKS)
    policies = {
        f.ref: tuple(p.name for p in f.role.policies) for f in app.functions if f.role is not None
    }
    assert policies == {
        'module.map["billing"].aws_lambda_function.f': ('aws_iam_role_policy.each["billing"]',),
        'module.map["orders"].aws_lambda_function.f': ('aws_iam_role_policy.each["orders"]',),
    }
    (link,) = [d for d in app.diagnostics if d.code == "terraform-iam-link"]
    assert link.location is not None and link.location.line == 15
    assert link.message.startswith(
        "aws_iam_role_policy_attachment.missing: role = "
        '"<unknown: module.map[\\"nope\\"]>" names no IAM principal'
    )


DISABLED_BY_DEFAULT = """\
variable "enabled" {
  type    = bool
  default = false
}

module "fns" {
  source = "./modules/fn"
  count  = var.enabled ? 1 : 0
  name   = "gated"
}
"""


def test_a_module_off_only_by_a_variable_default_is_still_analysed(tmp_path: Path) -> None:
    # the deployment sets the variable (tfvars, -var): dropping the module would hide what
    # ships; set explicitly to false, it is gone
    app = _load(tmp_path, DISABLED_BY_DEFAULT)
    (function,) = app.functions
    assert function.role is not None and function.role.managed_policy_arns == (S3_READ,)
    (warning,) = [d for d in app.diagnostics if d.level == "warning"]
    assert warning.location is not None and warning.location.line == 8
    assert warning.message.startswith(
        "module.fns: count is 0 only by the default of var.enabled (not set here); "
        "one instance is analysed"
    )
    explicit = LOADER.load(
        str(tmp_path), LoadOptions(variables={"enabled": "false"}), fmt="terraform"
    )
    assert explicit.functions == ()
    assert not [d for d in explicit.diagnostics if d.level == "warning"]
