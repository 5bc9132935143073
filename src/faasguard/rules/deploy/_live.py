"""What the drift rules share: the deployed functions of an audited account with the
template declaration and the manifest pin of each."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from faasguard.manifest.config import differences, function_config
from faasguard.model import App, Function, LiveFunction, LiveState, PinnedFunction


@dataclass(frozen=True, slots=True)
class Deployed:
    """A deployed function: its live identity, its model, and what the manifest pins."""

    live: LiveFunction
    function: Function
    pin: PinnedFunction | None

    def config(self, app: App) -> dict[str, Any]:
        """Its configuration in the manifest's form (:mod:`faasguard.manifest.config`)."""
        return function_config(app, self.function)


def deployed(app: App) -> Iterator[tuple[LiveState, Deployed]]:
    """Every deployed function of a live app (nothing for an app loaded from a template)."""
    state = app.live
    if state is None:
        return
    for live in state.functions:
        function = app.function(live.name)
        if function is not None:
            yield state, Deployed(live, function, state.pin(live.name))


def pinned(app: App) -> Iterator[tuple[Deployed, PinnedFunction]]:
    """Every deployed function the manifest pins, with its pin."""
    for _, item in deployed(app):
        if item.pin is not None:
            yield item, item.pin


def drift(
    app: App, fields: Collection[str]
) -> Iterator[tuple[Deployed, PinnedFunction, list[tuple[str, str]]]]:
    """Every pinned deployed function whose ``fields`` differ from the manifest, with the
    (field, what differs) pairs."""
    for item, pin in pinned(app):
        changes = [
            (name, change)
            for name, change in differences(pin.config, item.config(app))
            if name in fields
        ]
        if changes:
            yield item, pin, changes
