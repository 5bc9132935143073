"""Reading log containers: discovery, format sniffing and bounded-memory streaming.

Containers: plain or gzip text files (``<ISO timestamp> <message>`` per line, as in the
CloudWatch Logs export to S3, ``<prefix>/<task>/<stream>/000000.gz``), subscription-filter
payloads (``{"awslogs": {"data": base64(gzip(json))}}``, one per line or per file),
``aws logs filter-log-events`` JSON output, JSON lines with ``message`` and ``timestamp``,
CloudWatch Logs subscription payloads as Kinesis Data Firehose delivers them to S3
(``{"messageType": ...}`` objects one after another, gzip), and CloudTrail files
(``{"Records": [...]}``, usually gzip).

Text files are read in blocks of complete lines (a few MB each), decompressed with a
streaming inflater (ISA-L, else ``zlib``) so a truncated gzip keeps everything before the
cut. The function comes from an ``aws/lambda/NAME`` path segment, else the record's log
group, else the ``--function-name`` fallback.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import types
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from faasguard.errors import LoadError
from faasguard.loaders.files import kind_of, open_regular
from faasguard.logs.diagnostics import DiagnosticCounter

_inflate: types.ModuleType
try:  # ISA-L inflates gzip about 3x faster than zlib, with the same API and output.
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - platforms without an isal wheel
    _inflate = zlib
_native: types.ModuleType | None
try:  # the optional C scanner (see faasguard.logs.parse): memchr finds newlines faster
    from faasguard.logs import _scan as _native
except ImportError:  # pragma: no cover - built wherever a C compiler was available
    _native = None
#: What either inflater raises on corrupt data.
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _inflate.error)

#: Bytes of decompressed text per block handed to the parser.
BLOCK_SIZE = 8 * 1024 * 1024
#: Lines parsed per block: one line in 16 bytes of the block (see :func:`_dense_cut`).
MAX_BLOCK_LINES = BLOCK_SIZE // 16
#: Longer lines are truncated to this many bytes for analysis (and counted).
MAX_LINE = 256 * 1024
#: Whole-document JSON read at once (only small ones now) larger than this are skipped.
MAX_DOCUMENT = 512 * 1024 * 1024
#: One value of a streamed JSON array (an event, a CloudTrail record) may not exceed this.
MAX_JSON_ITEM = 32 * 1024 * 1024
_READ_SIZE = 1024 * 1024
#: Decompressed bytes per inflater call (bounds memory per chunk, whatever the ratio).
MAX_INFLATE_CHUNK = 4 * 1024 * 1024
#: Compressed bytes handed to the inflater at a time (see :func:`_inflate_some`).
_INFLATE_STEP = 64 * 1024
#: A gzip source inflates to at most ``INFLATE_RATIO`` times its size, or this floor.
INFLATE_RATIO = 100
MIN_INFLATE_BUDGET = 256 * 1024 * 1024

_LOG_GROUP_IN_PATH = re.compile(r"(?:^|/)aws/lambda/([A-Za-z0-9_.-]+)(?:/|$)")
_SKIP_DIRS = {".git", ".faasguard", "node_modules", "__pycache__"}


@dataclass(frozen=True, slots=True)
class Source:
    """A file to read, its container kind and the function its path names (if any)."""

    path: str
    container: str  # text, subscription, firehose, filter-log-events, jsonl, cloudtrail
    function: str | None


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Complete lines of a text container: the bytes, where they start, the first line no.

    ``newlines`` (positions of every ``\\n`` in ``data``), when the reader computed them to
    count lines, saves the parser a second pass over the block.
    """

    data: bytes
    offset: int
    first_line: int
    newlines: np.ndarray | None = None


def function_from_path(path: str) -> str | None:
    """``NAME`` from a path containing ``aws/lambda/NAME`` (log group as path prefix)."""
    match = _LOG_GROUP_IN_PATH.search(Path(path).as_posix())
    return match.group(1) if match else None


def function_from_group(group: str | None) -> str | None:
    """``NAME`` from a log group ``/aws/lambda/NAME``."""
    if group and group.startswith("/aws/lambda/"):
        return group[len("/aws/lambda/") :]
    return None


