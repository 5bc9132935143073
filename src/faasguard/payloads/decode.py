"""Bounded decoding of a value before matching, as web application firewalls do.

One pass turns a value into its *normal form*: URL decoding (``%XX``, ``%uXXXX``, ``+``),
repeated while it changes (at most :data:`MAX_ROUNDS` rounds, which covers double and triple
encoding), UTF-8 overlong sequences (``%c0%ae`` is ``.``), HTML entities, ``\\uXXXX`` and
``\\xXX`` escapes, Log4j lookups with defaults (``${env:X:-j}`` is ``j``), Unicode look-alikes
of ``.``/``/``/``\\``, NUL and other control characters dropped, SQL comments folded to a
space and runs of white space folded to one. Every step works on at most :data:`MAX_DECODE`
characters, and each is a linear pass (a regular expression or ``str.find``), so decoding a
value costs time linear in its (capped) size: an opening ``/*``, ``<!--`` or ``${`` with
nothing to close it does not make a pass scan the rest of the value again.

:func:`spans` maps a span in the normal form back to the original value for evidence: it
replays the decoding on growing prefixes only for values that matched, which are rare.

:func:`normalize` runs the optional C extension ``faasguard.payloads._decode`` (built by
setup.py) where it was built: the same steps in C, with the same result for every string
(``tests/payloads/test_decode_native.py``). Without it (no compiler, or a Lambda package
without the native file) :func:`normalize_python`, this module's code, gives the same normal
forms, six to seven times slower (BENCHMARKS.md, "Decoding").
"""

from __future__ import annotations

import binascii
import html
import re
import unicodedata
from collections.abc import Callable
from typing import Any


