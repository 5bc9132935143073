"""One guarded invocation: trigger check, shape validation, event inspection, the handler
under the timeout budget and the behaviour limits, and the answer per trigger kind."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Mapping
from typing import Any

from faasguard.guard import redact
from faasguard.guard.budget import budget
from faasguard.guard.events import (
    emit,
    request_id,
    safe_path,
    safe_text,
    trigger_kind,
    value_digest,
)
from faasguard.guard.limits import Limits, activate
from faasguard.guard.policy import Policy
from faasguard.guard.responses import (
    BATCH_TRIGGERS,
    HTTP_TRIGGERS,
    GuardBlockedError,
    GuardShapeError,
    GuardTimeoutError,
    failures,
    http_response,
    merge_failures,
    record_index,
    records,
    without_records,
)
from faasguard.guard.shape import compile_validator, documents, problems
from faasguard.guard.shipped import seed_databases
from faasguard.payloads import EventHit, detect, detect_many, detect_trigger, scan_event

Handler = Callable[[Any, Any], Any]
#: At most this many injection events per invocation (the rest are counted in the last).
MAX_EVENTS_PER_INVOCATION = 20
_WARM_UP = "warm up the payload engine"


def warm_up() -> None:
    """Load what the payload engine needs for one value and for a batch of them (an event's
    leaves) now: from the layer's serialized databases when there are some
    (:mod:`faasguard.guard.shipped`), else from the engine's cache, else compiled. The
    layer build runs this too, in an empty cache, to collect what it ships."""
    seed_databases()
    detect(_WARM_UP)
    detect_many([f"{_WARM_UP} {number}" for number in range(32)])  # the batch path too


class _StopError(Exception):
    """Ends screening with an answer (an HTTP response) instead of calling the handler."""

    def __init__(self, response: Any) -> None:
        super().__init__("stop")
        self.response = response


class Guard:
    """A compiled policy, ready to wrap handlers."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        limit_modes = (policy.network, policy.processes, policy.environ, policy.tmp)
        self.limits = Limits(policy) if any(s.mode != "off" for s in limit_modes) else None
        self.validator = compile_validator(policy.shape) if policy.shape.active else None
        if policy.redaction.mode == "block":
            redact.install()
        if policy.inspect.mode != "off":
            # The engine loads its pattern database on first use: do it now, in the
            # function's init (which provisioned concurrency and SnapStart keep), not in the
            # first request. A benign value: the span expressions, compiled at the first
            # detection, are left to the first attack (once, not in every cold start).
            warm_up()
        activate(self.limits)

    def wrap(self, handler: Handler) -> Handler:
        """``handler`` guarded by this policy."""

        @functools.wraps(handler)
        def guarded(event: Any, context: Any) -> Any:
            return self.invoke(handler, event, context)

        guarded.faasguard_guard = self  # type: ignore[attr-defined]
        return guarded

    def invoke(self, handler: Handler, event: Any, context: Any) -> Any:
        """Run ``handler`` on ``event`` under the policy."""
        trigger = detect_trigger(event)
        tokens = (
            request_id.set(str(getattr(context, "aws_request_id", "") or "")),
            trigger_kind.set(trigger),
        )
        activate(self.limits)  # this handler's policy is the one in force
        try:
            return self._invoke(handler, event, context, trigger)
        finally:
            if self.limits is not None and self.limits.tmp_written:
                # after the fact: reported, never failing an invocation that is over
                self.limits.check_tmp(self.limits.tmp_root, after=True)
            trigger_kind.reset(tokens[1])
            request_id.reset(tokens[0])

    def _invoke(self, handler: Handler, event: Any, context: Any, trigger: str) -> Any:
        if self.policy.triggers and trigger not in self.policy.triggers:
            expected = ", ".join(self.policy.triggers)
            emit("trigger", "monitored", f"{trigger} event, expected {expected}", expected=expected)
        held: set[int] = set()
        # The guard's own work allocates short-lived objects only (freed by reference
        # counting): the cyclic collector is off during it, as in the engine's scan, so a
        # collection it would set off does not land on the guard's time (the handler runs
        # with it back on, if it was on).
        collecting = gc.isenabled()
        gc.disable()
        try:
            if self.validator is not None:
                held |= self._shape(event, trigger)
            if self.policy.inspect.mode != "off":
                held |= self._inspect(event, trigger)
        except _StopError as stop:
            return stop.response
        finally:
            if collecting:
                gc.enable()
        batch = trigger in BATCH_TRIGGERS and bool(held)
        if batch and len(held) == len(records(event)):
            return {"batchItemFailures": failures(trigger, event, held)}
        given = without_records(event, held) if batch else event
        try:
            with budget(self.policy.timeout, context):
                result = handler(given, context)
        except GuardTimeoutError:
            if trigger in HTTP_TRIGGERS:
                return http_response(trigger, event, 503, {"reason": "timeout budget"})
            if trigger in BATCH_TRIGGERS:
                every = range(len(records(event)))
                return {"batchItemFailures": failures(trigger, event, every)}
            raise
        return merge_failures(result, failures(trigger, event, held)) if batch else result

    # -- shape ---------------------------------------------------------------------------
    def _shape(self, event: Any, trigger: str) -> set[int]:
        assert self.validator is not None
        mode = self.policy.shape.mode
        action = "blocked" if mode == "block" else "monitored"
        held: set[int] = set()
        for index, document in documents(event, trigger, self.policy.shape.target):
            found = problems(self.validator, document)
            if not found:
                continue
            where = "event" if index is None else f"record {index}"
            shown = [{"path": safe_path(p["path"]), "error": safe_text(p["error"])} for p in found]
            first = f"{shown[0]['path']} {shown[0]['error']}"
            emit("shape", action, f"{where}: {first}", problems=shown)
            if mode != "block":
                continue
            if trigger in HTTP_TRIGGERS:
                raise _StopError(http_response(trigger, event, 400, {"errors": found}))
            if trigger in BATCH_TRIGGERS and index is not None:
                held.add(index)
                continue
            raise GuardShapeError(f"event shape: {where}: {found[0]['path']} {found[0]['error']}")
        return held

    # -- inspection ----------------------------------------------------------------------
    def _inspect(self, event: Any, trigger: str) -> set[int]:
        hits = self._relevant(scan_event(event, trigger))
        if not hits:
            return set()
        mode = self.policy.inspect.mode
        action = "blocked" if mode == "block" else "monitored"
        by_path: dict[str, list[EventHit]] = {}
        for hit in hits:
            by_path.setdefault(hit.path, []).append(hit)
        for number, (path, group) in enumerate(by_path.items()):
            if number == MAX_EVENTS_PER_INVOCATION:
                emit("injection", action, f"{len(by_path) - number} more value(s) not listed")
                break
            classes = sorted({hit.detection.cls for hit in group})
            shown = safe_path(path)
            emit(
                "injection",
                action,
                f"{'/'.join(classes)} at {shown} ({trigger})",
                classes=classes,
                path=shown,
                confidence=max(hit.detection.confidence for hit in group),
                value_sha256=value_digest(group[0].value),
                length=len(group[0].value),
            )
        if mode != "block":
            return set()
        if trigger in HTTP_TRIGGERS:
            raise _StopError(
                http_response(trigger, _mapping(event), 403, {"reason": "request blocked"})
            )
        indices = {record_index(path) for path in by_path}
        if trigger in BATCH_TRIGGERS and None not in indices:
            return {index for index in indices if index is not None}
        raise GuardBlockedError(
            f"event blocked: {', '.join(sorted({h.detection.cls for h in hits}))} payload"
        )

    def _relevant(self, hits: list[EventHit]) -> list[EventHit]:
        inspect = self.policy.inspect
        return [
            hit
            for hit in hits
            if hit.detection.confidence >= inspect.min_confidence
            and (not inspect.classes or hit.detection.cls in inspect.classes)
            and not any(_under(hit.path, ignored) for ignored in inspect.ignore_paths)
        ]


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "[", prefix + "<"))


def _mapping(event: Any) -> Mapping[str, Any]:
    return event if isinstance(event, Mapping) else {}
