"""The CloudFormation intrinsic resolver: values, Unknowns, and termination on hostile input."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faasguard.loaders.cloudformation.intrinsics import NO_VALUE, Resolver
from faasguard.model import Unknown

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "dev"},
        "Size": {"Type": "Number", "Default": 3},
        "NoDefault": {"Type": "String"},
        "FromSsm": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/x"},
    },
    "Conditions": {
        "IsDev": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
        "Loop": {"Condition": "Loop"},
        "A": {"Fn::And": [{"Condition": "B"}, {"Condition": "IsDev"}]},
        "B": {"Fn::Or": [{"Condition": "A"}]},
        "Unknowable": {"Fn::Equals": [{"Ref": "NoDefault"}, "x"]},
    },
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Fn": {"Type": "AWS::Lambda::Function"},
        "Table": {"Type": "AWS::DynamoDB::Table"},
    },
}


def resolve(value: Any, parameters: dict[str, Any] | None = None) -> Any:
    return Resolver(TEMPLATE, parameters).resolve(value)


def test_refs_and_getatts_link_back() -> None:
    resolver = Resolver(TEMPLATE)
    assert resolver.resolve({"Ref": "Queue"}) == "Queue"
    arn = resolver.resolve({"Fn::GetAtt": ["Queue", "Arn"]})
    assert arn == "arn:aws:sqs:us-east-1:123456789012:Queue"
    assert resolver.ref_of(arn) == "Queue"
    stream = resolver.resolve({"Fn::GetAtt": "Table.StreamArn"})
    assert resolver.ref_of(stream) == "Table"
    assert resolver.resolve({"Fn::Sub": "${Fn.Arn}"}).endswith(":function:Fn")


def test_parameters_and_overrides() -> None:
    assert resolve({"Ref": "Env"}) == "dev"
    assert resolve({"Ref": "Env"}, {"Env": "prod"}) == "prod"
    assert resolve({"Ref": "Size"}, {"Size": "12"}) == 12
    missing = resolve({"Ref": "NoDefault"})
    assert isinstance(missing, Unknown) and "NoDefault" in missing.expression
    assert isinstance(resolve({"Ref": "FromSsm"}), Unknown)
    assert resolve({"Ref": "AWS::NoValue"}) is NO_VALUE
    assert resolve({"a": {"Ref": "AWS::NoValue"}, "b": 1}) == {"b": 1}


def test_conditions() -> None:
    assert resolve({"Fn::If": ["IsDev", "yes", "no"]}) == "yes"
    assert resolve({"Fn::If": ["IsDev", "yes", "no"]}, {"Env": "prod"}) == "no"
    for name in ("Loop", "A", "Unknowable", "Missing"):
        value = resolve({"Fn::If": [name, 1, 2]})
        assert isinstance(value, Unknown), name


def test_unresolvable_functions() -> None:
    for expression in (
        {"Fn::ImportValue": "x"},
        {"Fn::GetAZs": ""},
        {"Fn::Cidr": ["10.0.0.0/16", 2, 8]},
        {"Fn::Sub": "${NoDefault}-x"},
        {"Fn::Join": ["", ["a", {"Ref": "NoDefault"}]]},
        {"Fn::Select": [5, ["a"]]},
        {"Ref": "NotThere"},
        {"Fn::GetAtt": ["NotThere", "Arn"]},
        "{{resolve:ssm:/x}}",
        {"Fn::Unheard": 1},
    ):
        assert isinstance(resolve(expression), Unknown), expression


def _intrinsics(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    names = st.sampled_from(["Env", "Size", "NoDefault", "Queue", "Fn", "X", "AWS::NoValue"])
    conditions = st.sampled_from(["IsDev", "Loop", "A", "B", "Unknowable", "C0", "C1", "C2"])
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, names),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, conditions, children, children),
        st.builds(lambda d, xs: {"Fn::Join": [d, xs]}, st.text(max_size=2), st.lists(children)),
        st.builds(lambda i, xs: {"Fn::Select": [i, xs]}, st.integers(-1, 3), children),
        st.builds(lambda s: {"Fn::Split": [",", s]}, children),
        st.builds(lambda s, v: {"Fn::Sub": [s, {"V": v}]}, st.text(max_size=8), children),
        st.builds(lambda s: {"Fn::Sub": s}, st.sampled_from(["${Env}", "${Queue.Arn}", "${X}"])),
        st.builds(lambda a, b: {"Fn::Equals": [a, b]}, children, children),
        st.builds(lambda xs: {"Fn::And": xs}, st.lists(children, max_size=3)),
        st.builds(lambda x: {"Fn::Not": [x]}, children),
        st.builds(lambda c: {"Condition": c}, conditions),
        st.builds(lambda x: {"Fn::Base64": x}, children),
        st.builds(lambda x: {"Fn::FindInMap": [x, "a", "b"]}, children),
        st.dictionaries(st.sampled_from(["k", "Fn::Odd", "Ref"]), children, max_size=2),
        st.lists(children, max_size=3),
    )


values = st.recursive(
    st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.none()),
    _intrinsics,
    max_leaves=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values, conditions=st.dictionaries(st.sampled_from(["C0", "C1", "C2"]), values))
def test_random_intrinsics_terminate_quickly(value: Any, conditions: dict[str, Any]) -> None:
    """Any nesting, including conditions that refer to each other in cycles, terminates fast."""
    template = dict(TEMPLATE)
    template["Conditions"] = {**TEMPLATE["Conditions"], **conditions}
    template["Resources"] = {**TEMPLATE["Resources"], "R": {"Type": "X", "Properties": value}}
    started = time.perf_counter()
    resolver = Resolver(template)
    resolver.resolve(value)
    for name in template["Conditions"]:
        assert resolver.condition(name) in (True, False, None)
    assert time.perf_counter() - started < 1.0


def test_deep_nesting_does_not_recurse_forever() -> None:
    value: Any = "leaf"
    for _ in range(5000):
        value = {"Fn::Base64": value}
    resolved = resolve(value)
    assert isinstance(resolved, Unknown)


def test_condition_chain_is_linear() -> None:
    """A long chain where each condition uses the previous one twice stays linear (memoised)."""
    conditions: dict[str, Any] = {"C0": {"Fn::Equals": ["a", "a"]}}
    for index in range(1, 200):
        previous = {"Condition": f"C{index - 1}"}
        conditions[f"C{index}"] = {"Fn::And": [previous, {"Fn::Or": [previous, previous]}]}
    resolver = Resolver({"Conditions": conditions, "Resources": {}})
    started = time.perf_counter()
    assert resolver.condition("C199") is True
    assert time.perf_counter() - started < 0.5
