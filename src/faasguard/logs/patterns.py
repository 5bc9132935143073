"""Multi-pattern matching of log messages: Hyperscan when its wheel is there, else ``re``.

Both backends scan one buffer per batch (the messages joined by newlines, built by Arrow,
not by Python) and return the same set of ``(row, pattern)`` pairs: the patterns (data file
``log_patterns.json``) avoid every construct whose meaning differs between the engines and
never match a newline, so a match always lies inside one row. Hyperscan reports match end
offsets, ``re`` leftmost matches; both are mapped to rows with ``numpy.searchsorted``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faasguard.data import load_json


@dataclass(frozen=True, slots=True)
class Pattern:
    """One detection pattern: its id, the rule it feeds, its category and expression."""

    id: str
    rule: str
    category: str
    pattern: str
    caseless: bool


@cache
def patterns() -> tuple[Pattern, ...]:
    """The packaged injection and secret patterns (loaded on first use)."""
    table = load_json("log_patterns.json")
    return tuple(
        Pattern(p["id"], p["rule"], p["category"], p["pattern"], bool(p["caseless"]))
        for p in table["patterns"]
    )


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

            database = hyperscan.Database()
            database.compile(
                expressions=[p.pattern.encode() for p in self.patterns],
                ids=list(range(len(self.patterns))),
                elements=len(self.patterns),
                flags=[hyperscan.HS_FLAG_CASELESS if p.caseless else 0 for p in self.patterns],
            )
            self._database = database
        elif backend == "re":
            self._compiled = [
                re.compile(p.pattern.encode(), re.IGNORECASE if p.caseless else 0)
                for p in self.patterns
            ]
        else:
            raise ValueError(f"unknown matcher backend {backend!r}")

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


@cache
def hyperscan_available() -> bool:
    """True when the ``hyperscan`` wheel imports (Linux/macOS on x86-64)."""
    try:
        import hyperscan  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


@cache
def _secret_regexes() -> tuple[re.Pattern[str], ...]:
    return tuple(
        re.compile(p.pattern, re.IGNORECASE if p.caseless else 0)
        for p in patterns()
        if p.rule == "LOG018"
    )


def redact(text: str) -> str:
    """``text`` with every secret pattern match reduced to its first 4 characters + ``…``."""
    for regex in _secret_regexes():
        text = regex.sub(lambda m: m.group(0)[:4] + "…[REDACTED]", text)
    return text