class _Deferred:
    """A regular expression compiled on first use, which then takes its own name's place in
    this module. Only the pure-Python decoder uses them; with the C decoder none is ever
    compiled (compiling them all costs ~15 ms of a Lambda cold start)."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, *args: Any) -> None:
        self.name = name
        self.args = args

    def __getattr__(self, attribute: str) -> Any:
        compiled = re.compile(*self.args)
        globals()[self.name] = compiled
        return getattr(compiled, attribute)


def _deferred(name: str, pattern: str | bytes, flags: int = 0) -> Any:
    return _Deferred(name, pattern, flags)


_native: Callable[[str], str] | None
try:  # the optional C decoder (setup.py); without it the code below gives the same results
    from faasguard.payloads._decode import normalize as _native
except ImportError:  # pragma: no cover - built wherever a C compiler was available
    _native = None

#: Characters of a value that are decoded; a longer value is decoded on its first part only
#: (the raw value is still matched whole).
MAX_DECODE = 65_536
#: Bytes of a value matched (Lambda's synchronous payload limit is 6 MB).
MAX_SCAN = 6 * 1024 * 1024
#: Values up to this length report their whole extent for a match found only once decoded.
SHORT = 160
#: URL-decoding rounds (``%252e`` needs two, ``%25252e`` three).
MAX_ROUNDS = 3

_OVERLONG: re.Pattern[bytes] = _deferred(
    "_OVERLONG", rb"[\xc0\xc1][\x80-\xbf]|\xe0[\x80-\x9f][\x80-\xbf]|\xf0[\x80-\x8f][\x80-\xbf]{2}"
)
#: A decimal character reference of 100 digits or more: ``int()`` refuses more than 4,300
#: (``sys.get_int_max_str_digits``), so ``html.unescape`` would raise on it.
_LONG_NUMBER: re.Pattern[str] = _deferred("_LONG_NUMBER", r"&#([0-9]{100,})")
_ESCAPE: re.Pattern[str] = _deferred("_ESCAPE", r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))")
_LOOKUP: re.Pattern[str] = _deferred(
    "_LOOKUP", r"\$\{(?:[^${}:]*:)*?-([^${}]*)\}|\$\{(?:lower|upper|::-)?:?([^${}:]*)\}"
)
#: Where ``_LOOKUP`` can match: ``${``, then no ``$``, ``{`` or ``}``, then ``}``. Searching
#: ``_LOOKUP`` itself is quadratic on ``${:-:-:-...`` with no ``}`` (each ``:-`` retried).
_LOOKUP_SPAN: re.Pattern[str] = _deferred("_LOOKUP_SPAN", r"\$\{[^${}]*\}")
_SPACE: re.Pattern[str] = _deferred("_SPACE", r"[\s\u00a0\u2000-\u200b\u3000]+")
_CONTROL: re.Pattern[str] = _deferred("_CONTROL", r"[\x00-\x08\x0e-\x1f\x7f\u200c-\u200f\ufeff]")
#: Look-alikes that servers map to path separators or dots (IIS best-fit and full-width forms).
_LOOKALIKES = str.maketrans(
    {
        "\u2215": "/",
        "\u2044": "/",
        "\u2216": "\\",
        "\uff0f": "/",
        "\uff3c": "\\",
        "\uff0e": ".",
        "\u2024": ".",
        "\u560a": "\n",  # 嘊: its low byte is LF (header splitting through UTF-16 truncation)
        "\u560d": "\r",  # 嘍: its low byte is CR
        "\u563c": "<",  # 嘼
        "\u563e": ">",  # 嘾
        "\u3002": ".",
    }
)
#: A value needs decoding only when it holds one of these.
NEEDS_DECODING: re.Pattern[str] = _deferred(
    "NEEDS_DECODING", r"[%&+\\\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uffff]|\$\{|/\*|<!--|\s\s"
)


def _overlong(match: re.Match[bytes]) -> bytes:
    raw = match.group()
    if len(raw) == 2:
        code = ((raw[0] & 0x1F) << 6) | (raw[1] & 0x3F)
    elif len(raw) == 3:
        code = ((raw[0] & 0x0F) << 12) | ((raw[1] & 0x3F) << 6) | (raw[2] & 0x3F)
    else:
        code = ((raw[1] & 0x3F) << 12) | ((raw[2] & 0x3F) << 6) | (raw[3] & 0x3F)
    return chr(code).encode("utf-8", "surrogatepass") if code < 0xD800 else b"?"


_WIDE: re.Pattern[bytes] = _deferred("_WIDE", rb"%[uU]([0-9a-fA-F]{4})")
_BAD_PERCENT: re.Pattern[bytes] = _deferred("_BAD_PERCENT", rb"%(?![0-9a-fA-F]{2})")


def _wide(match: re.Match[bytes]) -> bytes:
    return chr(int(match.group(1), 16)).encode("utf-8", "surrogatepass")


def _percent_decode(raw: bytes) -> bytes:
    """``%XX`` and ``%uXXXX`` decoded; a ``%`` that starts no escape stays.

    ``%XX`` is rewritten to quoted-printable's ``=XX`` (literal ``=`` first to ``=3D``), so
    ``binascii.a2b_qp`` decodes it in C: every ``=`` is then followed by two hex digits.
    """
    if b"%u" in raw or b"%U" in raw:
        raw = _WIDE.sub(_wide, raw)
    raw = _BAD_PERCENT.sub(b"=25", raw.replace(b"=", b"=3D"))
    return binascii.a2b_qp(raw.replace(b"%", b"="))


def url_decode(text: str) -> str:
    """One round of URL decoding (``+`` is a space) with UTF-8 overlongs resolved."""
    if "%" not in text:
        return text.replace("+", " ")
    raw = _percent_decode(text.replace("+", " ").encode("utf-8", "surrogatepass"))
    if b"\xc0" in raw or b"\xc1" in raw or b"\xe0" in raw or b"\xf0" in raw:
        raw = _OVERLONG.sub(_overlong, raw)
    return raw.decode("utf-8", "replace")


def _escape(match: re.Match[str]) -> str:
    wide, byte = match.groups()
    return chr(int(wide or byte, 16))


def _lookup(span: re.Match[str]) -> str:
    match = _LOOKUP.match(span.group())
    if match is None:
        return span.group()
    default, plain = match.groups()
    return default if default is not None else (plain or "")


def _fold_comments(text: str) -> str:
    r"""``/*...*/`` and ``<!--...-->`` (shortest, left to right) each folded to a space.

    What ``re.sub(r"/\*.*?\*/|<!--.*?-->", " ", text, flags=re.S)`` gives, in linear time:
    an opening marker only starts a comment when a closing one follows it, i.e. when it
    ends before the last closing marker starts (the expression would scan the rest of the
    text again for every unclosed ``/*``: seconds on 64 KiB of ``/*a``).
    """
    last_c, last_h = text.rfind("*/"), text.rfind("-->")
    parts: list[str] = []
    at = 0
    c_open = text.find("/*", 0, last_c) if last_c >= 0 else -1
    h_open = text.find("<!--", 0, last_h) if last_h >= 0 else -1
    while c_open >= 0 or h_open >= 0:
        if h_open < 0 or 0 <= c_open < h_open:
            start, end = c_open, text.find("*/", c_open + 2) + 2
        else:
            start, end = h_open, text.find("-->", h_open + 4) + 3
        parts += (text[at:start], " ")
        at = end
        if 0 <= c_open < at:
            c_open = text.find("/*", at, last_c)
        if 0 <= h_open < at:
            h_open = text.find("<!--", at, last_h)
    parts.append(text[at:])
    return "".join(parts)


def _short_number(match: re.Match[str]) -> str:
    """The same reference with fewer digits: leading zeros dropped, and a number above
    U+10FFFF (which ``html.unescape`` turns into U+FFFD whatever its size) as 0x110000."""
    digits = match.group(1).lstrip("0") or "0"
    return "&#" + (digits if len(digits) <= 7 else "1114112")


def _unescape(text: str) -> str:
    """``html.unescape`` that cannot raise on a long decimal reference."""
    if "&#" in text:
        text = _LONG_NUMBER.sub(_short_number, text)
    return html.unescape(text)


def normalize(value: str) -> str:
    """The normal form of ``value`` (itself when there is nothing to decode)."""
    if _native is not None:
        return _native(value)
    return normalize_python(value)


def normalize_python(value: str) -> str:
    """:func:`normalize` in Python: what the C extension computes, where it is missing."""
    text = value[:MAX_DECODE]
    if NEEDS_DECODING.search(text) is None:
        return text
    for _ in range(MAX_ROUNDS):
        decoded = url_decode(text)
        if "&" in decoded:
            decoded = _unescape(decoded)
        if "\\" in decoded:
            decoded = _ESCAPE.sub(_escape, decoded)
        if decoded == text:
            break
        text = decoded
    if "${" in text:
        for _ in range(MAX_ROUNDS * 2):
            folded = _LOOKUP_SPAN.sub(_lookup, text)
            if folded == text or "${" not in folded:
                text = folded
                break
            text = folded
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_LOOKALIKES))
    text = _CONTROL.sub("", text)
    if "/*" in text or "<!--" in text:
        text = _fold_comments(text)
    return _SPACE.sub(" ", text)


def spans(value: str, start: int, end: int, normal: str) -> tuple[int, int]:
    """The span of ``value`` whose normal form covers ``normal[start:end]``.

    A value of at most :data:`SHORT` characters is its own span (evidence shows that much
    anyway, and the search below costs a dozen decodings).
    Finds the shortest prefix whose normal form reaches ``end`` and the longest one whose
    normal form stays before ``start`` (binary search: O(log n) decodings).
    """
    if normal == value[:MAX_DECODE]:
        return start, end
    if len(value) <= SHORT:
        return 0, len(value)
    limit = min(len(value), MAX_DECODE)

    def reach(n: int) -> int:
        return len(normalize(value[:n]))

    lo, hi = 0, limit
    while lo < hi:  # smallest prefix whose normal form has >= end characters
        mid = (lo + hi) // 2
        if reach(mid) >= end:
            hi = mid
        else:
            lo = mid + 1
    stop = lo
    lo, hi = 0, stop
    while lo < hi:  # largest prefix whose normal form has <= start characters
        mid = (lo + hi + 1) // 2
        if reach(mid) <= start:
            lo = mid
        else:
            hi = mid - 1
    return lo, max(stop, lo + 1)
