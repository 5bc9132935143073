"""Property and unit tests for the static HCL evaluator of the Terraform loader."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.config import LoadOptions
from faasguard.loaders.terraform import load
from faasguard.loaders.terraform.hcl import JsonText, LineIndex, parse_text
from faasguard.loaders.terraform.hcl_eval import Evaluator
from faasguard.model import Unknown


def _eval_locals(text: str) -> dict[str, object]:
    parsed = parse_text(text.encode(), "t.tf")
    evaluator = Evaluator(
        lambda root, steps: (Unknown(expression=root), 0), module_dir=".", lines=LineIndex()
    )
    return {a.name: evaluator.evaluate(a.expr, "t.tf") for a in parsed.body.attributes.values()}


def test_static_subset() -> None:
    values = _eval_locals(
        """a = "x-${upper("y")}-${1 + 2}"
b = format("%s:%03d", "n", 7)
c = merge({ a = 1 }, { b = [1, 2] })
d = concat(["a"], ["b"])
e = length(split(",", "a,b,c"))
f = lookup({ k = "v" }, "missing", "dflt")
g = 3 > 2 ? "yes" : "no"
h = jsondecode("{\\"k\\": [1]}")
i = <<-EOT
    line1
      line2
    EOT
j = join("-", ["a", "b"])
k = replace("a.b", ".", "_")
l = coalesce("", "first")
m = "a\\tb $${literal}"
n = unknown_thing.x
o = [for s in ["a", "b"] : upper(s)]
"""
    )
    assert values["a"] == "x-Y-3"
    assert values["b"] == "n:007"
    assert values["c"] == {"a": 1, "b": [1, 2]}
    assert values["d"] == ["a", "b"]
    assert values["e"] == 3
    assert values["f"] == "dflt"
    assert values["g"] == "yes"
    assert values["h"] == {"k": [1]}
    assert values["i"] == "line1\n  line2\n"
    assert values["j"] == "a-b"
    assert values["k"] == "a_b"
    assert values["l"] == "first"
    assert values["m"] == "a\tb ${literal}"
    assert isinstance(values["n"], Unknown)
    assert values["o"] == ["A", "B"]


def test_jsonencode_keeps_structure_with_unknowns() -> None:
    values = _eval_locals('p = jsonencode({ Resource = aws_x.y.arn, Action = "s3:*" })')
    policy = values["p"]
    assert isinstance(policy, JsonText)
    assert policy.value["Action"] == "s3:*"
    assert isinstance(policy.value["Resource"], Unknown)


def test_local_cycles_terminate(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'locals {\n  a = local.b\n  b = "${local.a}-x"\n  c = local.c\n}\n'
        'resource "aws_lambda_function" "f" {\n  function_name = local.a\n'
        "  handler = local.c\n}\n"
    )
    function = load(str(tmp_path), LoadOptions()).functions[0]
    assert isinstance(function.name, Unknown)
    assert isinstance(function.handler, Unknown)


_LEAF = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.sampled_from(['"s"', "true", "null", "var.v", "local.a", "local.b", "aws_x.y.arn"]),
    st.text(alphabet='abc ${}%\\"', max_size=8).map(lambda s: '"' + s.replace('"', "") + '"'),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "==", "&&", "*", "/", "<"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(children, max_size=3).map(
            lambda xs: "{" + ", ".join(f"k{i} = {x}" for i, x in enumerate(xs)) + "}"
        ),
        st.tuples(children, children, children).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(
            st.sampled_from(
                [
                    "jsonencode",
                    "merge",
                    "concat",
                    "length",
                    "upper",
                    "lookup",
                    "coalesce",
                    "format",
                    "join",
                    "tolist",
                    "element",
                    "try",
                    "nosuch",
                ]
            ),
            st.lists(children, max_size=3),
        ).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        children.map(lambda x: f'"pre-${{{x}}}-post"'),
        children.map(lambda x: f"[for s in {x} : s]"),
        children.map(lambda x: f"!{x}"),
        children.map(lambda x: f"{x}[0]"),
    )


_EXPR = st.recursive(_LEAF, _combine, max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(a=_EXPR, b=_EXPR, value=_EXPR)
def test_random_expressions_and_cycles_never_raise(
    tmp_path_factory: object, a: str, b: str, value: str
) -> None:
    # ``local.a`` and ``local.b`` may refer to each other in any way: loading terminates.
    root = tmp_path_factory.mktemp("tf")  # type: ignore[attr-defined]
    (root / "main.tf").write_text(
        f'variable "v" {{\n  default = {value}\n}}\n'
        f"locals {{\n  a = {a}\n  b = {b}\n}}\n"
        f'resource "aws_lambda_function" "f" {{\n  function_name = local.a\n'
        f"  timeout = local.b\n  environment {{\n    variables = {{ X = {value} }}\n  }}\n}}\n"
    )
    app = load(str(root), LoadOptions())
    assert len(app.functions) <= 1


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    parsed = parse_text(data, "fuzz.tf")
    evaluator = Evaluator(
        lambda root, steps: (Unknown(expression=root), 0), module_dir=".", lines=LineIndex()
    )
    for attribute in parsed.body.attributes.values():
        evaluator.evaluate(attribute.expr, "fuzz.tf")


def test_deep_nesting_is_unknown_not_crash() -> None:
    depth = 3000
    values = _eval_locals("x = " + "[" * depth + "1" + "]" * depth)
    assert "x" not in values or values["x"] is not None
