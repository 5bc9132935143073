"""Multi-pattern matching of log messages: Hyperscan when its wheel is there, else ``re``.

Both backends scan one buffer per batch and return the same set of ``(row, pattern)``
pairs: the patterns (data file ``log_patterns.json``) avoid every construct whose meaning
differs between the engines, never match a newline and use no assertion (``^``, ``$``,
``\b``, lookaround), so whether a pattern matches inside a row depends on that row's bytes
alone. Hyperscan reports match end offsets, ``re`` leftmost matches; both are mapped to rows
with ``numpy.searchsorted``.

``re`` scans the selected messages joined by newlines (built by Arrow, not by Python).
Hyperscan scans the message column's own data buffer in place (no copy at all): it reports
every match, so every in-row match is among the candidates, and the rare candidate rows are
rescanned alone to drop matches that ran across a row boundary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.data import load_json
from faasguard.secrets import redact_text


@dataclass(frozen=True, slots=True)
class Pattern:
    """One detection pattern: its id, its kind, its category and expression."""

    id: str
    #: ``injection`` (an attack payload) or ``secret`` (a credential, redacted in evidence).
    kind: str
    category: str
    pattern: str
    caseless: bool


@cache
def patterns() -> tuple[Pattern, ...]:
    """The packaged secret patterns and the attack-payload gate (loaded on first use).

    Injection patterns are :func:`faasguard.logs.payload_gate.gate`: the lines they select
    are confirmed and classified by the :mod:`faasguard.payloads` engine (LOG017).
    """
    from faasguard.logs.payload_gate import gate  # noqa: PLC0415 - loaded on first use

    table = load_json("log_patterns.json")
    secrets = tuple(
        Pattern(p["id"], p["kind"], p["category"], p["pattern"], bool(p["caseless"]))
        for p in table["patterns"]
        if p["kind"] != "injection"
    )
    return tuple(Pattern(pid, "injection", "payload", e, True) for pid, e in gate()) + secrets


def joined_buffer(messages: pa.Array | pa.ChunkedArray) -> tuple[bytes, np.ndarray]:
    """The messages as one ``\\n``-separated buffer and each row's start offset in it."""
    if isinstance(messages, pa.ChunkedArray):
        messages = messages.combine_chunks()
    joined = pc.binary_join_element_wise(pc.fill_null(messages.cast(pa.string()), ""), "", "\n")
    buffers = joined.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[
        joined.offset : joined.offset + len(joined) + 1
    ]
    data = buffers[2]
    if data is None:
        return b"", offsets[:-1].astype(np.int64)
    start, stop = int(offsets[0]), int(offsets[-1])
    return data.to_pybytes()[start:stop], (offsets[:-1] - start).astype(np.int64)


