"""Fuzzing the CloudFormation intrinsics (``faasguard.loaders.cloudformation.intrinsics``)
and the CloudFormation/SAM loader over mutated real templates.

Properties: resolving any template value gives plain values and :class:`Unknown` (never an
exception, never a Python object of the input); a condition is True, False or None; the
loader returns an :class:`App` for any file (bad input is a diagnostic), within the
deadline and without writing outside its directory.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fuzz_support import (
    HUGE_NUMBERS,
    as_file_text,
    corpus_sample,
    fuzz_settings,
    mutate,
    sandbox,
    text_values,
    time_limit,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from faasguard.config import LoadOptions
from faasguard.loaders import prepare
from faasguard.loaders.cloudformation.intrinsics import NO_VALUE, Resolver, expression_text
from faasguard.loaders.cloudformation.loader import load
from faasguard.model import App, Unknown


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    """Pay the one-time start-up cost (the SAM translator) before the deadline clock runs."""
    prepare({"cloudformation"})


_NAMES = ("P0", "P1", "Fn", "Queue", "C0", "C1", "AWS::Region", "AWS::NoValue", "AWS::Bogus", "")
_names = st.sampled_from(_NAMES)
_FUNCTIONS = (
    "Ref", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::If", "Fn::FindInMap",
    "Fn::Base64", "Fn::Length", "Fn::ToJsonString", "Fn::GetAtt", "Fn::Equals", "Fn::And",
    "Fn::Or", "Fn::Not", "Condition", "Fn::ImportValue", "Fn::GetAZs", "Fn::Cidr",
    "Fn::Transform", "Fn::ForEach", "Fn::Bogus",
)  # fmt: skip

_sub_strings = st.lists(
    st.one_of(
        _names.map(lambda n: "${" + n + "}"),
        st.sampled_from(("${", "}", "${!Literal}", "${Fn.Arn}", "{{resolve:ssm:x}}", "$")),
        text_values,
    ),
    max_size=6,
).map("".join)

_leaves = st.one_of(
    text_values,
    _names,
    _sub_strings,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
)


def _intrinsics(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Intrinsic calls with right and wrong argument shapes, and plain containers."""
    args = st.one_of(
        children,
        st.lists(children, max_size=4),
        st.tuples(_sub_strings, st.dictionaries(_names, children, max_size=3)).map(list),
        st.tuples(st.sampled_from((",", "", "\x00")), st.lists(children, max_size=3)).map(list),
        st.tuples(st.integers(-3, 5), st.lists(children, max_size=3)).map(list),
        st.tuples(_names, _names, _names).map(list),
    )
    call = st.builds(lambda name, arg: {name: arg}, st.sampled_from(_FUNCTIONS), args)
    return st.one_of(
        call,
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(_names, text_values), children, max_size=4),
    )


_values = st.recursive(_leaves, _intrinsics, max_leaves=25)


@st.composite
def _templates(draw: st.DrawFn) -> dict[str, Any]:
    parameters = {
        name: draw(
            st.one_of(
                st.fixed_dictionaries(
                    {
                        "Type": st.sampled_from(
                            ("String", "Number", "CommaDelimitedList", "List<Number>", 5, None)
                        ),
                        "Default": _values,
                    }
                ),
                _values,
            )
        )
        for name in ("P0", "P1")
    }
    return {
        "Parameters": draw(st.one_of(st.just(parameters), _values)),
        "Mappings": draw(
            st.one_of(
                st.dictionaries(_names, st.dictionaries(_names, _values, max_size=2), max_size=2),
                _values,
            )
        ),
        "Conditions": draw(st.one_of(st.dictionaries(_names, _values, max_size=3), _values)),
        "Resources": draw(
            st.one_of(
                st.dictionaries(
                    _names,
                    st.fixed_dictionaries(
                        {"Type": st.sampled_from(("AWS::SQS::Queue", "AWS::Serverless::Function"))},
                        optional={"Properties": _values, "Condition": _values},
                    ),
                    max_size=3,
                ),
                _values,
            )
        ),
    }


def _resolved_ok(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif item is NO_VALUE or isinstance(item, Unknown):
            continue
        elif item is not None and not isinstance(item, str | bool | int | float):
            return False
    return True


@fuzz_settings(weight=3)
@given(
    template=_templates(),
    value=_values,
    overrides=st.dictionaries(_names, st.one_of(text_values, _values), max_size=2),
)
def test_resolving_any_value_gives_plain_values_and_unknowns(
    template: dict[str, Any], value: Any, overrides: dict[str, Any]
) -> None:
    with sandbox(), time_limit():
        resolver = Resolver(template, parameters=overrides)
        resolved = resolver.resolve(value)
        assert _resolved_ok(resolved), resolved
        expression_text(value)
        for name in _NAMES:
            assert resolver.condition(name) in (True, False, None)
        resources = template["Resources"]
        if isinstance(resources, dict):
            for resource in resources.values():
                if not isinstance(resource, dict):
                    continue
                resolver.resource_enabled(resource)
                assert _resolved_ok(resolver.resolve(resource.get("Properties")))


@fuzz_settings(weight=0.5)
@given(depth=st.integers(1, 6), fan_out=st.integers(1, 4))
def test_sub_chains_stay_bounded(depth: int, fan_out: int) -> None:
    value: Any = "x"
    for _ in range(depth):
        value = {"Fn::Sub": ["${X}" * fan_out, {"X": value}]}
    with sandbox(), time_limit():
        assert _resolved_ok(Resolver({}).resolve(value))


TEMPLATES = corpus_sample(("template.yaml", "template.yml", "*.template.json"), 10)
_TOKENS = (
    "!Ref ", "!Sub ", "!GetAtt ", "!If ", "!Join ", "!Select ", "!FindInMap ", "!Split ",
    "!Base64 ", "!Condition ", "!ImportValue ", "${", "}", "${AWS::NoValue}", "Fn::Sub: ",
    "- ", ": ", "[", "]", "{", "}", "AWS::Serverless::Function", "Type: ", "Properties: ",
    "Resources: 5\n", "Conditions:\n  C: !Equals [a, !Condition C]\n", "\t", "\x1b[31m",
    *HUGE_NUMBERS[:8],
)  # fmt: skip


@fuzz_settings(weight=1)
@given(data=st.data())
def test_the_loader_returns_an_app_for_any_mutated_template(data: st.DataObject) -> None:
    assume(TEMPLATES)
    text = as_file_text(mutate(data.draw(st.sampled_from(TEMPLATES), label="t"), data, _TOKENS))
    with sandbox() as directory, time_limit():
        path = directory / "template.yaml"
        path.write_text(text, encoding="utf-8")
        app = load(str(path), LoadOptions(root=str(directory)))
    assert isinstance(app, App)
    json.dumps([str(d) for d in app.diagnostics])
