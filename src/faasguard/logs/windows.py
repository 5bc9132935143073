"""The per-(function, 5-minute window) sums of :class:`~faasguard.logs.detectors.PartialState`
as Arrow tables, and their re-aggregation on merge (numpy fast path, Arrow fallback)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

WINDOW_SCHEMA = pa.schema(
    [
        ("function", pa.string()),
        ("window", pa.int64()),
        ("invocations", pa.int64()),
        ("errors", pa.int64()),
        ("timeouts", pa.int64()),
        ("cold_starts", pa.int64()),
        ("log_duration_sum", pa.float64()),
        ("duration_count", pa.int64()),
        ("duration_max", pa.float64()),
        ("gb_seconds", pa.float64()),
        ("first_source", pa.string()),
        ("first_offset", pa.int64()),
        ("first_line", pa.int64()),
    ]
)
WINDOW_SUMS = (
    "invocations",
    "errors",
    "timeouts",
    "cold_starts",
    "log_duration_sum",
    "duration_count",
    "gb_seconds",
)


def regroup(table: pa.Table) -> pa.Table | None:
    """Window rows with equal (function, window) folded into one, as Arrow's group_by does.

    Sums add in row order (as Arrow's hash_sum does single-threaded, so every value is the
    same to the bit), max skips nulls, ``first_*`` take the first non-null value. Groups come
    in order of first appearance (Arrow's come in its hash table's order; nothing depends on
    the row order: the baseline query sorts, and the order workers finish in varies it
    anyway). Built from numpy over the Arrow buffers, because Arrow's group_by needs
    ``pyarrow.acero``, which imports ``pyarrow.dataset`` and pandas (~0.2 s, more than all
    the window rows of a run cost), and ``to_numpy`` and Python scalars would make pyarrow
    import pandas too. ``None`` when a key or a summed column holds nulls (never produced
    here; Arrow's group_by handles that case).
    """
    if table.num_rows == 0:
        return table.select(WINDOW_SCHEMA.names).cast(WINDOW_SCHEMA)
    if table.schema != WINDOW_SCHEMA:
        return None
    columns_in = {name: table.column(name).chunk(0) for name in WINDOW_SCHEMA.names}
    functions, windows = columns_in["function"], columns_in["window"]
    if functions.null_count or windows.null_count:
        return None
    if any(columns_in[name].null_count for name in WINDOW_SUMS):
        return None
    encoded = pc.dictionary_encode(functions)
    codes = _buffer_values(encoded.indices).astype(np.int64)
    _, window_codes = np.unique(_buffer_values(windows), return_inverse=True)
    key = codes * (int(window_codes.max(initial=0)) + 1) + window_codes.reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(first), dtype=np.int64)
    rank[order] = np.arange(len(first))
    group = rank[inverse.reshape(-1)]
    groups = len(first)
    heads = _int64_array(first[order])
    columns: dict[str, pa.Array] = {
        "function": pc.take(functions, heads),
        "window": pc.take(windows, heads),
    }
    for name in WINDOW_SUMS:
        values = _buffer_values(columns_in[name])
        if values.dtype == np.float64:
            columns[name] = _float64_array(np.bincount(group, weights=values, minlength=groups))
        else:
            sums = np.zeros(groups, dtype=np.int64)
            np.add.at(sums, group, values)
            columns[name] = _int64_array(sums)
    durations = columns_in["duration_max"]
    valid = np.flatnonzero(_buffer_valid(durations))
    maxima = np.full(groups, np.nan)
    np.fmax.at(maxima, group[valid], _buffer_values(durations)[valid])
    columns["duration_max"] = _float64_array(maxima, ~np.isnan(maxima))
    for name in ("first_source", "first_offset", "first_line"):
        column = columns_in[name]
        rows = np.flatnonzero(_buffer_valid(column))
        picked = np.zeros(groups, dtype=np.int64)
        found = np.zeros(groups, dtype=bool)
        seen_groups, at = np.unique(group[rows], return_index=True)
        picked[seen_groups] = rows[at]
        found[seen_groups] = True
        columns[name] = pc.take(column, _int64_array(picked, found))
    return pa.table(columns).select(WINDOW_SCHEMA.names).cast(WINDOW_SCHEMA)


_NUMPY_TYPES = {pa.int32(): np.int32, pa.int64(): np.int64, pa.float64(): np.float64}


def _buffer_values(array: pa.Array) -> np.ndarray:
    """The value buffer of a fixed-width array as numpy (no copy; slots under nulls hold
    anything). ``to_numpy`` would do, but makes pyarrow probe for (and import) pandas."""
    dtype = _NUMPY_TYPES[array.type]
    buffer = array.buffers()[1]
    if buffer is None:  # no values at all (every slot null)
        return np.zeros(len(array), dtype=dtype)
    return np.frombuffer(buffer, dtype=dtype)[array.offset : array.offset + len(array)]


def _buffer_valid(array: pa.Array) -> np.ndarray:
    """Which values of ``array`` are not null, from its validity bitmap."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + len(array)].astype(bool)


def regroup_arrow(table: pa.Table) -> pa.Table:
    """:func:`regroup` by Arrow's group_by (the reference, and the path for null keys)."""
    grouped = table.group_by(["function", "window"], use_threads=False).aggregate(
        [(name, "sum") for name in WINDOW_SUMS]
        + [
            ("duration_max", "max"),
            ("first_source", "first"),
            ("first_offset", "first"),
            ("first_line", "first"),
        ]
    )
    renamed = {f"{name}_sum": name for name in WINDOW_SUMS}
    renamed.update(
        {
            "duration_max_max": "duration_max",
            "first_source_first": "first_source",
            "first_offset_first": "first_offset",
            "first_line_first": "first_line",
        }
    )
    grouped = grouped.rename_columns([renamed.get(c, c) for c in grouped.column_names])
    return grouped.select(WINDOW_SCHEMA.names).cast(WINDOW_SCHEMA)


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    if valid is None or bool(valid.all()):
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def _int64_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An int64 Arrow array over ``values`` (``pa.array`` would probe for pandas)."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [_validity(valid), pa.py_buffer(data)])


def _float64_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A float64 Arrow array over ``values`` (nulls where ``valid`` is False)."""
    data = np.ascontiguousarray(values, dtype=np.float64)
    return pa.Array.from_buffers(pa.float64(), len(data), [_validity(valid), pa.py_buffer(data)])
