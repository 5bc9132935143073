"""The embedded engine: a process per core, each folding whole files into a partial state.

Sources are dealt largest first to the worker pool (``fork`` on POSIX, so the compiled
pattern database and imports are inherited); each task returns its pickled
:class:`~faasguard.logs.detectors.PartialState` (kilobytes, not the parsed rows), which the
parent merges. Memory per worker is bounded by the block size and the state size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from faasguard.logs.detectors import PartialState
from faasguard.logs.engines import ProgressCallback
from faasguard.logs.ingest import Source
from faasguard.logs.pipeline import Options, process_source, warm_up

#: Below this much (decompressed) input, forking workers costs more than it saves.
_PARALLEL_MIN_BYTES = 16 * 1024 * 1024


def _process_group(group: Sequence[Source], options: Options) -> PartialState:
    state = PartialState()
    for source in group:
        state.merge(process_source(source, options))
    return state


class EmbeddedEngine:
    """Local multi-process engine (the default)."""

    name = "embedded"

    def __init__(self, jobs: int = 0) -> None:
        self.jobs = jobs or (os.cpu_count() or 1)

    def run(
        self,
        sources: Sequence[Source],
        options: Options,
        progress: ProgressCallback | None = None,
    ) -> PartialState:
        """Process every source, in parallel when the input is large enough to pay for it."""
        sizes = {s.path: work_size(s.path) for s in sources}
        ordered = sorted(sources, key=lambda s: -sizes[s.path])
        total = len(ordered)
        state = PartialState()
        if self.jobs <= 1 or total < 2 or sum(sizes.values()) < _PARALLEL_MIN_BYTES:
            for done, source in enumerate(ordered, 1):
                state.merge(process_source(source, options))
                if progress:
                    progress(done, total)
            return state
        # Groups of a few files keep task overhead low while still balancing the load.
        groups: list[list[Source]] = [[] for _ in range(min(total, self.jobs * 8))]
        loads = [0] * len(groups)
        for source in ordered:
            target = loads.index(min(loads))
            groups[target].append(source)
            loads[target] += sizes[source.path]
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        if context.get_start_method() == "fork":
            warm_up(options)
        done = 0
        with ProcessPoolExecutor(max_workers=self.jobs, mp_context=context) as pool:
            futures = {pool.submit(_process_group, g, options): len(g) for g in groups if g}
            for future in as_completed(futures):
                state.merge(future.result())
                done += futures[future]
                if progress:
                    progress(done, total)
        return state


def work_size(path: str) -> int:
    """The work a file represents: its decompressed size when it is gzip.

    Generated and exported logs inflate about 8x, so on-disk sizes would keep a 100 MB input
    on one core and balance the workers badly. The gzip trailer's ISIZE (uncompressed size
    of the last member, modulo 4 GiB) gives the size without inflating anything.
    """
    try:
        size = os.path.getsize(path)
        if size < 18:
            return size
        with open(path, "rb") as handle:
            if handle.read(2) != b"\x1f\x8b":
                return size
            handle.seek(-4, os.SEEK_END)
            return max(size, int.from_bytes(handle.read(4), "little"))
    except OSError:
        return 0