def discover(paths: Sequence[str], diagnostics: DiagnosticCounter) -> list[Source]:
    """Every log file below ``paths`` (files are taken as given), sorted, sniffed."""
    files: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                files.extend(os.path.join(root, n) for n in sorted(names))
        else:
            files.append(path)
    sources = []
    for file in files:
        if os.path.basename(file) == "ground_truth.json":
            continue  # the generator's answer key sits next to its logs
        if _not_regular(file):
            # A FIFO would block the run, a link to /dev/zero would never end.
            diagnostics.add("not-a-file", file)
            continue
        container = sniff(file, diagnostics)
        if container is not None:
            sources.append(Source(file, container, function_from_path(file)))
    return sources


def _not_regular(path: str) -> str:
    """``""`` for a regular file (or one whose status cannot be read: reading it reports
    why), else what it is (``FIFO``, ``device``, ...)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    return "" if stat.S_ISREG(mode) else kind_of(mode)


def open_log(path: str) -> BinaryIO:
    """``path`` opened for reading when it is a regular file; :class:`OSError` otherwise.

    Checked on the open descriptor (opened without blocking), so a FIFO or a device swapped
    in after discovery is refused too instead of blocking or reading forever.
    """
    try:
        fd = open_regular(path, None)
    except LoadError as exc:
        raise OSError(exc.message) from None
    return os.fdopen(fd, "rb")


def sniff(path: str, diagnostics: DiagnosticCounter) -> str | None:
    """The container kind of ``path`` from its first bytes (decompressed if gzip)."""
    try:
        head = read_head(path, 4096)
    except OSError as exc:
        diagnostics.add("unreadable", path, exc.strerror or str(exc))
        return None
    text = head.lstrip()[:4096]
    if text.startswith(b'{"awslogs"') or text.startswith(b'{ "awslogs"'):
        return "subscription"
    if text.startswith(b"{") and b'"Records"' in text[:64]:
        return "cloudtrail"
    if re.match(rb'\{\s*"messageType"\s*:', text):
        return "firehose"  # CloudWatch Logs payloads delivered by Firehose (gunzipped)
    if text.startswith(b"{") and re.match(rb'\{\s*"(events|searchedLogStreams|nextToken)"', text):
        return "filter-log-events"
    if text.startswith(b"{") and b'"message"' in text.split(b"\n", 1)[0]:
        return "jsonl"
    return "text"


def read_head(path: str, size: int) -> bytes:
    """Up to ``size`` leading bytes of the file, gunzipped when it is gzip.

    Only what those bytes need is read and inflated (sniffing every file of a large input
    must not cost a full decompression pass of its first megabyte); a damaged gzip yields
    what could be read.
    """
    with open_log(path) as handle:
        first = handle.read(64 * 1024)
        if not first.startswith(b"\x1f\x8b"):
            return first[:size]
        decompressor = _inflate.decompressobj(wbits=31)
        out = b""
        pending = first
        while len(out) < size and pending:
            try:
                out += decompressor.decompress(pending, size - len(out))
            except _INFLATE_ERRORS:
                break
            if decompressor.eof:
                # Like iter_decompressed, read on into the next gzip member.
                pending = decompressor.unused_data or handle.read(64 * 1024)
                if not pending.startswith(b"\x1f\x8b"):
                    break
                decompressor = _inflate.decompressobj(wbits=31)
                continue
            pending = decompressor.unconsumed_tail or handle.read(64 * 1024)
        return out


def inflate_budget(compressed_size: int) -> int:
    """Decompressed bytes read from one gzip source of ``compressed_size`` bytes.

    Log text compresses about 10:1 (30:1 for very repetitive lines); deflate reaches
    1000:1 only on crafted input such as a gigabyte of newlines. Past the budget the rest
    of the source is skipped and counted (``inflate-limit``).
    """
    return max(MIN_INFLATE_BUDGET, INFLATE_RATIO * compressed_size)


def _inflate_some(decompressor: Any, data: bytes, at: int) -> tuple[bytes, int]:
    """``decompressor.decompress(data[at:], MAX_INFLATE_CHUNK)`` and where in ``data`` the
    input it leaves (its unconsumed tail, or past the member's end its unused data) starts.

    Fed :data:`_INFLATE_STEP` bytes at a time through a memoryview: at the end of a gzip
    member the inflater copies the rest of its input as unused data, and a Firehose object
    has a member every few kilobytes; with the whole read buffer as input, those copies
    cost more than a third of the inflating. Same output, in the same chunks.
    """
    view = memoryview(data)
    parts: list[bytes] = []
    room = MAX_INFLATE_CHUNK
    while True:
        piece = view[at : at + _INFLATE_STEP]
        out = decompressor.decompress(piece, room)
        parts.append(out)
        room -= len(out)
        left = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
        at += len(piece) - len(left)
        if decompressor.eof or room <= 0 or at >= len(data):
            return (parts[0] if len(parts) == 1 else b"".join(parts)), at


def iter_decompressed(path: str, diagnostics: DiagnosticCounter) -> Iterator[bytes]:
    """The file's bytes in chunks, gunzipped (every member) when it is gzip.

    A truncated or corrupt gzip yields everything readable before the damage and counts a
    diagnostic; it never raises past this function except for an unreadable file. Every
    chunk is at most :data:`MAX_INFLATE_CHUNK` bytes (one megabyte of a gzip bomb would
    otherwise inflate to a gigabyte in one call), and a source inflates to at most
    :func:`inflate_budget` bytes.
    """
    with open_log(path) as handle:
        first = handle.read(_READ_SIZE)
        if not first.startswith(b"\x1f\x8b"):
            while first:
                yield first
                first = handle.read(_READ_SIZE)
            return
        budget = inflate_budget(os.fstat(handle.fileno()).st_size)
        decompressor = _inflate.decompressobj(wbits=31)
        data, at = first, 0  # the compressed bytes read, and where the unread ones start
        produced = 0
        while True:
            if at >= len(data):
                data, at = handle.read(_READ_SIZE), 0
                if not data:
                    break
            try:
                out, at = _inflate_some(decompressor, data, at)
            except _INFLATE_ERRORS as exc:
                diagnostics.add("corrupt-gzip", path, f"decompressed offset {produced}: {exc}")
                return
            if out:
                produced += len(out)
                if produced > budget:
                    diagnostics.add("inflate-limit", path, f"decompressed offset {budget}")
                    return
                yield out
            if decompressor.eof:
                if at >= len(data):  # the member ended with the bytes read: read on
                    data, at = handle.read(_READ_SIZE), 0
                if data.startswith(b"\x1f\x8b", at):
                    decompressor = _inflate.decompressobj(wbits=31)  # next gzip member
                elif data[at:].strip(b"\x00"):
                    diagnostics.add("corrupt-gzip", path, f"trailing bytes after offset {produced}")
                    return
                else:
                    return
        tail = decompressor.flush()
        if tail:
            produced += len(tail)
            yield tail
        if not decompressor.eof:
            diagnostics.add("truncated-gzip", path, f"decompressed offset {produced}")


def text_blocks(
    path: str, diagnostics: DiagnosticCounter, block_size: int = BLOCK_SIZE
) -> Iterator[TextBlock]:
    """Blocks of complete lines (each ending with ``\\n``) with their byte offset and line no.

    A line longer than :data:`MAX_LINE` that does not fit a block is cut at the limit (the
    rest up to its newline is skipped) and counted; memory stays bounded by the block size.
    """
    # Decompressed pieces are kept as they come and joined once per block (one copy of the
    # block, not an append, a slice and a shift of the whole buffer every time).
    pieces: list[bytes] = []
    size = 0
    offset = 0  # offset of the first piece in the decompressed stream
    line_no = 1
    skipping = False  # inside the unread rest of an over-long line
    for piece in iter_decompressed(path, diagnostics):
        chunk = piece
        if skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                offset += len(chunk)
                continue
            offset += cut + 1
            line_no += 1
            chunk = chunk[cut + 1 :]
            skipping = False
        pieces.append(chunk)
        size += len(chunk)
        if size < block_size:
            continue
        last = len(pieces) - 1
        cut = pieces[last].rfind(b"\n")
        while cut < 0 and last > 0:
            last -= 1
            cut = pieces[last].rfind(b"\n")
        if cut < 0:
            if size > MAX_LINE:
                diagnostics.add("long-line", path, f"line {line_no}")
                block = b"".join(pieces)[:MAX_LINE] + b"\n"
                yield TextBlock(block, offset, line_no)
                offset += size
                pieces, size = [], 0
                skipping = True
            continue
        block = b"".join([*pieces[:last], pieces[last][: cut + 1]])
        rest = [pieces[last][cut + 1 :], *pieces[last + 1 :]]
        pieces = [item for item in rest if item]
        size -= len(block)
        newlines = newline_positions(block)
        yield _dense_cut(TextBlock(block, offset, line_no, newlines), path, diagnostics)
        offset += len(block)
        line_no += len(newlines)
    if size and not skipping:
        block = b"".join(pieces)
        if not block.endswith(b"\n"):
            block += b"\n"
        yield _dense_cut(
            TextBlock(block, offset, line_no, newline_positions(block)), path, diagnostics
        )


def _dense_cut(block: TextBlock, path: str, diagnostics: DiagnosticCounter) -> TextBlock:
    """``block`` cut after :data:`MAX_BLOCK_LINES` lines; the rest is counted, not parsed.

    The parser spends a few numbers and some time per line: 8 MB of newlines (a newline
    bomb) is 8 million lines per block. Real log lines (a timestamp alone is 24 bytes)
    never average under 16 bytes over a block, so real logs are never cut.
    """
    newlines = block.newlines
    if newlines is None or len(newlines) <= MAX_BLOCK_LINES:
        return block
    kept = newlines[:MAX_BLOCK_LINES]
    diagnostics.add(
        "dense-lines", path, f"line {block.first_line + MAX_BLOCK_LINES}", len(newlines) - len(kept)
    )
    return TextBlock(block.data[: int(kept[-1]) + 1], block.offset, block.first_line, kept)


def newline_positions(data: bytes) -> np.ndarray:
    """Offsets of every ``\\n`` in ``data`` (int64)."""
    if _native is None:
        # numpy finds the newlines three times faster than bytes.count counts them.
        return np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    out = np.empty(len(data) // 64 + 16, dtype=np.int64)  # lines are rarely under 64 bytes
    count = _native.newlines(data, out)
    if count > len(out):
        out = np.empty(count, dtype=np.int64)
        _native.newlines(data, out)
    return out[:count]


class _Reader:
    """Decoded text of a file, pulled chunk by chunk, with a cursor (for :func:`json_items`).

    Only the unread rest of the current text is kept: memory is one chunk plus the value
    being decoded, whatever the size of the document.
    """

    def __init__(self, path: str, diagnostics: DiagnosticCounter) -> None:
        self.chunks = iter_decompressed(path, diagnostics)
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text = ""
        self.pos = 0
        self.consumed = 0  # characters dropped before ``text``
        self.item_start = 0  # where the value being read started in ``text``
        self.done = False

    def more(self) -> bool:
        """Append the next chunk (dropping what was read); False at the end."""
        if self.done:
            return False
        chunk = next(self.chunks, None)
        if chunk is None:
            self.done = True
            tail = self.decoder.decode(b"", final=True)
            if not tail:
                return False
            chunk_text = tail
        else:
            chunk_text = self.decoder.decode(chunk)
        self.consumed += self.pos
        self.text = self.text[self.pos :] + chunk_text
        self.item_start = max(0, self.item_start - self.pos)
        self.pos = 0
        return True

    def skip_space(self) -> str:
        """The next non-space character (not consumed), or "" at the end."""
        text, pos = self.text, self.pos
        if pos < len(text) and text[pos] not in " \t\n\r":
            return text[pos]  # the usual case (compact JSON): no regex call
        while True:
            match = _JSON_SPACE.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def value(self, decoder: json.JSONDecoder) -> Any:
        """Decode one JSON value at the cursor, pulling chunks until it is complete."""
        self.skip_space()  # raw_decode does not skip leading whitespace
        while True:
            try:
                item, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # Cut by the end of the text read so far (a string, a number, a literal or
                # an escape such as \ud83d\ude00, at most 12 characters, may be cut): more
                # text may complete it. An error further inside is invalid JSON whatever
                # follows.
                cut = exc.pos >= len(self.text) - 16 or exc.msg.startswith("Unterminated")
                if len(self.text) - self.pos > MAX_JSON_ITEM:
                    raise ValueError(f"a value over {MAX_JSON_ITEM} bytes") from None
                if cut and self.more():
                    continue
                raise
            if end == len(self.text) and not self.done and self.more():
                # A number cut by the chunk boundary would decode short: decode again.
                continue
            self.pos = end
            return item

    def where(self) -> int:
        """Character offset of the cursor in the document."""
        return self.consumed + self.pos


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def no_surrogates(text: str) -> str:
    """``text`` with lone surrogates (from JSON escapes) replaced by U+FFFD (the same string
    object when there is none)."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def without_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates in every string (keys too) replaced by U+FFFD.

    ``"\\ud800"`` alone is valid JSON but no valid UTF-8: such a string cannot be stored
    by Arrow, hashed into a fingerprint or printed.
    """
    if isinstance(value, str):
        return no_surrogates(value)
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    return value


def json_items(
    path: str, key: str, diagnostics: DiagnosticCounter, *, scrub: bool = False
) -> Iterator[tuple[int, Any]]:
    """``(index, item)`` of the array under the top-level ``key`` of a JSON document, read
    incrementally (``{"events": [...]}`` of ``filter-log-events``, ``{"Records": [...]}``
    of CloudTrail): memory stays at one chunk and one item however large the file.

    Other top-level values are decoded and dropped. A document that is no object, has no
    such array, or breaks off is counted as ``invalid-json`` with where it broke; the items
    before that point are kept. With ``scrub``, lone surrogate escapes in an item's strings
    become U+FFFD (counted as ``invalid-utf8``); only items whose text holds a surrogate
    escape are walked.
    """
    reader = _Reader(path, diagnostics)
    decoder = json.JSONDecoder()
    found = False
    try:
        if reader.skip_space() != "{":
            diagnostics.add("invalid-json", path, "document: not a JSON object")
            return
        reader.pos += 1
        while True:
            char = reader.skip_space()
            if char == "}":
                break
            name = reader.value(decoder)
            if not isinstance(name, str) or reader.skip_space() != ":":
                raise ValueError("expected a key and ':'")
            reader.pos += 1
            if name == key and reader.skip_space() == "[":
                found = True
                reader.pos += 1
                for index, item in _array_items(reader, decoder, key):
                    text = reader.text
                    if scrub and _SURROGATE_ESCAPE.search(text, reader.item_start, reader.pos):
                        yield index, _scrubbed(item, path, f"/{key}/{index}", diagnostics)
                    else:
                        yield index, item
            else:
                reader.value(decoder)  # another member: decoded and dropped
            char = reader.skip_space()
            if char == ",":
                reader.pos += 1
            elif char != "}":
                raise ValueError("expected ',' or '}'")
    except (ValueError, RecursionError) as exc:
        diagnostics.add("invalid-json", path, f"character {reader.where()}: {exc}")
        return
    if not found:
        diagnostics.add("invalid-json", path, f"no {key} list")


def _array_items(reader: _Reader, decoder: json.JSONDecoder, key: str) -> Iterator[tuple[int, Any]]:
    """The items of the array whose ``[`` the reader just passed, up to its ``]``."""
    index = 0
    while True:
        char = reader.skip_space()
        if char == "]":
            reader.pos += 1
            return
        if index and char == ",":
            reader.pos += 1
        elif index:
            raise ValueError(f"expected ',' or ']' in /{key}")
        reader.item_start = reader.pos
        try:
            item = reader.value(decoder)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"/{key}/{index}: {exc}") from None
        yield index, item
        index += 1


def _scrubbed(item: Any, path: str, where: str, diagnostics: DiagnosticCounter) -> Any:
    cleaned = without_surrogates(item)
    if cleaned != item:
        diagnostics.add("invalid-utf8", path, where)
    return cleaned


def json_values(path: str, diagnostics: DiagnosticCounter) -> Iterator[tuple[int, Any]]:
    """``(index, value)`` of JSON values written one after another (no separator, spaces or
    newlines between them), as Kinesis Data Firehose delivers CloudWatch Logs subscription
    payloads to S3. Read incrementally like :func:`json_items`; a break is counted as
    ``invalid-json`` with where it happened, the values before it are kept.
    """
    reader = _Reader(path, diagnostics)
    decoder = json.JSONDecoder()
    index = 0
    try:
        while reader.skip_space():
            yield index, reader.value(decoder)
            index += 1
    except (ValueError, RecursionError) as exc:
        diagnostics.add("invalid-json", path, f"character {reader.where()}: value {index}: {exc}")


def read_document(path: str, diagnostics: DiagnosticCounter) -> bytes | None:
    """A whole (decompressed) JSON document, or ``None`` (counted) when too large."""
    parts: list[bytes] = []
    size = 0
    for chunk in iter_decompressed(path, diagnostics):
        size += len(chunk)
        if size > MAX_DOCUMENT:
            diagnostics.add("too-large", path, f"over {MAX_DOCUMENT} bytes")
            return None
        parts.append(chunk)
    return b"".join(parts)
