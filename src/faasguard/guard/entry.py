"""The handler the Lambda layer's exec wrapper puts in place of the function's own.

``/opt/faasguard-guard`` (the ``AWS_LAMBDA_EXEC_WRAPPER`` script) moves the configured
handler (``_HANDLER``, or the runtime's handler argument) to ``FAASGUARD_ORIGINAL_HANDLER``
and points the runtime at ``faasguard.guard.entry.handler``. Importing this module imports
the original handler the way the runtime would (``dir/module.function`` from the task
root) and wraps it with the policy in ``FAASGUARD_POLICY`` (a path; default
``$LAMBDA_TASK_ROOT/faasguard-guard.toml`` when it exists, else the ``@guard()`` defaults).
A bad policy or a missing handler fails the init: the function never runs unguarded.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from faasguard.guard import guard

POLICY_FILE = "faasguard-guard.toml"


class GuardSetupError(Exception):
    """The exec wrapper's settings cannot be used (no original handler, bad handler name)."""


def original_handler(spec: str, task_root: str) -> Any:
    """The function ``spec`` (``dir/module.function``) names, imported from ``task_root``."""
    module_path, _, function = spec.rpartition(".")
    if not module_path or not function:
        raise GuardSetupError(f"bad handler '{spec}': expected module.function")
    if task_root and task_root not in sys.path:
        sys.path.insert(0, task_root)
    module = importlib.import_module(module_path.replace("/", "."))
    try:
        return getattr(module, function)
    except AttributeError:
        raise GuardSetupError(f"handler '{function}' missing in module '{module_path}'") from None


def policy_path(environ: Any = os.environ) -> str | None:
    """The policy file to use, if any."""
    explicit = environ.get("FAASGUARD_POLICY")
    if explicit:
        return str(explicit)
    default = os.path.join(environ.get("LAMBDA_TASK_ROOT", os.getcwd()), POLICY_FILE)
    return default if os.path.isfile(default) else None


def _build() -> Any:
    spec = os.environ.get("FAASGUARD_ORIGINAL_HANDLER", "")
    if not spec:
        raise GuardSetupError(
            "FAASGUARD_ORIGINAL_HANDLER is not set: use faasguard.guard.entry.handler through "
            "the layer's AWS_LAMBDA_EXEC_WRAPPER=/opt/faasguard-guard"
        )
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    return guard(policy_path())(original_handler(spec, task_root))


handler = _build()
