"""Types of the optional C extension ``faasguard.logs._scan`` (source: ``_scan.c``)."""

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
