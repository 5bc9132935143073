"""Helpers shared by the CloudTrail LOG rules.

The CloudTrail reader (:mod:`faasguard.logs.cloudtrail`) gives the facts: the management
events, each marked when the deployment pipeline made it, and the pipeline as configured
(``[logs.deployers]``) or learned. What makes a change suspicious stays in each rule; this
module holds the judgement several share, "made outside the pipeline", so that it is
worded and decided in one place. With no deployer known it yields nothing: the run says
"no deployer known" once (a diagnostic) instead of flagging every change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faasguard.logs.cloudtrail import TrailEvent
    from faasguard.logs.facts import LogFacts


def changes_by_unusual_principal(facts: LogFacts) -> Iterator[tuple[TrailEvent, str]]:
    """The changes not made by the pipeline, in time order, each with the pipeline as a
    message names it (``a, b``); nothing when no deployer is known."""
    usual = facts.trail.usual_deployers
    if not usual:
        return
    named = ", ".join(sorted(usual))
    for event in facts.trail.changes:
        if not event.by_pipeline:
            yield event, named


def short_name(event: TrailEvent) -> str:
    """The event name without its API-version suffix (``UpdateFunctionCode20150331v2`` →
    ``UpdateFunctionCode``)."""
    return event.name.rstrip("0123456789v") if event.name[-1:].isdigit() else event.name
