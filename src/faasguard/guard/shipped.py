"""What the guard's Lambda layer ships beside the code: the payload engine's Hyperscan
database, serialized by ``faasguard guard layer build`` (:mod:`faasguard.guard.layer`), so
that a cold start loads it (a few ms) instead of compiling it (~2 CPU s): ``/tmp``, where
the engine caches what it compiled, is empty at every cold start."""

from __future__ import annotations

import os

import faasguard

#: Folder of the serialized databases, next to ``faasguard`` on the layer's path
#: (``/opt/python/faasguard-databases``).
DATABASES = "faasguard-databases"


def seed_databases() -> None:
    """Link the serialized databases shipped in the layer into the payload engine's cache,
    where it looks first. Outside a layer (one ``stat``), or when the cache cannot be
    written, nothing happens and the engine compiles as it would."""
    shipped = os.path.join(os.path.dirname(os.path.dirname(faasguard.__file__)), DATABASES)
    if not os.path.isdir(shipped):
        return
    from faasguard.payloads.engine import cache_dir  # noqa: PLC0415 - the guard's next step

    cache = cache_dir()
    for name in sorted(os.listdir(shipped)):
        if not (name.startswith("hs-") and name.endswith(".db")):
            continue
        link = cache / name
        try:
            if not link.exists():
                cache.mkdir(parents=True, exist_ok=True)
                link.unlink(missing_ok=True)  # a dangling link left by an older layer
                link.symlink_to(os.path.join(shipped, name))
        except OSError:
            continue
