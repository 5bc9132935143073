"""The numpy path of the Lambda log parser: byte probes at known positions.

Where the C scanner (``faasguard.logs._scan``) is not built, :func:`_fast_fields` reads the
usual line shapes with numpy: fixed-width windows of each candidate row compared eight
bytes at a time, runs of digits and ids measured with ``argmin``, RE2 only for the rows a
probe cannot decide (:func:`faasguard.logs.fields._regex_fields`). One Hyperscan pass over
the messages (where the wheel exists) narrows the rows the rare-word expressions run on.
Every probe either reproduces what the RE2 expression gives for its row or leaves the row
to it (``tests/logs/test_logs_probes.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.logs.fields import (
    JSON_KEY,
    JSON_REQUEST,
    PLATFORM_KINDS,
    RUNTIME_EXIT,
    Fields,
    first_bytes,
    json_metrics,
    take_rows,
    timeout_seconds,
    to_number,
    true_rows,
)
from faasguard.logs.model import Kind
from faasguard.logs.patterns import hyperscan_available

_OUTSIDE = 256  # what a probe reads past the end of its row
_PAD = 128  # widest probe window


# Byte classes as arithmetic on windows (a lookup table costs several times more); they
# hold for uint8 windows and for :data:`_OUTSIDE`, which is in none of them.
def _space(w: np.ndarray) -> np.ndarray:
    """RE2's ``\\s``: tab, newline, form feed, carriage return, space."""
    return np.asarray((w == 32) | (((w - 9) <= 4) & (w != 11)))


def _digit(w: np.ndarray) -> np.ndarray:
    """``[0-9]``."""
    return np.asarray((w - 48) <= 9)


def _decimal(w: np.ndarray) -> np.ndarray:
    """``[0-9.]``."""
    return np.asarray(((w - 48) <= 9) | (w == 46))


def _rid_char(w: np.ndarray) -> np.ndarray:
    """``[0-9a-f-]``."""
    return np.asarray(((w - 48) <= 9) | ((w - 97) <= 5) | (w == 45))


def _word(w: np.ndarray) -> np.ndarray:
    """RE2's ``\\w``: ``[0-9A-Za-z_]``."""
    return np.asarray(((w - 48) <= 9) | (((w | 32) - 97) <= 25) | (w == 95))


def _not_quote(w: np.ndarray) -> np.ndarray:
    """``[^"]`` (within the row: runs stop at its end anyway)."""
    return np.asarray(w != 34)


