"""The timeout budget: abort an invocation cleanly ``margin_ms`` before its deadline.

A ``SIGALRM`` timer (:func:`signal.setitimer`) set from the context's remaining time raises
:class:`~faasguard.guard.responses.GuardTimeoutError` in the handler, so the guard can answer
(503 for HTTP, every record back to its queue for batches, a typed error otherwise) and log a
structured event, instead of Lambda killing the process at its timeout with nothing but
``Task timed out``. Signals reach only the main thread, where the runtime calls the handler;
elsewhere the budget cannot interrupt and only reports when the margin was crossed. A handler
that catches every exception (``except Exception: pass``) can swallow the abort.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

from faasguard.guard.events import emit
from faasguard.guard.policy import Timeout
from faasguard.guard.responses import GuardTimeoutError


def remaining_ms(context: Any) -> int | None:
    """The invocation's remaining time, when the context tells it."""
    get = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(get):
        return None
    try:
        return int(get())
    except (TypeError, ValueError):
        return None


@contextlib.contextmanager
def budget(timeout: Timeout, context: Any) -> Iterator[None]:
    """Run the body under the timeout budget of ``timeout`` for this invocation."""
    remaining = remaining_ms(context)
    if timeout.mode == "off" or remaining is None:
        yield
        return
    delay = (remaining - timeout.margin_ms) / 1000
    main = threading.current_thread() is threading.main_thread()
    if not main or timeout.mode == "monitor":
        started = time.monotonic()
        yield
        if time.monotonic() - started > delay:
            _report(timeout, remaining, "monitored")
        return
    if delay <= 0:
        _report(timeout, remaining, "blocked")
        raise GuardTimeoutError(f"aborted: {remaining} ms left, margin {timeout.margin_ms} ms")

    def on_alarm(signum: int, frame: Any) -> None:
        _report(timeout, remaining, "blocked")
        raise GuardTimeoutError(
            f"aborted {timeout.margin_ms} ms before the deadline ({remaining} ms budget)"
        )

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, delay)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _report(timeout: Timeout, remaining: int, action: str) -> None:
    emit(
        "timeout",
        action,
        f"{timeout.margin_ms} ms before the deadline of a {remaining} ms invocation",
        margin_ms=timeout.margin_ms,
        remaining_ms=remaining,
    )
