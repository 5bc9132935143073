"""Template evaluators under hostile input (issue 16): module cycles and fan-out, values that
double at every reference, a self-referencing policy document. Each must end as a
diagnostic or an Unknown naming its file and line, within bounded time and memory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.loaders.cloudformation.intrinsics import MAX_VALUE_BYTES, Resolver
from faasguard.loaders.terraform.hcl_functions import MAX_VALUE_BYTES as HCL_MAX_VALUE
from faasguard.loaders.terraform.hcl_functions import SizeBudget
from faasguard.model import Unknown

Runner = Callable[..., Any]

_FUNCTION = """
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/r"
  handler       = "h.h"
  runtime       = "python3.12"
  filename      = "x.zip"
}
"""


def _scan(run_faasguard: Runner, root: Path) -> tuple[int, dict[str, Any]]:
    run = run_faasguard(
        "scan", str(root), "--no-cache", "-f", "json", cwd=root, seconds=60, memory_mb=1024
    )
    assert run.code in (0, 1), run.output[-2000:]
    assert "Traceback" not in run.stderr
    return run.code, json.loads(run.stdout)


def _diagnostics(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (d["location"]["file"], d["location"]["line"], d["message"]) for d in report["diagnostics"]
    ]


def test_a_module_calling_itself_is_a_cycle_and_its_root_is_scanned(
    run_faasguard: Runner, tmp_path: Path
) -> None:
    (tmp_path / "main.tf").write_text('module "me" {\n  source = "./"\n}\n' + _FUNCTION)
    _, report = _scan(run_faasguard, tmp_path)
    assert report["summary"]["functions"] == 1  # not 9 copies, and not skipped either
    assert _diagnostics(report) == [
        ("main.tf", 1, "module 'me' not loaded: module cycle (./ calls itself)")
    ]


def test_six_self_calls_inside_a_module_do_not_fan_out(
    run_faasguard: Runner, tmp_path: Path
) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "main.tf").write_text('module "m" {\n  source = "./m"\n}\n')
    calls = "".join(f'module "s{i}" {{\n  source = "./"\n}}\n' for i in range(1, 7))
    (tmp_path / "m" / "main.tf").write_text(calls + _FUNCTION)
    _, report = _scan(run_faasguard, tmp_path)
    assert report["summary"]["functions"] == 1
    assert [(f, line) for f, line, _ in _diagnostics(report)] == [
        ("m/main.tf", 1 + 3 * i) for i in range(6)
    ]
    assert all("module cycle" in message for _, _, message in _diagnostics(report))


def test_two_roots_calling_each_other_are_both_scanned(
    run_faasguard: Runner, tmp_path: Path
) -> None:
    for name, other in (("a", "b"), ("b", "a")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(
            f'module "{other}" {{\n  source = "../{other}"\n}}\n'
            + _FUNCTION.replace('"f"', f'"{name}"')
        )
    _, report = _scan(run_faasguard, tmp_path)
    assert sorted(app["file"] for app in report["apps"]) == ["a/main.tf", "b/main.tf"]


def test_local_string_doubling_is_unknown_at_its_line(
    run_faasguard: Runner, tmp_path: Path
) -> None:
    lines = ["locals {", '  l0 = "abcdefghijklmnopqrstuvwxyz0123456789"']
    lines += [f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"' for i in range(1, 41)]
    lines.append("}")
    function = _FUNCTION.replace('function_name = "f"', "function_name = local.l40")
    (tmp_path / "main.tf").write_text("\n".join(lines) + "\n" + function)
    _, report = _scan(run_faasguard, tmp_path)
    assert report["summary"]["functions"] == 1
    # 36 * 2**15 characters is the first value over 1 MiB: local l15, on line 17.
    assert _diagnostics(report) == [
        (
            "main.tf",
            17,
            f"value larger than {HCL_MAX_VALUE} bytes: left unknown (and any value built like it)",
        )
    ]


def test_concat_doubling_is_unknown(run_faasguard: Runner, tmp_path: Path) -> None:
    lines = ["locals {", '  c0 = ["a", "b"]']
    lines += [f"  c{i} = concat(local.c{i - 1}, local.c{i - 1})" for i in range(1, 41)]
    lines.append("}")
    function = _FUNCTION.replace(
        'filename      = "x.zip"', 'filename = "x.zip"\n  layers = local.c40'
    )
    (tmp_path / "main.tf").write_text("\n".join(lines) + "\n" + function)
    _, report = _scan(run_faasguard, tmp_path)
    assert report["summary"]["functions"] == 1
    (diagnostic,) = _diagnostics(report)
    assert diagnostic[:2] == ("main.tf", 15)  # c13: 2**14 items, over 10,000
    assert "list longer than 10000 items" in diagnostic[2]


def test_an_unterminated_interpolation_a_megabyte_deep_is_refused(
    run_faasguard: Runner, tmp_path: Path
) -> None:
    (tmp_path / "main.tf").write_text('locals {\n  a = "' + "${" * 500_000 + "\n}\n")
    run = run_faasguard(
        "scan", str(tmp_path), "--no-cache", "-f", "json", cwd=tmp_path, seconds=60, memory_mb=1024
    )
    assert run.code == 2, run.output[-2000:]
    assert _diagnostics(json.loads(run.stdout)) == [
        ("main.tf", 2, "invalid HCL: nested more than 500 levels deep; file skipped")
    ]


def test_a_policy_document_that_sources_itself_loses_only_that_reference(
    run_faasguard: Runner, tmp_path: Path
) -> None:
    (tmp_path / "main.tf").write_text(
        """data "aws_iam_policy_document" "p" {
  source_policy_documents = [data.aws_iam_policy_document.p.json]
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy" "rp" {
  role   = aws_iam_role.r.id
  policy = data.aws_iam_policy_document.p.json
}
"""
        + _FUNCTION.replace('"arn:aws:iam::123456789012:role/r"', "aws_iam_role.r.arn")
    )
    _, report = _scan(run_faasguard, tmp_path)
    assert report["summary"]["functions"] == 1  # the app is not dropped
    assert _diagnostics(report) == [
        (
            "main.tf",
            1,
            "data.aws_iam_policy_document.p refers to its own json: that reference is left unknown",
        )
    ]


def test_nested_sub_doubling_is_unknown(run_faasguard: Runner, tmp_path: Path) -> None:
    expression: Any = "abcdefghij"
    for _ in range(35):
        expression = {"Fn::Sub": ["${X}${X}", {"X": expression}]}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "h.h",
                    "Runtime": "python3.12",
                    "Role": "arn:aws:iam::123456789012:role/r",
                    "Code": {"ZipFile": "x"},
                    "Description": expression,
                },
            }
        },
    }
    (tmp_path / "template.json").write_text(json.dumps(template, indent=1))
    _, report = _scan(run_faasguard, tmp_path)
    assert report["summary"]["functions"] == 1
    (diagnostic,) = _diagnostics(report)
    assert diagnostic[0] == "template.json"
    assert diagnostic[1] == 6  # the function's Properties
    assert diagnostic[2] == (
        f"a value larger than {MAX_VALUE_BYTES} bytes: left unknown (and any value built like it)"
    )


def test_self_variable_doubling_in_serverless_is_unknown(
    run_faasguard: Runner, tmp_path: Path
) -> None:
    lines = ["service: s", "provider:", "  name: aws", "  runtime: python3.12", "custom:"]
    lines.append("  v0: abcdefghijklmnopqrstuvwxyz0123456789")
    lines += [f"  v{i}: ${{self:custom.v{i - 1}}}${{self:custom.v{i - 1}}}" for i in range(1, 31)]
    lines += ["functions:", "  hello:", "    handler: h.h", "    description: ${self:custom.v30}"]
    (tmp_path / "serverless.yml").write_text("\n".join(lines) + "\n")
    _, report = _scan(run_faasguard, tmp_path)
    assert report["summary"]["functions"] == 1
    (diagnostic,) = _diagnostics(report)
    assert diagnostic[0] == "serverless.yml"
    assert "variable expands to a string over 1 MB; left unresolved" in diagnostic[2]


# Unit level --------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(levels=st.integers(min_value=1, max_value=60), seed=st.text(min_size=1, max_size=50))
def test_sub_doubling_is_a_string_within_budget_or_unknown(levels: int, seed: str) -> None:
    expression: Any = seed.replace("$", "") or "x"
    for _ in range(levels):
        expression = {"Fn::Sub": ["${X}${X}", {"X": expression}]}
    value = Resolver({"Resources": {}}).resolve(expression)
    if isinstance(value, Unknown):
        assert value.reason in (
            f"a value larger than {MAX_VALUE_BYTES} bytes",
            "Fn::Sub with an unresolved part",
        )
    else:
        assert isinstance(value, str) and len(value) <= MAX_VALUE_BYTES


@settings(max_examples=30, deadline=None)
@given(levels=st.integers(min_value=1, max_value=200))
def test_shared_references_are_measured_through_nesting_at_shallow_cost(levels: int) -> None:
    budget = SizeBudget()
    value: Any = ["ab"]
    true_size = 1 + 2  # one item, two characters
    for _ in range(levels):
        value = [value, value]  # memory grows by one list, nested size doubles
        true_size = 2 + 2 * true_size
        measured = budget.measure(value)
    if true_size <= HCL_MAX_VALUE:
        assert measured == true_size
    else:
        assert measured > HCL_MAX_VALUE