class Matcher:
    """Scans batches of messages for every pattern; ``backend`` is ``hyperscan`` or ``re``."""

    def __init__(self, selected: Sequence[Pattern] | None = None, backend: str = "auto") -> None:
        self.patterns = tuple(selected if selected is not None else patterns())
        if backend == "auto":
            backend = "hyperscan" if hyperscan_available() else "re"
        self.backend = backend
        self._database: Any = None
        self._compiled: list[re.Pattern[bytes]] = []
        if backend == "hyperscan":
            import hyperscan  # noqa: PLC0415 - optional native dependency

            from faasguard.payloads.engine import compiled_database  # noqa: PLC0415

            # the payload gate makes this a compile of seconds: kept in the cache folder
            self._database = compiled_database(
                [p.pattern.encode() for p in self.patterns],
                [hyperscan.HS_FLAG_CASELESS if p.caseless else 0 for p in self.patterns],
                hyperscan.HS_MODE_BLOCK,
            )
        elif backend == "re":
            self._compiled = [
                re.compile(p.pattern.encode(), re.IGNORECASE if p.caseless else 0)
                for p in self.patterns
            ]
        else:
            raise ValueError(f"unknown matcher backend {backend!r}")

    def scan_selected(
        self, messages: pa.Array | pa.ChunkedArray, selected: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Unique ``(rows, pattern indexes)`` of every match in the ``selected`` messages.

        Rows index ``messages`` itself (not the selection); pairs are sorted. Gives exactly
        ``scan(messages.filter(selected))`` mapped back to the rows of ``messages``.
        """
        rows, ids, _ = self.scan_rows(messages, selected)
        return rows, ids

    def scan_rows(
        self,
        messages: pa.Array | pa.ChunkedArray,
        selected: np.ndarray,
        starts: Callable[[Any, np.ndarray], np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`scan_selected`, and the rows of ``messages`` (sorted) that ``starts``
        picks from the selected messages' bytes and row offsets (one copy serves both)."""
        where = np.flatnonzero(selected)
        if len(where) == 0:
            return _NONE, _NONE, _NONE
        chosen = messages.filter(pa.array(selected))
        if isinstance(chosen, pa.ChunkedArray):
            chosen = chosen.combine_chunks()
        raw = _raw_buffer(chosen) if self._database is not None or starts else None
        picked = _NONE
        if starts is not None:
            if raw is None:
                data, begins = joined_buffer(chosen)
                picked = where[starts(data, np.append(begins, len(data)))]
            else:
                picked = where[starts(*raw)]
        if raw is None or chosen.null_count or self._database is None:
            rows, ids = self.scan(chosen)
            return where[rows], ids, picked
        data, offsets = raw
        ends: list[int] = []
        found: list[int] = []

        def on_match(pattern_id: int, start: int, end: int, flags: int, ctx: Any) -> None:
            found.append(pattern_id)
            ends.append(end)

        self._database.scan(data, match_event_handler=on_match)
        if not found:
            return _NONE, _NONE, picked
        rows = np.searchsorted(offsets[:-1], np.asarray(ends, dtype=np.int64) - 1, "right") - 1
        out_rows: list[int] = []
        out_ids: list[int] = []
        # A match may have started in the previous row (no separator between rows here): the
        # candidate rows (rare) are rescanned alone, which gives exactly their own matches.
        for row in np.unique(rows).tolist():
            start, stop = int(offsets[row]), int(offsets[row + 1])
            for pattern_id in sorted(self._ids_in(data.slice(start, stop - start))):
                out_rows.append(int(where[row]))
                out_ids.append(pattern_id)
        if not out_rows:
            return _NONE, _NONE, picked
        return (
            np.asarray(out_rows, dtype=np.int64),
            np.asarray(out_ids, dtype=np.int64),
            picked,
        )

    def _ids_in(self, data: pa.Buffer) -> set[int]:
        """Indexes of the patterns Hyperscan matches somewhere in ``data``."""
        ids: set[int] = set()

        def on_match(pattern_id: int, start: int, end: int, flags: int, ctx: Any) -> None:
            ids.add(pattern_id)

        self._database.scan(data, match_event_handler=on_match)
        return ids

    def scan(self, messages: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
        """Unique ``(rows, pattern indexes)`` of every match in ``messages``, sorted."""
        if len(messages) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        data, starts = joined_buffer(messages)
        ends: list[int] = []
        ids: list[int] = []
        if self._database is not None:

            def on_match(pattern_id: int, start: int, end: int, flags: int, ctx: Any) -> None:
                ids.append(pattern_id)
                ends.append(end)

            self._database.scan(data, match_event_handler=on_match)
        else:
            for index, compiled in enumerate(self._compiled):
                for match in compiled.finditer(data):
                    ids.append(index)
                    ends.append(match.end())
        if not ids:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        rows = np.searchsorted(starts, np.asarray(ends, dtype=np.int64) - 1, side="right") - 1
        pairs = np.unique(np.stack([rows, np.asarray(ids, dtype=np.int64)], axis=1), axis=0)
        return pairs[:, 0], pairs[:, 1]


_NONE = np.empty(0, dtype=np.int64)
_OFFSET_TYPES = {
    pa.string(): np.int32,
    pa.binary(): np.int32,
    pa.large_string(): np.int64,
    pa.large_binary(): np.int64,
}


def _raw_buffer(messages: pa.Array) -> tuple[pa.Buffer, np.ndarray] | None:
    """The bytes of every row of ``messages`` (in place) and the row offsets into them.

    ``None`` for column types without one offsets-and-data layout (views, dictionaries).
    """
    dtype = _OFFSET_TYPES.get(messages.type)
    buffers = messages.buffers()
    if dtype is None or buffers[1] is None:
        return None
    offsets = np.frombuffer(buffers[1], dtype=dtype)[
        messages.offset : messages.offset + len(messages) + 1
    ].astype(np.int64)
    start = int(offsets[0])
    offsets -= start
    data = buffers[2]
    if data is None or not offsets[-1]:
        return pa.py_buffer(b""), offsets
    return data.slice(start, int(offsets[-1])), offsets


@cache
def hyperscan_available() -> bool:
    """True when the ``hyperscan`` wheel imports (Linux/macOS on x86-64)."""
    try:
        import hyperscan  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


@cache
def _secret_regexes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (p.category, re.compile(p.pattern, re.IGNORECASE if p.caseless else 0))
        for p in patterns()
        if p.kind == "secret"
    )


def redact(text: str) -> str:
    """``text`` with every secret in it replaced by a marker naming its kind
    (``[redacted aws-access-key]``): the secret patterns' matches and everything else
    :func:`faasguard.secrets.redact_text` recognises on the line (a private key's body,
    ``password=...``, URL credentials, tokens)."""
    return redact_text(text, _secret_regexes())
