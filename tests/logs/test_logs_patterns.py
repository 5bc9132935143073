"""The multi-pattern matcher: Hyperscan and the re fallback give identical results."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faasguard.logs.generator import INJECTIONS, SECRETS
from faasguard.logs.patterns import Matcher, hyperscan_available, patterns, redact

needs_hyperscan = pytest.mark.skipif(not hyperscan_available(), reason="no hyperscan wheel")

SAMPLES = (
    [p for _, p in INJECTIONS]
    + [f"token={s}" for _, s in SECRETS]
    + [
        "GET /products?page=2",
        "select * from t",
        "../x",
        "a ${jndi:ldap://h/a}",
        "",
        '{"password": "hunter22"}',
        "UNION  ALL SELECT 1",
        "..\\..\\windows",
    ]
)


def _pairs(matcher: Matcher, messages: list[str | None]) -> set[tuple[int, str]]:
    rows, ids = matcher.scan(pa.array(messages, pa.string()))
    return {(int(r), matcher.patterns[int(i)].id) for r, i in zip(rows, ids, strict=True)}


def test_every_category_is_found() -> None:
    found = _pairs(Matcher(backend="re"), list(SAMPLES))
    categories = {p.category for p in patterns() if p.id in {pid for _, pid in found}}
    assert {c for c, _ in SECRETS} <= categories
    # injections: the payload gate keeps every sample line (the engine classifies them)
    kinds = {p.id: p.kind for p in patterns()}
    picked = {row for row, pid in found if kinds[pid] == "injection"}
    assert set(range(len(INJECTIONS))) <= picked
    assert len(INJECTIONS) + len(SECRETS) not in picked  # benign GET


@needs_hyperscan
def test_backends_agree_on_samples() -> None:
    messages: list[str | None] = [*SAMPLES, None, "x" * 5000 + "169.254.169.254"]
    assert _pairs(Matcher(backend="hyperscan"), messages) == _pairs(Matcher(backend="re"), messages)


@needs_hyperscan
@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(SAMPLES), st.text(max_size=60)).map(
            lambda s: s.replace("\n", " ")
        ),
        max_size=12,
    )
)
def test_backends_agree_on_random_mixes(messages: list[str]) -> None:
    mixed = [a + b for a, b in zip(messages, reversed(messages), strict=True)]
    assert _pairs(Matcher(backend="hyperscan"), list(mixed)) == _pairs(
        Matcher(backend="re"), list(mixed)
    )


def test_redaction_keeps_nothing_of_a_secret() -> None:
    text = redact("key AKIAIOSFODNN7EXAMPLQ and -----BEGIN RSA PRIVATE KEY-----MIIE")
    assert text == "key [redacted aws-access-key] and [redacted private key]"
    assert "PRIVATE KEY" not in text
