"""A parsed Arrow batch seen as numpy columns, the per-row work done once per batch."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.model import Kind

_TIMEOUT_RID = r"^\S+ (?P<rid>[0-9a-f-]{36}) Task timed out"


class BatchView:
    """Numpy views of one parsed batch and the masks every detector shares (built once)."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self.batch = batch
        n = batch.num_rows
        functions = batch.column("function")
        self.function_names: pa.Array
        if pa.types.is_dictionary(functions.type):
            self.codes = functions.indices.to_numpy(zero_copy_only=False)
            self.function_names = functions.dictionary
        elif one_value(functions):
            # One file, one log group: what dictionary_encode gives, without hashing rows.
            self.codes = np.zeros(n, dtype=np.int32)
            self.function_names = functions.slice(0, 1)
        else:
            encoded = pc.dictionary_encode(functions)
            self.codes = encoded.indices.to_numpy(zero_copy_only=False)
            self.function_names = encoded.dictionary
        ts = batch.column("ts").cast(pa.int64())
        self.ts_valid = valid_mask(ts)
        self.ts_ms = pc.fill_null(ts, 0).to_numpy()
        self.kind = batch.column("kind").to_numpy(zero_copy_only=False)
        self.duration = floats(batch.column("duration_ms"))
        self.billed = floats(batch.column("billed_ms"))
        self.memory = floats(batch.column("memory_mb"))
        self.max_memory = floats(batch.column("max_memory_mb"))
        self.timeout_s = floats(batch.column("timeout_s"))
        self.init_valid = valid_mask(batch.column("init_ms"))
        self.timed_out = bool_mask(batch.column("timed_out"))
        self.is_report = self.kind == Kind.REPORT
        self.is_app = self.kind == Kind.APP
        self.is_error = bool_mask(pc.equal(batch.column("level"), "ERROR")) | self.timed_out
        exits = self.kind == Kind.RUNTIME_EXIT
        if exits.any():
            where = np.flatnonzero(exits)
            self.is_error[where[bool_mask(pc.starts_with(self.messages(exits), "RequestId: "))]] = (
                True
            )
        # Timed-out invocations are counted as timeouts; keep them out of the duration baseline.
        self.normal = self.is_report & ~self.timed_out
        timeouts = self.kind == Kind.TIMEOUT
        if timeouts.any():
            found = pc.extract_regex(self.messages(timeouts), _TIMEOUT_RID)
            ids = pc.drop_null(pc.struct_field(found, "rid"))
            if len(ids):
                self.normal &= ~bool_mask(pc.is_in(batch.column("request_id"), ids))
        with np.errstate(invalid="ignore"):
            self.positive = self.normal & (self.duration > 0)
        self.log_duration = np.zeros(n)
        if self.positive.any():
            # Arrow's ln, as before: the window sums must not move by a rounding difference.
            logs = pc.ln(pa.array(self.duration[self.positive]))
            self.log_duration[self.positive] = logs.to_numpy()
        self.gb_seconds = (zero_nan(self.billed) / 1000.0) * (zero_nan(self.memory) / 1024.0)

    def messages(self, mask: np.ndarray) -> pa.Array:
        """The messages of the rows of ``mask``."""
        return self.batch.column("message").filter(pa.array(mask))

    def column(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Values of an integer column at ``rows``."""
        return np.asarray(self.batch.column(name).take(pa.array(rows)).to_numpy(False))

    def rows(self, mask: np.ndarray) -> pa.Table:
        """The rows of ``mask`` as a table (only ever for rare rows)."""
        return pa.Table.from_batches([self.batch.filter(pa.array(mask))])


def one_value(array: pa.Array) -> bool:
    """True when ``array`` has rows, no null and one value throughout."""
    if len(array) == 0 or array.null_count:
        return False
    return bool(pc.all(pc.equal(array, array[0])).as_py())


def floats(array: pa.Array) -> np.ndarray:
    """A float column as numpy, nulls as NaN."""
    if array.null_count == len(array):
        return np.full(len(array), np.nan)
    if array.null_count and pa.types.is_float64(array.type):
        return np.asarray(pc.fill_null(array, math.nan).to_numpy(), dtype=np.float64)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)


def zero_nan(values: np.ndarray) -> np.ndarray:
    """``np.nan_to_num(values)`` (NaN → 0, ±inf → the largest finite floats), in fewer passes
    when, as always in practice, nothing is infinite."""
    out = np.where(np.isnan(values), 0.0, values)
    return out if np.isfinite(out).all() else np.nan_to_num(values)


def valid_mask(array: pa.Array) -> np.ndarray:
    """Which values of ``array`` are not null, as a numpy mask."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    return bool_mask(pc.is_valid(array))


def bool_mask(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as a numpy mask (nulls are False)."""
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)
