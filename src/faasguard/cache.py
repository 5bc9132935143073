"""A content-addressed cache of loaded models, so an unchanged tree rescans near-instantly.

Entries live in ``.faasguard/cache`` below the scanned root (or ``--cache-dir``). Each entry is
a pickled :class:`~faasguard.model.App` plus the SHA-256 of every file the loader read, and is
used only when all of those files still hash the same.

Security: the cache sits inside a repository that strangers can send pull requests to.

- Unpickling attacker-controlled bytes runs code, and a resolved model holds the values of
  ``--var``/``--param`` and ``${env:...}`` (often CI secrets). Every entry is therefore sealed
  with AES-GCM (authenticated encryption, from ``cryptography``) under a key that lives in the
  user's own cache directory (mode 0600), never in the repository: an entry that does not
  decrypt is ignored and rewritten, and nothing in an entry is readable without the key.
- A repository can hold symbolic links where the cache writes. The cache directory and its
  parents below the scanned root must be real directories (else :class:`CacheUnavailableError`),
  files are created with ``O_EXCL``/``O_NOFOLLOW`` (``tempfile.mkstemp``, mode 0600) and
  renamed over the entry, and entries are read only when they are regular files no larger
  than :data:`MAX_ENTRY_BYTES` (a FIFO or a link to ``/dev/zero`` is never opened for reading).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import pickle
import stat
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import faasguard
from faasguard import __version__
from faasguard.config import LoadOptions
from faasguard.loaders import Candidate
from faasguard.model import App

#: An entry larger than this is not read (a model of a very large app pickles to a few MB).
MAX_ENTRY_BYTES = 256 * 1024 * 1024
_KEY_SIZE = 32
_NONCE_SIZE = 12
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of blocking


@functools.cache
def code_fingerprint() -> str:
    """What identifies the installed faasguard code: the name, size and modification time of
    every module of the package. The version alone is not enough: a development install (or
    a patched one) changes the loaders without changing it, and a model cached by other
    code must not be served."""
    package = Path(faasguard.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        info = path.stat()
        digest.update(f"{path.relative_to(package)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


class CacheUnavailableError(Exception):
    """The cache cannot be used safely (the message says why, on one line)."""


def _read_regular(path: Path, limit: int, *, follow_links: bool = False) -> bytes:
    """The bytes of ``path`` when it is a regular file of at most ``limit`` bytes.

    Raises :class:`FileNotFoundError` when it is missing, and another :class:`OSError`
    when it is a symbolic link (unless ``follow_links``), not a regular file, or too large.
    The size is checked before reading, on the opened file itself.
    """
    flags = os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags if follow_links else flags | _NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        if info.st_size > limit:
            raise OSError(f"larger than {limit} bytes")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"larger than {limit} bytes")
    return data


def _user_key() -> bytes:
    """The per-user secret in the user cache directory (created on first use, mode 0600).

    Raises :class:`CacheUnavailableError` when it can neither be read nor created (``HOME=/``,
    a read-only home, ``cache-key`` that is a directory or a link).
    """
    import platformdirs  # noqa: PLC0415 - only needed when caching is on

    key_dir = Path(platformdirs.user_cache_dir("faasguard"))
    key_file = key_dir / "cache-key"
    try:
        data = _read_regular(key_file, 4096)
        if len(data) >= _KEY_SIZE:
            return data
    except FileNotFoundError:
        pass
    except OSError as exc:
        message = f"cannot read the cache key {key_file}: {_reason(exc)}"
        raise CacheUnavailableError(message) from None
    data = os.urandom(_KEY_SIZE)
    try:
        key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_new(key_dir, key_file.name, data)
    except OSError as exc:
        message = f"cannot create the cache key {key_file}: {_reason(exc)}"
        raise CacheUnavailableError(message) from None
    return data


def _write_new(directory: Path, name: str, data: bytes) -> None:
    """Write ``data`` to a fresh temporary file (``O_EXCL``, mode 0600) in ``directory`` and
    rename it to ``name``: a link already at either name is replaced, never followed."""
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# Files above this size are not read to decide whether a cache entry is still valid: their
# size, modification time and inode stand for their content (as make does). A candidate
# that large is refused by the loaders anyway (20 MiB); deployment zips may be larger.
HASH_LIMIT = 64 * 1024 * 1024


def _hash_file(path: str) -> str | None:
    """SHA-256 of a regular file (read in blocks; its ``stat`` identity above
    :data:`HASH_LIMIT`), ``None`` for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            if info.st_size > HASH_LIMIT:
                return f"stat:{info.st_size}:{info.st_mtime_ns}:{info.st_dev}:{info.st_ino}"
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


