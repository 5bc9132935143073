"""Property tests: the Serverless variable resolver terminates and never raises."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faasguard.loaders.documents import Document
from faasguard.loaders.serverless.variables import Resolver
from faasguard.model import DiagnosticLevel, Unknown

KEYS = [f"k{i}" for i in range(8)]


def _reference(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    key = st.sampled_from(KEYS)
    return st.one_of(
        key.map(lambda k: "${self:custom." + k + "}"),
        key.map(lambda k: "${self:custom." + k + ".sub}"),
        inner.map(lambda i: "${self:custom." + i + "}"),  # nested: ${self:custom.${...}}
        st.tuples(key, inner).map(lambda p: "${env:X, ${self:custom." + p[0] + "}, " + p[1] + "}"),
        inner.map(lambda i: "${opt:" + i + ", 'lit'}"),
        st.just("${ssm:/param}"),
        st.just("${sls:stage}"),
        st.just("${file(./nothing.yml):a}"),
        st.just("${unbalanced"),
        st.just("${AWS::Region}"),
    )


TEXT = st.text(alphabet="ab ,:'{}$.", max_size=6)
STRINGS = st.recursive(
    st.one_of(TEXT, st.sampled_from(KEYS)),
    lambda inner: st.one_of(
        _reference(inner),
        st.tuples(TEXT, _reference(inner), TEXT).map("".join),
    ),
    max_leaves=6,
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    st.one_of(STRINGS, st.integers(), st.booleans(), st.none()),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["sub", *KEYS]), children, max_size=3),
    ),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(st.sampled_from(KEYS), VALUES, min_size=1, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_random_references_terminate_without_raising(custom: dict[str, Any]) -> None:
    document = Document(file="/nonexistent/serverless.yml", data={"service": "s", "custom": custom})
    resolver = Resolver(root=document, service_dir="/nonexistent", boundary="/nonexistent")
    started = time.perf_counter()
    resolved = resolver.resolve_all()
    assert time.perf_counter() - started < 2.0
    assert isinstance(resolved, dict)
    assert set(resolved["custom"]) == set(custom)
    assert all(d.level in set(DiagnosticLevel) for d in resolver.diagnostics)
    for key in custom:  # every location lookup works, too
        resolver.location(f"/custom/{key}")


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=400))
def test_long_chains_and_cycles_are_bounded(length: int) -> None:
    custom: dict[str, Any] = {f"v{i}": "${self:custom.v" + str(i + 1) + "}" for i in range(length)}
    custom[f"v{length}"] = "${self:custom.v0}"  # closes the cycle
    document = Document(file="/x/serverless.yml", data={"custom": custom})
    resolver = Resolver(root=document, service_dir="/x", boundary="/x")
    resolver.resolve_all()
    assert resolver.diagnostics


def test_no_exponential_blow_up() -> None:
    # each level references the next one twice: 2**60 expansions without memoisation
    custom: dict[str, Any] = {
        f"v{i}": "${self:custom.v" + str(i + 1) + "}-${self:custom.v" + str(i + 1) + "}"
        for i in range(30)
    }
    custom["v30"] = "x"
    document = Document(file="/x/serverless.yml", data={"custom": custom})
    started = time.perf_counter()
    resolved = Resolver(root=document, service_dir="/x", boundary="/x").resolve_all()
    assert time.perf_counter() - started < 1.0
    assert resolved["custom"]["v29"] == "x-x"
    assert isinstance(resolved["custom"]["v0"], Unknown)  # 2**30 copies: refused, not built
