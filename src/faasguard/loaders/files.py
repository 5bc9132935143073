"""Reading the files discovery found, safely: regular files only, size checked first.

A scanned tree is untrusted. A FIFO named ``template.yaml`` blocks ``open()`` forever, a
symbolic link to ``/dev/zero`` never ends, and a 200 MB "template" must be refused before
it is read, not after. :func:`read_regular` opens without blocking, checks on the open file
descriptor (no race with a swap of the path) that it is a regular file of at most
``limit`` bytes, and reads at most ``limit`` bytes.
"""

from __future__ import annotations

import os
import stat

from faasguard.errors import LoadError


class UnreadableFileError(LoadError):
    """A file that was not read: no regular file, over the size cap, or refused by the OS."""


#: The largest template or configuration file a loader reads (the YAML front end's cap).
MAX_FILE_BYTES = 20 * 1024 * 1024


def kind_of(mode: int) -> str:
    """``FIFO``, ``device``, ``socket``, ``directory`` or ``file`` for an ``st_mode``."""
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISDIR(mode):
        return "directory"
    return "file"


def open_regular(path: str | os.PathLike[str], limit: int | None = MAX_FILE_BYTES) -> int:
    """A read-only descriptor of ``path``; :class:`UnreadableFileError` when it is no regular file,
    is larger than ``limit`` bytes (``None``: no limit) or cannot be opened."""
    name = os.fspath(path)
    try:
        # O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnreadableFileError(f"cannot read file: {exc.strerror or exc}", name) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFileError(
                f"not a regular file ({kind_of(info.st_mode)}); skipped", name
            )
        if limit is not None and info.st_size > limit:
            raise UnreadableFileError(
                f"file larger than {limit // (1024 * 1024)} MiB ({info.st_size:,} bytes); skipped",
                name,
            )
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them; raises
    :class:`UnreadableFileError` (with the path) for anything else, before reading it."""
    fd = open_regular(path, limit)
    try:
        with os.fdopen(fd, "rb", closefd=True) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UnreadableFileError(
            f"cannot read file: {exc.strerror or exc}", os.fspath(path)
        ) from None
    if len(data) > limit:  # grew while we read it
        raise UnreadableFileError(
            f"file larger than {limit // (1024 * 1024)} MiB; skipped", os.fspath(path)
        )
    return data


def read_regular_text(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> str:
    """:func:`read_regular` decoded as UTF-8, undecodable bytes replaced."""
    return read_regular(path, limit).decode("utf-8", errors="replace")