class ModelCache:
    """Load and store :class:`App` models keyed by the candidate and the loader options.

    ``root`` is the scanned root: no part of the cache directory below it may be a link.
    """

    def __init__(self, directory: str, root: str | None = None) -> None:
        self.directory = Path(directory)
        self.root = root
        self._key: bytes | None = None

    @property
    def mac_key(self) -> bytes:
        """The per-user key (created on first use); :class:`CacheUnavailableError` without one."""
        if self._key is None:
            self._key = _user_key()
        return self._key

    def check(self) -> None:
        """Raise :class:`CacheUnavailableError` unless the cache can be used safely: no link among
        the existing cache directory and its parents below the root, and a user key."""
        for part in self._parts():
            try:
                mode = os.lstat(part).st_mode
            except FileNotFoundError:
                break
            except OSError as exc:
                raise CacheUnavailableError(f"{part}: {_reason(exc)}") from None
            if stat.S_ISLNK(mode):
                raise CacheUnavailableError(f"{part} is a symbolic link")
            if not stat.S_ISDIR(mode):
                raise CacheUnavailableError(f"{part} is not a directory")
        self.mac_key  # noqa: B018 - raises when there is no usable key

    def _parts(self) -> list[Path]:
        """The cache directory and its parents below the root (just itself outside the root)."""
        directory = Path(os.path.abspath(self.directory))
        if self.root is None:
            return [directory]
        root = Path(os.path.abspath(self.root))
        if directory != root and root not in directory.parents:
            return [directory]
        relative = directory.relative_to(root).parts
        return [root.joinpath(*relative[: i + 1]) for i in range(len(relative))]

    def _make_directory(self) -> Path:
        """Create the cache directory (mode 0700) one level at a time, refusing links."""
        for part in self._parts():
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o700)
            if not stat.S_ISDIR(os.lstat(part).st_mode):  # a link is not S_ISDIR under lstat
                raise CacheUnavailableError(f"{part} is not a real directory")
        return self.directory

    def _entry_name(self, candidate: Candidate, options: LoadOptions) -> str:
        identity = "\x1f".join(
            (
                __version__,
                code_fingerprint(),
                candidate.format,
                os.path.abspath(candidate.path),
                options.cache_key(),
            )
        )
        return hashlib.sha256(identity.encode()).hexdigest()[:40] + ".bin"

    def _cipher(self) -> AESGCM:
        # A key of its own for the entries, derived from the user key.
        return AESGCM(hmac.new(self.mac_key, b"faasguard cache entries v1", "sha256").digest())

    def get(self, candidate: Candidate, options: LoadOptions) -> App | None:
        """The cached model when every file it was built from is unchanged, else ``None``."""
        name = self._entry_name(candidate, options)
        try:
            self.check()
            blob = _read_regular(self.directory / name, MAX_ENTRY_BYTES)
            payload = self._cipher().decrypt(blob[:_NONCE_SIZE], blob[_NONCE_SIZE:], name.encode())
        except (OSError, CacheUnavailableError, InvalidTag, ValueError):
            return None
        try:
            hashes, app = pickle.loads(payload)
        except Exception:
            return None
        if not isinstance(app, App) or not isinstance(hashes, dict):
            return None
        if _directory_listing(candidate) != hashes.get("\x00listing"):
            return None
        for file, digest in hashes.items():
            if file != "\x00listing" and _hash_file(file) != digest:
                return None
        return app

    def put(self, candidate: Candidate, options: LoadOptions, app: App) -> None:
        """Store ``app``; failures to write (read-only tree, full disk, a link in the way)
        are silently skipped."""
        hashes: dict[str, str | None] = {file: _hash_file(file) for file in app.files}
        hashes.setdefault(candidate.path, _hash_file(candidate.path))
        hashes["\x00listing"] = _directory_listing(candidate)
        try:
            payload = pickle.dumps((hashes, app), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return
        name = self._entry_name(candidate, options)
        try:
            self.check()
            nonce = os.urandom(_NONCE_SIZE)
            sealed = nonce + self._cipher().encrypt(nonce, payload, name.encode())
            directory = self._make_directory()
            _write_gitignore(directory)
            _write_new(directory, name, sealed)
        except (OSError, CacheUnavailableError):
            return


def _write_gitignore(directory: Path) -> None:
    """``*`` in ``directory/.gitignore`` unless something (even a dangling link) is there."""
    try:
        fd = os.open(
            directory / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644
        )
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("*\n")


def _directory_listing(candidate: Candidate) -> str | None:
    """For Terraform roots, the sorted ``.tf`` file names: a new file invalidates the entry."""
    if not os.path.isdir(candidate.path):
        return None
    try:
        names = sorted(n for n in os.listdir(candidate.path) if n.endswith((".tf", ".tfvars")))
    except OSError:
        return None
    return "\n".join(names)
