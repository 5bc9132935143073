"""``scalar_str``: the one string coercion of every loader and the statement normaliser."""

from __future__ import annotations

from faasguard.model import Unknown
from faasguard.model.iam import scalar_str


def test_scalars() -> None:
    assert scalar_str(None) is None
    assert scalar_str("x") == "x"
    assert scalar_str(True) == "true"
    assert scalar_str(False) == "false"
    assert scalar_str(3) == "3"
    assert scalar_str(1.5) == "1.5"
    unknown = Unknown(expression="var.x")
    assert scalar_str(unknown) is unknown


def test_non_scalar_is_unknown_rendered_by_the_format() -> None:
    value = {"Ref": "Bucket"}
    assert scalar_str(value) == Unknown('{"Ref":"Bucket"}', reason="not a string")
    rendered = scalar_str(value, lambda v: "!Ref Bucket", "not a static string")
    assert rendered == Unknown("!Ref Bucket", reason="not a static string")
