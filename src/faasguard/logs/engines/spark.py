"""The Spark engine: the shared per-source pipeline inside ``mapInArrow``, merged on the driver.

Sources become rows of a small DataFrame (``index``, ``path``, ``container``, ``function``),
sliced into contiguous partitions. Each partition runs
:func:`~faasguard.logs.pipeline.process_source` (the very parser and detector fold the
embedded engine runs) over its rows and emits one
row per run of consecutive indices: the first index and the pickled
:class:`~faasguard.logs.detectors.PartialState` (kilobytes, never the parsed rows). The driver
sorts those rows by index and folds them with :meth:`PartialState.merge`, so the merged state
is the one the embedded engine builds when it folds the same sources one by one (largest
first), and the alerts are the same, evidence order included.

Paths must be readable under the same name on every executor: any path on the driver's
machine in ``local[N]`` mode; a shared file system (``/dbfs/...`` on Databricks, an NFS or
EFS mount, mountpoint-s3) on a cluster.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from faasguard.logs.detectors import PartialState
from faasguard.logs.engines import ProgressCallback
from faasguard.logs.engines.embedded import work_size
from faasguard.logs.ingest import Source
from faasguard.logs.pipeline import Options, process_source

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_INPUT_SCHEMA = "index long, path string, container string, function string"
_OUTPUT_SCHEMA = "index long, sources long, state binary"


class SparkUnavailableError(RuntimeError):
    """PySpark or Java is missing: the Spark engine cannot start."""


def _partition_states(options: Options) -> Any:
    """The ``mapInArrow`` function: fold each run of consecutive sources into one state."""

    def fold(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        rows: list[dict[str, Any]] = []
        for batch in batches:
            rows.extend(batch.to_pylist())
        rows.sort(key=lambda r: int(r["index"]))
        runs: list[tuple[int, int, PartialState]] = []
        for row in rows:
            source = Source(str(row["path"]), str(row["container"]), row["function"])
            state = process_source(source, options)
            index = int(row["index"])
            if runs and runs[-1][0] + runs[-1][1] == index:
                first, count, merged = runs[-1]
                runs[-1] = (first, count + 1, merged.merge(state))
            else:
                runs.append((index, 1, state))
        for _, _, state in runs:
            # Re-aggregate the per-batch window rows now: they are what makes a state big.
            state.window_table()
        if runs:
            yield pa.RecordBatch.from_pydict(
                {
                    "index": [r[0] for r in runs],
                    "sources": [r[1] for r in runs],
                    "state": [pickle.dumps(r[2], protocol=pickle.HIGHEST_PROTOCOL) for r in runs],
                },
                schema=pa.schema(
                    [("index", pa.int64()), ("sources", pa.int64()), ("state", pa.binary())]
                ),
            )

    return fold


def spark_session(master: str | None, app_name: str = "faasguard-logs") -> SparkSession:
    """A Spark session for ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``, ...).

    ``None`` takes the master ``spark-submit`` set, or ``local[*]`` outside it. In local mode
    the Python workers run this interpreter, so they see the same faasguard and pyarrow, and
    the driver binds to the loopback address only.
    """
    try:
        from pyspark.sql import SparkSession  # noqa: PLC0415 - loaded on first use (start-up speed)
    except ImportError as exc:
        raise SparkUnavailableError(
            "the Spark engine needs PySpark: pip install 'faasguard[spark]'"
        ) from exc
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = "local[*]"  # not under spark-submit (which sets the gateway): this machine
    local = master is not None and master.startswith("local")
    if local and not _java_available():
        raise SparkUnavailableError(
            "the Spark engine needs Java 17 or later (JAVA_HOME or 'java' on PATH)"
        )
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    if local:
        # Without these, executors may start another 'python3' (without pyarrow) and
        # Spark may bind its services to a non-loopback interface.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (
            builder.config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
        )
    try:
        return builder.getOrCreate()
    except Exception as exc:  # py4j raises plain Exceptions when the JVM cannot start
        raise SparkUnavailableError(f"Spark did not start: {exc}") from exc


def _java_available() -> bool:
    import shutil  # noqa: PLC0415 - loaded on first use (start-up speed)

    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return True
    return shutil.which("java") is not None


class SparkEngine:
    """Distributes sources over a Spark cluster (or ``local[N]``) and merges their states."""

    name = "spark"

    def __init__(
        self,
        master: str | None = "local[2]",
        *,
        session: SparkSession | None = None,
        partitions: int = 0,
    ) -> None:
        self.master = master
        self._session = session
        self.partitions = partitions

    @property
    def session(self) -> SparkSession:
        """The Spark session (started on first use)."""
        if self._session is None:
            self._session = spark_session(self.master)
        return self._session

    def run(
        self,
        sources: Sequence[Source],
        options: Options,
        progress: ProgressCallback | None = None,
    ) -> PartialState:
        """Process every source on the cluster and merge the partition states in order."""
        state = PartialState()
        if not sources:
            return state
        # The embedded engine's order (largest first, stable), so merging in index order
        # gives the embedded engine's state, evidence order included.
        ordered = sorted(sources, key=lambda s: -work_size(s.path))
        rows = [(i, s.path, s.container, s.function) for i, s in enumerate(ordered)]
        session = self.session
        slices = self.partitions or max(
            1, min(len(rows), session.sparkContext.defaultParallelism * 4)
        )
        # parallelize slices the list contiguously; createDataFrame from a list would not
        # promise that, and contiguous slices keep the number of emitted states small.
        rdd = session.sparkContext.parallelize(rows, slices)
        frame = session.createDataFrame(rdd, _INPUT_SCHEMA)
        result = frame.mapInArrow(_partition_states(options), _OUTPUT_SCHEMA)
        done = 0
        for row in sorted(result.collect(), key=lambda r: int(r["index"])):
            # Pickle only crosses between this driver and the executors it started.
            state.merge(pickle.loads(row["state"]))
            done += int(row["sources"])
            if progress:
                progress(done, len(rows))
        if done != len(rows):
            # PySpark can end a collect early when the driver's serving thread dies (for
            # example out of heap): never report a partial analysis as a complete one.
            raise RuntimeError(
                f"Spark returned the state of {done} of {len(rows)} sources; see the Spark "
                "log above (driver memory: spark.driver.memory)"
            )
        return state
