"""The runtime guard for Python Lambda handlers (practice P2: inspect every event, not
only what a WAF sees).

```python
from faasguard.guard import guard

@guard(policy="guard.toml")          # or @guard() for the defaults, or keyword arguments
def handler(event, context): ...
```

``@guard()`` alone inspects every event with the payload engine
(:mod:`faasguard.payloads`) in ``block`` mode and runs the behaviour limits in ``monitor``
mode. The same guard applies without code changes through the Lambda layer built by
``faasguard guard layer build`` (:mod:`faasguard.guard.entry`, ``AWS_LAMBDA_EXEC_WRAPPER``).

This package runs inside Lambda: it imports only the standard library,
:mod:`faasguard.payloads` and :mod:`faasguard.secrets` (and, lazily, fastjsonschema or
pydantic for shape validation and detect-secrets for redaction). A test and the import
contract keep it so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from faasguard.guard.policy import Policy, PolicyError, load_policy
from faasguard.guard.responses import (
    GuardBlockedError,
    GuardError,
    GuardShapeError,
    GuardTimeoutError,
    GuardViolationError,
)

__all__ = [
    "GuardBlockedError",
    "GuardError",
    "GuardShapeError",
    "GuardTimeoutError",
    "GuardViolationError",
    "Policy",
    "PolicyError",
    "guard",
    "load_policy",
]

Handler = Callable[[Any, Any], Any]


def guard(
    policy: str | os.PathLike[str] | Mapping[str, Any] | Policy | Handler | None = None,
    **overrides: Any,
) -> Any:
    """Decorate a Lambda handler with the runtime guard.

    ``policy`` is a TOML/JSON file, a mapping or a :class:`Policy`; keyword arguments
    (``inspect="monitor"``, ``network={"mode": "block", "allow": [...]}``,
    ``shape={"model": Order}``, ``triggers=["sqs"]``...) override it. ``@guard`` without
    parentheses is ``@guard()``. A bad policy raises :class:`PolicyError` at import time,
    so a misconfigured function fails its init instead of running unguarded.
    """
    from faasguard.guard.runtime import Guard  # noqa: PLC0415 - start-up speed: the engine

    if callable(policy) and not isinstance(policy, (Mapping, Policy, str, os.PathLike)):
        return Guard(load_policy(None, **overrides)).wrap(policy)
    compiled = Guard(load_policy(policy, **overrides))
    return compiled.wrap
