"""Engines run :func:`faasguard.logs.pipeline.process_source` over sources and merge states.

An engine only distributes work: parsing and detectors are shared code. ``embedded`` (the
default) uses a process per core; a Spark engine plugs in behind the same :class:`Engine`
protocol by running ``process_source`` inside ``mapInArrow``/``mapInPandas`` over a
DataFrame of source paths and merging the pickled states on the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from faasguard.logs.detectors import PartialState
from faasguard.logs.ingest import Source
from faasguard.logs.pipeline import Options

ProgressCallback = Callable[[int, int], None]


class Engine(Protocol):
    """Runs the per-source pipeline over every source and returns the merged state."""

    name: str

    def run(
        self,
        sources: Sequence[Source],
        options: Options,
        progress: ProgressCallback | None = None,
    ) -> PartialState:
        """Process every source; bad input becomes diagnostics in the returned state."""
        ...


def get_engine(name: str, *, jobs: int = 0, master: str | None = None) -> Engine:
    """The engine called ``name`` (``embedded`` or ``spark``); ``ValueError`` for others.

    ``master`` is the Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``);
    ``None`` lets ``spark-submit`` or the environment choose.
    """
    if name == "embedded":
        from faasguard.logs.engines.embedded import EmbeddedEngine  # noqa: PLC0415 - loaded on first use (start-up speed)

        return EmbeddedEngine(jobs=jobs)
    if name == "spark":
        from faasguard.logs.engines.spark import SparkEngine  # noqa: PLC0415 - loaded on first use (start-up speed)

        return SparkEngine(master)
    raise ValueError(f"unknown engine '{name}' (available: embedded, spark)")
