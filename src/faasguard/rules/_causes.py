"""One finding per cause for settings every function should have.

When several functions of an app lack a setting and none sets it itself, the cause is one:
the app-wide default that is missing (SAM ``Globals.Function``, Serverless ``provider``,
else the first function). The rules collect their per-function hits for "not set" and hand
them to :func:`one_per_cause`; a function that sets a wrong value itself is its own cause
and keeps its own hit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from faasguard.findings import FlowStep, Hit
from faasguard.model import App, Function

#: Where an app-wide default is written, by app format.
DEFAULTS_SECTION = {"sam": "Globals.Function", "serverless": "provider"}


@dataclass(frozen=True, slots=True)
class Missing:
    """A function that lacks the setting, and the hit it gets when it is the only one."""

    function: Function
    hit: Hit


def one_per_cause(app: App, missing: Sequence[Missing], problem: str, fix: str) -> Iterator[Hit]:
    """The hits for the functions in ``missing``: unchanged for a single function, else one
    hit at the app's defaults section (or the first function) saying that ``len(missing)``
    functions ``problem`` and naming them; ``fix`` is how to repair it. The functions are
    listed in ``properties["functions"]`` and their declarations are related locations."""
    if len(missing) < 2:
        yield from (m.hit for m in missing)
        return
    functions = [m.function for m in missing]
    section = DEFAULTS_SECTION.get(app.format)
    where = app.defaults_location if section is not None else None
    names = ", ".join(fn.display_name for fn in functions)
    yield Hit(
        message=f"{len(functions)} functions {problem}: {names}; {fix}",
        location=where if where is not None else functions[0].location,
        function=functions[0].ref,
        properties={"functions": [fn.ref for fn in functions]},
        related=tuple(
            FlowStep(location=fn.location, message=f"function {fn.display_name}")
            for fn in (functions if where is not None else functions[1:])
        ),
    )
