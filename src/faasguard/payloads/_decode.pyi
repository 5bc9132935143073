"""Types of the optional C extension ``faasguard.payloads._decode`` (source: ``_decode.c``)."""

MAX_DECODE: int
MAX_ROUNDS: int

def normalize(value: str, /) -> str: ...
