"""Built-in functions of the HCL evaluator (:mod:`faasguard.loaders.terraform.hcl_functions`)."""

from __future__ import annotations

import pytest

from faasguard.loaders.terraform.hcl import LineIndex
from faasguard.loaders.terraform.hcl_functions import FUNCTIONS, EvalError


class _Host:
    lines = LineIndex()

    def read_file(self, relative: str) -> str | None:
        return None


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("startswith", ["hello", "he"], True),
        ("startswith", ["hello", "lo"], False),
        ("endswith", ["hello", "lo"], True),
        ("trim", ["?!hello?!", "!?"], "hello"),
        ("trimprefix", ["helloworld", "hello"], "world"),
        ("trimsuffix", ["helloworld", "world"], "hello"),
        ("trimprefix", [1234, 12], "34"),
    ],
)
def test_two_string_functions(name: str, args: list[object], expected: object) -> None:
    assert FUNCTIONS[name](_Host(), list(args)) == expected


@pytest.mark.parametrize("name", ["startswith", "endswith", "trim", "trimprefix", "trimsuffix"])
def test_two_string_functions_check_arity(name: str) -> None:
    with pytest.raises(EvalError):
        FUNCTIONS[name](_Host(), ["only one"])
