"""``Statement.from_document``: the one IAM statement normaliser of every source format."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faasguard.model import Diagnostic, DiagnosticLevel, Location, Statement, Unknown
from faasguard.model.iam import UNKNOWN_PRINCIPAL_TYPE

WHERE = Location(file="template.yaml", line=12, column=7, pointer="/Resources/R")
_KEYS = ("Effect", "Sid", "Action", "NotAction", "Resource", "NotResource", "Principal")
_KEYS += ("NotPrincipal", "Condition")

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.sampled_from(["*", "Allow", "Deny", "s3:GetObject"])
    | st.builds(Unknown, st.text(max_size=8))
)
_json_ish = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
_statements = st.dictionaries(st.sampled_from(_KEYS), _json_ish, max_size=len(_KEYS))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_statements | _json_ish)
def test_any_json_input_gives_a_statement_or_a_diagnostic(raw: Any) -> None:
    result = Statement.from_document(raw, WHERE)
    if isinstance(result, Diagnostic):
        assert not isinstance(raw, dict)
        assert result.location == WHERE
        assert result.level is DiagnosticLevel.WARNING
        return
    assert isinstance(result, Statement)
    assert isinstance(result.effect, str | Unknown)
    assert isinstance(result.allows, bool)
    for values in (result.actions, result.not_actions, result.resources, result.not_resources):
        assert all(isinstance(value, str | Unknown) for value in values)
    for principals in (result.principals, result.not_principals):
        for kind, values in principals.items():
            assert isinstance(kind, str)
            assert all(isinstance(value, str | Unknown) for value in values)
    assert result.sid is None or isinstance(result.sid, str)
    assert all(isinstance(entries, dict) for entries in result.conditions.values())


def test_a_statement_that_is_not_a_mapping_is_a_diagnostic_at_its_line() -> None:
    result = Statement.from_document(Unknown('{"Fn::If":["C",{},{}]}'), WHERE)
    assert isinstance(result, Diagnostic)
    assert "not a mapping" in result.message
    assert str(result.location) == "template.yaml:12:7"


def test_an_effect_that_is_not_a_string_is_unknown_and_read_as_allow() -> None:
    for effect in (1, True, ["Allow"], {"Fn::If": ["C", "Allow", "Deny"]}):
        result = Statement.from_document({"Effect": effect, "Action": "s3:*"}, WHERE)
        assert isinstance(result, Statement)
        assert isinstance(result.effect, Unknown)
        assert result.allows  # conservative: it may allow


def test_a_missing_effect_is_unknown_not_a_silent_allow() -> None:
    result = Statement.from_document({"Action": "s3:*"}, WHERE)
    assert isinstance(result, Statement)
    assert isinstance(result.effect, Unknown)
    assert result.effect.reason == "statement has no Effect"


def test_effects_as_written_are_kept() -> None:
    deny = Statement.from_document({"Effect": "Deny", "Action": "*"}, WHERE)
    assert isinstance(deny, Statement)
    assert deny.effect == "Deny"
    assert not deny.allows


def test_principal_shapes() -> None:
    def principals(value: object) -> object:
        result = Statement.from_document({"Effect": "Allow", "Principal": value}, WHERE)
        assert isinstance(result, Statement)
        return dict(result.principals)

    assert principals("*") == {"*": ("*",)}
    assert principals({"AWS": "arn:aws:iam::1:root"}) == {"AWS": ("arn:aws:iam::1:root",)}
    assert principals({"Service": ["a", "b"]}) == {"Service": ("a", "b")}
    # Not "*" and not a mapping: the type is not known, and never claimed to be "anyone".
    assert principals("arn:aws:iam::1:root") == {UNKNOWN_PRINCIPAL_TYPE: ("arn:aws:iam::1:root",)}
    unknown = Unknown("{Ref: P}")
    assert principals(unknown) == {UNKNOWN_PRINCIPAL_TYPE: (unknown,)}
    assert principals(None) == {}


def test_values_and_conditions() -> None:
    result = Statement.from_document(
        {
            "Effect": "Allow",
            "Sid": 7,
            "Action": ["s3:GetObject", None, 3, ["nested"]],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "1", "k": None}, "Bool": "x"},
        },
        WHERE,
    )
    assert isinstance(result, Statement)
    assert result.sid == "7"
    assert result.actions == (
        "s3:GetObject",
        "3",
        Unknown('["nested"]', reason="not a string"),
    )
    assert result.resources == ("*",)
    assert result.conditions == {"StringEquals": {"aws:SourceAccount": ("1",), "k": ()}, "Bool": {}}
