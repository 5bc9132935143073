"""Types of the optional C extension ``faasguard.logs._scan`` (``_scan.c``, ``_scan_json.c``)."""

from typing import Any

def newlines(data: Any, out: Any, /) -> int: ...
def objects(data: Any, ends: Any, /) -> tuple[int, int, int]: ...
def split(
    data: Any,
    newlines: Any,
    max_line: int,
    ts: Any,
    valid: Any,
    shaped: Any,
    messages: Any,
    offsets: Any,
    /,
) -> bool: ...
def classify(
    data: Any,
    offsets: Any,
    kind: Any,
    undecided: Any,
    error: Any,
    timed_out: Any,
    duration: Any,
    billed: Any,
    memory: Any,
    maxmem: Any,
    init: Any,
    record: Any,
    rid: Any,
    rid_offsets: Any,
    rid_valid: Any,
    /,
) -> None: ...
def marked_rows(data: Any, offsets: Any, table: Any, out: Any, /) -> int: ...
def envelopes(
    data: Any, newlines: Any, status: Any, start: Any, end: Any, decoded: Any, /
) -> None: ...
def payload_events(
    items: list[Any],
    sequence: bool,
    first_item: int,
    first_pos: int,
    msg: Any,
    msg_off: Any,
    ts: Any,
    ts_ok: Any,
    ids: Any,
    id_off: Any,
    id_ok: Any,
    names: Any,
    info: Any,
    /,
) -> tuple[int, int, int, int, int]: ...
