"""The loader of ``unreadable`` candidates: what discovery could not look into.

A subdirectory that cannot be listed (``PermissionError``) or a file discovery would read
that is no regular file (a FIFO named ``serverless.yml``, a link to ``/dev/zero``) cannot
be scanned; rather than leave it out silently, discovery hands it here and the scan gets an
error diagnostic naming the path and the reason. Nothing is read: the path is only
inspected again (``lstat``/``stat``, listing a directory) to say why.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from faasguard.config import LoadOptions
from faasguard.loaders.files import kind_of
from faasguard.model import App, Diagnostic, DiagnosticLevel, Location

#: The code of a load error that the model cache must not store (the engine's LOAD_ERROR).
_LOAD_ERROR = "load-error"


def reason(path: str) -> str:
    """Why ``path`` could not be scanned, in a few words."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        try:
            with os.scandir(path):
                pass
        except OSError as exc:
            return f"cannot list directory: {exc.strerror or exc}; its files were not scanned"
        return "directory could not be listed; its files were not scanned"
    return f"not a regular file ({kind_of(mode)}); not read"


class UnreadableLoader:
    """Turns an ``unreadable`` candidate into an app holding only its diagnostic."""

    formats = frozenset({"unreadable"})

    def load(self, path: str, options: LoadOptions, *, fmt: str) -> App:
        """An empty app with an error diagnostic naming ``path``; never raises."""
        del options, fmt  # nothing to configure: the path is not read
        return App(
            name=Path(path).name or path,
            format="unreadable",
            root_file=path,
            files=(),
            diagnostics=(
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=reason(path),
                    location=Location(file=path),
                    code=_LOAD_ERROR,
                ),
            ),
        )

    def warm_up(self) -> None:
        """Nothing to prepare."""


LOADER = UnreadableLoader()
