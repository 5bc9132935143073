"""The rule decorator: metadata it records, including a rule's thresholds."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from faasguard.docs import render_rule_markdown
from faasguard.findings import Hit, Practice, Severity
from faasguard.model import App
from faasguard.rules import base
from faasguard.rules.base import ThresholdValue, rule, thresholds


@pytest.fixture(autouse=True)
def _private_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rules registered here must not leak into the catalog of the other tests.
    monkeypatch.setattr(base, "_REGISTRY", {})


def _register(limits: Mapping[str, ThresholdValue] | None = None) -> base.Rule:
    def check(app: App) -> Iterator[Hit]:
        return iter(())

    decorate = rule(
        id="CONF999",
        name="test-rule",
        severity=Severity.LOW,
        practice=Practice.P7,
        **({} if limits is None else {"thresholds": limits}),
    )
    decorate(check)
    return base._REGISTRY["CONF999"]


def test_a_rule_without_thresholds_has_an_empty_mapping_and_no_section() -> None:
    registered = _register()
    assert dict(registered.thresholds) == {}
    assert "## Thresholds" not in render_rule_markdown(registered)


def test_thresholds_are_read_only_and_rendered_once() -> None:
    limits = {"max_timeout_seconds": 900, "ratio": 0.5, "unit": "MB"}
    registered = _register(limits)
    limits["max_timeout_seconds"] = 1  # the rule keeps its own copy
    assert registered.thresholds == {"max_timeout_seconds": 900, "ratio": 0.5, "unit": "MB"}
    with pytest.raises(TypeError):
        registered.thresholds["ratio"] = 1  # type: ignore[index]
    page = render_rule_markdown(registered)
    assert page.count("## Thresholds") == 1
    assert "| `max_timeout_seconds` | 900 |" in page
    assert "| `ratio` | 0.5 |" in page and "| `unit` | MB |" in page
    assert page.index("## What it finds") < page.index("## Thresholds") < page.index("## Why")


def test_threshold_names_must_be_snake_case() -> None:
    with pytest.raises(ValueError, match="snake_case"):
        thresholds(**{"Max-Seconds": 1})
    with pytest.raises(ValueError, match="snake_case"):
        _register({"maxSeconds": 1})


def test_thresholds_helper_returns_a_read_only_mapping() -> None:
    limits = thresholds(max_mb=10240)
    assert limits["max_mb"] == 10240
    with pytest.raises(TypeError):
        limits["max_mb"] = 1  # type: ignore[index]
