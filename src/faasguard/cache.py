"""A content-addressed cache of loaded models, so an unchanged tree rescans near-instantly.

Entries live in ``.faasguard/cache`` below the scanned root (or ``--cache-dir``). Each entry is
a pickled :class:`~faasguard.model.App` plus the SHA-256 of every file the loader read, and is
used only when all of those files still hash the same.

Security: unpickling attacker-controlled bytes runs code, and a cache directory inside a
repository can be committed by anyone who can open a pull request. Every entry is therefore
authenticated with an HMAC whose key lives in the user's own cache directory (mode 0600),
never in the repository; an entry whose MAC does not verify is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
from pathlib import Path

from faasguard import __version__
from faasguard.config import LoadOptions
from faasguard.loaders import Candidate
from faasguard.model import App

_MAC_SIZE = 32


def _key() -> bytes:
    import platformdirs  # noqa: PLC0415 - only needed when caching is on

    key_dir = Path(platformdirs.user_cache_dir("faasguard"))
    key_file = key_dir / "cache-key"
    try:
        data = key_file.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    key_dir.mkdir(parents=True, exist_ok=True)
    data = secrets.token_bytes(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return data


def _hash_file(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class ModelCache:
    """Load and store :class:`App` models keyed by the candidate and the loader options."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)
        self._mac_key: bytes | None = None

    @property
    def mac_key(self) -> bytes:
        """The per-user HMAC key (created on first use)."""
        if self._mac_key is None:
            self._mac_key = _key()
        return self._mac_key

    def _entry_path(self, candidate: Candidate, options: LoadOptions) -> Path:
        identity = "\x1f".join(
            (__version__, candidate.format, os.path.abspath(candidate.path), options.cache_key())
        )
        return self.directory / (hashlib.sha256(identity.encode()).hexdigest()[:40] + ".bin")

    def get(self, candidate: Candidate, options: LoadOptions) -> App | None:
        """The cached model when every file it was built from is unchanged, else ``None``."""
        path = self._entry_path(candidate, options)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        mac, payload = blob[:_MAC_SIZE], blob[_MAC_SIZE:]
        expected = hmac.new(self.mac_key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
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
        """Store ``app``; failures to write (read-only tree, full disk) are silently skipped."""
        hashes: dict[str, str | None] = {file: _hash_file(file) for file in app.files}
        hashes.setdefault(candidate.path, _hash_file(candidate.path))
        hashes["\x00listing"] = _directory_listing(candidate)
        try:
            payload = pickle.dumps((hashes, app), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return
        mac = hmac.new(self.mac_key, payload, hashlib.sha256).digest()
        path = self._entry_path(candidate, options)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            gitignore = self.directory / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n", encoding="utf-8")
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(mac + payload)
            os.replace(tmp, path)
        except OSError:
            return


def _directory_listing(candidate: Candidate) -> str | None:
    """For Terraform roots, the sorted ``.tf`` file names: a new file invalidates the entry."""
    if not os.path.isdir(candidate.path):
        return None
    try:
        names = sorted(n for n in os.listdir(candidate.path) if n.endswith((".tf", ".tfvars")))
    except OSError:
        return None
    return "\n".join(names)
