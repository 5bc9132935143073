"""Helpers of the fuzzing suite: a write sandbox, a hard time limit, a fixed sample of real
files, and strategies for hostile text."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

#: Hard limit on one example's wall time; well above the deadline, it only catches hangs.
HARD_LIMIT_SECONDS = 30.0

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"


class ExampleHung(BaseException):
    """An example ran past :data:`HARD_LIMIT_SECONDS` (a BaseException, so the code under
    test cannot swallow it with ``except Exception``)."""


@contextlib.contextmanager
def time_limit(seconds: float = HARD_LIMIT_SECONDS) -> Iterator[None]:
    """Interrupt the block with :class:`ExampleHung` after ``seconds`` of wall time."""
    if sys.platform == "win32" or not hasattr(signal, "setitimer"):  # pragma: no cover
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise ExampleHung(f"example still running after {seconds:.0f} s (a hang)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ----------------------------------------------------------------------- write sandbox

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@dataclass
class _Watch:
    root: str | None = None
    violations: list[str] = field(default_factory=list)


_WATCH = _Watch()


def _inside(path: object, root: str) -> bool:
    if isinstance(path, int):  # an already open descriptor
        return True
    try:
        text = os.fsdecode(path)  # type: ignore[arg-type]
    except TypeError:
        return True
    if text in (":memory:", ""):
        return True
    if "/__pycache__/" in text:  # the import system caching bytecode, not the code under test
        return True
    real = os.path.realpath(text)
    return real == root or real.startswith(root + os.sep)


def _is_write(event: str, args: tuple[Any, ...]) -> object | None:
    """The path an audited event writes to, or None when it does not write."""
    if event == "open" and len(args) >= 3:
        path, mode, flags = args[0], args[1], args[2]
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            return path
        if isinstance(flags, int) and flags & _WRITE_FLAGS:
            return path
        return None
    if event in ("os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.symlink", "os.link"):
        return args[0]
    if event in ("os.rename", "shutil.move", "shutil.copyfile", "shutil.copytree"):
        return args[1] if len(args) > 1 else None
    if event == "sqlite3.connect":
        return args[0]
    return None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    root = _WATCH.root
    if root is None:
        return
    target = _is_write(event, args)
    if target is None:
        return
    if not _inside(target, root):
        _WATCH.violations.append(f"{event} {target!r}")
        raise PermissionError(f"fuzz sandbox: {event} outside the example's directory: {target}")


sys.addaudithook(_audit)


@contextlib.contextmanager
def sandbox() -> Iterator[Path]:
    """A fresh directory for one example, with every write outside it refused and recorded.

    Temporary files of libraries (``tempfile``) go inside it too. After the block, the
    recorded violations fail the example even when the code under test swallowed the
    ``PermissionError`` the audit hook raised.
    """
    directory = Path(tempfile.mkdtemp(prefix="faasguard-fuzz-")).resolve()
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = str(directory)
    _WATCH.root = str(directory)
    _WATCH.violations = []
    try:
        yield directory
    finally:
        violations = list(_WATCH.violations)
        _WATCH.root = None
        tempfile.tempdir = saved_tempdir
        shutil.rmtree(directory, ignore_errors=True)
    assert not violations, f"wrote outside the example's directory: {violations}"


def corpus_sample(patterns: tuple[str, ...], count: int, max_bytes: int = 8_000) -> list[str]:
    """A fixed sample of real files (read-only): every n-th of the sorted matches.

    From the shared corpus when it is there, else from this repository's fixtures, so the
    sample (and so every ci run) is the same from one run to the next.
    """
    base = CORPUS if CORPUS.is_dir() else ROOT / "tests" / "fixtures"
    found = sorted(
        path
        for pattern in patterns
        for path in base.rglob(pattern)
        if path.is_file() and not path.is_symlink() and 0 < path.stat().st_size <= max_bytes
    )
    if not found:
        return []
    step = max(1, len(found) // count)
    return [
        found[i].read_text(encoding="utf-8", errors="replace") for i in range(0, len(found), step)
    ][:count]


def fuzz_settings(weight: float = 1.0, **overrides: Any) -> settings:
    """The run's profile (``FAASGUARD_FUZZ``, default ``ci``) with ``weight`` times its
    examples: heavy targets (a whole loader, a log analysis) take fewer, cheap ones more."""
    profile = settings.get_profile(os.environ.get("FAASGUARD_FUZZ", "ci"))
    examples = max(1, round(profile.max_examples * weight))
    return settings(profile, max_examples=examples, **overrides)


# ----------------------------------------------------------------------- hostile text

#: Characters that break naive readers: controls, escapes, bidi overrides, BOM, NUL, lone
#: surrogates, non-BMP, combining marks, line and paragraph separators.
ODD_CHARACTERS = (
    "\x00",
    "\x01",
    "\x07",
    "\x1b",
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u202e",
    "\u200b",
    "\ud800",
    "\udfff",
    "\U0001f600",
    "e\u0301",
    "\uffff",
    "\t",
    "\r",
    "\r\n",
    "\\",
    '"',
    "'",
    "${",
    "}",
    "%",
    "&",
    "*",
    "!",
    "|",
    ">",
)

#: Numbers at and past every boundary a reader may convert into.
HUGE_NUMBERS = (
    "0",
    "-0",
    "1e308",
    "1e309",
    "-1e309",
    "9" * 400,
    "1" + "0" * 5000,
    "0x" + "f" * 64,
    "1.7976931348623157e308",
    "NaN",
    "Infinity",
    "-Infinity",
    ".inf",
    ".nan",
    "0o777",
    "9223372036854775808",
    "-9223372036854775809",
    "1_000",
    "1e-400",
    "2.",
    "+1",
)

odd_text = st.lists(
    st.one_of(
        st.sampled_from(ODD_CHARACTERS),
        st.characters(codec="utf-8"),
        st.characters(),  # surrogates included
    ),
    max_size=30,
).map("".join)
plain_words = st.sampled_from(
    ("a", "x", "Fn", "Arn", "Name", "main", "dev", "0", "1.0", "true", "null", "~", "-", "")
)
text_values = st.one_of(plain_words, odd_text, st.sampled_from(HUGE_NUMBERS))


def mutate(text: str, data: st.DataObject, tokens: tuple[str, ...]) -> str:
    """``text`` with a few random edits: a token inserted, a span deleted or duplicated."""
    edits = data.draw(st.integers(0, 6), label="edits")
    for _ in range(edits):
        at = data.draw(st.integers(0, len(text)), label="at")
        kind = data.draw(st.sampled_from(("insert", "delete", "duplicate", "odd")), label="kind")
        if kind == "insert":
            text = text[:at] + data.draw(st.sampled_from(tokens), label="token") + text[at:]
        elif kind == "odd":
            text = text[:at] + data.draw(odd_text, label="odd") + text[at:]
        else:
            span = data.draw(st.integers(1, 64), label="span")
            piece = text[at : at + span]
            text = text[:at] + (piece * 2 if kind == "duplicate" else "") + text[at + span :]
    return text


def as_file_text(text: str) -> str:
    """``text`` as a loader can get it from a file: the UTF-8 bytes (a lone surrogate
    written as its three bytes) decoded with replacement, as no file decodes to a
    surrogate. Escaped surrogates (``"\\ud800"``) stay, and are the hostile case."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
