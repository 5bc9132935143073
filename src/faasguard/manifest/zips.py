"""Deployment zips: built reproducibly, hashed the way Lambda does, and checked for hygiene.

A reproducible zip has its entries sorted by name, every timestamp fixed at 1980-01-01
00:00 (the earliest a zip can hold), every mode 0644 (0755 for files executable by their
owner), no directory entries, no extra fields and one compression level, so the same
directory gives the same bytes on every machine and Lambda's ``CodeSha256`` of the
uploaded package equals the one in the manifest. Compiled ``__pycache__`` files are left
out (they embed timestamps and Lambda recompiles them).

Hygiene (:func:`zip_problems`) reads only the central directory and streams nothing to
disk: names with ``..`` or absolute (or drive-letter) paths, symbolic links, duplicate
names, encrypted members, and zip bombs (more members, more unpacked bytes or a higher
compression ratio than an honest Lambda package can have; Lambda unpacks at most 250 MB).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath

from faasguard.errors import LoadError

#: 1980-01-01 00:00:00, the earliest timestamp a zip entry can carry.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
#: Lambda's limit for a function's unzipped code and layers together.
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
MAX_MEMBERS = 100_000
#: A member larger than 1 MiB compressed more than this is a zip bomb candidate.
MAX_RATIO = 200
_SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".aws-sam", ".serverless", ".terraform"})


@dataclass(frozen=True, slots=True)
class Digest:
    """The digests of one artifact: hex SHA-256 and Lambda's ``CodeSha256`` form."""

    sha256: str
    code_sha256: str
    size: int


def digest_bytes(data: bytes) -> Digest:
    """:class:`Digest` of ``data``; ``code_sha256`` is base64 of the raw SHA-256, as Lambda
    reports it in ``GetFunction`` / ``ListFunctions``."""
    raw = hashlib.sha256(data).digest()
    return Digest(raw.hex(), base64.b64encode(raw).decode("ascii"), len(data))


def digest_file(path: Path) -> Digest:
    """:class:`Digest` of a file, read in chunks."""
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            hasher.update(chunk)
            size += len(chunk)
    raw = hasher.digest()
    return Digest(raw.hex(), base64.b64encode(raw).decode("ascii"), size)


def _files(directory: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file below ``directory`` as (archive name, path), sorted by name.

    A symbolic link is refused (:class:`LoadError`): following it would put files from
    elsewhere into the package, and keeping it would ship a link Lambda may resolve to
    anything.
    """
    found: list[tuple[str, Path]] = []
    for current, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in (*dirs, *names):
            path = Path(current, name)
            if path.is_symlink():
                raise LoadError(
                    "symbolic link in the code directory; refusing to package it", str(path)
                )
        for name in names:
            path = Path(current, name)
            if name.endswith(".pyc") or not path.is_file():
                continue
            found.append((path.relative_to(directory).as_posix(), path))
    return iter(sorted(found))


def reproducible_zip(directory: Path) -> bytes:
    """The bytes of a reproducible zip of ``directory`` (see the module docstring)."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, path in _files(directory):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the building machine, so modes are read
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def member_hashes(data: bytes) -> dict[str, str]:
    """Hex SHA-256 of every file member of the zip ``data``, by name."""
    hashes: dict[str, str] = {}
    with zipfile.ZipFile(BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            hasher = hashlib.sha256()
            with zf.open(info) as member:
                for chunk in iter(lambda: member.read(1024 * 1024), b""):
                    hasher.update(chunk)
            hashes[info.filename] = hasher.hexdigest()
    return hashes


def _name_problem(name: str) -> str | None:
    if "\\" in name or (len(name) > 1 and name[1] == ":"):
        return f"member {name!r} has a Windows path (backslash or drive letter)"
    if name.startswith("/"):
        return f"member {name!r} has an absolute path"
    if ".." in PurePosixPath(name).parts:
        return f"member {name!r} climbs out of the package with '..'"
    return None


def zip_problems(data: bytes) -> list[str]:
    """What makes the zip ``data`` unsafe to deploy, one sentence each (empty: clean)."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [f"not a valid zip ({exc})"]
    problems: list[str] = []
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            return [f"{len(members)} members (more than {MAX_MEMBERS}): zip bomb candidate"]
        seen: set[str] = set()
        unpacked = 0
        for info in members:
            name = info.filename
            problem = _name_problem(name)
            if problem:
                problems.append(problem)
            if name in seen:
                problems.append(
                    f"member {name!r} appears twice (extractors disagree on which wins)"
                )
            seen.add(name)
            if stat.S_ISLNK(info.external_attr >> 16):
                problems.append(f"member {name!r} is a symbolic link")
            if info.flag_bits & 0x1:
                problems.append(f"member {name!r} is encrypted")
            unpacked += info.file_size
            if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                problems.append(
                    f"member {name!r} expands {info.file_size // max(info.compress_size, 1)}x "
                    f"(more than {MAX_RATIO}x): zip bomb candidate"
                )
        if unpacked > MAX_UNPACKED_BYTES:
            problems.append(
                f"unpacks to {unpacked} bytes, more than Lambda's 250 MB: zip bomb candidate"
            )
    return problems
