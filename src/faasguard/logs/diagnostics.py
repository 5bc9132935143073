"""Counted diagnostics about the log input: never a silent drop, never a stopped run.

Malformed input (truncated gzip, invalid JSON, binary junk, enormous lines, bad timestamps,
lines of no known shape) is counted per code, with the first few locations kept, so a
1-GB input with a million bad lines yields one readable diagnostic per problem, not a
million. Counts merge associatively (worker processes, Spark partitions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from faasguard.model import Diagnostic, DiagnosticLevel, Location

_KEEP_LOCATIONS = 3

#: Codes, their level and what they mean (the text the report shows).
CODES: dict[str, tuple[DiagnosticLevel, str]] = {
    "truncated-gzip": (DiagnosticLevel.WARNING, "gzip stream ends early (truncated file)"),
    "corrupt-gzip": (
        DiagnosticLevel.WARNING,
        "gzip data is corrupt; the rest of the file was skipped",
    ),
    "inflate-limit": (
        DiagnosticLevel.WARNING,
        "gzip data inflates beyond the limit (a compression bomb?); the rest was skipped",
    ),
    "invalid-json": (DiagnosticLevel.WARNING, "invalid JSON"),
    "invalid-utf8": (DiagnosticLevel.INFO, "bytes that are not UTF-8 (replaced)"),
    "dense-lines": (
        DiagnosticLevel.WARNING,
        "lines averaging under 16 bytes over a block (a newline bomb?), skipped",
    ),
    "long-line": (DiagnosticLevel.INFO, "line longer than the limit (truncated for analysis)"),
    "bad-timestamp": (
        DiagnosticLevel.INFO,
        "timestamp that does not parse (line kept, left out of time windows)",
    ),
    "unknown-line": (DiagnosticLevel.INFO, "line of no known log shape (kept as unknown)"),
    "unknown-function": (
        DiagnosticLevel.WARNING,
        "function name not found in the path or the record (use --function-name)",
    ),
    "unreadable": (DiagnosticLevel.ERROR, "file could not be read"),
    "not-a-file": (DiagnosticLevel.ERROR, "not a regular file (FIFO, device, ...); not read"),
    "too-large": (DiagnosticLevel.WARNING, "JSON document larger than the limit, skipped"),
    "no-deployer-known": (
        DiagnosticLevel.WARNING,
        "no deployer known: CloudTrail changes are not judged by who made them; name the "
        "pipeline in [logs.deployers] of faasguard.toml or keep the history",
    ),
}


@dataclass(slots=True)
class DiagnosticCounter:
    """Counts per (code, source) with the first locations of each."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    first: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, code: str, source: str, where: str = "", count: int = 1) -> None:
        """Count ``count`` occurrences of ``code`` in ``source`` (``where``: offset/line)."""
        if count <= 0:
            return
        key = (code, source)
        self.counts[key] = self.counts.get(key, 0) + count
        places = self.first.setdefault(key, [])
        if where and len(places) < _KEEP_LOCATIONS:
            places.append(where)

    def merge(self, other: DiagnosticCounter) -> DiagnosticCounter:
        """Add ``other``'s counts into this counter (returns ``self``)."""
        for key, count in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + count
            places = self.first.setdefault(key, [])
            for where in other.first.get(key, []):
                if len(places) < _KEEP_LOCATIONS:
                    places.append(where)
        return self

    def total(self, code: str) -> int:
        """How many times ``code`` occurred over every source."""
        return sum(n for (c, _), n in self.counts.items() if c == code)

    def to_diagnostics(self) -> list[Diagnostic]:
        """One report diagnostic per (code, source), sorted for stable output."""
        out = []
        for (code, source), count in sorted(self.counts.items()):
            level, text = CODES.get(code, (DiagnosticLevel.WARNING, code))
            places = self.first.get((code, source), [])
            at = f" (first at {', '.join(places)})" if places else ""
            line = 0
            if places and places[0].startswith("line "):
                digits = places[0].split()[1].rstrip(",")
                line = int(digits) if digits.isdigit() else 0
            out.append(
                Diagnostic(
                    level=level,
                    message=f"{count} x {text}{at}",
                    location=Location(file=source, line=line),
                    code=f"logs-{code}",
                )
            )
        return out
