"""Secret redaction in everything the handler logs: :mod:`logging` records (every logger,
through the record factory, so also handlers that write to Lambda's telemetry pipe) and
``print``/``sys.stdout``/``sys.stderr`` writes. The detectors are the scanner's
(:func:`faasguard.secrets.redact_text`: detect-secrets plugins, secret-named values, URL
credentials, high-entropy tokens).

What is not redacted: tracebacks formatted after the record was made, and anything written
to the file descriptors directly (``os.write(1, ...)``) or by native code.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from faasguard.secrets import redact_text

_installed: list[bool] = []  # non-empty once installed (once per process)


class RedactingStream:
    """A text stream that redacts each write before passing it on."""

    def __init__(self, inner: TextIO) -> None:
        self.faasguard_inner = inner

    def write(self, text: str) -> int:
        """Write ``text`` with its secrets redacted."""
        self.faasguard_inner.write(redact_text(text) if len(text) >= 8 else text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.faasguard_inner, name)


def install() -> None:
    """Redact from now on (once per process)."""
    if _installed:
        return
    _installed.append(True)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name == "faasguard.guard":
            return record
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: logging reports it itself
            return record
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return record

    logging.setLogRecordFactory(factory)
    sys.stdout = RedactingStream(sys.stdout)
    sys.stderr = RedactingStream(sys.stderr)
