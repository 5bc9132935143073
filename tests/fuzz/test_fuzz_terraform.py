"""Fuzzing the Terraform evaluator (``faasguard.loaders.terraform.hcl*``) and loader.

Generated HCL mixes literals at every boundary, interpolation, function calls with wrong
argument types, ``for`` expressions, conditionals, splats, local cycles and policy
documents; mutated real ``.tf`` files are loaded too.

Property: :func:`load` returns an :class:`App` for any directory (bad input is a
diagnostic, what cannot be resolved an :class:`Unknown`), within the deadline, writing
nothing outside the example's directory.
"""

from __future__ import annotations

import json

import pytest
from fuzz_support import (
    HUGE_NUMBERS,
    as_file_text,
    corpus_sample,
    fuzz_settings,
    mutate,
    odd_text,
    sandbox,
    time_limit,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from faasguard.config import LoadOptions
from faasguard.loaders import prepare
from faasguard.loaders.terraform.loader import load
from faasguard.model import App


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    """Pay the one-time start-up cost (the HCL parser) before the deadline clock runs."""
    prepare({"terraform"})


_FUNCTIONS = (
    "upper", "lower", "format", "merge", "concat", "lookup", "jsondecode", "jsonencode",
    "split", "join", "replace", "coalesce", "length", "element", "tostring", "tonumber",
    "tolist", "toset", "flatten", "keys", "values", "substr", "trimspace", "try", "can",
    "file", "templatefile", "cidrsubnet", "range", "zipmap", "regex", "base64decode",
    "abs", "max", "min", "pow", "sort", "distinct", "contains", "nonexistent",
)  # fmt: skip
_REFERENCES = (
    "local.a", "local.b", "local.c", "var.v", "var.missing", "aws_lambda_function.f.arn",
    "aws_iam_role.r.arn", "data.aws_iam_policy_document.p.json", "module.m.out",
    "each.key", "count.index", "path.module", "self", "local.a[0]", "local.b.x",
    "aws_lambda_function.f[*].arn", "local.a[\"k\"]",
)  # fmt: skip


def _quoted(text: str) -> str:
    """An HCL string literal of ``text``: escaped, so the hostile part is the value."""
    out = []
    for char in text.replace("${", "$${").replace("%{", "%%{"):
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


_NUMBERS = ("0", "(-1)", "0.5", "1e308", "1e309", "1e-40", "9" * 400, "4294967296")
_literals = st.one_of(
    odd_text.map(_quoted),
    st.sampled_from(_NUMBERS),
    st.sampled_from(("true", "false", "null", '""', '"%{if true}x%{endif}"', '"$${x}"')),
    st.sampled_from(_REFERENCES),
)


def _expressions(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    arguments = st.lists(children, max_size=4).map(", ".join)
    return st.one_of(
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(_FUNCTIONS), arguments),
        st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from(("k", "x", '"a b"')), children), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}"
        ),
        st.builds(lambda c, a, b: f"{c} ? {a} : {b}", children, children, children),
        st.builds(lambda x: f'"pre-${{{x}}}-post"', children),
        st.builds(lambda x: f"[for s in {x} : s]", children),
        st.builds(lambda x: f"{{for k, v in {x} : k => v}}", children),
        st.builds(
            lambda a, op, b: f"({a} {op} {b})",
            children,
            st.sampled_from(("+", "-", "*", "/", "%", "==", "&&", ">")),
            children,
        ),
        st.builds(lambda x: f"{x}[0]", children),
        st.builds(lambda x: f"{x}.attr", children),
    )


_expression = st.recursive(_literals, _expressions, max_leaves=12)
# Statements may refer to their own policy document, directly or through a local (issue 16:
# that used to drop the whole app with an AttributeError).
_policy_expression = _expression


@st.composite
def _module(draw: st.DrawFn) -> str:
    locals_ = "\n".join(f"  {name} = {draw(_expression)}" for name in ("a", "b", "c"))
    policy = draw(_expression)
    return f"""
variable "v" {{
  default = {draw(_expression)}
}}
locals {{
{locals_}
}}
data "aws_iam_policy_document" "p" {{
  statement {{
    actions   = {draw(_policy_expression)}
    resources = {draw(_policy_expression)}
  }}
}}
resource "aws_iam_role" "r" {{
  assume_role_policy = {policy}
  inline_policy {{
    policy = jsonencode({{ Statement = [{{ Action = {draw(_expression)}, Resource = "*" }}] }})
  }}
}}
resource "aws_lambda_function" "f" {{
  count         = {draw(st.sampled_from(("1", "0", "local.a", "-1", "99999999999", "var.v")))}
  function_name = {draw(_expression)}
  role          = aws_iam_role.r.arn
  handler       = {draw(_expression)}
  runtime       = "python3.12"
  timeout       = {draw(_expression)}
  environment {{
    variables = {draw(_expression)}
  }}
}}
"""


def _load_text(text: str, variables: dict[str, str]) -> None:
    text = as_file_text(text)
    with sandbox() as directory, time_limit():
        (directory / "main.tf").write_text(text, encoding="utf-8")
        app = load(str(directory), LoadOptions(root=str(directory), variables=variables))
    assert isinstance(app, App)
    json.dumps([str(d) for d in app.diagnostics])


@fuzz_settings(weight=2)
@given(module=_module(), variables=st.dictionaries(st.just("v"), odd_text, max_size=1))
def test_the_evaluator_survives_generated_modules(module: str, variables: dict[str, str]) -> None:
    _load_text(module, variables)


TF_FILES = corpus_sample(("*.tf",), 10)
_TOKENS = (
    "${", "}", "{", "[", "]", '"', "<<EOT\n", "<<-EOT\n", "EOT\n", "%{", "local.", "var.",
    "=", "\n", "#", "/*", "*/", "[*]", "...", "=>", "? ", ": ", "module.", "each.value",
    'module "m" {\n  source = "./nowhere"\n}\n', "locals {\n  a = local.a\n}\n",
    "\x00", "\x1b[31m", *HUGE_NUMBERS[:6],
)  # fmt: skip


@fuzz_settings(weight=1)
@given(data=st.data())
def test_mutated_real_terraform_loads(data: st.DataObject) -> None:
    assume(TF_FILES)
    _load_text(mutate(data.draw(st.sampled_from(TF_FILES), label="tf"), data, _TOKENS), {})
