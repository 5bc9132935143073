"""Fuzzing the YAML/JSON front end (``faasguard.loaders.documents``).

Property: any text loads as a :class:`Document` of plain JSON-like values (no Python object
is ever constructed, whatever the tags), or raises :class:`LoadError`; nothing else escapes,
within the deadline.
"""

from __future__ import annotations

import json
from typing import Any

from fuzz_support import (
    HUGE_NUMBERS,
    as_file_text,
    corpus_sample,
    fuzz_settings,
    mutate,
    odd_text,
    sandbox,
    text_values,
    time_limit,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from faasguard.errors import LoadError
from faasguard.loaders.documents import Document, load_json, load_yaml

TEMPLATES = corpus_sample(("template.yaml", "template.yml", "serverless.yml"), 12)
JSON_FILES = corpus_sample(("*.json",), 12)

_TAGS = (
    "!Ref ", "!Sub ", "!GetAtt ", "!If ", "!Join ", "!Custom ", "!!str ", "!!int ",
    "!!float ", "!!binary ", "!!timestamp ", "!!map ", "!!seq ", "!!null ",
    "!!python/object/apply:os.system ", "!!python/name:os.system ", "!<tag:x> ",
)  # fmt: skip
_YAML_TOKENS = (
    *_TAGS, "&a ", "&b ", "*a", "*b", "<<: *a\n", "<<: [*a, *b]\n", "? ", ": ", "- ", "{", "}",
    "[", "]", ",", "#", "|\n", ">-\n", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,\n",
    "\n  ", "\t", "\x00", "\ud800", "\x1b[2J", *HUGE_NUMBERS,
)  # fmt: skip


def _scalar() -> st.SearchStrategy[str]:
    quoted = text_values.map(json.dumps)  # escapes surrogates and controls as \uXXXX
    plain = st.sampled_from(("a", "x y", "1", "1e309", "9" * 400, "~", "yes", "2010-09-09"))
    return st.one_of(quoted, plain, st.sampled_from(HUGE_NUMBERS))


def _decorated(node: str, tag: str, anchor: str) -> str:
    return f"{tag}{anchor}{node}"


def _nodes() -> st.SearchStrategy[str]:
    """Flow-style YAML nodes with tags, anchors, aliases and merge keys."""
    leaf = st.one_of(_scalar(), st.sampled_from(("*a", "*b", "*c")))

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        items = st.lists(children, max_size=4)
        mapping = st.lists(st.tuples(st.one_of(_scalar(), children), children), max_size=4).map(
            lambda pairs: "{" + ", ".join(f"? {k} : {v}" for k, v in pairs) + "}"
        )
        merge = children.map(lambda v: "{<<: " + v + ", k: 1}")
        return st.builds(
            _decorated,
            st.one_of(items.map(lambda xs: "[" + ", ".join(xs) + "]"), mapping, merge),
            st.sampled_from(("", "", *_TAGS)),
            st.sampled_from(("", "", "&a ", "&b ", "&c ")),
        )

    return st.recursive(leaf, extend, max_leaves=30)


def _alias_bomb(levels: int, fan_out: int) -> str:
    lines = ["a0: &a0 [lol]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * fan_out)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> bool:
    """Only JSON-like values (iteratively: a valid JSON document may nest deeply)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif item is not None and not isinstance(item, str | bool | int | float):
            return False
    return True


def _check_yaml(text: str) -> None:
    text = as_file_text(text)
    with sandbox(), time_limit():
        try:
            document = load_yaml(text, "fuzz.yaml")
        except LoadError as error:
            assert error.file == "fuzz.yaml"
            return
    assert isinstance(document, Document)
    assert _plain(document.data), document.data


def _check_json(text: str) -> None:
    text = as_file_text(text)
    with sandbox(), time_limit():
        try:
            document = load_json(text, "fuzz.json")
        except LoadError as error:
            assert error.file == "fuzz.json"
            return
    assert _plain(document.data)


@fuzz_settings(weight=2)
@given(node=_nodes(), key=_scalar())
def test_structured_yaml_loads_or_fails_cleanly(node: str, key: str) -> None:
    _check_yaml(f"Resources:\n  {key}: {node}\n  Other: {node}\n")


@fuzz_settings(weight=0.5)
@given(levels=st.integers(1, 30), fan_out=st.integers(1, 12), use=st.booleans())
def test_alias_bombs_fail_fast(levels: int, fan_out: int, use: bool) -> None:
    text = _alias_bomb(levels, fan_out) + (f"Resources: *a{levels}\n" if use else "")
    _check_yaml(text)


@fuzz_settings(weight=0.5)
@given(depth=st.integers(1, 20_000), flow=st.sampled_from(("[", "{a: ", "- ", "!Ref ")))
def test_deep_nesting_is_refused_not_a_recursion_error(depth: int, flow: str) -> None:
    closing = {"[": "]", "{a: ": "}", "- ": "", "!Ref ": ""}[flow]
    body = flow * depth + "x" + closing * depth
    if flow == "- ":
        body = "".join("  " * i + "-\n" for i in range(min(depth, 600))) + "x"
    _check_yaml(body)
    _check_json("[" * depth + "]" * depth)


@fuzz_settings(weight=3)
@given(data=st.data())
def test_mutated_real_templates_load_or_fail_cleanly(data: st.DataObject) -> None:
    assume(TEMPLATES)
    template = data.draw(st.sampled_from(TEMPLATES), label="template")
    _check_yaml(mutate(template, data, _YAML_TOKENS))


@fuzz_settings(weight=2)
@given(data=st.data())
def test_mutated_real_json_loads_or_fails_cleanly(data: st.DataObject) -> None:
    assume(JSON_FILES)
    document = data.draw(st.sampled_from(JSON_FILES), label="json")
    text = mutate(
        document, data, ('"\\ud800"', "1e309", "9" * 5000, "[", "{", "]", "}", ",", ":", "\x00")
    )
    _check_json(text)


_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), odd_text),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(odd_text, children, max_size=4)
    ),
    max_leaves=25,
)


@fuzz_settings()
@given(value=_json_values, ascii_only=st.booleans())
def test_generated_json_loads_as_itself_or_fails_cleanly(value: Any, ascii_only: bool) -> None:
    try:
        text = json.dumps(value, ensure_ascii=ascii_only)
    except UnicodeEncodeError:  # pragma: no cover - dumps never encodes
        return
    _check_json(text)
