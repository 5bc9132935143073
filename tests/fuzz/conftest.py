"""The fuzzing suite (issue 16): hypothesis profiles, a write sandbox and a hard time limit.

Profiles (registered here, chosen with ``FAASGUARD_FUZZ``; only the fuzz targets use them):

- ``ci`` (the default): a fixed, small number of examples per target, derandomized, no
  example database, so every CI run tries the same inputs and the suite takes a couple of
  minutes on two cores.
- ``nightly``: many more examples from a random seed, for a long run that looks for new
  bugs (``FAASGUARD_FUZZ=nightly pytest tests/fuzz``; add ``--hypothesis-seed=N`` to
  replay a run, its seed is printed with any failure).

The properties every target checks:

- no exception escapes except the documented ones (``LoadError``, ``StoreError``, a
  diagnostic or an :class:`~faasguard.model.Unknown` in the result);
- bounded time: a hypothesis ``deadline`` per example, and a hard ``time_limit`` that
  interrupts an infinite loop (a deadline only measures an example that finished);
- nothing written outside the example's own temporary directory (``sandbox``, which
  watches every ``open`` for writing, rename, removal, ``mkdir`` and SQLite connection with
  an audit hook).

The helpers (sandbox, time limit, corpus sample, hostile strings) are in
``fuzz_support.py`` next to this file.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, Phase, settings

#: Environment variable that selects the profile.
PROFILE_VARIABLE = "FAASGUARD_FUZZ"

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=10),
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
    # No shrinking budget beyond the default; "explain" costs time and CI only needs the
    # failing example (it is printed, and reproducible because the run is derandomized).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
settings.register_profile(
    "nightly",
    max_examples=2_000,
    derandomize=False,
    database=None,
    deadline=timedelta(seconds=10),
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
)

#: The profile of this run. It is not loaded globally, so the rest of the test suite keeps its
#: own settings; every fuzz target takes it through ``fuzz_support.fuzz_settings``.
PROFILE = os.environ.get(PROFILE_VARIABLE, "ci")
settings.get_profile(PROFILE)  # an unknown name fails the collection here, saying so
