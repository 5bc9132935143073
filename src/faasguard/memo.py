"""A per-app memo shared by the rules of one scan.

Rules are pure functions of the model, but several of them derive the same expensive facts
from it (the handler file of a function, the dependency audit of its code). The engine opens
a fresh memo for each app it checks (:func:`memo_scope`); helpers store such facts in
:func:`memo` under a key of their own. Outside a scope, :func:`memo` returns a throwaway
dict, so nothing is shared and nothing goes stale between scans.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_MEMO: contextvars.ContextVar[dict[object, object] | None] = contextvars.ContextVar(
    "faasguard_app_memo", default=None
)


def memo() -> dict[object, object]:
    """The memo of the app being checked (a new empty dict outside :func:`memo_scope`)."""
    current = _MEMO.get()
    return current if current is not None else {}


@contextlib.contextmanager
def memo_scope() -> Iterator[dict[object, object]]:
    """Open a fresh memo for the block (one app's rules)."""
    token = _MEMO.set({})
    try:
        yield _MEMO.get() or {}
    finally:
        _MEMO.reset(token)
