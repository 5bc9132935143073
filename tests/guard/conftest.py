"""Guard tests: capture security events, and leave no behaviour limit in force after a test
(audit hooks stay installed for the process; with no limits active they check nothing)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from faasguard.guard import events, limits


class Events:
    """The security events written during a test."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def all(self) -> list[dict[str, Any]]:
        """Every event, parsed (each must be one JSON line)."""
        return [json.loads(line) for line in self.buffer.getvalue().splitlines()]

    def kinds(self) -> list[tuple[str, str]]:
        """``(event, action)`` of every event."""
        return [(e["faasguard"]["event"], e["faasguard"]["action"]) for e in self.all()]


@pytest.fixture
def security_events() -> Iterator[Events]:
    captured = Events()
    events.stream = captured.buffer
    events.reset_seen()
    try:
        yield captured
    finally:
        events.stream = None
        limits.activate(None)
        events.reset_seen()


@pytest.fixture(autouse=True)
def _no_limits_left() -> Iterator[None]:
    yield
    limits.activate(None)
