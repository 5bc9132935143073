"""The safe YAML/JSON reader: values, line map, tags, and hostile input."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.errors import LoadError
from faasguard.loaders.documents import MAX_DEPTH, load_json, load_yaml

TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 900
      Role: !GetAtt ExecRole.Arn
      Layers: [!Ref LayerArn, !Sub "arn:${AWS::Partition}:x"]
      Enabled: yes
"""


def test_values_tags_and_lines() -> None:
    doc = load_yaml(TEMPLATE, "t.yaml")
    props = doc.data["Resources"]["Fn"]["Properties"]
    assert doc.data["AWSTemplateFormatVersion"] == "2010-09-09"  # a date stays a string
    assert props["Timeout"] == 900
    assert props["Role"] == {"Fn::GetAtt": ["ExecRole", "Arn"]}
    assert props["Layers"] == [{"Ref": "LayerArn"}, {"Fn::Sub": "arn:${AWS::Partition}:x"}]
    assert props["Enabled"] is True
    assert doc.lines["/Resources/Fn/Properties/Timeout"] == (6, 7)
    assert doc.lines["/Resources/Fn/Properties/Layers/1"][0] == 8
    assert doc.line_of("/Resources/Fn/Properties/Timeout/missing") == (6, 7)


def test_python_tags_are_refused_with_line() -> None:
    with pytest.raises(LoadError) as error:
        load_yaml("a: 1\nb: !!python/object/apply:os.system ['id']\n", "evil.yaml")
    assert error.value.line == 2
    assert "unsafe YAML tag" in error.value.message


def test_billion_laughs_fails_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    with pytest.raises(LoadError, match="alias bomb"):
        load_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert time.perf_counter() - started < 1.0


def test_deep_nesting_is_a_load_error_not_a_crash() -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(LoadError):
        load_yaml(deep, "deep.yaml")
    nested = "a:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(MAX_DEPTH + 10))
    with pytest.raises(LoadError) as error:
        load_yaml(nested, "nested.yaml")
    assert error.value.line > 0


def test_syntax_error_names_line() -> None:
    with pytest.raises(LoadError) as error:
        load_yaml("Resources:\n  Fn:\n    Type: [unclosed\n  Other: 1\n", "bad.yaml")
    assert error.value.file == "bad.yaml"
    assert error.value.line >= 3


def test_duplicate_keys_warn_and_merge_keys_work() -> None:
    doc = load_yaml("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n  y: 4\n", "d.yaml")
    assert doc.data["item"] == {"x": 1, "y": 4}
    assert any("duplicate key 'y'" in message for message, _ in doc.warnings)


def test_json_with_lines_and_fallback() -> None:
    doc = load_json('{\n  "Resources": {\n    "A": {"Type": "AWS::SQS::Queue"}\n  }\n}\n', "t.json")
    assert doc.lines["/Resources/A"][0] == 3
    with pytest.raises(LoadError) as error:
        load_json('{\n  "a": 1,\n  "b": \n}', "bad.json")
    assert error.value.line >= 3


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with contextlib.suppress(LoadError):
        load_yaml(text, "fuzz.yaml")