@cache
def _words(text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``text`` as little-endian 64-bit words and the mask of the bytes that count."""
    width = -(-len(text) // 8) * 8
    padded = np.zeros(width, dtype=np.uint8)
    padded[: len(text)] = np.frombuffer(text, dtype=np.uint8)
    care = np.zeros(width, dtype=np.uint8)
    care[: len(text)] = 0xFF
    return padded.view("<u8"), care.view("<u8")


#: Rest of a compact JSON platform.report line after its metrics, and what it means:
#: (timed out, out of memory). Any other rest goes through the RE2 path.
_REPORT_TAILS = {
    b'},"status":"success"}}': (False, False),
    b'},"status":"timeout"}}': (True, False),
    b'},"status":"error"}}': (False, False),
    b'},"status":"error","errorType":"Runtime.OutOfMemory"}}': (False, True),
    b'},"status":"error","errorType":"Runtime.ExitError"}}': (False, False),
}


@cache
def _label_words(label: bytes, lead: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A ``width``-byte row with ``label`` at ``lead`` as 64-bit words, and its byte mask."""
    padded = np.zeros(width, dtype=np.uint8)
    padded[lead : lead + len(label)] = np.frombuffer(label, dtype=np.uint8)
    care = np.zeros(width, dtype=np.uint8)
    care[lead : lead + len(label)] = 0xFF
    return padded.view("<u8"), care.view("<u8")


def _window_strings(run: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """The first ``lengths`` bytes of each window row as a string array (ASCII runs)."""
    n = len(lengths)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    body = run[np.arange(run.shape[1]) < lengths[:, None]]
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(body))


def _floats_of(values: pa.Array) -> np.ndarray:
    """Decimal strings (never null or empty) → float64 numpy, as :func:`to_number` would."""
    try:
        parsed = values.cast(pa.float64())
    except pa.ArrowInvalid:
        parsed = to_number(values)
    return np.asarray(parsed.to_numpy(zero_copy_only=False), dtype=np.float64)


class _Bytes:
    """Each row of a string array as a ``[start, end)`` range of its data buffer.

    Probes read fixed-width windows through a sliding-window view of a padded copy of the
    buffer, so a window per row is one short contiguous copy (no index matrix).
    """

    def __init__(self, array: pa.Array) -> None:
        n = len(array)
        buffers = array.buffers()
        offsets = np.frombuffer(buffers[1], dtype=np.int32)[array.offset : array.offset + n + 1]
        self.start = offsets[:-1].astype(np.int64)
        self.end = offsets[1:].astype(np.int64)
        data = buffers[2]
        self.buffer = data
        size = data.size if data is not None else 0
        self.data = np.zeros(size + _PAD, dtype=np.uint8)
        if size:
            self.data[:size] = np.frombuffer(data, dtype=np.uint8)
        self.size = size
        self.windows = np.lib.stride_tricks.sliding_window_view(self.data, _PAD)
        self._views: dict[int, np.ndarray] = {}

    def window(
        self, rows: np.ndarray, pos: np.ndarray, width: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``width`` bytes from ``pos`` of each of ``rows``, and how many are in the row.

        The buffer is read as overlapping ``width``-byte items (a void dtype with a
        one-byte stride): gathering one item per row costs half of slicing a sliding
        window view.
        """
        pos = np.minimum(pos, self.size)
        view = self._views.get(width)
        if view is None:
            view = np.ndarray(
                shape=(self.size + 1,),
                dtype=np.dtype(f"V{width}"),
                buffer=self.data,
                offset=0,
                strides=(1,),
            )
            self._views[width] = view
        window = view[pos].view(np.uint8).reshape(len(pos), width)
        return window, self.end[rows] - pos

    def literal(self, rows: np.ndarray, pos: np.ndarray, text: bytes) -> np.ndarray:
        """Which of ``rows`` hold ``text`` at ``pos``."""
        # Eight bytes per comparison: the window read as 64-bit words, masked.
        expected, care = _words(text)
        window, room = self.window(rows, pos, len(expected) * 8)
        diff = (window.view("<u8") ^ expected) & care
        ok = diff[:, 0] == 0
        for column in range(1, diff.shape[1]):
            ok &= diff[:, column] == 0
        return np.asarray(ok & (room >= len(text)))

    def run(
        self,
        rows: np.ndarray,
        pos: np.ndarray,
        klass: Callable[[np.ndarray], np.ndarray],
        width: int,
        first: int = 16,
    ) -> np.ndarray:
        """Length of the run of ``klass`` bytes at ``pos`` (``width`` when it may go on).

        Runs longer than ``first`` bytes (a width that holds the usual run and the byte
        after it) are followed in a wider window for those rows only.
        """
        first = min(width, first)
        window, room = self.window(rows, pos, first)
        inside = klass(window)
        stop = inside.argmin(axis=1)
        # The byte at the first false position is true only when every byte is.
        length = np.where(inside[np.arange(len(stop)), stop], first, stop)
        length = np.minimum(length, np.maximum(room, 0))
        if width > first:
            longer = np.flatnonzero(length == first)
            if len(longer):
                more = self.run(rows[longer], pos[longer] + first, klass, width - first, width)
                length[longer] += more
        return np.asarray(length)

    def at(self, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """The byte at ``pos`` of each row (:data:`_OUTSIDE` past its end)."""
        pos = np.minimum(pos, self.size)
        return np.where(pos < self.end[rows], self.data[pos], _OUTSIDE)

    def field(
        self,
        rows: np.ndarray,
        pos: np.ndarray,
        label: bytes,
        klass: Callable[[np.ndarray], np.ndarray],
        unit: bytes,
        *,
        space: bool,
        width: int = 12,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``[\\s]label(klass-run)unit`` at ``pos``, probed in one window per row.

        With ``space``, exactly one ``\\s`` byte comes first (a longer run is reported
        as no match; callers leave such rows to RE2). Returns whether the label matched,
        whether the whole field did (a run of 1 to ``width - 1`` bytes, then ``unit``, all
        inside the row), the run's start, its length (``width``: it may go on) and the
        window bytes of the run (for :func:`_window_strings`).
        """
        lead = 1 if space else 0
        size = lead + len(label)
        total = -(-(size + width + len(unit)) // 8) * 8
        window, room = self.window(rows, pos, total)
        expected, care = _label_words(label, lead, total)
        # The label compared eight bytes at a time (the window is contiguous per row).
        diff = (np.ascontiguousarray(window).view("<u8") ^ expected) & care
        head = np.ones(len(rows), dtype=bool)
        for column in range(-(-size // 8)):
            head &= diff[:, column] == 0
        if space:
            head &= _space(window[:, 0])
        run = window[:, size : size + width]
        inside = klass(run)
        stop = inside.argmin(axis=1)
        every = np.arange(len(stop))
        ended = ~inside[every, stop]
        whole = head & ended & (stop >= 1)
        column = size + stop
        for index, char in enumerate(unit):
            whole &= window[every, column + index] == char
        whole &= room >= column + len(unit)
        length = np.where(ended, stop, width)
        return head & (room >= size), whole, pos + size, length, run

    def strings(self, starts: np.ndarray, lengths: np.ndarray) -> pa.Array:
        """The byte ranges as a string array (they cut the UTF-8 text at ASCII bytes)."""
        n = len(starts)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        widest = int(lengths.max()) if n else 0
        if n and (lengths == widest).all():
            body = self.windows[starts, :widest].ravel()
        elif widest <= _PAD:
            window = self.windows[starts, :widest]
            body = window[np.arange(widest) < lengths[:, None]]
        else:
            index = np.repeat(starts - offsets[:-1], lengths) + np.arange(int(offsets[-1]))
            body = self.data[index]
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(body))


def _decimals(
    b: _Bytes, rows: np.ndarray, pos: np.ndarray, klass: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Length of the decimal run at ``pos`` and whether it certainly ended in the window."""
    length = b.run(rows, pos, klass, 24, 12)
    return length, (length >= 1) & (length < 24)


def _text_reports(b: _Bytes, rows: np.ndarray, f: Fields, undecided: np.ndarray) -> None:
    """``REPORT RequestId: …`` lines by byte probes; any deviation is left to RE2.

    Follows :data:`_REPORT_WITH_ID` step by step: ``\\s+`` runs are maximal, numbers are the
    maximal ``[0-9.]`` run followed by the unit (backtracking cannot change either), so a
    row the probes accept gets what the expression would give.
    """
    pos = b.start[rows] + len("REPORT RequestId: ")
    rid_len = b.run(rows, pos, _rid_char, 64, 40)
    ok = (rid_len >= 1) & (rid_len < 64)
    rid_start = pos
    pos = pos + rid_len
    spans: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    steps = (
        ("duration", b"Duration: ", _decimal, b" ms"),
        ("billed", b"Billed Duration: ", _decimal, b" ms"),
        ("memory", b"Memory Size: ", _digit, b" MB"),
        ("maxmem", b"Max Memory Used: ", _digit, b" MB"),
    )
    # Separators are one tab or space (as Lambda writes them); rows with longer runs of
    # spaces fail the probe and go through RE2.
    for name, label, chars, unit in steps:
        _, whole, start, length, run = b.field(rows, pos, label, chars, unit, space=True)
        ok &= whole
        spans[name] = (run, length)
        pos = start + length + len(unit)
    # (?:\s+Init Duration: ([0-9.]+) ms)? - absent unless all of it is there.
    init_label, whole, _, length, init_run = b.field(
        rows, pos, b"Init Duration: ", _decimal, b" ms", space=True
    )
    first = b.at(rows, pos)
    second = b.at(rows, pos + 1)
    # Two or more spaces, or a label followed by a number too long for the probe: RE2.
    ok &= ~(_space(first) & _space(second))
    ok &= ~(init_label & (length == 12) & ~whole)
    has_init = whole
    undecided[rows[~ok]] = True
    good = rows[ok]
    if not len(good):
        return
    f.kind[good] = Kind.REPORT
    for name, (run, size) in spans.items():
        getattr(f, name)[good] = _floats_of(_window_strings(run[ok], size[ok]))
    init_rows = ok & has_init
    if init_rows.any():
        values = _window_strings(init_run[init_rows], length[init_rows])
        f.init_ms[rows[init_rows]] = _floats_of(values)
    f.id_pieces.append((good, b.strings(rid_start[ok], rid_len[ok])))


def _rows_mask(n: int, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def _json_rows(
    messages: pa.Array, b: _Bytes, rows: np.ndarray, f: Fields, undecided: np.ndarray
) -> None:
    """Lines starting with ``{``: platform records of the compact shape Lambda writes by
    byte probes, other JSON (application records) by one substring search for the request
    id; anything else is left to RE2 (:data:`_JSON_PLATFORM`, :data:`JSON_REQUEST`).
    """
    n = len(f.kind)
    start = b.start[rows]
    compact, not_platform, pos, name_len, sure = _json_fixed(b, rows)
    # Rows of another layout (a time value that is not 24 bytes, a long name): probed
    # field by field.
    other = np.flatnonzero(~sure)
    if len(other):
        some, begin = rows[other], start[other]
        maybe = b.literal(some, begin, b'{"time":"')
        # ^\{\s*"time": cannot match when the second byte is no space and no "time": follows.
        not_platform[other] = ~_space(b.at(some, begin + 1)) & ~b.literal(
            some, begin + 1, b'"time":'
        )
        at = begin + len('{"time":"')
        time_len = b.run(some, at, _not_quote, 48, 32)
        at = at + time_len
        maybe &= (time_len < 48) & b.literal(some, at, b'","type":"platform.')
        at = at + len('","type":"platform.')
        size = b.run(some, at, _word, 32)
        maybe &= (size >= 1) & (size < 32) & (b.at(some, at + size) == ord('"'))
        compact[other], pos[other], name_len[other] = maybe, at, size
    undecided[rows[~compact & ~not_platform]] = True
    platform = rows[compact]
    name_start, name_len = pos[compact], name_len[compact]
    is_report = np.zeros(len(platform), dtype=bool)
    for name, value in PLATFORM_KINDS.items():
        same = (name_len == len(name)) & b.literal(platform, name_start, name.encode())
        f.kind[platform[same]] = value
        if value == Kind.REPORT:
            is_report = same
    # The request id of a compact platform record: the first key after the fixed prefix,
    # which itself holds no other quote, so it is the leftmost occurrence.
    pos = name_start + name_len
    known = b.literal(platform, pos, b'","record":{"requestId":"')
    pos = pos + len('","record":{"requestId":"')
    rid_len = b.run(platform, pos, _not_quote, 128, 40)
    known &= (rid_len >= 1) & (rid_len < 128) & (b.at(platform, pos + rid_len) == ord('"'))
    rid_rows = [platform[known]]
    rid_values = [b.strings(pos[known], rid_len[known])]
    after_rid = pos + rid_len
    reports = is_report & known
    if reports.any():
        _json_report_metrics(messages, b, platform[reports], after_rid[reports], f)
    if (is_report & ~known).any():
        mask = _rows_mask(n, platform[is_report & ~known])
        json_metrics(f, mask, take_rows(messages, mask))
    # Other JSON rows: the leftmost key by one search, the value by probes.
    search = np.concatenate([rows[not_platform], platform[~known]])
    search.sort()
    if len(search):
        found_rows, found_values = _json_request_ids(messages, b, search)
        rid_rows.append(found_rows)
        rid_values.append(found_values)
    f.id_pieces.extend(zip(rid_rows, rid_values, strict=True))


_QUOTES = np.uint64(0x2222222222222222)
_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)
#: Lambda's compact platform prefix with a 24-byte time value, as a template row.
_PLATFORM_PREFIX = b'{"time":"' + b"\0" * 24 + b'","type":"platform.'
_PREFIX_CARE = b"\xff" * 9 + b"\0" * 24 + b"\xff" * 19


def _json_fixed(
    b: _Bytes, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The platform-record probes of :func:`_json_rows` for the usual layout, in one window.

    A 24-byte time value puts the record type at a fixed column, so one 96-byte window per
    row and a few 64-bit word comparisons decide most rows. Returns what the field-by-field
    probes would (compact platform record, certainly no platform record, where the type
    name starts, its length) and which rows this settled.
    """
    count = len(rows)
    window, room = b.window(rows, b.start[rows], 96)
    window = np.ascontiguousarray(window)
    words = window.view("<u8")
    expected, care = _label_words(_PLATFORM_PREFIX, 0, 56)
    care = care & _label_words(_PREFIX_CARE, 0, 56)[0]
    same = np.ones(count, dtype=bool)
    for column in range(7):
        same &= ((words[:, column] ^ expected[column]) & care[column]) == 0
    # No quote in the time value (bytes 9..32): a zero byte of (word ^ quotes), found the
    # SWAR way, in the bytes that belong to it.
    time_care = _label_words(b"\xff" * 24, 9, 40)[0]
    for column in range(1, 5):
        value = (words[:, column] ^ _QUOTES) | ~time_care[column]
        same &= ((value - _ONES) & ~value & _HIGHS) == 0
    same &= room >= 53
    second = window[:, 1]
    not_platform = ~_space(second) & ~(window[:, 1:8] == np.frombuffer(b'"time":', np.uint8)).all(
        axis=1
    )
    not_platform &= room >= 2
    name = _word(window[:, 52:84])
    stop = name.argmin(axis=1)
    every = np.arange(count)
    ended = ~name[every, stop]
    closing = window[every, 52 + stop] == ord('"')
    compact = same & ended & (stop >= 1) & closing & (room > 52 + stop)
    sure = not_platform | compact
    pos = b.start[rows] + 52
    return compact, not_platform & ~compact, pos, stop, sure


def _json_request_ids(
    messages: pa.Array, b: _Bytes, rows: np.ndarray
) -> tuple[np.ndarray, pa.Array]:
    """Rows with a request id by :data:`JSON_REQUEST`, and those ids (same order)."""
    subset = take_rows(messages, _rows_mask(len(b.start), rows)).view(pa.binary())
    found = np.asarray(
        pc.find_substring_regex(subset, JSON_KEY).to_numpy(zero_copy_only=False), np.int64
    )
    hit = found >= 0
    rows, found = rows[hit], found[hit]
    key = b.start[rows] + found
    key_len = np.where(
        b.at(rows, key + 1) == ord("r"), len('"requestId":'), len('"function_request_id":')
    )
    pos = key + key_len
    direct = b.at(rows, pos) == ord('"')
    pos = pos + 1
    value_len = b.run(rows, pos, _not_quote, 128, 40)
    direct &= (value_len >= 1) & (value_len < 128) & (b.at(rows, pos + value_len) == ord('"'))
    out_rows = [rows[direct]]
    values = [b.strings(pos[direct], value_len[direct])]
    if not direct.all():
        # Spaces after the colon, an empty or very long value: the expression decides.
        other = rows[~direct]
        extracted = pc.struct_field(
            pc.extract_regex(take_rows(messages, _rows_mask(len(b.start), other)), JSON_REQUEST),
            "v",
        )
        present = true_rows(pc.is_valid(extracted))
        out_rows.append(other[present])
        values.append(pc.filter(extracted, pa.array(present)))
    every = np.concatenate(out_rows)
    return every, pa.concat_arrays([v.cast(pa.string()) for v in values])


def _json_report_metrics(
    messages: pa.Array, b: _Bytes, rows: np.ndarray, pos: np.ndarray, f: Fields
) -> None:
    """Metrics of compact ``platform.report`` rows (``pos``: the quote after the request id).

    The line must be exactly prefix, metrics in Lambda's order and one of the known
    endings (:data:`_REPORT_TAILS`): then no key occurs anywhere else in it and each
    expression of :data:`_JSON_METRICS` would find the value found here. Other rows go
    through those expressions.
    """
    ok = b.literal(rows, pos, b'","metrics":{')
    pos = pos + len('","metrics":{')
    spans: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    keys = (
        ("duration", '"durationMs":'),
        ("billed", ',"billedDurationMs":'),
        ("memory", ',"memorySizeMB":'),
        ("maxmem", ',"maxMemoryUsedMB":'),
    )
    for name, key in keys:
        ok &= b.literal(rows, pos, key.encode())
        pos = pos + len(key)
        length, ended = _decimals(b, rows, pos, _decimal)
        ok &= ended
        spans[name] = (pos, length)
        pos = pos + length
    has_init = b.literal(rows, pos, b',"initDurationMs":')
    number = pos + len(',"initDurationMs":')
    length, ended = _decimals(b, rows, number, _decimal)
    ok &= ~has_init | ended
    pos = np.where(has_init, number + length, pos)
    timed_out = np.zeros(len(rows), dtype=bool)
    oom = np.zeros(len(rows), dtype=bool)
    ends = np.zeros(len(rows), dtype=bool)
    rest = b.end[rows] - pos
    for tail, (is_timeout, is_oom) in _REPORT_TAILS.items():
        same = (rest == len(tail)) & b.literal(rows, pos, tail)
        ends |= same
        timed_out |= same & is_timeout
        oom |= same & is_oom
    ok &= ends
    n = len(f.kind)
    if not ok.all():
        other = rows[~ok]
        mask = _rows_mask(n, other)
        json_metrics(f, mask, take_rows(messages, mask))
    good = rows[ok]
    if not len(good):
        return
    for name, (start, size) in spans.items():
        values = to_number(b.strings(start[ok], size[ok]))
        getattr(f, name)[good] = np.asarray(values.to_numpy(zero_copy_only=False), np.float64)
    init_ok = ok & has_init
    if init_ok.any():
        values = to_number(b.strings(number[init_ok], length[init_ok]))
        f.init_ms[rows[init_ok]] = np.asarray(values.to_numpy(zero_copy_only=False), np.float64)
    f.timed_out[rows[ok & timed_out]] = True
    killed = rows[ok & oom]
    f.maxmem[killed] = np.fmax(f.maxmem[killed], f.memory[killed])


def _fast_fields(
    messages: pa.Array, b: _Bytes, timeout_hints: np.ndarray | None
) -> tuple[Fields, np.ndarray]:
    """Classification and fields by byte probes; also the rows it leaves undecided.

    Every probe either reproduces what the RE2 expression would give for the row, or marks
    the row undecided (then :func:`regex_fields` decides it). ``timeout_hints``: the only
    rows that can hold a timeout message (``None``: any row).
    """
    n = len(messages)
    f = Fields.empty(n)
    undecided = np.zeros(n, dtype=bool)
    head = first_bytes(messages)
    for char, prefix, value in (
        ("S", b"START RequestId: ", Kind.START),
        ("E", b"END RequestId: ", Kind.END),
        ("I", b"INIT_START ", Kind.INIT_START),
    ):
        rows = np.flatnonzero(head == ord(char))
        if len(rows):
            f.kind[rows[b.literal(rows, b.start[rows], prefix)]] = value
    rows = np.flatnonzero(head == ord("R"))
    if len(rows):
        report = b.literal(rows, b.start[rows], b"REPORT RequestId: ")
        _text_reports(b, rows[report], f, undecided)
        others = rows[~report]
        if len(others):
            lines = take_rows(messages, _rows_mask(n, others))
            f.kind[others[true_rows(pc.match_substring_regex(lines, RUNTIME_EXIT))]] = (
                Kind.RUNTIME_EXIT
            )
    digits = (head >= 48) & (head <= 57)
    if timeout_hints is not None:
        digits &= timeout_hints
    if digits.any():
        candidates = np.flatnonzero(digits)
        lines = take_rows(messages, digits)
        timeout = candidates[true_rows(pc.match_substring(lines, "Task timed out after "))]
        if len(timeout):
            mask = _rows_mask(n, timeout)
            f.kind[timeout] = Kind.TIMEOUT
            f.timed_out[timeout] = True
            f.timeout_s = timeout_seconds(n, mask, take_rows(messages, mask))
    rows = np.flatnonzero(head == ord("{"))
    if len(rows):
        _json_rows(messages, b, rows, f, undecided)
    return f, undecided


#: The hint literals: a row without one cannot match the expressions they stand for.
_HINT_WORDS = (
    b"Task timed out after ",
    b"ERROR",
    b"CRITICAL",
    b"FATAL",
    b"error",
    b"critical",
    b"fatal",
)
_HINT_LENGTHS = np.array([len(word) for word in _HINT_WORDS], dtype=np.int64)


@cache
def hint_database() -> Any:
    """A Hyperscan database of :data:`_HINT_WORDS` (``None`` without the wheel)."""
    if not hyperscan_available():
        return None
    import hyperscan  # noqa: PLC0415 - optional native dependency

    database = hyperscan.Database()
    database.compile(
        expressions=list(_HINT_WORDS),
        ids=list(range(len(_HINT_WORDS))),
        elements=len(_HINT_WORDS),
        flags=[0] * len(_HINT_WORDS),
    )
    return database


def _hints(b: _Bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows that may hold a timeout message, rows that may hold an error level.

    One Hyperscan pass over the messages' buffer finds every hint literal (rare words, so
    few callbacks); rows without one are skipped by the expressions that need it. ``None``
    (every row is a candidate) without Hyperscan: the results are the same either way.
    """
    database = hint_database()
    n = len(b.start)
    if database is None or n == 0 or b.buffer is None:
        return None
    first, stop = int(b.start[0]), int(b.end[-1])
    ids: list[int] = []
    ends: list[int] = []

    def on_match(pattern: int, start: int, end: int, flags: int, context: Any) -> None:
        ids.append(pattern)
        ends.append(end)

    database.scan(b.buffer.slice(first, stop - first), match_event_handler=on_match)
    timeout = np.zeros(n, dtype=bool)
    error = np.zeros(n, dtype=bool)
    if ids:
        which = np.asarray(ids, dtype=np.int64)
        last = np.asarray(ends, dtype=np.int64) + first - 1
        begin = last + 1 - _HINT_LENGTHS[which]
        row = np.searchsorted(b.start, begin, side="right") - 1
        # Messages sit back to back in the buffer: a hit across two rows is no hit.
        inside = row == np.searchsorted(b.start, last, side="right") - 1
        timeout[row[inside & (which == 0)]] = True
        error[row[inside & (which > 0)]] = True
    return timeout, error


def probe_fields(messages: pa.Array) -> tuple[Fields, np.ndarray, np.ndarray | None]:
    """Classification and fields of ``messages`` by the byte probes; the rows they leave
    undecided; the rows that may hold an error level (``None``: any row, without
    Hyperscan)."""
    b = _Bytes(messages)
    hints = _hints(b)
    f, undecided = _fast_fields(messages, b, None if hints is None else hints[0])
    f.gather_ids()
    return f, undecided, None if hints is None else hints[1]
