"""Helpers shared by the CloudTrail LOG rules.

The CloudTrail reader (:mod:`faasguard.logs.cloudtrail`) gives the facts: the successful
management events and the usual deployers. What makes a change suspicious stays in each
rule; this module only holds the judgement two of them share, "made by someone who is not
a usual deployer", so that it is worded and decided in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faasguard.logs.cloudtrail import TrailEvent
    from faasguard.logs.facts import LogFacts


def changes_by_unusual_principal(facts: LogFacts) -> Iterator[tuple[TrailEvent, str]]:
    """The changes whose principal is not a usual deployer, in time order, each with the
    usual deployers as a message names them (``a, b``, or ``none seen``)."""
    usual = facts.trail.usual_deployers
    named = ", ".join(sorted(usual)) or "none seen"
    for event in facts.trail.changes:
        if event.principal not in usual:
            yield event, named
