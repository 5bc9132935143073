"""The embedded engine: a process per core, each folding whole files into a partial state.

Sources are dealt largest first to the worker pool (``fork`` on POSIX, so the compiled
pattern database and imports are inherited), in tasks that shrink as the work runs out;
each task returns its pickled :class:`~faasguard.logs.detectors.PartialState` (kilobytes,
not the parsed rows), which the parent merges in task order, so the result does not depend
on which worker finishes first. Memory per worker is bounded by the block size and the
state size.
"""

from __future__ import annotations

import ctypes
import importlib.abc
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib.machinery import ModuleSpec
from types import ModuleType

import pyarrow as pa

from faasguard.logs.detectors import PartialState
from faasguard.logs.engines import ProgressCallback
from faasguard.logs.ingest import Source, open_log
from faasguard.logs.pipeline import Options, process_source, warm_up

#: Below this much (decompressed) input, forking workers costs more than it saves.
_PARALLEL_MIN_BYTES = 16 * 1024 * 1024
#: The smallest task worth its overhead (a pickled state and a merge, about a millisecond).
_MIN_TASK_BYTES = 4 * 1024 * 1024


class _NoPandas(importlib.abc.MetaPathFinder):
    """An import finder under which ``import pandas`` fails."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """Refuse pandas; leave every other module to the next finders."""
        if fullname == "pandas":
            raise ModuleNotFoundError("pandas is not used by log workers", name=fullname)
        return None


def skip_pandas() -> None:
    """Settle, in this worker process, that pyarrow goes without pandas (pool initializer).

    pyarrow probes for pandas on its first conversion from numpy or Python values
    (``pa.array``, ``to_numpy``, a Python scalar argument) and imports it when it is
    installed: ~0.17 s per process for a library no worker uses. With pandas hidden during
    that one probe, the probe fails and pyarrow does not look again in this process; an
    explicit pandas conversion (``to_pandas``) would still import it (pyarrow retries then).
    Nothing changes when pandas is already loaded, and a failure here costs only the time.
    """
    if "pandas" in sys.modules:
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.scalar(0)
    except Exception:
        pass
    finally:
        sys.meta_path.remove(finder)


#: glibc ``mallopt`` parameters (malloc.h) and the values the workers run with.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's ceiling on 64-bit
_TRIM_THRESHOLD = 256 * 1024 * 1024


def tune_malloc() -> bool:
    """Keep this worker's freed memory for reuse instead of unmapping it (glibc only).

    Every batch allocates and frees the same few-hundred-kilobyte to megabyte arrays. By
    default glibc serves those by ``mmap`` and returns them to the system on ``free``, so
    each batch page-faults its arrays in again: about a tenth of all CPU time went to the
    kernel. Serving them from the heap (up to 32 MiB) and trimming the heap only beyond
    256 MiB free cuts that system time by two thirds; memory stays bounded by the worker's
    own peak. False (and no change) where there is no glibc ``mallopt``.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own symbols: libc's on Linux
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # The mmap threshold first: setting the trim threshold alone turns off glibc's own
    # adjustment of it, which is worse than the default.
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )


def _worker_start() -> None:
    """Pool initializer: allocator settings and no pandas, for this worker only."""
    tune_malloc()
    skip_pandas()


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
        #: Called in the parent once the workers are forked, while they work: what the
        #: parent needs afterwards (imports for alerts and the report) is then loaded on
        #: time it would spend waiting instead of after the last worker is done.
        self.while_waiting: Callable[[], None] | None = None

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
            # In this process: pyarrow's pandas probe would import pandas (~0.3 s) for a
            # small input or --jobs 1 as it would in a worker.
            skip_pandas()
            for done, source in enumerate(ordered, 1):
                state.merge(process_source(source, options))
                if progress:
                    progress(done, total)
            if self.while_waiting is not None:
                self.while_waiting()
            return state
        groups = _guided_groups(ordered, sizes, self.jobs)
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        if context.get_start_method() == "fork":
            warm_up(options)
        done = 0
        finished: dict[int, PartialState] = {}
        merged = 0
        with ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=context, initializer=_worker_start
        ) as pool:
            # With fork, the pool starts every worker at the first submit: the parent may
            # import freely afterwards without a fork copying a half-held import lock.
            futures = {pool.submit(_process_group, g, options): i for i, g in enumerate(groups)}
            if self.while_waiting is not None:
                self.while_waiting()
            for future in as_completed(futures):
                index = futures[future]
                finished[index] = future.result()
                # Merged in task order, whichever finishes first: evidence lists keep the
                # first lines in that order, so the result is the serial one, every run.
                while merged in finished:
                    state.merge(finished.pop(merged))
                    merged += 1
                done += len(groups[index])
                if progress:
                    progress(done, total)
        return state


def _guided_groups(
    ordered: Sequence[Source], sizes: dict[str, int], jobs: int
) -> list[list[Source]]:
    """Consecutive runs of the largest-first sources, each about ``1 / (2 x jobs)`` of the
    work still left (guided self-scheduling): big tasks first, then ever smaller ones, so
    the workers run out of work within a small task of each other, for a few dozen tasks
    (each costs a pickled state, ~1 ms). Consecutive runs merged in order give the serial
    fold's result."""
    left = sum(sizes[s.path] for s in ordered)
    groups: list[list[Source]] = []
    current: list[Source] = []
    load = 0
    for source in ordered:
        current.append(source)
        load += sizes[source.path]
        if load >= max(left / (2 * jobs), _MIN_TASK_BYTES):
            groups.append(current)
            left -= load
            current, load = [], 0
    if current:
        groups.append(current)
    return groups


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
        with open_log(path) as handle:
            if handle.read(2) != b"\x1f\x8b":
                return size
            handle.seek(-4, os.SEEK_END)
            return max(size, int.from_bytes(handle.read(4), "little"))
    except OSError:
        return 0
